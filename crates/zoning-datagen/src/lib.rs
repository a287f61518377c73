//! Builds the shipped registry, `data/zones.geojson`, reproducibly from:
//! - `data/registry.toml`: which public fact each zone takes, its place in the
//!   plan, and the labelled placeholders the resolution's counts need;
//! - `data/sources/zones-public-facts.csv`: names, districts, areas, sources;
//! - `data/targets.toml`: the totals placeholder areas are chosen to meet;
//! - `data/registry-bac-ninh.toml`: the former Bắc Ninh's zones, after them;
//! - `data/admin-2025/bac-{giang,ninh}-former-dissolved-from-communes.geojson`:
//!   where boundaries may go (each zone in the former province of its target
//!   set; a zone of the former Bắc Ninh of its declared area in EPSG:9209).
//!
//! Boundaries are illustrative rectangles in the legal grid (EPSG:9214), of
//! exactly the declared area, placed by a seeded random search near the
//! district's seat (placeholders anywhere in the province), inside the
//! province, at least [`GAP_M`] from other zones. Expansion parts share a whole
//! side with the zone they extend; a merged CCN sits in the middle of its KCN.
#![forbid(unsafe_code)]

pub mod spec;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use geo::{BoundingRect, Contains, Intersects, MapCoords};
use geo_types::{coord, Coord, MultiPolygon, Polygon, Rect};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use zoning_core::area::M2_PER_HA;
use zoning_core::crs::{GridTransform, LegalGrid};
use zoning_core::targets::Targets;
use zoning_core::{
    Basis, GeometrySource, InfrastructureStatus, PlanAction, SourceDocument, Zone, ZoneKind,
};

use spec::{Entry, Fact, Spec};

/// Minimum distance between the boundaries of unrelated zones, metres.
pub const GAP_M: f64 = 150.0;

const RESOLUTION_URL: &str =
    "https://www.talkvietnam.org/2021/07/bac-giang-industrial-parks-to-cover-7840-hectares-by-2030/";

/// Reads the inputs under `data` and returns the text of `zones.geojson`.
///
/// # Errors
/// When an input is missing or inconsistent, or no place is found for a zone.
pub fn generate(data: &Path) -> anyhow::Result<String> {
    let read = |p: &str| {
        std::fs::read_to_string(data.join(p))
            .with_context(|| format!("reading {}", data.join(p).display()))
    };
    let mut spec: Spec = toml::from_str(&read("registry.toml")?).context("data/registry.toml")?;
    let more: spec::MoreZones =
        toml::from_str(&read("registry-bac-ninh.toml")?).context("data/registry-bac-ninh.toml")?;
    spec.zones.extend(more.zones);
    let targets = Targets::parse(&read("targets.toml")?, "data/targets.toml")?;
    let facts = read_facts(&read("sources/zones-public-facts.csv")?)?;
    let t = GridTransform::new()?;
    let outline = |file: &str| -> anyhow::Result<MultiPolygon> {
        Ok(
            zoning_core::io::geojson::read_features(&read(file)?, file, &t)?
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("{file} has no feature"))?
                .grid,
        )
    };
    let regions = Regions {
        bac_giang: outline("admin-2025/bac-giang-former-dissolved-from-communes.geojson")?,
        bac_ninh: outline("admin-2025/bac-ninh-former-dissolved-from-communes.geojson")?,
    };

    let mut entries: Vec<Entry> = spec.zones.clone();
    for block in &spec.placeholders {
        entries.extend(block.entries());
    }
    let mut zones = entries
        .iter()
        .map(|e| build_zone(e, &facts))
        .collect::<anyhow::Result<Vec<_>>>()?;
    solve_areas(&spec, &entries, &targets, &mut zones)?;
    draw(&spec, &regions, &t, &mut zones)?;
    to_legal_area(&t, &mut zones)?;
    let registry = zoning_core::registry::Registry::new(zones, "data/registry.toml")?;
    Ok(zoning_core::io::geojson::write_zones(registry.zones(), &t)? + "\n")
}

fn read_facts(text: &str) -> anyhow::Result<HashMap<(ZoneKind, String), Fact>> {
    let mut out = HashMap::new();
    for row in csv::Reader::from_reader(text.as_bytes()).deserialize::<Fact>() {
        let f = row.context("data/sources/zones-public-facts.csv")?;
        out.insert((f.kind, f.name_vi.clone()), f);
    }
    Ok(out)
}

fn plan_action(e: &Entry) -> anyhow::Result<PlanAction> {
    let need = |v: &Option<String>, what: &str| {
        v.clone()
            .ok_or_else(|| anyhow!("{}: plan_action {} needs {what}", e.code, e.plan_action))
    };
    Ok(match e.plan_action.as_str() {
        "existing" => PlanAction::Existing,
        "new" => PlanAction::New,
        "removed" => PlanAction::Removed,
        "expansion" => PlanAction::Expansion {
            expansion_of: need(&e.expansion_of, "expansion_of")?,
        },
        "merged" => PlanAction::Merged {
            merged_into: need(&e.merged_into, "merged_into")?,
        },
        other => bail!("{}: unknown plan_action {other}", e.code),
    })
}

fn build_zone(e: &Entry, facts: &HashMap<(ZoneKind, String), Fact>) -> anyhow::Result<Zone> {
    let fact = match &e.fact {
        Some(name) => {
            let kind = e.kind.unwrap_or(if e.code.starts_with("CCN") {
                ZoneKind::Ccn
            } else {
                ZoneKind::Kcn
            });
            Some(facts.get(&(kind, name.clone())).ok_or_else(|| {
                anyhow!(
                    "{}: no {} row named {name} in the facts CSV",
                    e.code,
                    kind.as_str()
                )
            })?)
        }
        None => None,
    };
    let kind = e
        .kind
        .or(fact.map(|f| f.kind))
        .ok_or_else(|| anyhow!("{}: no kind", e.code))?;
    let name_vi = e
        .name_vi
        .clone()
        .or(fact.map(|f| f.name_vi.clone()))
        .ok_or_else(|| anyhow!("{}: no name", e.code))?;
    let district_vi = e
        .district_vi
        .clone()
        .or(fact.map(|f| f.district_vi.clone()))
        .filter(|d| !d.is_empty());
    // An entry marked derived or placeholder without an area of its own gets
    // its area from its group, whatever area the fact row gives.
    let solve =
        e.area_ha.is_none() && matches!(e.area_basis, Some(Basis::Derived | Basis::Placeholder));
    let area = if solve {
        None
    } else {
        e.area_ha.or(fact.and_then(|f| f.area_ha))
    };
    let mut sources: Vec<SourceDocument> = fact.map(Fact::sources).unwrap_or_default();
    sources.extend(e.sources.iter().cloned());
    let name_basis = e.name_basis.unwrap_or(Basis::Sourced);
    if name_basis == Basis::Placeholder {
        // The resolution is the source of the zone's existence (its count).
        sources.push(SourceDocument {
            url: Some(RESOLUTION_URL.into()),
            ..SourceDocument::default()
        });
    }
    let mut notes: Vec<String> = e.note.iter().cloned().collect();
    if let (Some(f), Some(_)) = (fact, &e.fact) {
        if f.status_in_plan.is_empty() && e.plan_basis.is_none() {
            bail!("{}: the facts give no status in the plan; set plan_basis (derived or placeholder) and say why in the note", e.code);
        }
    }
    notes.extend(e.area_note.iter().cloned());
    Ok(Zone {
        code: e.code.clone(),
        kind,
        name_vi,
        name_basis,
        district_vi,
        communes_vi: e.communes_vi.clone(),
        declared_area_ha: area.unwrap_or(f64::NAN),
        area_basis: e.area_basis.unwrap_or(if area.is_some() {
            Basis::Sourced
        } else {
            Basis::Placeholder
        }),
        plan: plan_action(e)?,
        plan_basis: e.plan_basis.unwrap_or(Basis::Sourced),
        sources,
        infrastructure: e.infrastructure.unwrap_or(InfrastructureStatus::Unknown),
        in_use_since: e.in_use_since.clone(),
        place: match e.target_set.as_deref() {
            None | Some(zoning_core::zone::BAC_GIANG_TARGETS) => {
                zoning_core::zone::Place::default()
            }
            Some(set @ zoning_core::zone::BAC_NINH_TARGETS) => zoning_core::zone::Place {
                target_set: Some(set.to_owned()),
                grid_crs: Some(LegalGrid::Tm3_105_30.code().to_owned()),
                ..zoning_core::zone::Place::default()
            },
            Some(other) => bail!("{}: unknown target_set {other}", e.code),
        },
        geometry_source: GeometrySource::Illustrative,
        note: if notes.is_empty() {
            None
        } else {
            Some(notes.join(" "))
        },
        grid: MultiPolygon::new(vec![]),
    })
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Fills the areas left open so each group meets its total; a record's share
/// is its own land (its area less the CCNs merged into it).
fn solve_areas(
    spec: &Spec,
    entries: &[Entry],
    targets: &Targets,
    zones: &mut [Zone],
) -> anyhow::Result<()> {
    let merged_land = |zones: &[Zone], code: &str| -> f64 {
        zones
            .iter()
            .filter(
                |z| matches!(&z.plan, PlanAction::Merged { merged_into } if merged_into == code),
            )
            .map(|z| z.declared_area_ha)
            .sum()
    };
    for (name, group) in &spec.area_groups {
        let mut total = 0.0;
        for term in &group.total {
            let (sign, key) = term
                .strip_prefix('-')
                .map_or((1.0, term.as_str()), |k| (-1.0, k));
            let area = targets
                .lines
                .get(key)
                .and_then(|l| l.area_ha)
                .ok_or_else(|| anyhow!("area group {name}: targets.toml has no area for {key}"))?;
            total += sign * area;
        }
        let members: Vec<usize> = (0..entries.len())
            .filter(|&i| &entries[i].area_group == name)
            .collect();
        let open: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| zones[i].declared_area_ha.is_nan())
            .collect();
        let fixed: f64 = members
            .iter()
            .filter(|&&i| !zones[i].declared_area_ha.is_nan())
            .map(|&i| zones[i].declared_area_ha - merged_land(zones, &zones[i].code))
            .sum();
        if open.is_empty() {
            continue;
        }
        let rest = total - fixed;
        let n = open.len() as f64;
        let share = round2(rest / n);
        for (k, &i) in open.iter().enumerate() {
            let own = if k + 1 == open.len() {
                round2(rest - share * (n - 1.0))
            } else {
                share
            };
            let merged = merged_land(zones, &zones[i].code);
            let z = &mut zones[i];
            z.declared_area_ha = round2(own + merged);
            let how = format!(
                "chosen so that the resolution's total holds: ({} {total:.2} ha − {fixed:.2} ha of the group's records with a known area) / {} = {own:.2} ha",
                group.total.join(" "),
                open.len()
            );
            let what = if z.area_basis == Basis::Derived {
                "Derived area"
            } else {
                "Placeholder area"
            };
            let mut note = format!("{what}, {how}");
            if merged > 0.0 {
                let _ = write!(note, ", plus {merged:.2} ha of the CCN merged into it");
            }
            note.push('.');
            z.note = Some(match z.note.take() {
                Some(n) => format!("{n} {note}"),
                None => note,
            });
        }
    }
    if let Some(z) = zones.iter().find(|z| z.declared_area_ha.is_nan()) {
        bail!("{}: no area and no area group to derive one from", z.code);
    }
    Ok(())
}

fn rect(min: Coord, max: Coord) -> Rect {
    Rect::new(min, max)
}

fn grown(r: &Rect, d: f64) -> Rect {
    rect(
        coord! { x: r.min().x - d, y: r.min().y - d },
        coord! { x: r.max().x + d, y: r.max().y + d },
    )
}

/// Rectangles of a zone and its expansion parts: base centred on `c`, parts
/// on the east, north, west and south sides in turn, each sharing that side.
fn footprint(c: Coord, base_m2: f64, aspect: f64, parts_m2: &[f64]) -> Vec<Rect> {
    let w = (base_m2 * aspect).sqrt();
    let h = base_m2 / w;
    let base = rect(
        coord! { x: c.x - w / 2.0, y: c.y - h / 2.0 },
        coord! { x: c.x + w / 2.0, y: c.y + h / 2.0 },
    );
    let mut out = vec![base];
    for (i, a) in parts_m2.iter().enumerate() {
        let (lo, hi) = (base.min(), base.max());
        out.push(match i % 4 {
            0 => rect(
                coord! { x: hi.x, y: lo.y },
                coord! { x: hi.x + a / h, y: hi.y },
            ),
            1 => rect(
                coord! { x: lo.x, y: hi.y },
                coord! { x: hi.x, y: hi.y + a / w },
            ),
            2 => rect(
                coord! { x: lo.x - a / h, y: lo.y },
                coord! { x: lo.x, y: hi.y },
            ),
            _ => rect(
                coord! { x: lo.x, y: lo.y - a / w },
                coord! { x: hi.x, y: lo.y },
            ),
        });
    }
    out
}

/// Where the boundaries may go: each former province.
struct Regions {
    bac_giang: MultiPolygon,
    bac_ninh: MultiPolygon,
}

impl Regions {
    /// The former province a zone is drawn in: the one of its target set.
    fn of(&self, z: &Zone) -> &MultiPolygon {
        if z.target_set() == zoning_core::zone::BAC_NINH_TARGETS {
            &self.bac_ninh
        } else {
            &self.bac_giang
        }
    }
}

/// Scales each zone of the former Bắc Ninh, with its expansion parts and the
/// CCNs merged into it (so shared edges stay shared), about its centre so that
/// its area in its legal grid, EPSG:9209, is its declared area: the plane's
/// scale there differs from that grid's by a few parts in ten thousand.
fn to_legal_area(t: &GridTransform, zones: &mut [Zone]) -> anyhow::Result<()> {
    let roots: Vec<usize> = (0..zones.len())
        .filter(|&i| {
            zones[i].legal_grid() != LegalGrid::Tm3_107
                && matches!(
                    zones[i].plan,
                    PlanAction::Existing | PlanAction::New | PlanAction::Removed
                )
        })
        .collect();
    for i in roots {
        let g = zones[i].legal_grid();
        let code = zones[i].code.clone();
        let family: Vec<usize> = (0..zones.len())
            .filter(|&j| {
                j == i
                    || matches!(&zones[j].plan, PlanAction::Expansion { expansion_of: o } | PlanAction::Merged { merged_into: o } if *o == code)
            })
            .collect();
        for _ in 0..3 {
            let legal = zoning_core::area::grid_area_m2(t.to_legal(&zones[i].grid, g)?.as_ref());
            let k = (zones[i].declared_area_ha * M2_PER_HA / legal).sqrt();
            let c = zones[i]
                .grid
                .bounding_rect()
                .map(geo::Rect::center)
                .ok_or_else(|| anyhow!("{code}: empty boundary"))?;
            for &j in &family {
                zones[j].grid = zones[j].grid.map_coords(|p| {
                    coord! {
                        x: c.x + (p.x - c.x) * k,
                        y: c.y + (p.y - c.y) * k,
                    }
                });
            }
        }
    }
    Ok(())
}

fn draw(
    spec: &Spec,
    regions: &Regions,
    t: &GridTransform,
    zones: &mut [Zone],
) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut anchors = HashMap::new();
    for (district, [lon, lat]) in &spec.anchors {
        let (x, y) = t.wgs84_to_grid(*lon, *lat)?;
        anchors.insert(district.clone(), coord! { x: x, y: y });
    }
    let fits = |province: &MultiPolygon, r: &Rect, placed: &[Rect]| {
        let p = r.to_polygon();
        p.exterior().0.iter().all(|c| province.contains(c))
            && !placed.iter().any(|q| grown(q, GAP_M).intersects(r))
            && province.contains(&p)
    };
    let mut placed: Vec<Rect> = Vec::new();
    let roots: Vec<usize> = (0..zones.len())
        .filter(|&i| {
            matches!(
                zones[i].plan,
                PlanAction::Existing | PlanAction::New | PlanAction::Removed
            )
        })
        .collect();
    for i in roots {
        let code = zones[i].code.clone();
        let parts: Vec<usize> = (0..zones.len())
            .filter(|&j| matches!(&zones[j].plan, PlanAction::Expansion { expansion_of } if *expansion_of == code))
            .collect();
        let parts_m2: Vec<f64> = parts
            .iter()
            .map(|&j| zones[j].declared_area_ha * M2_PER_HA)
            .collect();
        let base_m2 = zones[i].declared_area_ha * M2_PER_HA;
        let province = regions.of(&zones[i]);
        let bounds = province
            .bounding_rect()
            .ok_or_else(|| anyhow!("empty province"))?;
        let anchor = zones[i]
            .district_vi
            .as_deref()
            .and_then(|d| d.split(';').next())
            .and_then(|d| anchors.get(d.trim()))
            .copied();
        let mut found = None;
        for attempt in 0..20_000u32 {
            let centre = match anchor {
                Some(a) => {
                    let r = 300.0 + 25.0 * f64::from(attempt);
                    let angle: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
                    coord! { x: a.x + r * angle.cos(), y: a.y + r * angle.sin() }
                }
                None => coord! {
                    x: rng.gen_range(bounds.min().x..bounds.max().x),
                    y: rng.gen_range(bounds.min().y..bounds.max().y),
                },
            };
            let aspect: f64 = rng.gen_range(0.6..1.6);
            let rects = footprint(centre, base_m2, aspect, &parts_m2);
            if rects.iter().all(|r| fits(province, r, &placed)) {
                found = Some(rects);
                break;
            }
        }
        let rects =
            found.ok_or_else(|| anyhow!("{code}: found no free place inside the province"))?;
        for (k, r) in rects.iter().enumerate() {
            let target = if k == 0 { i } else { parts[k - 1] };
            zones[target].grid = MultiPolygon::new(vec![r.to_polygon()]);
        }
        placed.extend(rects);
    }
    // Merged CCNs: a square in the middle of the record they were merged into.
    for j in 0..zones.len() {
        let PlanAction::Merged { merged_into } = &zones[j].plan else {
            continue;
        };
        let host = zones
            .iter()
            .find(|z| &z.code == merged_into)
            .and_then(|z| z.grid.bounding_rect())
            .ok_or_else(|| {
                anyhow!(
                    "{}: merged_into {merged_into} has no boundary",
                    zones[j].code
                )
            })?;
        let side = (zones[j].declared_area_ha * M2_PER_HA).sqrt();
        if side >= host.width().min(host.height()) {
            bail!("{}: too large to lie inside {merged_into}", zones[j].code);
        }
        let c = host.center();
        let sq: Polygon = rect(
            coord! { x: c.x - side / 2.0, y: c.y - side / 2.0 },
            coord! { x: c.x + side / 2.0, y: c.y + side / 2.0 },
        )
        .to_polygon();
        zones[j].grid = MultiPolygon::new(vec![sq]);
    }
    Ok(())
}

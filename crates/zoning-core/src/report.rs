//! The reconciliation: the registry's counts and areas, computed from the zone
//! records, set line by line beside the resolution's targets.
//!
//! Land is counted once. A CCN merged into a KCN lies inside that KCN's
//! boundary, and the KCN's declared area includes it; the KCN's *own* land is
//! its area less the merged CCNs'. So "new", "expanded" and "merged" are
//! disjoint, and together they make the land added to the KCN of 2021.

use serde::Serialize;

use crate::area::Areas;
use crate::crs::GridTransform;
use crate::error::Result;
use crate::registry::Registry;
use crate::targets::{Comparison, Targets};
use crate::zone::{InfrastructureStatus, PlanAction, Zone, ZoneKind};

pub use crate::targets::LINE_KEYS;

fn labels(key: &str) -> (&'static str, &'static str) {
    match key {
        "kcn_existing_2021" => ("KCN hiện có năm 2021", "KCN existing in 2021"),
        "kcn_new" => ("KCN thành lập mới", "KCN newly established"),
        "kcn_expanded" => ("KCN mở rộng", "KCN expanded"),
        "ccn_merged_into_kcn" => ("CCN chuyển thành KCN", "CCN merged into KCN"),
        "kcn_added" => ("Đất KCN tăng thêm", "KCN land added"),
        "kcn_2030" => ("KCN đến năm 2030", "KCN in 2030"),
        "ccn_existing_2021" => ("CCN trong quy hoạch năm 2021", "CCN in the plan of 2021"),
        "ccn_new" => ("CCN thành lập mới", "CCN newly established"),
        "ccn_expanded" => ("CCN mở rộng", "CCN expanded"),
        "ccn_added" => ("Đất CCN tăng thêm", "CCN land added"),
        "ccn_removed" => ("CCN đưa ra khỏi quy hoạch", "CCN removed from the plan"),
        "ccn_2030" => ("CCN đến năm 2030", "CCN in 2030"),
        "kcn_in_use_by_2025" => (
            "KCN hoàn thành hạ tầng 2021–2025",
            "KCN with infrastructure in use, 2021–2025",
        ),
        "ccn_in_use_by_2025" => (
            "CCN hoàn thành hạ tầng 2021–2025",
            "CCN with infrastructure in use, 2021–2025",
        ),
        _ => ("", ""),
    }
}

/// One line of the reconciliation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// Stable key, e.g. `kcn_2030`.
    pub key: &'static str,
    /// `Vietnamese / English`.
    pub label: String,
    /// Vietnamese label.
    pub label_vi: &'static str,
    /// English label.
    pub label_en: &'static str,
    /// The resolution's count, when it gives one.
    pub target_count: Option<u32>,
    /// `equal` or `at_least`.
    pub comparison: Comparison,
    /// What the registry counts.
    pub count: u32,
    /// `count − target_count`.
    pub count_difference: Option<i64>,
    /// Whether the count meets its target (`None` without a target).
    pub count_met: Option<bool>,
    /// The resolution's area, ha, when it gives one.
    pub target_area_ha: Option<f64>,
    /// Sum of declared (legal) areas, ha.
    pub declared_area_ha: f64,
    /// `declared_area_ha − target_area_ha`.
    pub area_difference_ha: Option<f64>,
    /// Sum of grid areas in EPSG:9214, ha.
    pub grid_area_ha: f64,
    /// Sum of geodesic areas on WGS84, ha.
    pub geodesic_area_ha: f64,
    /// The codes of the records counted.
    pub codes: Vec<String>,
}

/// The whole reconciliation.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    /// The document the targets come from.
    pub targets_source: String,
    /// The lines, in [`LINE_KEYS`] order.
    pub lines: Vec<Line>,
}

/// Declared, grid and geodesic area of a set of land, ha.
#[derive(Debug, Clone, Copy)]
struct Land {
    declared: f64,
    areas: Areas,
}

impl std::ops::Add for Land {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            declared: self.declared + o.declared,
            areas: self.areas + o.areas,
        }
    }
}

impl std::ops::Sub for Land {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self {
            declared: self.declared - o.declared,
            areas: self.areas - o.areas,
        }
    }
}

const NO_LAND: Land = Land {
    declared: 0.0,
    areas: Areas::ZERO,
};

/// One computed line before its target is set beside it.
struct Raw {
    key: &'static str,
    count: usize,
    land: Land,
    codes: Vec<String>,
}

struct Accounts<'a> {
    registry: &'a Registry,
    land: Vec<Land>,
    /// The target set whose zones are counted.
    set: &'a str,
}

impl Accounts<'_> {
    fn zone(&self, i: usize) -> &Zone {
        &self.registry.zones()[i]
    }

    fn full(&self, i: usize) -> Land {
        self.land[i]
    }

    /// A record's land less the CCNs merged into it.
    fn own(&self, i: usize) -> Land {
        let code = &self.zone(i).code;
        (0..self.land.len())
            .filter(|&j| matches!(&self.zone(j).plan, PlanAction::Merged { merged_into } if merged_into == code))
            .fold(self.full(i), |acc, j| acc - self.full(j))
    }

    fn select(&self, kind: ZoneKind, f: impl Fn(&Zone) -> bool) -> Vec<usize> {
        (0..self.land.len())
            .filter(|&i| {
                let z = self.zone(i);
                z.kind == kind && z.target_set() == self.set && f(z)
            })
            .collect()
    }

    fn raw(&self, key: &'static str, idx: &[usize], land: impl Fn(usize) -> Land) -> Raw {
        Raw {
            key,
            count: idx.len(),
            land: idx.iter().map(|&i| land(i)).fold(NO_LAND, |a, b| a + b),
            codes: idx.iter().map(|&i| self.zone(i).code.clone()).collect(),
        }
    }

    /// Lines for the zones that received the expansion parts `idx`: their
    /// count and codes, the parts' own land.
    fn expanded(&self, key: &'static str, parts: &[usize]) -> Raw {
        let mut parents: Vec<String> = parts
            .iter()
            .filter_map(|&i| match &self.zone(i).plan {
                PlanAction::Expansion { expansion_of } => Some(expansion_of.clone()),
                _ => None,
            })
            .collect();
        parents.sort();
        parents.dedup();
        Raw {
            count: parents.len(),
            codes: parents,
            ..self.raw(key, parts, |i| self.own(i))
        }
    }

    /// The lines of one kind, in [`LINE_KEYS`] order.
    fn lines(&self, kind: ZoneKind) -> Vec<Raw> {
        use PlanAction as P;
        let kcn = kind == ZoneKind::Kcn;
        let key = |suffix: &str| -> &'static str {
            let prefix = if kcn { "kcn_" } else { "ccn_" };
            LINE_KEYS
                .iter()
                .find(|k| k.strip_prefix(prefix) == Some(suffix))
                .copied()
                .unwrap_or_default()
        };
        let kept = self.select(kind, |z| matches!(z.plan, P::Existing | P::New));
        let parts = self.select(kind, |z| matches!(z.plan, P::Expansion { .. }));
        // The KCN of 2021 are those kept; the CCN of 2021 include the ones
        // merged or removed since.
        let of_2021 = self.select(kind, |z| {
            matches!(z.plan, P::Existing)
                || (!kcn && matches!(z.plan, P::Merged { .. } | P::Removed))
        });
        let new = self.raw(key("new"), &self.select(kind, |z| z.plan == P::New), |i| {
            self.own(i)
        });
        let expanded = self.expanded(key("expanded"), &parts);
        let mut out = vec![self.raw(key("existing_2021"), &of_2021, |i| self.own(i))];
        let mut added = Raw {
            key: key("added"),
            count: new.count + expanded.count,
            land: new.land + expanded.land,
            codes: new.codes.iter().chain(&expanded.codes).cloned().collect(),
        };
        out.push(new);
        out.push(expanded);
        if kcn {
            let merged = self.select(ZoneKind::Ccn, |z| matches!(z.plan, P::Merged { .. }));
            let merged = self.raw("ccn_merged_into_kcn", &merged, |i| self.full(i));
            added.count += merged.count;
            added.land = added.land + merged.land;
            added.codes.extend(merged.codes.iter().cloned());
            out.push(merged);
            out.push(added);
        } else {
            out.push(added);
            let removed = self.select(kind, |z| z.plan == P::Removed);
            out.push(self.raw(key("removed"), &removed, |i| self.full(i)));
        }
        let land_2030: Vec<usize> = kept.iter().chain(&parts).copied().collect();
        out.push(Raw {
            count: kept.len(),
            codes: kept.iter().map(|&i| self.zone(i).code.clone()).collect(),
            ..self.raw(key("2030"), &land_2030, |i| self.full(i))
        });
        let in_use: Vec<usize> = kept
            .iter()
            .copied()
            .filter(|&i| in_use_2021_2025(self.zone(i)))
            .collect();
        out.push(self.raw(key("in_use_by_2025"), &in_use, |i| self.full(i)));
        out
    }
}

fn in_use_2021_2025(z: &Zone) -> bool {
    z.infrastructure == InfrastructureStatus::InUse
        && z.in_use_since
            .as_deref()
            .is_some_and(|d| ("2021-01-01"..="2025-12-31").contains(&d))
}

fn line(raw: &Raw, targets: &Targets) -> Line {
    let target = targets.lines.get(raw.key);
    let (label_vi, label_en) = labels(raw.key);
    let count = u32::try_from(raw.count).unwrap_or(u32::MAX);
    let target_count = target.and_then(|t| t.count);
    let comparison = target.map(|t| t.comparison).unwrap_or_default();
    let target_area_ha = target.and_then(|t| t.area_ha);
    Line {
        key: raw.key,
        label: format!("{label_vi} / {label_en}"),
        label_vi,
        label_en,
        target_count,
        comparison,
        count,
        count_difference: target_count.map(|t| i64::from(count) - i64::from(t)),
        count_met: target_count.map(|t| match comparison {
            Comparison::Equal => count == t,
            Comparison::AtLeast => count >= t,
        }),
        target_area_ha,
        declared_area_ha: round_declared(raw.land.declared),
        area_difference_ha: target_area_ha.map(|t| round_declared(raw.land.declared - t)),
        grid_area_ha: raw.land.areas.grid_area_ha,
        geodesic_area_ha: raw.land.areas.geodesic_area_ha,
        codes: raw.codes.clone(),
    }
}

impl Reconciliation {
    /// Computes every line from the zone records.
    ///
    /// # Errors
    /// When PROJ cannot transform a boundary to WGS84.
    pub fn compute(registry: &Registry, targets: &Targets, t: &GridTransform) -> Result<Self> {
        let areas = registry
            .zones()
            .iter()
            .map(|z| {
                Areas::in_grid(
                    &z.grid,
                    &t.multipolygon_to_wgs84(&z.grid)?,
                    z.legal_grid(),
                    t,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::with_areas(registry, targets, &areas))
    }

    /// Computes every line from the zone records and their areas, already
    /// known (`areas[i]` of `registry.zones()[i]`; the service's cache holds
    /// them), without PROJ.
    ///
    /// # Panics
    /// When `areas` is shorter than the registry's zones.
    #[must_use]
    pub fn with_areas(registry: &Registry, targets: &Targets, areas: &[Areas]) -> Self {
        let land = registry
            .zones()
            .iter()
            .zip(areas)
            .map(|(z, a)| Land {
                declared: z.declared_area_ha,
                areas: *a,
            })
            .collect();
        let accounts = Accounts {
            registry,
            land,
            set: &targets.source.target_set,
        };
        let mut raw = accounts.lines(ZoneKind::Kcn);
        raw.extend(accounts.lines(ZoneKind::Ccn));
        let lines = LINE_KEYS
            .iter()
            .filter_map(|key| raw.iter().find(|r| r.key == *key))
            .map(|r| line(r, targets))
            .collect();
        Self {
            targets_source: targets.source.title.clone(),
            lines,
        }
    }
}

impl Reconciliation {
    /// The lines as CSV: the JSON's fields but `codes` and `label_*`.
    ///
    /// # Errors
    /// Never in practice (writing to memory).
    pub fn to_csv(&self) -> std::result::Result<String, csv::Error> {
        let opt = |v: Option<String>| v.unwrap_or_default();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "key",
            "label",
            "target_count",
            "comparison",
            "count",
            "count_difference",
            "target_area_ha",
            "declared_area_ha",
            "area_difference_ha",
            "grid_area_ha",
            "geodesic_area_ha",
        ])?;
        for l in &self.lines {
            w.write_record([
                l.key.to_owned(),
                l.label.clone(),
                opt(l.target_count.map(|c| c.to_string())),
                match l.comparison {
                    Comparison::Equal => "equal".into(),
                    Comparison::AtLeast => "at_least".into(),
                },
                l.count.to_string(),
                opt(l.count_difference.map(|c| c.to_string())),
                opt(l.target_area_ha.map(|a| a.to_string())),
                format!("{:.4}", l.declared_area_ha),
                opt(l.area_difference_ha.map(|d| format!("{d:.4}"))),
                format!("{:.4}", l.grid_area_ha),
                format!("{:.4}", l.geodesic_area_ha),
            ])?;
        }
        let bytes = w.into_inner().map_err(csv::IntoInnerError::into_error)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Declared areas are decimal figures of at most a few decimals; their sums
/// are rounded to 1e-6 ha (0.01 m²) so that 1,322 reads 1322, not 1322.0000000000002.
fn round_declared(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[cfg(test)]
// Declared sums are rounded to 1e-6 ha, so small decimal sums compare exactly.
#[allow(clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::zone::{Basis, GeometrySource};
    use geo_types::{coord, MultiPolygon, Rect};

    /// A square of `ha` hectares with its south-west corner at (x, y) in the grid.
    fn zone(code: &str, kind: ZoneKind, plan: PlanAction, x: f64, ha: f64) -> Zone {
        let side = (ha * 10_000.0).sqrt();
        let y = 2_356_000.0;
        Zone {
            code: code.into(),
            kind,
            name_vi: code.into(),
            name_basis: Basis::Sourced,
            district_vi: None,
            communes_vi: vec![],
            declared_area_ha: ha,
            area_basis: Basis::Sourced,
            plan,
            plan_basis: Basis::Sourced,
            sources: vec![],
            infrastructure: InfrastructureStatus::Unknown,
            in_use_since: None,
            place: crate::zone::Place::default(),
            geometry_source: GeometrySource::Illustrative,
            note: None,
            grid: MultiPolygon::new(vec![Rect::new(
                coord! { x: x, y: y },
                coord! { x: x + side, y: y + side },
            )
            .to_polygon()]),
        }
    }

    fn targets() -> Targets {
        Targets::parse(
            "[source]\ntitle = \"t\"\nurls = []\n[lines.kcn_2030]\ncount = 2\narea_ha = 180\nbasis = \"stated\"\nnote = \"\"\n\
             [lines.kcn_in_use_by_2025]\ncount = 1\ncomparison = \"at_least\"\nbasis = \"stated\"\nnote = \"\"\n",
            "t.toml",
        )
        .expect("targets")
    }

    #[test]
    fn land_is_counted_once_and_parts_add_up() {
        use PlanAction as P;
        let mut old = zone("OLD", ZoneKind::Kcn, P::Existing, 400_000.0, 50.0);
        old.infrastructure = InfrastructureStatus::InUse;
        old.in_use_since = Some("2019-05-01".into());
        let mut new = zone("NEW", ZoneKind::Kcn, P::New, 410_000.0, 100.0);
        new.infrastructure = InfrastructureStatus::InUse;
        new.in_use_since = Some("2024-06-30".into());
        let zones = vec![
            old,
            zone(
                "OLD-MR",
                ZoneKind::Kcn,
                P::Expansion {
                    expansion_of: "OLD".into(),
                },
                420_000.0,
                30.0,
            ),
            new,
            // inside NEW's square, which already counts its land
            zone(
                "CCN-IN",
                ZoneKind::Ccn,
                P::Merged {
                    merged_into: "NEW".into(),
                },
                410_000.0,
                20.0,
            ),
            zone("CCN-GONE", ZoneKind::Ccn, P::Removed, 430_000.0, 7.0),
            zone("CCN-KEPT", ZoneKind::Ccn, P::Existing, 440_000.0, 5.0),
        ];
        let registry = Registry::new(zones, "test").expect("consistent");
        let t = GridTransform::new().expect("PROJ");
        let r = Reconciliation::compute(&registry, &targets(), &t).expect("report");
        let get = |k: &str| r.lines.iter().find(|l| l.key == k).expect(k);
        assert_eq!(get("kcn_existing_2021").declared_area_ha, 50.0);
        assert_eq!(
            get("kcn_new").declared_area_ha,
            80.0,
            "own land of NEW, less the merged CCN"
        );
        assert_eq!(
            (get("kcn_expanded").count, get("kcn_expanded").codes.clone()),
            (1, vec!["OLD".to_owned()])
        );
        assert_eq!(get("ccn_merged_into_kcn").declared_area_ha, 20.0);
        assert_eq!(get("kcn_added").declared_area_ha, 130.0);
        let kcn_2030 = get("kcn_2030");
        assert_eq!((kcn_2030.count, kcn_2030.declared_area_ha), (2, 180.0));
        assert_eq!(
            (kcn_2030.count_difference, kcn_2030.area_difference_ha),
            (Some(0), Some(0.0))
        );
        // the grid area of the squares is exact to floating point
        assert!((kcn_2030.grid_area_ha - 180.0).abs() < 1e-9);
        assert_eq!(
            get("ccn_existing_2021").count,
            3,
            "kept, merged and removed were all in the plan of 2021"
        );
        assert_eq!(get("ccn_2030").count, 1);
        assert_eq!(get("ccn_removed").declared_area_ha, 7.0);
        // only NEW came into use in 2021–2025
        let in_use = get("kcn_in_use_by_2025");
        assert_eq!((in_use.count, in_use.count_met), (1, Some(true)));
        assert_eq!(get("ccn_in_use_by_2025").target_count, None);
    }

    #[test]
    fn registry_refuses_dangling_references() {
        use PlanAction as P;
        let e = Registry::new(
            vec![zone(
                "A-MR",
                ZoneKind::Kcn,
                P::Expansion {
                    expansion_of: "A".into(),
                },
                400_000.0,
                1.0,
            )],
            "z.geojson",
        )
        .expect_err("dangling");
        assert!(
            e.to_string()
                .contains("z.geojson: zone A-MR: expansion_of names A"),
            "{e}"
        );
        let e = Registry::new(
            vec![
                zone("K", ZoneKind::Ccn, P::Existing, 400_000.0, 1.0),
                zone(
                    "C",
                    ZoneKind::Ccn,
                    P::Merged {
                        merged_into: "K".into(),
                    },
                    400_000.0,
                    1.0,
                ),
            ],
            "z.geojson",
        )
        .expect_err("merged into a CCN");
        assert!(e.to_string().contains("not a KCN"), "{e}");
        let e = Registry::new(
            vec![
                zone("K", ZoneKind::Kcn, P::New, 400_000.0, 1.0),
                zone("K", ZoneKind::Kcn, P::New, 400_000.0, 1.0),
            ],
            "z.geojson",
        )
        .expect_err("duplicate");
        assert!(e.to_string().contains("used twice"), "{e}");
    }

    #[test]
    fn targets_refuse_unknown_lines() {
        let e = Targets::parse(
            "[source]\ntitle = \"t\"\nurls = []\n[lines.kcn_2031]\nbasis = \"stated\"\nnote = \"\"\n",
            "t.toml",
        )
        .expect_err("unknown line");
        assert!(
            e.to_string()
                .contains("[lines.kcn_2031] is not a report line"),
            "{e}"
        );
    }
}

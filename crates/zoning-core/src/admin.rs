//! The administrative units of the province since 1 July 2025: its 99
//! communes and wards (with the units merged into each), the province they
//! make up, and the former Bắc Giang, the scope of the 2021–2030 resolution.
//!
//! A zone's communes are computed from its boundary ([`Admin::locate`]),
//! never typed: the share of the zone's area in each commune, largest first.
//! A zone whose bounding box meets no commune edge lies in one commune, which
//! one vertex tells; only a zone that crosses a commune line costs polygon
//! intersections (with the commune cropped to the zone's box).

use std::collections::BTreeMap;

use geo::{Area, BoundingRect, Contains};
use geo_types::{MultiPolygon, Point, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::checks::geometry::{
    crop, edge_tree, envelope, grown, intersection, meets_edge, EdgeTree,
};
use crate::crs::{GridTransform, LegalGrid};
use crate::error::{Error, Result};

/// The province a place belonged to before 1 July 2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum FormerProvince {
    /// Bắc Giang (code 24 before the merger as well).
    #[serde(rename = "Bắc Giang")]
    BacGiang,
    /// Bắc Ninh (code 27 before the merger).
    #[serde(rename = "Bắc Ninh")]
    BacNinh,
}

impl FormerProvince {
    /// Its name, `Bắc Giang` or `Bắc Ninh`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::BacGiang => "Bắc Giang",
            Self::BacNinh => "Bắc Ninh",
        }
    }

    /// The legal grid its surveys are in: TM-3 107-00 (EPSG:9214) for the
    /// former Bắc Giang, TM-3 105-30 (EPSG:9209) for the former Bắc Ninh.
    #[must_use]
    pub fn grid(self) -> LegalGrid {
        match self {
            Self::BacGiang => LegalGrid::Tm3_107,
            Self::BacNinh => LegalGrid::Tm3_105_30,
        }
    }

    /// The target set of its 2021–2030 plan.
    #[must_use]
    pub fn target_set(self) -> &'static str {
        match self {
            Self::BacGiang => crate::zone::BAC_GIANG_TARGETS,
            Self::BacNinh => crate::zone::BAC_NINH_TARGETS,
        }
    }

    /// Reads `Bắc Giang`, `Tỉnh Bắc Giang`, `Bắc Ninh`, … (NFC).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        if text.ends_with("Bắc Giang") {
            Some(Self::BacGiang)
        } else if text.ends_with("Bắc Ninh") {
            Some(Self::BacNinh)
        } else {
            None
        }
    }
}

/// A commune or ward of 2025.
#[derive(Debug, Clone)]
pub struct Commune {
    /// 5-digit code (Decision 19/2025/QĐ-TTg).
    pub code: String,
    /// Its full name, e.g. `Phường Bắc Giang`.
    pub name: String,
    /// `xã` or `phường`.
    pub kind: String,
    /// The former province of the units merged into it (none straddles the
    /// old provincial line).
    pub former_province: FormerProvince,
    /// The former districts of the units merged into it, e.g. `Huyện Việt Yên`.
    pub former_districts: Vec<String>,
    /// Its properties as published (with `code`).
    pub properties: Map<String, Value>,
    /// Boundary in the working plane (EPSG:9214).
    pub grid: MultiPolygon,
    /// Boundary in WGS84.
    pub wgs84: MultiPolygon,
    /// Its grid area in its own legal grid, ha (computed once).
    pub area_ha: f64,
}

/// A zone's share of area in one commune.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    /// The commune's code.
    pub code: String,
    /// Its full name.
    pub name: String,
    /// `xã` or `phường`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The part of the zone's area in it, 0–1 (4 decimals).
    pub share: f64,
}

/// Where a boundary lies: its communes, largest share first, and the former
/// province of most of its area.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Placement {
    /// The communes with at least [`MIN_SHARE`] of the area.
    pub communes: Vec<Share>,
    /// The former province holding most of the area (none when the boundary
    /// lies outside every commune).
    pub former_province: Option<FormerProvince>,
}

/// Shares below this (0.01 % of the zone's area) are not listed: they are
/// where a boundary drawn along a commune line wobbles across it.
pub const MIN_SHARE: f64 = 1e-4;

impl Placement {
    /// The managed properties it gives a zone: `communes` (code, name, type,
    /// share) and `former_province`.
    #[must_use]
    pub fn properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("communes".into(), json!(self.communes));
        if let Some(p) = self.former_province {
            m.insert("former_province".into(), json!(p.name()));
        }
        m
    }
}

type Boxed = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// The communes of 2025, the province and the former Bắc Giang.
pub struct Admin {
    communes: Vec<Commune>,
    boxes: RTree<Boxed>,
    edges: EdgeTree,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("communes", &self.communes.len())
            .finish_non_exhaustive()
    }
}

fn aabb(r: Rect) -> Rectangle<[f64; 2]> {
    Rectangle::from_aabb(AABB::from_corners(
        [r.min().x, r.min().y],
        [r.max().x, r.max().y],
    ))
}

impl Admin {
    /// Reads the communes from the GeoJSON of `data/admin-2025/` (`file`
    /// names it in messages) and brings them to the working plane.
    ///
    /// # Errors
    /// When the file cannot be read or a commune lacks its former province.
    pub fn new(communes_geojson: &str, file: &str, t: &GridTransform) -> Result<Self> {
        let features = crate::io::geojson::read_features(communes_geojson, file, t)?;
        let mut communes = Vec::with_capacity(features.len());
        for f in features {
            let text = |k: &str| {
                f.properties
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let list = |k: &str| -> Vec<String> {
                f.properties
                    .get(k)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let former_province = list("oldProvince")
                .iter()
                .find_map(|p| FormerProvince::parse(p))
                .ok_or_else(|| Error::Feature {
                    file: file.to_owned(),
                    feature: f.label(),
                    reason: "oldProvince names neither Bắc Giang nor Bắc Ninh".into(),
                })?;
            let mut properties = f.properties.clone();
            properties.insert("code".into(), json!(f.code));
            let area_ha = t.to_legal(&f.grid, former_province.grid())?.unsigned_area()
                / crate::area::M2_PER_HA;
            communes.push(Commune {
                area_ha,
                name: text("fullName"),
                kind: text("type"),
                former_districts: list("oldDistricts"),
                former_province,
                properties,
                code: f.code,
                grid: f.grid,
                wgs84: f.wgs84,
            });
        }
        let boxes = RTree::bulk_load(
            communes
                .iter()
                .enumerate()
                .filter_map(|(i, c)| Some(Boxed::new(aabb(c.grid.bounding_rect()?), i)))
                .collect(),
        );
        let edges = edge_tree(communes.iter().flat_map(|c| c.grid.0.iter()));
        Ok(Self {
            communes,
            boxes,
            edges,
        })
    }

    /// The communes, in file order.
    #[must_use]
    pub fn communes(&self) -> &[Commune] {
        &self.communes
    }

    /// The commune with this code.
    #[must_use]
    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.communes.iter().find(|c| c.code == code)
    }

    /// A feature's legal grid: its `grid_crs` property, else the grid its
    /// file was in (`given`), else the grid of the former province it lies in,
    /// else EPSG:9214.
    #[must_use]
    pub fn legal_grid(
        &self,
        properties: &Map<String, Value>,
        given: Option<LegalGrid>,
        plane: &MultiPolygon,
    ) -> LegalGrid {
        properties
            .get("grid_crs")
            .and_then(Value::as_str)
            .and_then(LegalGrid::parse)
            .or(given)
            .or_else(|| self.locate(plane).former_province.map(FormerProvince::grid))
            .unwrap_or(LegalGrid::Tm3_107)
    }

    /// The communes a boundary (working plane) lies in, with the share of its
    /// area in each, and its former province. A boundary that is not valid
    /// should be given repaired (its shoelace area may be nothing).
    ///
    /// # Examples
    /// ```
    /// use geo_types::{coord, MultiPolygon, Rect};
    /// use zoning_core::admin::{Admin, FormerProvince};
    /// use zoning_core::crs::GridTransform;
    ///
    /// let t = GridTransform::new().unwrap();
    /// let communes = r#"{"type":"FeatureCollection","features":[
    ///   {"type":"Feature","properties":{"code":"1","fullName":"Xã Một","type":"xã","oldProvince":["Tỉnh Bắc Giang"]},
    ///    "geometry":{"type":"Polygon","coordinates":[[[106.2,21.3],[106.21,21.3],[106.21,21.31],[106.2,21.31],[106.2,21.3]]]}},
    ///   {"type":"Feature","properties":{"code":"2","fullName":"Xã Hai","type":"xã","oldProvince":["Tỉnh Bắc Ninh"]},
    ///    "geometry":{"type":"Polygon","coordinates":[[[106.19,21.3],[106.2,21.3],[106.2,21.31],[106.19,21.31],[106.19,21.3]]]}}]}"#;
    /// let admin = Admin::new(communes, "communes", &t).unwrap();
    /// // a box astride the line between the two, three quarters in "1"
    /// let (x0, y0) = t.wgs84_to_grid(106.2, 21.302).unwrap();
    /// let zone = MultiPolygon::new(vec![Rect::new(coord! { x: x0 - 100.0, y: y0 }, coord! { x: x0 + 300.0, y: y0 + 100.0 }).to_polygon()]);
    /// let p = admin.locate(&zone);
    /// assert_eq!(p.communes.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(), ["1", "2"]);
    /// assert!((p.communes[0].share - 0.75).abs() < 1e-3);
    /// assert_eq!(p.former_province, Some(FormerProvince::BacGiang));
    /// ```
    #[must_use]
    pub fn locate(&self, grid: &MultiPolygon) -> Placement {
        let Some(rect) = grid.bounding_rect() else {
            return Placement::default();
        };
        let total = grid.unsigned_area();
        let crossing = meets_edge(&self.edges, rect);
        let near = self
            .boxes
            .locate_in_envelope_intersecting(&envelope(rect))
            .map(|b| b.data);
        let mut shares: Vec<(usize, f64)> = if crossing && total > 0.0 {
            let window = grown(rect, 1.0 + 0.01 * rect.width().max(rect.height()));
            near.filter_map(|i| {
                let inside = intersection(grid, &crop(&self.communes[i].grid, window))?;
                Some((i, inside.unsigned_area() / total))
            })
            .collect()
        } else {
            let vertex = grid
                .0
                .first()
                .and_then(|p| p.exterior().0.first())
                .map(|c| Point::from(*c));
            near.filter(|&i| vertex.is_some_and(|v| self.communes[i].grid.contains(&v)))
                .take(1)
                .map(|i| (i, 1.0))
                .collect()
        };
        shares.retain(|(_, s)| *s >= MIN_SHARE);
        shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut by_province: BTreeMap<FormerProvince, f64> = BTreeMap::new();
        for (i, s) in &shares {
            *by_province
                .entry(self.communes[*i].former_province)
                .or_default() += s;
        }
        let former_province = by_province
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(p, _)| p);
        Placement {
            communes: shares
                .into_iter()
                .map(|(i, s)| {
                    let c = &self.communes[i];
                    Share {
                        code: c.code.clone(),
                        name: c.name.clone(),
                        kind: c.kind.clone(),
                        share: (s * 1e4).round() / 1e4,
                    }
                })
                .collect(),
            former_province,
        }
    }
}

/// One commune's line of the report by commune (`zoning report --by commune`,
/// `/report?by=commune`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommuneLine {
    /// The commune's code.
    pub code: String,
    /// Its full name.
    pub name: String,
    /// `xã` or `phường`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its former province.
    pub former_province: FormerProvince,
    /// The former districts of the units merged into it.
    pub former_districts: Vec<String>,
    /// Its grid area in its legal grid, ha.
    pub area_ha: f64,
    /// Zones with land in it (of the 2030 plan: existing, new, expansion parts).
    pub zones: usize,
    /// Of which KCN.
    pub kcn: usize,
    /// Of which CCN.
    pub ccn: usize,
    /// KCN land in it, ha (each zone's grid area × its share here).
    pub kcn_ha: f64,
    /// CCN land in it, ha.
    pub ccn_ha: f64,
    /// (KCN + CCN land) / the commune's area.
    pub industry_share: f64,
    /// The zones, largest land here first.
    pub codes: Vec<String>,
}

impl Admin {
    /// The report by commune: every commune, with the zones of the 2030 plan
    /// that have land in it (a merged CCN lies inside its KCN and a removed
    /// zone is not land of the plan: neither counts), their land there and
    /// the share of the commune it is. `zones[i]` has the grid area
    /// `grid_area_ha[i]` (in its legal grid); its communes are its recorded
    /// `communes`, else computed here. Sorted by industrial land, largest
    /// first, then by code. No PROJ here: the communes' areas were computed
    /// when they were read, so an anonymous `/report?by=commune` costs a pass
    /// over the zones.
    #[must_use]
    pub fn industry(&self, zones: &[crate::Zone], grid_area_ha: &[f64]) -> Vec<CommuneLine> {
        use crate::zone::{PlanAction, ZoneKind};
        let mut lines: Vec<CommuneLine> = self
            .communes
            .iter()
            .map(|c| CommuneLine {
                code: c.code.clone(),
                name: c.name.clone(),
                kind: c.kind.clone(),
                former_province: c.former_province,
                former_districts: c.former_districts.clone(),
                area_ha: c.area_ha,
                zones: 0,
                kcn: 0,
                ccn: 0,
                kcn_ha: 0.0,
                ccn_ha: 0.0,
                industry_share: 0.0,
                codes: Vec::new(),
            })
            .collect();
        let index: std::collections::HashMap<&str, usize> = self
            .communes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code.as_str(), i))
            .collect();
        let mut land: Vec<Vec<(f64, String)>> = vec![Vec::new(); lines.len()];
        for (z, ha) in zones.iter().zip(grid_area_ha) {
            if matches!(z.plan, PlanAction::Merged { .. } | PlanAction::Removed) {
                continue;
            }
            let recorded: Option<Vec<(String, f64)>> = z.place.communes.as_ref().and_then(|v| {
                v.as_array().map(|a| {
                    a.iter()
                        .filter_map(|s| {
                            Some((s["code"].as_str()?.to_owned(), s["share"].as_f64()?))
                        })
                        .collect()
                })
            });
            let shares = recorded.unwrap_or_else(|| {
                self.locate(&z.grid)
                    .communes
                    .into_iter()
                    .map(|s| (s.code, s.share))
                    .collect()
            });
            for (code, share) in shares {
                let Some(&i) = index.get(code.as_str()) else {
                    continue;
                };
                let l = &mut lines[i];
                l.zones += 1;
                match z.kind {
                    ZoneKind::Kcn => {
                        l.kcn += 1;
                        l.kcn_ha += ha * share;
                    }
                    ZoneKind::Ccn => {
                        l.ccn += 1;
                        l.ccn_ha += ha * share;
                    }
                }
                land[i].push((ha * share, z.code.clone()));
            }
        }
        for (l, mut here) in lines.iter_mut().zip(land) {
            here.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            l.codes = here.into_iter().map(|(_, c)| c).collect();
            l.kcn_ha = (l.kcn_ha * 1e4).round() / 1e4;
            l.ccn_ha = (l.ccn_ha * 1e4).round() / 1e4;
            l.industry_share = if l.area_ha > 0.0 {
                ((l.kcn_ha + l.ccn_ha) / l.area_ha * 1e6).round() / 1e6
            } else {
                0.0
            };
            l.area_ha = (l.area_ha * 1e4).round() / 1e4;
        }
        lines.sort_by(|a, b| {
            (b.kcn_ha + b.ccn_ha)
                .total_cmp(&(a.kcn_ha + a.ccn_ha))
                .then_with(|| a.code.cmp(&b.code))
        });
        lines
    }
}

/// The report by commune as CSV (the JSON's fields; lists joined by `; `).
///
/// # Errors
/// When the CSV writer fails.
pub fn industry_csv(lines: &[CommuneLine]) -> std::result::Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "code",
        "name",
        "type",
        "former_province",
        "former_districts",
        "area_ha",
        "zones",
        "kcn",
        "ccn",
        "kcn_ha",
        "ccn_ha",
        "industry_share",
        "codes",
    ])?;
    for l in lines {
        w.write_record([
            crate::markers::stakeout::text_cell(&l.code),
            crate::markers::stakeout::text_cell(&l.name),
            l.kind.clone(),
            l.former_province.name().to_owned(),
            crate::markers::stakeout::text_cell(&l.former_districts.join("; ")),
            l.area_ha.to_string(),
            l.zones.to_string(),
            l.kcn.to_string(),
            l.ccn.to_string(),
            l.kcn_ha.to_string(),
            l.ccn_ha.to_string(),
            l.industry_share.to_string(),
            crate::markers::stakeout::text_cell(&l.codes.join("; ")),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

//! Coordinates that went through the wrong conversion: `suspected-datum-shift`
//! (VN-2000 ↔ WGS84 without the datum shift, about 224 m toward 119° in Bắc
//! Giang), `suspected-wrong-meridian` (right in another TM-3 zone, about
//! 150 km east–west) and `suspected-swapped-axes` (latitude and longitude, or
//! northing and easting, exchanged).
//!
//! The shift is not a constant: at each zone PROJ says where its coordinates
//! belong had they been read as what they likely were
//! ([`GridTransform::unslip`]), and the rule fires only when the zone so moved
//! matches a boundary already recorded (the stored version of the same zone or
//! a neighbour) while as given it does not.

use geo::{Area, BooleanOps, BoundingRect, Centroid, Contains, Intersects, Translate};
use geo_types::{Coord, MultiPolygon, Point};
use serde::Serialize;

use super::neighbours::Neighbour;
use super::{finding, Bounds, Finding, Rule, Subject};
use crate::crs::{CrsTransform, DatumSlip, GridTransform, LegalGrid, GRID_CRS};

/// How well two boundaries coincide: the area of their intersection over the
/// area of their union (1 for the same boundary).
fn match_ratio(a: &MultiPolygon, b: &MultiPolygon) -> f64 {
    let union = a.union(b).unsigned_area();
    if union <= 0.0 {
        return 0.0;
    }
    a.intersection(b).unsigned_area() / union
}

/// A moved boundary matches a recorded one this well (intersection over
/// union) to be called a match (and better than as given).
pub const MATCH: f64 = 0.9;
/// The offset between the input and the boundary it matches (centre to
/// centre) is within this of the slip PROJ gives at that place, m. A large
/// zone slipped by 224 m still overlaps its recorded self by more than half,
/// so the offset, not the overlap as given, tells a slip from a redrawing.
pub const OFFSET_TOLERANCE_M: f64 = 10.0;

/// What the slip rules measured, serialised with the finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slip {
    /// The offset of the input from where it matches, m.
    pub offset_m: f64,
    /// The offset PROJ gives for the slip at that place, m (datum shift), or
    /// the distance between the two readings (wrong meridian).
    pub expected_offset_m: f64,
    /// Bearing of the move that puts the input where it belongs, degrees
    /// clockwise from grid north (about 119° for the "nội bộ" slip in Bắc
    /// Giang).
    pub bearing_deg: f64,
    /// The conversion likely skipped (datum shift).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slip: Option<DatumSlip>,
    /// The CRS the coordinates are right in (wrong meridian), or to read
    /// them in (datum shift: `EPSG:4756`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crs: Option<String>,
}

/// The bearing of `d`, degrees clockwise from grid north.
pub(crate) fn bearing(d: Coord) -> f64 {
    d.x.atan2(d.y).to_degrees().rem_euclid(360.0)
}

impl Slip {
    /// A datum slip: the input lies `measured` from where it matches, PROJ
    /// says `expected` m for `slip` there.
    pub(crate) fn datum(measured: Coord, expected: f64, slip: DatumSlip) -> Self {
        Self {
            offset_m: measured.x.hypot(measured.y),
            expected_offset_m: expected,
            bearing_deg: bearing(Coord {
                x: -measured.x,
                y: -measured.y,
            }),
            slip: Some(slip),
            crs: (slip == DatumSlip::Vn2000AsWgs84).then(|| "EPSG:4756".to_owned()),
        }
    }

    /// A wrong meridian: the input lies `d` from where its coordinates read
    /// in `crs` put it.
    pub(crate) fn meridian(d: Coord, crs: String) -> Self {
        Self {
            offset_m: d.x.hypot(d.y),
            expected_offset_m: d.x.hypot(d.y),
            bearing_deg: bearing(Coord { x: -d.x, y: -d.y }),
            slip: None,
            crs: Some(crs),
        }
    }
}

/// The offset, at the centre of `mp`, that `slip` put into it.
fn offset(mp: &MultiPolygon, slip: DatumSlip, t: &GridTransform) -> Option<(Coord, Coord)> {
    let c = mp.centroid()?;
    let (x, y) = t.unslip(c.x(), c.y(), slip).ok()?;
    Some((
        c.0,
        Coord {
            x: c.x() - x,
            y: c.y() - y,
        },
    ))
}

/// `suspected-datum-shift` findings: candidates that, moved back by the
/// datum shift PROJ gives at their place, match a recorded boundary (any
/// version in `registry`, the candidate's own code included).
#[must_use]
pub fn datum_shift<N: Neighbour>(
    candidates: &[Subject],
    registry: &[N],
    t: &GridTransform,
) -> Vec<Finding> {
    let mut found = Vec::new();
    for c in candidates {
        'slips: for slip in DatumSlip::ALL {
            let Some((at, d)) = offset(&c.grid, slip, t) else {
                continue;
            };
            let moved = c.grid.translate(-d.x, -d.y);
            let Some(r) = moved.bounding_rect() else {
                continue;
            };
            let b = [r.min().x, r.min().y, r.max().x, r.max().y];
            for z in registry {
                let zb = z.bbox();
                if !(b[0] <= zb[2] && zb[0] <= b[2] && b[1] <= zb[3] && zb[1] <= b[3]) {
                    continue;
                }
                let stored = z.subject(0).grid;
                let (Some(a), Some(s)) = (c.grid.centroid(), stored.centroid()) else {
                    continue;
                };
                let measured = Coord {
                    x: a.x() - s.x(),
                    y: a.y() - s.y(),
                };
                if (measured.x - d.x).hypot(measured.y - d.y) > OFFSET_TOLERANCE_M {
                    continue;
                }
                let after = match_ratio(&moved, &stored);
                if after < MATCH || match_ratio(&c.grid, &stored) >= after {
                    continue;
                }
                let (off, exp) = (measured.x.hypot(measured.y), d.x.hypot(d.y));
                let mut codes = vec![c.code.clone()];
                if z.code() != c.code {
                    codes.push(z.code().to_owned());
                }
                let mut f = finding(
                    Rule::SuspectedDatumShift,
                    codes,
                    None,
                    format!(
                        "{} matches the recorded boundary of {} ({:.1} % in common) once moved {off:.1} m back toward {:.0}°; \
                         PROJ's VN-2000 ↔ WGS84 difference here is {exp:.1} m toward {:.0}°. Its coordinates look like {}. \
                         Read them as {} or give --fix-datum-shift",
                        c.code,
                        z.code(),
                        after * 100.0,
                        bearing(Coord { x: -measured.x, y: -measured.y }),
                        bearing(d),
                        slip.what(),
                        match slip {
                            DatumSlip::Vn2000AsWgs84 => "EPSG:4756 (VN-2000 latitude/longitude)",
                            DatumSlip::Wgs84AsVn2000 => "WGS84 and converted with the datum shift (EPSG:4326 → the grid)",
                        }
                    ),
                    Some(at),
                );
                f.slip = Some(Slip::datum(measured, exp, slip));
                found.push(f);
                break 'slips;
            }
        }
    }
    found
}

/// Moves a boundary back through `slip`, vertex by vertex, through PROJ
/// (`--fix-datum-shift`).
///
/// # Errors
/// When PROJ cannot transform a vertex.
pub fn unslip(
    mp: &MultiPolygon,
    slip: DatumSlip,
    t: &GridTransform,
) -> crate::Result<MultiPolygon> {
    use geo::MapCoords;
    mp.try_map_coords(|c| t.unslip(c.x, c.y, slip).map(|(x, y)| Coord { x, y }))
}

/// The candidates `suspected-datum-shift` findings name first, with the slip
/// each was found to have (what `--fix-datum-shift` undoes).
#[must_use]
pub fn datum_fixes(findings: &[Finding]) -> std::collections::BTreeMap<String, (DatumSlip, f64)> {
    findings
        .iter()
        .filter(|f| f.rule == Rule::SuspectedDatumShift)
        .filter_map(|f| {
            let s = f.slip.as_ref()?;
            Some((f.codes.first()?.clone(), (s.slip?, s.offset_m)))
        })
        .collect()
}

/// The VN-2000 TM-3 zones (EPSG:9205–9218) and UTM zones (EPSG:3405, 3406)
/// a file's coordinates may really be in.
pub const PROJECTED: [u32; 16] = [
    9205, 9206, 9207, 9208, 9209, 9210, 9211, 9212, 9213, 9214, 9215, 9216, 9217, 9218, 3405, 3406,
];

/// For each CRS of [`PROJECTED`]: the box, in its own coordinates, of the
/// province (a file's coordinates in that box may be right in that CRS).
pub(crate) fn boxes(province: &MultiPolygon) -> Vec<(u32, [f64; 4])> {
    let Some(r) = province.bounding_rect() else {
        return Vec::new();
    };
    // the box's outline, densified: a TM-3 projection bends it a little
    let n = 16_u32;
    let mut points = Vec::with_capacity(64);
    for i in 0..n {
        let f = f64::from(i) / f64::from(n);
        let (w, s, e, nn) = (r.min().x, r.min().y, r.max().x, r.max().y);
        points.push((w + f * (e - w), s));
        points.push((w + f * (e - w), nn));
        points.push((w, s + f * (nn - s)));
        points.push((e, s + f * (nn - s)));
    }
    PROJECTED
        .iter()
        .filter_map(|code| {
            let to = CrsTransform::new(GRID_CRS, &format!("EPSG:{code}")).ok()?;
            let mut b = [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ];
            for (x, y) in &points {
                let (x, y) = to.point(*x, *y).ok()?;
                b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
            Some((*code, b))
        })
        .collect()
}

/// `suspected-wrong-meridian` findings: subjects wholly outside the province
/// (`outside`, their `outside-boundary` findings) whose coordinates, read in
/// another TM-3 zone than their own grid, put them inside it.
#[must_use]
pub fn wrong_meridian(
    subjects: &[Subject],
    bounds: &Bounds,
    outside: &[Finding],
    t: &GridTransform,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let boxes = bounds.boxes();
    // the province's own box first: a point far from it is not in it (the
    // polygon test walks all its vertices)
    let Some(province_box) = bounds.province.bounding_rect() else {
        return found;
    };
    // the first subject of each code, and one PROJ transformation per other
    // zone: a file of many zones far outside would otherwise search the
    // subjects and set PROJ up again for every one of them
    let mut by_code: std::collections::HashMap<&str, &Subject> =
        std::collections::HashMap::with_capacity(subjects.len());
    for s in subjects {
        by_code.entry(s.code.as_str()).or_insert(s);
    }
    let mut transforms: std::collections::HashMap<u32, Option<(CrsTransform, String)>> =
        std::collections::HashMap::new();
    for f in outside {
        let [code] = f.codes.as_slice() else { continue };
        let Some(s) = by_code.get(code.as_str()).copied() else {
            continue;
        };
        // only a file in a projected grid has a meridian to get wrong
        let Some(own) = s.grid_crs else { continue };
        let area = s.grid.unsigned_area();
        if area <= 0.0 || f.area_m2.unwrap_or(0.0) < 0.99 * area {
            continue;
        }
        let Some(c) = s.grid.centroid() else { continue };
        let Ok((rx, ry)) = t.point_to_legal(c.x(), c.y(), own) else {
            continue;
        };
        for (code, b) in boxes {
            if *code == own.epsg() || !(b[0] <= rx && rx <= b[2] && b[1] <= ry && ry <= b[3]) {
                continue;
            }
            let crs = format!("EPSG:{code}");
            // the transformation and the grid's name (PROJ again), once per grid
            let Some((back, name)) = transforms
                .entry(*code)
                .or_insert_with(|| {
                    let back = CrsTransform::new(&crs, GRID_CRS).ok()?;
                    let name = LegalGrid::identify(&crs).map_or_else(
                        || format!("{crs} (another VN-2000 zone)"),
                        |g| format!("{crs} ({}, a legal grid of the province)", g.name()),
                    );
                    Some((back, name))
                })
                .as_ref()
            else {
                continue;
            };
            let Ok((x, y)) = back.point(rx, ry) else {
                continue;
            };
            if !province_box.intersects(&Point::new(x, y))
                || !bounds.province.contains(&Point::new(x, y))
            {
                continue;
            }
            let d = Coord {
                x: c.x() - x,
                y: c.y() - y,
            };
            let km = d.x.hypot(d.y) / 1000.0;
            let mut f = finding(
                Rule::SuspectedWrongMeridian,
                vec![s.code.clone()],
                None,
                format!(
                    "{} lies wholly outside the province, {km:.0} km from where its coordinates put it if read in {name}: \
                     they were read in {} but look like coordinates of {crs}; give --crs {crs} (or fix the file's .prj)",
                    s.code,
                    own.code()
                ),
                Some(c.0),
            );
            f.slip = Some(Slip::meridian(d, crs));
            found.push(f);
            break;
        }
    }
    found
}

/// `suspected-swapped-axes` findings for subjects read with their axes
/// exchanged.
#[must_use]
pub fn swapped_axes(subjects: &[Subject]) -> Vec<Finding> {
    subjects
        .iter()
        .filter(|s| s.swapped_axes)
        .map(|s| {
            finding(
                Rule::SuspectedSwappedAxes,
                vec![s.code.clone()],
                None,
                format!(
                    "{}: its coordinates were given with the axes exchanged ([latitude, longitude], or northing before easting) \
                     and were read exchanged back; fix the file (GeoJSON is [longitude, latitude])",
                    s.code
                ),
                s.grid.centroid().map(|c| c.0),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{coord, Rect};

    fn rect(x: f64, y: f64) -> MultiPolygon {
        MultiPolygon::new(vec![Rect::new(
            coord! { x: x, y: y },
            coord! { x: x + 1_500.0, y: y + 1_200.0 },
        )
        .to_polygon()])
    }

    #[test]
    fn a_zone_resubmitted_without_the_datum_shift_is_found() {
        let t = GridTransform::new().expect("PROJ");
        let stored = Subject::new("KCN-A", rect(416_000.0, 2_356_000.0));
        // the stored boundary's VN-2000 latitude/longitude, labelled WGS84 and
        // read as such: every vertex through PROJ, as a file would be
        let slipped = {
            use geo::MapCoords;
            let to = CrsTransform::new(GRID_CRS, "EPSG:4756").expect("PROJ");
            stored
                .grid
                .try_map_coords(|c| {
                    let (lon, lat) = to.point(c.x, c.y)?;
                    t.wgs84_to_grid(lon, lat).map(|(x, y)| Coord { x, y })
                })
                .expect("PROJ")
        };
        let found = datum_shift(
            &[Subject::new("KCN-A", slipped.clone())],
            std::slice::from_ref(&stored),
            &t,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let s = found[0].slip.as_ref().expect("slip");
        assert_eq!(s.slip, Some(DatumSlip::Vn2000AsWgs84));
        assert!((200.0..250.0).contains(&s.offset_m), "{s:?}");
        assert!((s.offset_m - s.expected_offset_m).abs() < 1.0, "{s:?}");
        // the fix puts it back within a millimetre
        let fixed = unslip(&slipped, DatumSlip::Vn2000AsWgs84, &t).expect("PROJ");
        let a = fixed.0[0].exterior().0[0];
        let b = stored.grid.0[0].exterior().0[0];
        assert!(
            (a.x - b.x).abs() < 1e-3 && (a.y - b.y).abs() < 1e-3,
            "{a:?} {b:?}"
        );
        // the same zone as recorded is no slip
        assert!(datum_shift(
            std::slice::from_ref(&stored),
            std::slice::from_ref(&stored),
            &t
        )
        .is_empty());
    }
}

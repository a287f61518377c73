//! Boundary markers (mốc giới): surveyors' coordinate tables checked against
//! the approved boundaries, corners without a marker, and the stake-out table.
//!
//! A marker is matched to the nearest boundary segment of any zone through an
//! R-tree of segments (`rstar`) in the working plane (EPSG:9214); its distance
//! to that boundary, in metres, decides its status. For a zone whose legal grid
//! is the former Bắc Ninh's (EPSG:9209) the distance, the corners and the
//! coordinates reported are taken again in that grid. Markers are matched in
//! parallel (`rayon`); the results keep the file order. A file whose CRS is
//! not said is read in the legal grid in which its markers fall on zones
//! ([`check_file`]), and a file said to be in the wrong one of the two grids
//! (about 150 km apart east–west) is recognised and reported.

pub mod slips;
pub mod stakeout;
pub mod table;
pub mod workbook;

use std::collections::BTreeSet;

use geo::{Distance, Euclidean};
use geo_types::{Coord, MultiPolygon, Point};

use crate::crs::{with_thread_transform, DatumSlip, GridTransform, LegalGrid};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Line as RLine};
use rstar::{PointDistance, RTree};
use serde::Serialize;

pub use table::{Marker, MarkerTable, RejectedRow};

/// Default tolerance: a marker within this distance (m) of the approved
/// boundary is in place. 10 cm, the order of a cadastral survey's error.
pub const DEFAULT_TOLERANCE_M: f64 = 0.10;
/// Default search radius: a marker farther than this (m) from every zone
/// boundary belongs to no zone.
pub const DEFAULT_SEARCH_RADIUS_M: f64 = 50.0;

/// Where a marker stands against the approved boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Within the tolerance.
    Ok,
    /// Nearer than the search radius but beyond the tolerance.
    OutOfTolerance,
    /// No zone boundary within the search radius.
    NoZone,
}

impl Status {
    /// In Vietnamese, for the field office's table.
    #[must_use]
    pub fn vi(self) -> &'static str {
        match self {
            Self::Ok => "Đạt",
            Self::OutOfTolerance => "Vượt sai số",
            Self::NoZone => "Không gần ranh giới khu nào",
        }
    }
}

/// The nearest corner of the matched zone (in the zone's legal grid).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Corner {
    /// Northing, m.
    pub x: f64,
    /// Easting, m.
    pub y: f64,
    /// Distance from the marker, m.
    pub distance_m: f64,
}

/// One marker's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkerResult {
    /// Marker number.
    pub id: String,
    /// Line of the file.
    pub line: usize,
    /// The zone whose boundary is nearest (within the search radius).
    pub zone: Option<String>,
    /// Distance to that boundary, m (to the nearest boundary at all when no
    /// zone is within the search radius).
    pub distance_m: Option<f64>,
    /// The verdict.
    pub status: Status,
    /// Northing, m, in `grid_crs`.
    pub x: f64,
    /// Easting, m, in `grid_crs`.
    pub y: f64,
    /// The grid of `x`, `y` and the corner: the matched zone's legal grid
    /// (the working plane, EPSG:9214, for a marker of no zone).
    pub grid_crs: &'static str,
    /// The nearest corner of that zone.
    pub nearest_corner: Option<Corner>,
    /// Whether X/Y were exchanged in the file and corrected.
    pub swapped: bool,
}

/// A corner of a zone with no marker within the tolerance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnmarkedVertex {
    /// The zone.
    pub zone: String,
    /// Northing, m, in `grid_crs`.
    pub x: f64,
    /// Easting, m, in `grid_crs`.
    pub y: f64,
    /// The zone's legal grid.
    pub grid_crs: &'static str,
    /// Distance to the nearest marker, m, if there is any.
    pub nearest_marker_m: Option<f64>,
}

/// The whole check (the JSON of `zoning markers check`).
#[derive(Debug, Clone, Serialize)]
pub struct MarkerReport {
    /// Tolerance used, m.
    pub tolerance_m: f64,
    /// Search radius used, m.
    pub search_radius_m: f64,
    /// The CRS the file's X/Y were read in.
    pub crs: String,
    /// The sheet read, for a workbook (`.xlsx`, `.xls`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Each usable marker, in file order.
    pub markers: Vec<MarkerResult>,
    /// Rows that cannot be used.
    pub rejected_rows: Vec<RejectedRow>,
    /// Corners with no marker within the tolerance.
    pub unmarked_vertices: Vec<UnmarkedVertex>,
    /// Corrections and assumptions.
    pub warnings: Vec<String>,
    /// What the slip rules found (`suspected-datum-shift`,
    /// `suspected-wrong-meridian`, `suspected-swapped-axes`), as the findings
    /// of `zoning check`.
    pub findings: Vec<crate::checks::Finding>,
}

/// Thresholds of the marker check.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkerOptions {
    /// Tolerance, m.
    pub tolerance_m: f64,
    /// Search radius, m.
    pub search_radius_m: f64,
    /// List unmarked corners of every zone, not only of the zones the markers
    /// were matched to.
    pub all_zones: bool,
    /// How to read the table itself (encoding, sheet).
    pub table: table::TableOptions,
    /// Move the markers back when `suspected-datum-shift` is found, and
    /// report the check of the moved markers.
    pub fix_datum_shift: bool,
}

impl Default for MarkerOptions {
    fn default() -> Self {
        Self {
            tolerance_m: DEFAULT_TOLERANCE_M,
            search_radius_m: DEFAULT_SEARCH_RADIUS_M,
            all_zones: false,
            table: table::TableOptions::default(),
            fix_datum_shift: false,
        }
    }
}

/// A ring's vertices without the closing repetition or consecutive repeats.
#[must_use]
pub fn ring_corners(ring: &geo_types::LineString) -> Vec<Coord> {
    let mut v: Vec<Coord> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        if v.last() != Some(c) {
            v.push(*c);
        }
    }
    if v.len() > 1 && v.first() == v.last() {
        v.pop();
    }
    v
}

/// The corners of a boundary: every ring's [`ring_corners`].
#[must_use]
pub fn corners(mp: &MultiPolygon) -> Vec<Coord> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(ring_corners)
        .collect()
}

/// A zone as the marker checks see it: its code, its boundary in the working
/// plane (x = easting, y = northing) and its legal grid.
pub type MarkerZone = (String, MultiPolygon, LegalGrid);

/// A zone's boundary in its legal grid, when that is not the working plane.
fn in_legal(zones: &[MarkerZone]) -> Vec<Option<MultiPolygon>> {
    zones
        .iter()
        .map(|(_, mp, g)| {
            (*g != LegalGrid::Tm3_107)
                .then(|| {
                    with_thread_transform(|t| t.to_legal(mp, *g).map(std::borrow::Cow::into_owned))
                        .ok()
                })
                .flatten()
        })
        .collect()
}

/// The distance from `p` to the rings of `mp`.
fn to_boundary(p: Point, mp: &MultiPolygon) -> f64 {
    mp.0.iter()
        .flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()))
        .map(|ring| Euclidean.distance(&p, ring))
        .fold(f64::INFINITY, f64::min)
}

/// Checks markers against zone boundaries (in the working plane; for a zone
/// in the other legal grid the distance and corners are taken there).
#[must_use]
pub fn check(table: MarkerTable, zones: &[MarkerZone], opts: &MarkerOptions) -> MarkerReport {
    let legal = in_legal(zones);
    let segments: Vec<GeomWithData<RLine<[f64; 2]>, usize>> = zones
        .iter()
        .enumerate()
        .flat_map(|(z, (_, mp, _))| {
            mp.0.iter()
                .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                .flat_map(geo_types::LineString::lines)
                .filter(|l| l.start != l.end)
                .map(move |l| {
                    GeomWithData::new(RLine::new([l.start.x, l.start.y], [l.end.x, l.end.y]), z)
                })
        })
        .collect();
    let segments = RTree::bulk_load(segments);
    // corners in each zone's legal grid
    let zone_corners: Vec<Vec<Coord>> = zones
        .iter()
        .zip(&legal)
        .map(|((_, mp, _), l)| corners(l.as_ref().unwrap_or(mp)))
        .collect();
    // Each marker on its own, in parallel (order kept); then the zones matched.
    let found: Vec<(MarkerResult, Option<usize>)> = table
        .markers
        .par_iter()
        .map(|m| {
            let p = [m.y, m.x];
            let nearest = segments.nearest_neighbor(&p);
            let mut d = nearest.map(|s| s.geom().distance_2(&p).sqrt());
            // the marker where its zone's grid has it
            let mut at = (m.y, m.x, LegalGrid::Tm3_107);
            let (zone, status, corner) = match (nearest, d) {
                (Some(s), Some(plane_d)) if plane_d <= opts.search_radius_m => {
                    let g = zones[s.data].2;
                    if let Some(l) = &legal[s.data] {
                        if let Ok((e, n)) = with_thread_transform(|t| t.point_to_legal(m.y, m.x, g))
                        {
                            at = (e, n, g);
                            d = Some(to_boundary(Point::new(e, n), l));
                        }
                    }
                    let d = d.unwrap_or(plane_d);
                    let (ay, ax) = (at.0, at.1);
                    let corner = zone_corners[s.data]
                        .iter()
                        .map(|c| ((c.x - ay).hypot(c.y - ax), c))
                        .min_by(|a, b| a.0.total_cmp(&b.0))
                        .map(|(dist, c)| Corner {
                            x: c.y,
                            y: c.x,
                            distance_m: dist,
                        });
                    let status = if d <= opts.tolerance_m {
                        Status::Ok
                    } else {
                        Status::OutOfTolerance
                    };
                    (Some(s.data), status, corner)
                }
                _ => (None, Status::NoZone, None),
            };
            let result = MarkerResult {
                id: m.id.clone(),
                line: m.line,
                zone: zone.map(|z| zones[z].0.clone()),
                distance_m: d,
                status,
                x: at.1,
                y: at.0,
                grid_crs: at.2.code(),
                nearest_corner: corner,
                swapped: m.swapped,
            };
            (result, zone)
        })
        .collect();
    let matched: BTreeSet<usize> = found.iter().filter_map(|(_, z)| *z).collect();
    let markers: Vec<MarkerResult> = found.into_iter().map(|(m, _)| m).collect();
    let unmarked = unmarked(
        &table,
        zones,
        &zone_corners,
        &matched,
        legal.iter().any(Option::is_some),
        opts,
    );
    MarkerReport {
        tolerance_m: opts.tolerance_m,
        search_radius_m: opts.search_radius_m,
        crs: table.crs.clone(),
        sheet: table.sheet.clone(),
        markers,
        rejected_rows: table.rejected_rows,
        unmarked_vertices: unmarked,
        warnings: table.warnings,
        findings: Vec::new(),
    }
}

/// The corners (in each zone's legal grid) with no marker within the
/// tolerance, of the zones matched (or of all with `opts.all_zones`).
fn unmarked(
    table: &MarkerTable,
    zones: &[MarkerZone],
    zone_corners: &[Vec<Coord>],
    matched: &BTreeSet<usize>,
    any_bac_ninh: bool,
    opts: &MarkerOptions,
) -> Vec<UnmarkedVertex> {
    let points: RTree<[f64; 2]> =
        RTree::bulk_load(table.markers.iter().map(|m| [m.y, m.x]).collect());
    // the markers in the other grid, when a zone is in it
    let points_bn: Option<RTree<[f64; 2]>> = any_bac_ninh.then(|| {
        RTree::bulk_load(
            table
                .markers
                .iter()
                .filter_map(|m| {
                    with_thread_transform(|t| t.point_to_legal(m.y, m.x, LegalGrid::Tm3_105_30))
                        .ok()
                        .map(|(e, n)| [e, n])
                })
                .collect(),
        )
    });
    zones
        .par_iter()
        .enumerate()
        .filter(|(z, _)| opts.all_zones || matched.contains(z))
        .flat_map_iter(|(z, (code, _, g))| {
            let points = match (g, &points_bn) {
                (LegalGrid::Tm3_105_30, Some(bn)) => bn,
                _ => &points,
            };
            let grid_crs = g.code();
            zone_corners[z].iter().filter_map(move |c| {
                let nearest = points
                    .nearest_neighbor(&[c.x, c.y])
                    .map(|p| (p[0] - c.x).hypot(p[1] - c.y));
                nearest
                    .is_none_or(|d| d > opts.tolerance_m)
                    .then(|| UnmarkedVertex {
                        zone: code.clone(),
                        x: c.y,
                        y: c.x,
                        grid_crs,
                        nearest_marker_m: nearest,
                    })
            })
        })
        .collect()
}

/// Reads a marker file and checks it against `zones`. `crs` is the CRS the
/// surveyor gave, if any. A file in one of the two legal grids, or whose CRS
/// is not said, is read in both: it is taken in the grid in which more of
/// its markers fall on a zone, the one said (else EPSG:9214) when it is as
/// good; a warning says when the grid chosen is not EPSG:9214 or not the one
/// said. Another CRS (WGS84,
/// UTM) is read as said.
///
/// # Errors
/// When the file cannot be read as a marker table ([`table::read`]).
pub fn check_file(
    bytes: &[u8],
    file: &str,
    crs: Option<&str>,
    zones: &[MarkerZone],
    opts: &MarkerOptions,
    t: &GridTransform,
) -> crate::Result<(MarkerTable, MarkerReport)> {
    let rows = table::rows(bytes, file, &opts.table)?;
    let said = crs.map(|c| (c, LegalGrid::identify(c)));
    if let Some((c, None)) = said {
        let table = table::from_rows(&rows, file, c, t)?;
        let report = check(table.clone(), zones, opts);
        return Ok(slipped(file, table, report, zones, opts, t));
    }
    let said = said.and_then(|(_, g)| g);
    let matched = |r: &MarkerReport| {
        r.markers
            .iter()
            .filter(|m| m.status != Status::NoZone)
            .count()
    };
    let mut tries = Vec::new();
    for g in LegalGrid::ALL {
        let table = table::from_rows(&rows, file, g.code(), t)?;
        let report = check(table.clone(), zones, opts);
        tries.push((g, matched(&report), table, report));
    }
    let first = said.unwrap_or(LegalGrid::Tm3_107);
    let said_fits = said.is_some_and(|s| tries.iter().any(|(g, n, _, _)| *g == s && *n > 0));
    // the grid said (or EPSG:9214) when its markers fall on zones there (said)
    // or as many do as in the other (unsaid); else the other
    tries.sort_by_key(|(g, n, _, _)| {
        if said_fits {
            (std::cmp::Reverse(usize::from(*g == first)), 0)
        } else {
            (std::cmp::Reverse(*n), usize::from(*g != first))
        }
    });
    let as_said = said.and_then(|s| {
        tries
            .iter()
            .find(|(g, _, _, _)| *g == s)
            .map(|(_, _, table, _)| table.clone())
    });
    let mut tries = tries.into_iter();
    let (g, n, table, mut report) = tries.next().ok_or_else(|| crate::Error::Io {
        file: file.to_owned(),
        reason: "no legal grid to read it in".into(),
    })?;
    if let (Some(s), Some(as_said)) = (said, &as_said) {
        if s != g && n > 0 {
            let found =
                slips::wrong_meridian(file, s.code(), g.code(), &report, &table, as_said, t);
            report.findings.extend(found);
        }
    }
    let total = report.markers.len();
    let (other_grid, other) = tries.next().map_or((g, 0), |(og, n, _, _)| (og, n));
    let note = match said {
        Some(s) if s != g => Some(format!(
            "{file} is said to be in {} ({}), but none of its {total} markers falls on a zone there and {n} do in {} ({}), \
             the other legal grid of the province, about 150 km east–west: it was read in {}; check the survey's grid",
            s.code(),
            s.name(),
            g.code(),
            g.name(),
            g.code()
        )),
        // unsaid and read in EPSG:9214, as before the merger, with no marker
        // that would fall on a zone in the other grid: nothing to say
        None if g == LegalGrid::Tm3_107 && other == 0 => None,
        None if other == 0 => Some(format!(
            "{file} does not say its CRS: {n} of its {total} markers fall on a zone in {} ({}) and none in EPSG:9214, \
             so it was read in {}; give --crs (or crs=) to be sure",
            g.code(),
            g.name(),
            g.code()
        )),
        _ if other > 0 => Some(format!(
            "{file} was read in {} ({}): {n} of its {total} markers fall on a zone there, but {other} would in {} ({}); \
             a table mixes the two grids? give each grid's markers in a file of their own, with --crs (or crs=)",
            g.code(),
            g.name(),
            other_grid.code(),
            other_grid.name()
        )),
        _ => None,
    };
    if let Some(w) = note {
        report.warnings.insert(0, w);
    }
    if n == 0 {
        // on no zone in either legal grid: another TM-3 zone of VN-2000?
        let found = other_meridian(bytes, file, said, &table, zones, opts, t);
        report.findings.extend(found);
    }
    Ok(slipped(file, table, report, zones, opts, t))
}

/// `suspected-wrong-meridian` for a table whose markers fall on no zone in
/// either legal grid but do, most of them, in another TM-3 zone of VN-2000
/// (the first such).
fn other_meridian(
    bytes: &[u8],
    file: &str,
    said: Option<LegalGrid>,
    table: &MarkerTable,
    zones: &[MarkerZone],
    opts: &MarkerOptions,
    t: &GridTransform,
) -> Option<crate::checks::Finding> {
    let (crs, other, other_report) = read_in_other_zone(bytes, file, said, table, zones, opts, t)?;
    let mut found = slips::wrong_meridian(
        file,
        said.map_or("EPSG:9214", LegalGrid::code),
        &crs,
        &other_report,
        &other,
        table,
        t,
    )?;
    found.codes = other_report
        .markers
        .iter()
        .filter_map(|m| m.zone.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Some(found)
}

/// The other TM-3 zones of VN-2000 in which most of the table's markers fall
/// on zones: the first such (its CRS, the table and its check).
fn read_in_other_zone(
    bytes: &[u8],
    file: &str,
    said: Option<LegalGrid>,
    table: &MarkerTable,
    zones: &[MarkerZone],
    opts: &MarkerOptions,
    t: &GridTransform,
) -> Option<(String, MarkerTable, MarkerReport)> {
    use geo::BoundingRect;
    // the centre of the markers as written, and the zones' box (1 km more):
    // only a grid that takes the one into the other is read in full
    let c = slips::centre(table)?;
    let (x, y) = t
        .point_to_legal(c.x, c.y, said.unwrap_or(LegalGrid::Tm3_107))
        .ok()?;
    let r = zones
        .iter()
        .filter_map(|(_, mp, _)| mp.bounding_rect())
        .reduce(|a, b| {
            geo_types::Rect::new(
                Coord {
                    x: a.min().x.min(b.min().x),
                    y: a.min().y.min(b.min().y),
                },
                Coord {
                    x: a.max().x.max(b.max().x),
                    y: a.max().y.max(b.max().y),
                },
            )
        })?;
    let near = |(e, n): (f64, f64)| {
        let m = 1_000.0 + opts.search_radius_m;
        (r.min().x - m..=r.max().x + m).contains(&e) && (r.min().y - m..=r.max().y + m).contains(&n)
    };
    OTHER_GRIDS.with(|grids| {
        grids.iter().find_map(|(crs, to_plane)| {
            if !to_plane.point(x, y).is_ok_and(near) {
                return None;
            }
            let table = table::read(bytes, file, crs, &opts.table, t).ok()?;
            let report = check(table.clone(), zones, opts);
            let m = report
                .markers
                .iter()
                .filter(|m| m.status != Status::NoZone)
                .count();
            (m * 2 > report.markers.len()).then(|| (crs.clone(), table, report))
        })
    })
}

thread_local! {
    /// The other TM-3 and UTM zones of VN-2000 than the province's two legal
    /// grids, each with PROJ's transformation to the working plane (made once
    /// per thread: a table on no zone would otherwise set PROJ up for each).
    static OTHER_GRIDS: Vec<(String, crate::crs::CrsTransform)> = crate::checks::slips::PROJECTED
        .iter()
        .filter(|c| LegalGrid::ALL.iter().all(|g| g.epsg() != **c))
        .filter_map(|c| {
            let crs = format!("EPSG:{c}");
            crate::crs::CrsTransform::new(&crs, crate::crs::GRID_CRS)
                .ok()
                .map(|t| (crs, t))
        })
        .collect();
}

/// The table's check with the swapped-axes and datum-shift findings (and,
/// with `fix_datum_shift`, the check of the markers moved back).
fn slipped(
    file: &str,
    table: MarkerTable,
    mut report: MarkerReport,
    zones: &[MarkerZone],
    opts: &MarkerOptions,
    t: &GridTransform,
) -> (MarkerTable, MarkerReport) {
    report.findings.extend(slips::swapped_axes(file, &table, t));
    let Some((f, moved, mut moved_report)) = slips::datum_shift(&table, &report, zones, opts, t)
    else {
        return (table, report);
    };
    if !opts.fix_datum_shift {
        report.findings.push(f);
        return (table, report);
    }
    moved_report.warnings = report.warnings;
    moved_report.warnings.push(format!(
        "--fix-datum-shift: every marker moved back by about {:.1} m ({}); the results are those of the moved markers",
        f.slip.as_ref().map_or(0.0, |s| s.offset_m),
        f.slip
            .as_ref()
            .and_then(|s| s.slip)
            .map_or("", DatumSlip::what)
    ));
    moved_report.findings = report.findings;
    moved_report.findings.push(f);
    (moved, moved_report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{coord, Rect};

    fn marker(id: &str, x: f64, y: f64) -> Marker {
        Marker {
            id: id.into(),
            line: 2,
            x,
            y,
            h: None,
            date: None,
            note: None,
            swapped: false,
        }
    }

    #[test]
    fn distances_statuses_and_unmarked_corners() {
        let zone = MultiPolygon::new(vec![Rect::new(
            coord! { x: 400_000.0, y: 2_350_000.0 },
            coord! { x: 400_100.0, y: 2_350_100.0 },
        )
        .to_polygon()]);
        let table = MarkerTable {
            markers: vec![
                marker("M1", 2_350_000.0, 400_000.03), // on the south edge, 3 cm from the corner
                marker("M2", 2_350_050.0, 400_100.25), // 25 cm east of the east edge
                marker("M3", 2_351_000.0, 400_000.0),  // 900 m north
            ],
            ..MarkerTable::default()
        };
        let r = check(
            table,
            &[("Z".into(), zone, LegalGrid::Tm3_107)],
            &MarkerOptions::default(),
        );
        let s: Vec<_> = r
            .markers
            .iter()
            .map(|m| (m.status, m.zone.clone()))
            .collect();
        assert_eq!(
            s,
            vec![
                (Status::Ok, Some("Z".into())),
                (Status::OutOfTolerance, Some("Z".into())),
                (Status::NoZone, None)
            ]
        );
        assert!((r.markers[1].distance_m.unwrap_or_default() - 0.25).abs() < 1e-9);
        assert!(
            (r.markers[0]
                .nearest_corner
                .as_ref()
                .map_or(0.0, |c| c.distance_m)
                - 0.03)
                .abs()
                < 1e-9
        );
        // three of the four corners have no marker within 10 cm
        assert_eq!(r.unmarked_vertices.len(), 3);
        assert!(
            r.unmarked_vertices
                .iter()
                .all(|v| v.x > 2_000_000.0 && v.y < 1_000_000.0),
            "x is the northing"
        );
    }
}

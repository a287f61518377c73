//! Boundary markers (mốc giới): surveyors' coordinate tables checked against
//! the approved boundaries, corners without a marker, and the stake-out table.
//!
//! Everything is computed in the legal grid (EPSG:9214). A marker is matched to
//! the nearest boundary segment of any zone through an R-tree of segments
//! (`rstar`); its distance to that boundary, in metres, decides its status.
//! Markers are matched in parallel (`rayon`); the results keep the file order.

pub mod stakeout;
pub mod table;

use std::collections::BTreeSet;

use geo_types::{Coord, MultiPolygon};
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

/// The nearest corner of the matched zone.
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
    /// Northing as surveyed, m.
    pub x: f64,
    /// Easting as surveyed, m.
    pub y: f64,
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
    /// Northing, m.
    pub x: f64,
    /// Easting, m.
    pub y: f64,
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
    /// Each usable marker, in file order.
    pub markers: Vec<MarkerResult>,
    /// Rows that cannot be used.
    pub rejected_rows: Vec<RejectedRow>,
    /// Corners with no marker within the tolerance.
    pub unmarked_vertices: Vec<UnmarkedVertex>,
    /// Corrections and assumptions.
    pub warnings: Vec<String>,
}

/// Thresholds of the marker check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkerOptions {
    /// Tolerance, m.
    pub tolerance_m: f64,
    /// Search radius, m.
    pub search_radius_m: f64,
    /// List unmarked corners of every zone, not only of the zones the markers
    /// were matched to.
    pub all_zones: bool,
}

impl Default for MarkerOptions {
    fn default() -> Self {
        Self {
            tolerance_m: DEFAULT_TOLERANCE_M,
            search_radius_m: DEFAULT_SEARCH_RADIUS_M,
            all_zones: false,
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

/// Checks markers against zone boundaries; `zones` are (code, grid boundary)
/// with x = easting, y = northing.
#[must_use]
pub fn check(
    table: MarkerTable,
    zones: &[(String, MultiPolygon)],
    opts: &MarkerOptions,
) -> MarkerReport {
    let segments: Vec<GeomWithData<RLine<[f64; 2]>, usize>> = zones
        .iter()
        .enumerate()
        .flat_map(|(z, (_, mp))| {
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
    let zone_corners: Vec<Vec<Coord>> = zones.iter().map(|(_, mp)| corners(mp)).collect();
    // Each marker on its own, in parallel (order kept); then the zones matched.
    let found: Vec<(MarkerResult, Option<usize>)> = table
        .markers
        .par_iter()
        .map(|m| {
            let p = [m.y, m.x];
            let nearest = segments.nearest_neighbor(&p);
            let d = nearest.map(|s| s.geom().distance_2(&p).sqrt());
            let (zone, status, corner) = match (nearest, d) {
                (Some(s), Some(d)) if d <= opts.search_radius_m => {
                    let corner = zone_corners[s.data]
                        .iter()
                        .map(|c| ((c.x - m.y).hypot(c.y - m.x), c))
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
                x: m.x,
                y: m.y,
                nearest_corner: corner,
                swapped: m.swapped,
            };
            (result, zone)
        })
        .collect();
    let matched: BTreeSet<usize> = found.iter().filter_map(|(_, z)| *z).collect();
    let markers: Vec<MarkerResult> = found.into_iter().map(|(m, _)| m).collect();
    let points: RTree<[f64; 2]> =
        RTree::bulk_load(table.markers.iter().map(|m| [m.y, m.x]).collect());
    let unmarked: Vec<UnmarkedVertex> = zones
        .par_iter()
        .enumerate()
        .filter(|(z, _)| opts.all_zones || matched.contains(z))
        .flat_map_iter(|(z, (code, _))| {
            let points = &points;
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
                        nearest_marker_m: nearest,
                    })
            })
        })
        .collect();
    MarkerReport {
        tolerance_m: opts.tolerance_m,
        search_radius_m: opts.search_radius_m,
        markers,
        rejected_rows: table.rejected_rows,
        unmarked_vertices: unmarked,
        warnings: table.warnings,
    }
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
        let r = check(table, &[("Z".into(), zone)], &MarkerOptions::default());
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

//! The stake-out table: the coordinates a surveyor must place markers at.
//!
//! For each zone, every corner of every ring and, where an edge is longer than
//! the maximum spacing, evenly spaced points along it. Rings are walked
//! clockwise (as Vietnamese boundary tables are) from their northernmost corner
//! (the westernmost of equals); exterior rings first, then holes. Points are
//! numbered M1, M2, … per zone; with several zones the number carries the zone
//! code (`KCN-X-M1`) so that every number in one table is unique.

use geo::{orient::Direction, Orient};
use geo_types::Coord;
use serde::Serialize;

use crate::crs::GridTransform;
use crate::error::Result;

/// One point to stake out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StakeoutPoint {
    /// The zone.
    pub zone: String,
    /// Marker number.
    pub id: String,
    /// `corner` or `intermediate`.
    pub kind: &'static str,
    /// Northing in the zone's legal grid, m (Vietnamese X), rounded to the
    /// millimetre.
    pub x: f64,
    /// Easting in the zone's legal grid, m (Vietnamese Y), to the millimetre.
    pub y: f64,
    /// The zone's legal grid, `EPSG:9214` or `EPSG:9209`.
    pub grid_crs: &'static str,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
}

/// The smallest spacing of points along an edge, m: a stake-out is set out
/// in the field, where a metre is fine enough.
pub const MIN_SPACING_M: f64 = 1.0;

/// The most points one stake-out table may have (the corners and the points
/// between them): a request may not ask for millions.
pub const MAX_POINTS: usize = 100_000;

fn mm(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Turns a ring's corners to start at the northernmost (then westernmost).
fn from_north_west(v: &mut [Coord]) {
    let start = v
        .iter()
        .enumerate()
        .max_by(|(_, a), (_, b)| a.y.total_cmp(&b.y).then(b.x.total_cmp(&a.x)))
        .map_or(0, |(i, _)| i);
    v.rotate_left(start);
}

/// The stake-out points of `zones` (code, working-plane boundary, legal
/// grid), in each zone's legal grid, with intermediate points (straight in
/// that grid) where an edge is longer than `max_spacing_m`.
///
/// # Errors
/// When PROJ cannot transform a point.
pub fn stakeout(
    zones: &[super::MarkerZone],
    max_spacing_m: Option<f64>,
    t: &GridTransform,
) -> Result<Vec<StakeoutPoint>> {
    let prefixed = zones.len() > 1;
    let mut out = Vec::new();
    let spacing = max_spacing_m
        .filter(|m| *m > 0.0)
        .map(|m| m.max(MIN_SPACING_M));
    // the number of points, counted before any is made (in the plane: within a
    // few parts in ten thousand of the legal grid's)
    let count: f64 = zones
        .iter()
        .flat_map(|(_, mp, _)| mp.0.iter())
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(geo_types::LineString::lines)
        .map(|l| {
            spacing.map_or(1.0, |m| {
                ((l.end.x - l.start.x).hypot(l.end.y - l.start.y) / m)
                    .ceil()
                    .max(1.0)
            })
        })
        .sum();
    #[allow(clippy::cast_precision_loss)] // a bound, not a count
    if count > MAX_POINTS as f64 {
        return Err(crate::Error::TooManyPoints {
            points: count,
            max: MAX_POINTS,
        });
    }
    for (code, plane, grid) in zones {
        let legal = t.to_legal(plane, *grid)?;
        // clockwise exteriors (and counter-clockwise holes, walked clockwise below)
        let oriented = legal.orient(Direction::Reversed);
        let mut n = 0usize;
        for p in &oriented.0 {
            for (r, ring) in std::iter::once(p.exterior())
                .chain(p.interiors())
                .enumerate()
            {
                let mut v = super::ring_corners(ring);
                if r > 0 {
                    // holes come counter-clockwise from `orient`; walk them clockwise too
                    v.reverse();
                }
                from_north_west(&mut v);
                for i in 0..v.len() {
                    let (a, b) = (v[i], v[(i + 1) % v.len()]);
                    let mut push = |c: Coord, kind: &'static str| -> Result<()> {
                        n += 1;
                        let (pe, pn) = t.point_from_legal(c.x, c.y, *grid)?;
                        let (lon, lat) = t.grid_to_wgs84(pe, pn)?;
                        out.push(StakeoutPoint {
                            zone: code.clone(),
                            id: if prefixed {
                                format!("{code}-M{n}")
                            } else {
                                format!("M{n}")
                            },
                            kind,
                            x: mm(c.y),
                            y: mm(c.x),
                            grid_crs: grid.code(),
                            lon,
                            lat,
                        });
                        Ok(())
                    };
                    push(a, "corner")?;
                    if let Some(m) = spacing {
                        let len = (b.x - a.x).hypot(b.y - a.y);
                        // an edge a hair over a multiple of the spacing (PROJ's
                        // round trip between the grids) is not cut once more
                        let pieces = (len / m - 1e-9).ceil().max(1.0);
                        let mut j = 1.0;
                        while j < pieces {
                            let f = j / pieces;
                            push(
                                Coord {
                                    x: a.x + f * (b.x - a.x),
                                    y: a.y + f * (b.y - a.y),
                                },
                                "intermediate",
                            )?;
                            j += 1.0;
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A text cell as a spreadsheet must not read it: a cell starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
/// `LibreOffice` (OWASP "CSV injection"), so it gets a leading `'`.
///
/// # Examples
/// ```
/// use zoning_core::markers::stakeout::text_cell;
/// assert_eq!(text_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
/// assert_eq!(text_cell("KCN-DINH-TRAM"), "KCN-DINH-TRAM");
/// ```
#[must_use]
pub fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The Vietnamese layout of a stake-out table: UTF-8 with BOM (so Excel opens
/// it as Unicode), `;` separated, X (northing) before Y (easting) to the
/// millimetre, then WGS84; with `decimal_comma` the decimal mark is a comma.
#[must_use]
pub fn to_csv(points: &[StakeoutPoint], decimal_comma: bool) -> String {
    let num = |v: f64, places: usize| {
        let s = format!("{v:.places$}");
        if decimal_comma {
            s.replace('.', ",")
        } else {
            s
        }
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut rows = vec![[
        "Số hiệu mốc".to_owned(),
        "X (m)".into(),
        "Y (m)".into(),
        "Kinh độ (WGS84)".into(),
        "Vĩ độ (WGS84)".into(),
        "Khu".into(),
        "Loại điểm".into(),
        "Lưới tọa độ".into(),
    ]];
    rows.extend(points.iter().map(|p| {
        [
            text_cell(&p.id),
            num(p.x, 3),
            num(p.y, 3),
            num(p.lon, 9),
            num(p.lat, 9),
            text_cell(&p.zone),
            if p.kind == "corner" {
                "góc".into()
            } else {
                "điểm giữa".into()
            },
            p.grid_crs.to_owned(),
        ]
    }));
    for r in &rows {
        // writing to memory cannot fail
        let _ = w.write_record(r);
    }
    let bytes = w.into_inner().unwrap_or_default();
    format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{coord, MultiPolygon, Rect};

    #[test]
    fn clockwise_from_the_north_west_with_intermediate_points() {
        let t = GridTransform::new().expect("PROJ");
        // 100 m (east) × 50 m (north), drawn counter-clockwise
        let zone = MultiPolygon::new(vec![Rect::new(
            coord! { x: 400_000.0, y: 2_350_000.0 },
            coord! { x: 400_100.0, y: 2_350_050.0 },
        )
        .to_polygon()]);
        let p = stakeout(
            &[("Z".into(), zone, crate::crs::LegalGrid::Tm3_107)],
            Some(40.0),
            &t,
        )
        .expect("stakeout");
        let xy: Vec<(&str, f64, f64)> = p.iter().map(|s| (s.id.as_str(), s.x, s.y)).collect();
        // north-west corner first, then east along the north edge (clockwise),
        // 100 m edges in 3 pieces, 50 m edges in 2
        assert_eq!(xy[0], ("M1", 2_350_050.0, 400_000.0));
        assert!((xy[1].1 - 2_350_050.0).abs() < 1e-9);
        assert!((xy[1].2 - 400_033.333).abs() < 1e-9);
        assert_eq!(xy[3], ("M4", 2_350_050.0, 400_100.0));
        assert_eq!(xy[5], ("M6", 2_350_000.0, 400_100.0));
        assert_eq!(p.len(), 3 + 2 + 3 + 2);
        assert_eq!(p.iter().filter(|s| s.kind == "corner").count(), 4);
    }

    #[test]
    fn a_table_of_millions_of_points_is_refused_before_it_is_made() {
        let t = GridTransform::new().expect("PROJ");
        // 30 km × 30 km: 120 km of edges, 120,000 points at a metre
        let big = MultiPolygon::new(vec![Rect::new(
            coord! { x: 400_000.0, y: 2_330_000.0 },
            coord! { x: 430_000.0, y: 2_360_000.0 },
        )
        .to_polygon()]);
        let zones = [("Z".to_owned(), big, crate::crs::LegalGrid::Tm3_107)];
        let e = stakeout(&zones, Some(1.0), &t).expect_err("too many");
        assert!(e.to_string().contains("larger spacing"), "{e}");
        // a spacing under the minimum is taken as the minimum, not as asked
        assert!(stakeout(&zones, Some(1e-9), &t).is_err());
        assert_eq!(
            stakeout(&zones, Some(2.0), &t).map(|p| p.len()).ok(),
            Some(60_000)
        );
    }
}

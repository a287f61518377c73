//! Mapbox Vector Tiles of the zones in the `WebMercatorQuad` tile matrix set
//! (OGC API – Tiles): the tile address, spherical Mercator (EPSG:3857), and
//! the making of one tile (clip to the buffered tile, simplify for the zoom,
//! snap to the tile grid, encode).
//!
//! The geometry is projected once, when a zone enters the cache
//! ([`crate::state::CachedZone`] keeps its EPSG:3857 form); a tile is made on
//! demand from the zones whose box meets it. Encoding uses `geozero`'s
//! protobuf types and geometry commands; what geozero leaves to its caller
//! (clipping, simplifying, snapping to integers, dropping repeated points,
//! ring orientation) is done here, so the tile follows the specification
//! (version 2.1): exterior rings have a positive area in tile coordinates
//! (y down), holes a negative one, no zero-length segment.

use std::collections::HashMap;
use std::f64::consts::PI;

use geo::Simplify;
use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use geozero::mvt::{tile, Message, Tile};
use geozero::ToMvt;

/// The tile's coordinate range (4096 units a side, as most tilers use).
pub const EXTENT: u32 = 4096;
/// Units drawn beyond each edge of the tile, so that outlines and labels do
/// not break at tile edges.
pub const BUFFER: f64 = 64.0;
/// The deepest tile matrix served (`WebMercatorQuad` defines 0–24; 22 is a
/// tile of about 10 m, finer than any zone boundary is known).
pub const MAX_ZOOM: u8 = 22;
/// The layer's name.
pub const LAYER: &str = "zones";
/// Above this many zones in one tile the tile is generalised harder (see
/// [`tolerance`]).
pub const DENSE: usize = 2_000;

/// The WGS84 semi-major axis, the radius of EPSG:3857's sphere.
const RADIUS: f64 = 6_378_137.0;
/// Half the width of the world in EPSG:3857 (`π · 6378137`).
pub const HALF_WORLD: f64 = PI * RADIUS;
/// The latitude at which the Mercator square ends (`atan(sinh(π))`).
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// WGS84 lon/lat (degrees) to EPSG:3857 metres: the spherical Mercator
/// formulas that define EPSG:3857 ("Popular Visualisation Pseudo-Mercator",
/// EPSG method 1024), latitude clamped to the Mercator square.
#[must_use]
pub fn to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE);
    let x = RADIUS * lon.to_radians();
    let y = RADIUS * (PI / 4.0 + lat.to_radians() / 2.0).tan().ln();
    (x, y)
}

/// EPSG:3857 metres to WGS84 lon/lat (degrees).
#[must_use]
pub fn from_mercator(x: f64, y: f64) -> (f64, f64) {
    let lon = (x / RADIUS).to_degrees();
    let lat = (2.0 * (y / RADIUS).exp().atan() - PI / 2.0).to_degrees();
    (lon, lat)
}

/// A multipolygon from WGS84 to EPSG:3857.
#[must_use]
pub fn multipolygon_to_mercator(mp: &MultiPolygon) -> MultiPolygon {
    use geo::MapCoords;
    mp.map_coords(|c| {
        let (x, y) = to_mercator(c.x, c.y);
        Coord { x, y }
    })
}

/// A tile of `WebMercatorQuad`: tile matrix (zoom), row (from the top) and
/// column (from the left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileId {
    /// The tile matrix, 0 to [`MAX_ZOOM`].
    pub z: u8,
    /// The row, 0 at the top (north).
    pub row: u32,
    /// The column, 0 at the left (west).
    pub col: u32,
}

fn parse_index(text: &str, name: &str, z: u8) -> Result<u32, String> {
    let n = 1u64 << z;
    text.parse::<u64>()
        .ok()
        .filter(|v| *v < n)
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| {
            format!(
                "{name}={text} is not a {name} of tile matrix {z}; give a whole number from 0 to {}",
                n - 1
            )
        })
}

impl TileId {
    /// Reads `{tileMatrix}/{tileRow}/{tileCol}` as given in the path.
    ///
    /// # Errors
    /// A message naming the parameter that is not a whole number in range.
    pub fn parse(z: &str, row: &str, col: &str) -> Result<Self, String> {
        let z = z.parse::<u8>().ok().filter(|z| *z <= MAX_ZOOM).ok_or_else(|| {
            format!(
                "tileMatrix={z} is not a tile matrix of WebMercatorQuad served here; give a zoom level from 0 to {MAX_ZOOM}"
            )
        })?;
        Ok(Self {
            z,
            row: parse_index(row, "tileRow", z)?,
            col: parse_index(col, "tileCol", z)?,
        })
    }

    /// The tile's width in EPSG:3857 metres.
    #[must_use]
    pub fn size(self) -> f64 {
        2.0 * HALF_WORLD / f64::from(1u32 << self.z)
    }

    /// The tile's bounds in EPSG:3857, `[minx, miny, maxx, maxy]`.
    #[must_use]
    pub fn bounds(self) -> [f64; 4] {
        let s = self.size();
        let minx = -HALF_WORLD + f64::from(self.col) * s;
        let maxy = HALF_WORLD - f64::from(self.row) * s;
        [minx, maxy - s, minx + s, maxy]
    }

    /// The bounds with the buffer added on every side.
    #[must_use]
    pub fn buffered(self) -> [f64; 4] {
        let [x0, y0, x1, y1] = self.bounds();
        let b = BUFFER * self.size() / f64::from(EXTENT);
        [x0 - b, y0 - b, x1 + b, y1 + b]
    }
}

/// What a tile says of one zone.
#[derive(Debug)]
pub struct TileZone<'a> {
    /// The feature's id (the zone version's id).
    pub id: Option<u64>,
    /// The properties, as (key, text) pairs.
    pub properties: Vec<(&'static str, &'a str)>,
    /// The boundary in EPSG:3857.
    pub mercator: &'a MultiPolygon,
    /// Its box in EPSG:3857, `[minx, miny, maxx, maxy]`.
    pub bbox: [f64; 4],
}

/// Whether two boxes `[minx, miny, maxx, maxy]` meet.
#[must_use]
pub fn boxes_meet(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// The simplification tolerance in tile units: one unit (1/16 of a pixel of
/// a 256-pixel tile), and more in a tile with more than [`DENSE`] zones,
/// growing with the square root of their number, up to 32 units (2 pixels).
#[must_use]
pub fn tolerance(zones: usize) -> f64 {
    if zones <= DENSE {
        1.0
    } else {
        (zones as f64 / DENSE as f64).sqrt().min(32.0)
    }
}

/// Keeps the part of a ring inside `[lo, hi]` on both axes
/// (Sutherland–Hodgman, one edge of the box at a time). The result is closed
/// when not empty; a concave ring cut by the box may keep edges along the
/// box's border, outside the tile proper (in the buffer).
fn clip_ring(ring: &[Coord], lo: f64, hi: f64) -> Vec<Coord> {
    let mut pts: Vec<Coord> = ring.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    // (axis, bound, keep the side above the bound)
    for (axis_x, bound, above) in [
        (true, lo, true),
        (true, hi, false),
        (false, lo, true),
        (false, hi, false),
    ] {
        if pts.is_empty() {
            break;
        }
        let v = |c: &Coord| if axis_x { c.x } else { c.y };
        let inside = |c: &Coord| if above { v(c) >= bound } else { v(c) <= bound };
        let cut = |a: &Coord, b: &Coord| {
            let t = (bound - v(a)) / (v(b) - v(a));
            if axis_x {
                Coord {
                    x: bound,
                    y: a.y + t * (b.y - a.y),
                }
            } else {
                Coord {
                    x: a.x + t * (b.x - a.x),
                    y: bound,
                }
            }
        };
        let mut out = Vec::with_capacity(pts.len() + 4);
        for i in 0..pts.len() {
            let (cur, prev) = (pts[i], pts[(i + pts.len() - 1) % pts.len()]);
            match (inside(&prev), inside(&cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cut(&prev, &cur)),
                (false, true) => {
                    out.push(cut(&prev, &cur));
                    out.push(cur);
                }
                (false, false) => {}
            }
        }
        pts = out;
    }
    if let Some(first) = pts.first().copied() {
        pts.push(first);
    }
    pts
}

/// Twice the signed area of a closed ring (positive: clockwise on screen,
/// with y down, as the specification wants an exterior ring).
fn doubled_area(ring: &[Coord]) -> f64 {
    ring.windows(2)
        .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
        .sum()
}

/// A ring in tile units: clipped, simplified with `eps`, snapped to whole
/// units without repeated points, oriented (`exterior`: positive area).
/// `None` when nothing of it is left with an area.
fn tile_ring(ring: &[Coord], eps: f64, exterior: bool) -> Option<LineString> {
    let extent = f64::from(EXTENT);
    let clipped = clip_ring(ring, -BUFFER, extent + BUFFER);
    if clipped.len() < 4 {
        return None;
    }
    let simple = LineString::new(clipped).simplify(eps);
    let mut snapped: Vec<Coord> = Vec::with_capacity(simple.0.len());
    for c in simple.0 {
        let c = Coord {
            x: c.x.round(),
            y: c.y.round(),
        };
        if snapped.last() != Some(&c) {
            snapped.push(c);
        }
    }
    if snapped.len() < 4 || snapped.first() != snapped.last() {
        return None;
    }
    let area = doubled_area(&snapped);
    if area == 0.0 {
        return None;
    }
    if (area > 0.0) != exterior {
        snapped.reverse();
    }
    Some(LineString::new(snapped))
}

/// A square of `side` units centred on `(x, y)` in tile units (a zone too
/// small to draw at this zoom: it stays in the tile, one square where it is).
fn square(x: f64, y: f64, side: f64) -> Polygon {
    let h = (side / 2.0).max(0.5);
    let (x0, y0) = ((x - h).round(), (y - h).round());
    let (x1, y1) = ((x + h).round().max(x0 + 1.0), (y + h).round().max(y0 + 1.0));
    // clockwise with y down: positive area
    Polygon::new(
        LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )
}

/// A zone's boundary in tile units for `tile`, or `None` when nothing of it
/// falls in the buffered tile.
fn tile_geometry(z: &TileZone, tile: TileId, eps: f64) -> Option<MultiPolygon> {
    let [minx, _, _, maxy] = tile.bounds();
    let unit = tile.size() / f64::from(EXTENT);
    let to_tile = |c: &Coord| Coord {
        x: (c.x - minx) / unit,
        y: (maxy - c.y) / unit,
    };
    let [bx0, by0, bx1, by1] = z.bbox;
    // one square of the tolerance's size at the zone's centre, when the
    // centre is in the buffered tile
    let centre_square = || {
        let c = to_tile(&Coord {
            x: f64::midpoint(bx0, bx1),
            y: f64::midpoint(by0, by1),
        });
        let range = -BUFFER..=f64::from(EXTENT) + BUFFER;
        (range.contains(&c.x) && range.contains(&c.y))
            .then(|| MultiPolygon::new(vec![square(c.x, c.y, eps)]))
    };
    if (bx1 - bx0) / unit < eps && (by1 - by0) / unit < eps {
        // smaller than the tolerance: drawn as a square, no vertex read
        return centre_square();
    }
    let mut polygons = Vec::new();
    for p in &z.mercator.0 {
        let ring = |r: &LineString| r.0.iter().map(to_tile).collect::<Vec<_>>();
        let Some(exterior) = tile_ring(&ring(p.exterior()), eps, true) else {
            continue;
        };
        let holes = p
            .interiors()
            .iter()
            .filter_map(|h| tile_ring(&ring(h), eps, false))
            .collect();
        polygons.push(Polygon::new(exterior, holes));
    }
    if polygons.is_empty() {
        // outline gone at this scale (thinner than the tolerance) but its
        // box is in the tile: one square at its centre keeps it there
        return centre_square();
    }
    Some(MultiPolygon::new(polygons))
}

/// The keys and values of a layer, each kept once.
#[derive(Default)]
struct Tags {
    keys: Vec<String>,
    key_index: HashMap<&'static str, u32>,
    values: Vec<tile::Value>,
    value_index: HashMap<String, u32>,
}

impl Tags {
    fn pair(&mut self, key: &'static str, value: &str) -> [u32; 2] {
        let k = *self.key_index.entry(key).or_insert_with(|| {
            self.keys.push(key.to_owned());
            u32::try_from(self.keys.len() - 1).unwrap_or(u32::MAX)
        });
        let v = if let Some(v) = self.value_index.get(value) {
            *v
        } else {
            self.values.push(tile::Value {
                string_value: Some(value.to_owned()),
                ..tile::Value::default()
            });
            let v = u32::try_from(self.values.len() - 1).unwrap_or(u32::MAX);
            self.value_index.insert(value.to_owned(), v);
            v
        };
        [k, v]
    }
}

/// The tile `tile` of these zones (layer [`LAYER`]), or `None` when none of
/// them falls in it (the caller answers an empty tile). The zones are taken
/// in the order given.
#[must_use]
pub fn encode(tile: TileId, zones: &[TileZone]) -> Option<Vec<u8>> {
    let buffered = tile.buffered();
    let meeting: Vec<&TileZone> = zones
        .iter()
        .filter(|z| boxes_meet(z.bbox, buffered))
        .collect();
    let eps = tolerance(meeting.len());
    let mut tags = Tags::default();
    let mut features = Vec::with_capacity(meeting.len());
    for z in meeting {
        let Some(g) = tile_geometry(z, tile, eps) else {
            continue;
        };
        // a MultiPolygon of whole numbers always encodes
        let Ok(mut f) = geo_types::Geometry::MultiPolygon(g).to_mvt_unscaled() else {
            continue;
        };
        f.id = z.id;
        f.tags = z
            .properties
            .iter()
            .flat_map(|(k, v)| tags.pair(k, v))
            .collect();
        features.push(f);
    }
    if features.is_empty() {
        return None;
    }
    let layer = tile::Layer {
        version: 2,
        name: LAYER.to_owned(),
        features,
        keys: tags.keys,
        values: tags.values,
        extent: Some(EXTENT),
    };
    Some(
        Tile {
            layers: vec![layer],
        }
        .encode_to_vec(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use geozero::mvt::tile::GeomType;

    /// EPSG:4326 → EPSG:3857 as PROJ gives it (pyproj 3.7.2 with PROJ
    /// 9.5.1: `Transformer.from_crs(4326, 3857, always_xy=True)`).
    const PYPROJ: [((f64, f64), (f64, f64)); 4] = [
        ((106.2, 21.3), (11822129.922245653, 2427686.5436241813)),
        ((107.0, 21.5), (11911185.514880272, 2451599.087377855)),
        ((-73.985, 40.748), (-8235972.526340345, 4975242.477853835)),
        ((0.0, 0.0), (0.0, 0.0)),
    ];

    #[test]
    fn spherical_mercator_agrees_with_proj() {
        for ((lon, lat), (x, y)) in PYPROJ {
            let (mx, my) = to_mercator(lon, lat);
            assert!(
                (mx - x).abs() < 1e-6 && (my - y).abs() < 1e-6,
                "{lon},{lat}: {mx},{my}"
            );
            let (l, b) = from_mercator(x, y);
            assert!((l - lon).abs() < 1e-10 && (b - lat).abs() < 1e-10);
        }
        // the corner of the Mercator square (pyproj: 20037508.342789244)
        let (x, y) = to_mercator(180.0, 89.9);
        assert!((x - 20037508.342789244).abs() < 1e-6 && (y - 20037508.342789244).abs() < 1e-6);
    }

    /// The tile that holds lon 106.2, lat 21.3 by the slippy-map formulas of
    /// the OpenStreetMap wiki (x = ⌊(lon+180)/360·2^z⌋,
    /// y = ⌊(1 − asinh(tan φ)/π)/2·2^z⌋), computed apart: its bounds hold the
    /// point as PROJ projects it.
    #[test]
    fn tile_bounds_hold_the_point_the_slippy_map_formula_names() {
        let (x, y) = PYPROJ[0].1;
        for (z, row, col) in [
            (0u8, 0u32, 0u32),
            (1, 0, 1),
            (14, 7199, 13025),
            (22, 1843067, 3334471),
        ] {
            let [x0, y0, x1, y1] = TileId { z, row, col }.bounds();
            assert!(x0 <= x && x < x1 && y0 < y && y <= y1, "z{z}");
        }
        let [x0, y0, x1, y1] = TileId {
            z: 0,
            row: 0,
            col: 0,
        }
        .bounds();
        assert!((x0 + 20037508.342789244).abs() < 1e-6 && (y1 - 20037508.342789244).abs() < 1e-6);
        assert!((x1 - 20037508.342789244).abs() < 1e-6 && (y0 + 20037508.342789244).abs() < 1e-6);
    }

    #[test]
    fn bad_addresses_are_refused_naming_the_parameter() {
        assert_eq!(
            TileId::parse("3", "7", "0"),
            Ok(TileId {
                z: 3,
                row: 7,
                col: 0
            })
        );
        for (z, row, col, name) in [
            ("23", "0", "0", "tileMatrix"),
            ("-1", "0", "0", "tileMatrix"),
            ("x", "0", "0", "tileMatrix"),
            ("3", "8", "0", "tileRow"),
            ("3", "0", "8", "tileCol"),
            ("3", "-1", "0", "tileRow"),
            ("3", "0", "1.5", "tileCol"),
            ("0", "1", "0", "tileRow"),
        ] {
            let e = TileId::parse(z, row, col).expect_err(z);
            assert!(e.starts_with(name), "{e}");
        }
    }

    /// Decodes a polygon feature's geometry commands (specification 4.3)
    /// into rings of tile coordinates.
    fn rings(f: &tile::Feature) -> Vec<Vec<(i64, i64)>> {
        let g = &f.geometry;
        let (mut i, mut x, mut y) = (0, 0i64, 0i64);
        let mut out: Vec<Vec<(i64, i64)>> = Vec::new();
        let zz = |v: u32| i64::from(v >> 1) ^ -i64::from(v & 1);
        while i < g.len() {
            let (cmd, count) = (g[i] & 7, g[i] >> 3);
            i += 1;
            match cmd {
                1 | 2 => {
                    for _ in 0..count {
                        x += zz(g[i]);
                        y += zz(g[i + 1]);
                        i += 2;
                        if cmd == 1 {
                            out.push(vec![]);
                        }
                        out.last_mut().expect("a MoveTo first").push((x, y));
                    }
                }
                7 => {}
                c => panic!("command {c}"),
            }
        }
        out
    }

    fn signed_area(r: &[(i64, i64)]) -> i64 {
        (0..r.len())
            .map(|i| {
                let (a, b) = (r[i], r[(i + 1) % r.len()]);
                a.0 * b.1 - b.0 * a.1
            })
            .sum()
    }

    fn decode(bytes: &[u8]) -> Tile {
        Tile::decode(bytes).expect("a tile")
    }

    /// A square of `side` metres with a square hole, its south-west corner
    /// at (x, y) in EPSG:3857, drawn counter-clockwise (as GeoJSON does).
    fn holed_square(x: f64, y: f64, side: f64) -> MultiPolygon {
        let ring = |x: f64, y: f64, s: f64| {
            LineString::from(vec![(x, y), (x + s, y), (x + s, y + s), (x, y + s), (x, y)])
        };
        MultiPolygon::new(vec![Polygon::new(
            ring(x, y, side),
            vec![ring(x + side / 4.0, y + side / 4.0, side / 2.0)],
        )])
    }

    #[test]
    fn a_polygon_is_encoded_in_tile_units_oriented_as_the_specification_says() {
        let t = TileId {
            z: 14,
            row: 7199,
            col: 13025,
        };
        let [x0, y0, ..] = t.bounds();
        let unit = t.size() / 4096.0;
        // 1024 units from the tile's west and south edges, 1024 units a side
        let mp = holed_square(x0 + 1024.0 * unit, y0 + 1024.0 * unit, 1024.0 * unit);
        let bbox = [
            x0 + 1024.0 * unit,
            y0 + 1024.0 * unit,
            x0 + 2048.0 * unit,
            y0 + 2048.0 * unit,
        ];
        let zone = TileZone {
            id: Some(7),
            properties: vec![("code", "KCN-A"), ("kind", "KCN")],
            mercator: &mp,
            bbox,
        };
        let other = TileZone {
            id: Some(8),
            properties: vec![("code", "CCN-B"), ("kind", "CCN")],
            mercator: &mp,
            bbox,
        };
        let tile = decode(&encode(t, &[zone, other]).expect("not empty"));
        let layer = &tile.layers[0];
        assert_eq!(
            (layer.name.as_str(), layer.version, layer.extent),
            ("zones", 2, Some(4096))
        );
        assert_eq!(layer.features.len(), 2);
        // keys and values are shared: code, kind; four distinct values
        assert_eq!(layer.keys, vec!["code", "kind"]);
        assert_eq!(layer.values.len(), 4);
        let f = &layer.features[0];
        assert_eq!((f.id, f.r#type()), (Some(7), GeomType::Polygon));
        let r = rings(f);
        assert_eq!(r.len(), 2);
        // y grows downwards: the square spans rows 2048–3072
        let mut corners = r[0].clone();
        corners.sort_unstable();
        assert_eq!(
            corners,
            vec![(1024, 2048), (1024, 3072), (2048, 2048), (2048, 3072)]
        );
        assert!(signed_area(&r[0]) > 0, "exterior: positive area");
        assert!(signed_area(&r[1]) < 0, "hole: negative area");
        assert_eq!(signed_area(&r[0]), 2 * 1024 * 1024);
    }

    #[test]
    fn outlines_are_clipped_to_the_buffered_tile_and_empty_tiles_are_none() {
        let t = TileId {
            z: 10,
            row: 449,
            col: 814,
        };
        let [x0, y0, ..] = t.bounds();
        let unit = t.size() / 4096.0;
        // a square from 1000 units west of the tile to 100 units inside it
        let mp = holed_square(x0 - 1000.0 * unit, y0 + 100.0 * unit, 1100.0 * unit);
        let bbox = [
            x0 - 1000.0 * unit,
            y0 + 100.0 * unit,
            x0 + 100.0 * unit,
            y0 + 1200.0 * unit,
        ];
        let zone = TileZone {
            id: None,
            properties: vec![("code", "Z")],
            mercator: &mp,
            bbox,
        };
        let tile = decode(&encode(t, std::slice::from_ref(&zone)).expect("not empty"));
        let r = rings(&tile.layers[0].features[0]);
        let xs: Vec<i64> = r[0].iter().map(|p| p.0).collect();
        assert_eq!(xs.iter().min(), Some(&-64), "cut at the buffer");
        assert_eq!(xs.iter().max(), Some(&100));
        // the hole (from -725 to -450 units) is outside the buffer: gone
        assert_eq!(r.len(), 1);
        // the tile to the east sees none of it
        let east = TileId { col: 815, ..t };
        assert!(encode(east, &[zone]).is_none());
    }

    #[test]
    fn zones_below_the_tolerance_stay_in_the_tile_as_one_square() {
        let t = TileId {
            z: 8,
            row: 112,
            col: 203,
        };
        let [x0, y0, ..] = t.bounds();
        let unit = t.size() / 4096.0;
        // a third of a unit a side
        let mp = holed_square(x0 + 500.0 * unit, y0 + 500.0 * unit, unit / 3.0);
        let bbox = [
            x0 + 500.0 * unit,
            y0 + 500.0 * unit,
            x0 + 500.3 * unit,
            y0 + 500.3 * unit,
        ];
        let zone = TileZone {
            id: Some(1),
            properties: vec![("code", "TINY")],
            mercator: &mp,
            bbox,
        };
        let tile = decode(&encode(t, &[zone]).expect("kept"));
        let r = rings(&tile.layers[0].features[0]);
        assert_eq!(r.len(), 1);
        assert_eq!(signed_area(&r[0]), 2, "one unit square, positive");
        assert!(
            r[0].iter()
                .all(|p| (499..=501).contains(&p.0) && (3594..=3597).contains(&p.1)),
            "{r:?}"
        );
    }

    #[test]
    fn the_tolerance_grows_in_dense_tiles_and_is_bounded() {
        assert!((tolerance(10) - 1.0).abs() < f64::EPSILON);
        assert!((tolerance(DENSE) - 1.0).abs() < f64::EPSILON);
        assert!((tolerance(4 * DENSE) - 2.0).abs() < 1e-12);
        assert!((tolerance(usize::MAX) - 32.0).abs() < f64::EPSILON);
    }

    /// A star-shaped (so simple) ring of `n` vertices around `(cx, cy)`,
    /// in tile units, counter-clockwise on the map (as GeoJSON draws).
    fn star(cx: f64, cy: f64, radii: &[f64]) -> Vec<(f64, f64)> {
        let n = radii.len();
        let mut ring: Vec<(f64, f64)> = radii
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let a = 2.0 * PI * i as f64 / n as f64;
                (cx + r * a.cos(), cy + r * a.sin())
            })
            .collect();
        ring.push(ring[0]);
        ring
    }

    /// One outline: a star of `radii` (times e^`log_scale`) around
    /// (`cx`, `cy`) in tile units, encoded in a tile of zoom `z`; what the
    /// specification asks of the encoded feature, or what it breaks.
    fn outline_case(
        (cx, cy, log_scale): (f64, f64, f64),
        radii: &[f64],
        clockwise: bool,
        z: u8,
    ) -> Result<(), String> {
        let t = TileId {
            z,
            row: (1u32 << z) / 3,
            col: (1u32 << z) / 2,
        };
        let [x0, _, _, y1] = t.bounds();
        let unit = t.size() / 4096.0;
        let radii: Vec<f64> = radii.iter().map(|r| r * log_scale.exp()).collect();
        // tile units (y down) to EPSG:3857
        let mut ring: Vec<(f64, f64)> = star(cx, cy, &radii)
            .into_iter()
            .map(|(x, y)| (x0 + x * unit, y1 - y * unit))
            .collect();
        if clockwise {
            ring.reverse();
        }
        let mp = MultiPolygon::new(vec![Polygon::new(LineString::from(ring.clone()), vec![])]);
        let xs = ring.iter().map(|p| p.0);
        let ys = ring.iter().map(|p| p.1);
        let bbox = [
            xs.clone().fold(f64::INFINITY, f64::min),
            ys.clone().fold(f64::INFINITY, f64::min),
            xs.fold(f64::NEG_INFINITY, f64::max),
            ys.fold(f64::NEG_INFINITY, f64::max),
        ];
        let zone = TileZone {
            id: Some(1),
            properties: vec![("code", "Z")],
            mercator: &mp,
            bbox,
        };
        let inside = bbox[0] > x0 + unit
            && bbox[2] < x0 + 4095.0 * unit
            && bbox[1] > y1 - 4095.0 * unit
            && bbox[3] < y1 - unit
            && (bbox[2] - bbox[0]).max(bbox[3] - bbox[1]) > 2.0 * unit;
        let Some(bytes) = encode(t, &[zone]) else {
            return if inside {
                Err("an outline inside the tile was lost".into())
            } else {
                Ok(())
            };
        };
        let tile = decode(&bytes);
        let f = &tile.layers[0].features[0];
        // the commands: MoveTo(1), LineTo(n ≥ 2), ClosePath(1), ring after ring
        let g = &f.geometry;
        let mut i = 0;
        while i < g.len() {
            let line_to = g[i + 3];
            if g[i] != (1 << 3) | 1 || line_to & 7 != 2 || line_to >> 3 < 2 {
                return Err(format!("commands {:?}", &g[i..]));
            }
            i += 4 + 2 * (line_to >> 3) as usize;
            if g[i] != (1 << 3) | 7 {
                return Err(format!("no ClosePath: {:?}", &g[i..]));
            }
            i += 1;
        }
        for r in rings(f) {
            if signed_area(&r) <= 0 {
                return Err(format!("an exterior ring of area ≤ 0: {r:?}"));
            }
            for (k, p) in r.iter().enumerate() {
                if !((-64..=4160).contains(&p.0) && (-64..=4160).contains(&p.1)) {
                    return Err(format!("{p:?} outside the buffered tile"));
                }
                if *p == r[(k + 1) % r.len()] {
                    return Err(format!("a zero-length segment at {p:?}"));
                }
            }
        }
        Ok(())
    }

    proptest::proptest! {
        /// Whatever the outline and wherever it lies, the tile follows the
        /// specification (`outline_case`): commands MoveTo(1), LineTo(≥ 2),
        /// ClosePath per ring; no zero-length segment; every point within
        /// the buffered tile; an outline with no hole gives exterior rings
        /// only, each of positive area; an outline wholly inside the tile
        /// and larger than a unit is never lost.
        #[test]
        fn any_outline_encodes_as_the_specification_says(
            // anywhere, and often near an edge of the tile (where the cut is)
            cx in proptest::prop_oneof![-3000.0f64..7000.0, -10.0f64..10.0, 4086.0f64..4106.0],
            cy in proptest::prop_oneof![-3000.0f64..7000.0, -10.0f64..10.0, 4086.0f64..4106.0],
            log_scale in -3.0f64..8.3,
            radii in proptest::collection::vec(0.2f64..1.0, 3..40),
            clockwise in proptest::bool::ANY,
            z in 3u8..20,
        ) {
            outline_case((cx, cy, log_scale), &radii, clockwise, z).map_err(proptest::test_runner::TestCaseError::fail)?;
        }
    }

    /// A case the property found (20,000 runs, with repeated points kept):
    /// a star centred on the tile's west edge whose points round to one.
    #[test]
    fn points_that_round_to_one_are_kept_once() {
        let mut radii = vec![0.2; 38];
        radii[21] = 0.929_133_774_940_733_2;
        radii[28] = 0.450_111_236_717_217;
        radii[29] = 0.402_933_616_375_870_1;
        radii[30] = 0.613_896_708_974_092_5;
        radii[32] = 0.797_012_325_261_301_3;
        assert_eq!(
            outline_case(
                (0.0, 1980.334_757_078_132_5, 2.530_460_260_700_350_4),
                &radii,
                false,
                3
            ),
            Ok(())
        );
    }
}

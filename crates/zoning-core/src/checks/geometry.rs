//! Geometry helpers the rules share: envelopes, guarded boolean operations, a
//! point inside a result, and cropping a large boundary to a window.

use geo::{BooleanOps, InteriorPoint};
use geo_types::{Coord, MultiPolygon, Rect};
use rstar::AABB;

use crate::area::M2_PER_HA;

/// The edges of polygons in an R-tree, each with its line.
pub(crate) type EdgeTree = rstar::RTree<
    rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, geo_types::Line>,
>;

/// Every edge of every ring of `polygons`, in an R-tree.
pub(crate) fn edge_tree<'a>(polygons: impl Iterator<Item = &'a geo_types::Polygon>) -> EdgeTree {
    rstar::RTree::bulk_load(
        polygons
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .flat_map(geo::LineString::lines)
            .map(|l| {
                rstar::primitives::GeomWithData::new(
                    rstar::primitives::Rectangle::from_aabb(AABB::from_corners(
                        [l.start.x, l.start.y],
                        [l.end.x, l.end.y],
                    )),
                    l,
                )
            })
            .collect(),
    )
}

/// Whether some edge in `tree` meets the rectangle `r`.
pub(crate) fn meets_edge(tree: &EdgeTree, r: Rect) -> bool {
    use geo::Intersects;
    tree.locate_in_envelope_intersecting(&envelope(r))
        .any(|e| e.data.intersects(&r))
}

/// The R-tree envelope of a rectangle.
pub(crate) fn envelope(r: Rect) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

/// Intersection of two multipolygons, guarding against a panic inside the
/// boolean operation (it would otherwise take the whole check down).
pub(crate) fn intersection(a: &MultiPolygon, b: &MultiPolygon) -> Option<MultiPolygon> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.intersection(b))).ok()
}

/// Difference `a − b`, guarded as [`intersection`].
pub(crate) fn difference(a: &MultiPolygon, b: &MultiPolygon) -> Option<MultiPolygon> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.difference(b))).ok()
}

/// A point inside `mp` (else its first vertex), where a finding is shown.
pub(crate) fn somewhere(mp: &MultiPolygon) -> Option<Coord> {
    mp.interior_point()
        .map(|p| p.0)
        .or_else(|| mp.0.first().and_then(|p| p.exterior().0.first().copied()))
}

/// `1.2345 ha`.
pub(crate) fn ha(m2: f64) -> String {
    format!("{:.4} ha", m2 / M2_PER_HA)
}

/// `r` grown by `d` on every side.
pub(crate) fn grown(r: Rect, d: f64) -> Rect {
    Rect::new(
        Coord {
            x: r.min().x - d,
            y: r.min().y - d,
        },
        Coord {
            x: r.max().x + d,
            y: r.max().y + d,
        },
    )
}

/// A side of a cropping window: which points are inside, and where an edge
/// crosses it.
type Side = (fn(Coord, Rect) -> bool, fn(Coord, Coord, Rect) -> Coord);

/// The part of `mp` inside the rectangle `w`, ring by ring
/// (Sutherland–Hodgman against the four sides). Vertices inside the window are
/// kept exactly; new ones lie on the window's sides, which the caller keeps
/// away from the zone. A ring cut in two may be joined along a side by a
/// zero-width edge, which adds no area.
pub(crate) fn crop(mp: &MultiPolygon, w: Rect) -> MultiPolygon {
    let clip_ring = |ring: &geo_types::LineString| -> Option<geo_types::LineString> {
        let mut pts: Vec<Coord> = ring.0.clone();
        pts.pop(); // open
        let sides: [Side; 4] = [
            (|c, w| c.x >= w.min().x, |a, b, w| cut_x(a, b, w.min().x)),
            (|c, w| c.x <= w.max().x, |a, b, w| cut_x(a, b, w.max().x)),
            (|c, w| c.y >= w.min().y, |a, b, w| cut_y(a, b, w.min().y)),
            (|c, w| c.y <= w.max().y, |a, b, w| cut_y(a, b, w.max().y)),
        ];
        for (inside, cut) in sides {
            let mut out = Vec::with_capacity(pts.len());
            for (i, &cur) in pts.iter().enumerate() {
                let prev = pts[(i + pts.len() - 1) % pts.len()];
                match (inside(prev, w), inside(cur, w)) {
                    (true, true) => out.push(cur),
                    (true, false) => out.push(cut(prev, cur, w)),
                    (false, true) => {
                        out.push(cut(prev, cur, w));
                        out.push(cur);
                    }
                    (false, false) => {}
                }
            }
            pts = out;
            if pts.len() < 3 {
                return None;
            }
        }
        let first = pts[0];
        pts.push(first);
        Some(geo_types::LineString::new(pts))
    };
    MultiPolygon::new(
        mp.0.iter()
            .filter_map(|p| {
                let exterior = clip_ring(p.exterior())?;
                let holes = p.interiors().iter().filter_map(&clip_ring).collect();
                Some(geo_types::Polygon::new(exterior, holes))
            })
            .collect(),
    )
}

fn cut_x(a: Coord, b: Coord, x: f64) -> Coord {
    let t = (x - a.x) / (b.x - a.x);
    Coord {
        x,
        y: a.y + t * (b.y - a.y),
    }
}

fn cut_y(a: Coord, b: Coord, y: f64) -> Coord {
    let t = (y - a.y) / (b.y - a.y);
    Coord {
        x: a.x + t * (b.x - a.x),
        y,
    }
}

//! Arcs as chords, and rings assembled into polygons with holes.

use geo::{Area, BoundingRect, Contains};
use geo_types::{Coord, LineString, Point, Polygon};

/// The largest sagitta (distance from chord to arc) of the chords that stand
/// for an arc: 1 mm.
pub const MAX_SAGITTA: f64 = 0.001;

/// The most chords one arc is cut into (reached only by arcs over ~13 km of
/// radius spanning a half-turn; their sagitta is then over 1 mm).
pub const MAX_CHORDS: usize = 4096;

/// How many chords an arc of `radius` and `sweep` (radians) needs so that
/// none is further than [`MAX_SAGITTA`] from the arc.
#[must_use]
pub fn chords(radius: f64, sweep: f64) -> usize {
    let r = radius.abs();
    let sweep = sweep.abs();
    if !(r.is_finite() && sweep.is_finite()) || r <= MAX_SAGITTA || sweep == 0.0 {
        return 1;
    }
    // sagitta of a chord spanning angle a: r (1 − cos(a/2))
    let step = 2.0 * (1.0 - MAX_SAGITTA / r).acos();
    let n = (sweep / step).ceil();
    if n >= MAX_CHORDS as f64 {
        MAX_CHORDS
    } else {
        // n is positive and below MAX_CHORDS
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = n as usize;
        n.max(1)
    }
}

/// The points after the start of an arc around `center` of `radius`, from
/// angle `start` turning by `sweep` (radians, positive counter-clockwise):
/// the chords' far ends, the last one the arc's end.
///
/// The chords keep the arc's area: the points between the two ends lie on a
/// radius a little larger than the arc's (by about ⅔ of the sagitta), chosen
/// so that the fan of triangles from the centre has the sector's area. Chords
/// on the arc itself would lose ⅔ · chord · sagitta each, 0.67 m² per km of
/// arc at a 1 mm sagitta; these lose nothing measurable, and no point of
/// them is further than the sagitta (at most [`MAX_SAGITTA`]) from the arc.
#[must_use]
pub fn arc_points(center: Coord, radius: f64, start: f64, sweep: f64) -> Vec<Coord> {
    let n = chords(radius, sweep);
    #[allow(clippy::cast_precision_loss)]
    let nf = n as f64;
    let step = sweep.abs() / nf;
    let (s, r) = (step.sin(), radius.abs());
    // fan area: 2 end triangles r·R'·sin(step)/2, n−2 inner ones R'²·sin(step)/2
    let outer = match n {
        1 => r,
        2 => r * step / s,
        _ => {
            let a = (nf - 2.0) * s;
            r * (-2.0 * s + (4.0 * s * s + 4.0 * a * nf * step).sqrt()) / (2.0 * a)
        }
    };
    let outer = if outer.is_finite() && outer > 0.0 {
        outer
    } else {
        r
    };
    (1..=n)
        .map(|k| {
            #[allow(clippy::cast_precision_loss)]
            let a = start + sweep * (k as f64) / nf;
            let rr = if k == n { r } else { outer };
            Coord {
                x: center.x + rr * a.cos(),
                y: center.y + rr * a.sin(),
            }
        })
        .collect()
}

/// The points after `p1` of the segment from `p1` to `p2` with `bulge` (the
/// tangent of a quarter of the arc's included angle, positive
/// counter-clockwise; 0 for a straight segment): `p2` alone, or the arc's
/// chord ends ending at `p2`.
#[must_use]
pub fn bulge_points(p1: Coord, p2: Coord, bulge: f64) -> Vec<Coord> {
    let dx = p2.x - p1.x;
    let dy = p2.y - p1.y;
    let c = dx.hypot(dy);
    if bulge.abs() < 1e-12 || !bulge.is_finite() || c == 0.0 {
        return vec![p2];
    }
    let sweep = 4.0 * bulge.atan();
    let radius = c * (1.0 + bulge * bulge) / (4.0 * bulge.abs());
    // centre on the chord's perpendicular bisector, left of p1→p2 for a
    // counter-clockwise arc
    let off = c * (1.0 - bulge * bulge) / (4.0 * bulge);
    let (nx, ny) = (-dy / c, dx / c);
    let center = Coord {
        x: f64::midpoint(p1.x, p2.x) + nx * off,
        y: f64::midpoint(p1.y, p2.y) + ny * off,
    };
    let start = (p1.y - center.y).atan2(p1.x - center.x);
    let mut pts = arc_points(center, radius, start, sweep);
    // end exactly on the given vertex
    if let Some(last) = pts.last_mut() {
        *last = p2;
    }
    pts
}

/// The vertices of a polyline with bulges (`(point, bulge to the next)`),
/// closed back to the first, arcs as chords; the ring repeats its first
/// point at the end and has no repeated consecutive points. Making it stops
/// once it has more than `max` points (the caller refuses such a ring).
#[must_use]
pub fn ring(vertices: &[(Coord, f64)], max: usize) -> Vec<Coord> {
    let mut out: Vec<Coord> = Vec::with_capacity(vertices.len() + 1);
    let Some(&(first, _)) = vertices.first() else {
        return out;
    };
    out.push(first);
    for (i, &(p, b)) in vertices.iter().enumerate() {
        if out.len() > max {
            return out;
        }
        let next = vertices.get(i + 1).map_or(first, |v| v.0);
        for q in bulge_points(p, next, b) {
            if out.last() != Some(&q) {
                out.push(q);
            }
        }
    }
    if out.last() != Some(&first) {
        out.push(first);
    }
    out
}

/// Assembles closed rings into polygons: a ring inside another becomes its
/// hole, a ring inside a hole an island again (even–odd nesting). Each
/// polygon comes with the indices of the rings it was made of, its exterior
/// first. Rings with fewer than four points or no area are left out.
#[must_use]
pub fn nest(rings: &[Vec<Coord>]) -> Vec<(Polygon, Vec<usize>)> {
    use rstar::{primitives::GeomWithData, primitives::Rectangle, RTree, AABB};
    let polys: Vec<Option<Polygon>> = rings
        .iter()
        .map(|r| {
            (r.len() >= 4)
                .then(|| Polygon::new(LineString::new(r.clone()), vec![]))
                .filter(|p| p.unsigned_area() > 0.0)
        })
        .collect();
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = polys
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let b = p.as_ref()?.bounding_rect()?;
            Some(GeomWithData::new(
                Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                i,
            ))
        })
        .collect();
    let tree = RTree::bulk_load(boxes);
    // the rings containing each ring, and the smallest of them
    let mut depth = vec![0usize; rings.len()];
    let mut parent: Vec<Option<usize>> = vec![None; rings.len()];
    for (i, p) in polys.iter().enumerate() {
        let Some(p) = p else { continue };
        let Some(b) = p.bounding_rect() else { continue };
        let area = p.unsigned_area();
        let probe = Point::from(p.exterior().0[0]);
        let env = AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]);
        let mut best: Option<(usize, f64)> = None;
        for o in tree.locate_in_envelope_intersecting(&env) {
            let j = o.data;
            if j == i {
                continue;
            }
            let Some(q) = &polys[j] else { continue };
            let qa = q.unsigned_area();
            if qa <= area || !q.contains(&probe) {
                continue;
            }
            depth[i] += 1;
            if best.is_none_or(|(_, a)| qa < a) {
                best = Some((j, qa));
            }
        }
        parent[i] = best.map(|(j, _)| j);
    }
    let mut out: Vec<(Polygon, Vec<usize>)> = Vec::new();
    let mut slot = vec![None; rings.len()];
    for (i, p) in polys.iter().enumerate() {
        if p.is_some() && depth[i] % 2 == 0 {
            slot[i] = Some(out.len());
            out.push((
                Polygon::new(LineString::new(rings[i].clone()), vec![]),
                vec![i],
            ));
        }
    }
    for (i, p) in polys.iter().enumerate() {
        if p.is_none() || depth[i] % 2 == 0 {
            continue;
        }
        if let Some(k) = parent[i].and_then(|j| slot[j]) {
            let (poly, members) = &mut out[k];
            poly.interiors_push(LineString::new(rings[i].clone()));
            members.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord {
        Coord { x, y }
    }

    /// The largest distance from the circle of a vertex or a chord's
    /// midpoint (the chord's furthest point from the arc is one of them).
    fn max_sagitta(center: Coord, r: f64, pts: &[Coord]) -> f64 {
        let off = |p: Coord| ((p.x - center.x).hypot(p.y - center.y) - r).abs();
        pts.windows(2)
            .flat_map(|w| {
                let m = c(f64::midpoint(w[0].x, w[1].x), f64::midpoint(w[0].y, w[1].y));
                [off(w[0]), off(m)]
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn a_bulge_of_one_is_a_half_circle_within_a_millimetre() {
        // p1 → p2 along x, bulge 1: a counter-clockwise half circle below the
        // chord (centre at the midpoint), radius 100 m
        let p1 = c(420_000.0, 2_350_000.0);
        let p2 = c(420_200.0, 2_350_000.0);
        let mut pts = vec![p1];
        pts.extend(bulge_points(p1, p2, 1.0));
        let center = c(420_100.0, 2_350_000.0);
        for p in &pts {
            assert!(p.y <= 2_350_000.0 + 1e-9, "counter-clockwise goes below");
        }
        let s = max_sagitta(center, 100.0, &pts);
        assert!(s <= MAX_SAGITTA && s > MAX_SAGITTA / 10.0, "sagitta {s}");
        // the half disc's area, to a few mm² (chords on the arc would lose
        // ⅔ · 314 m · 1 mm ≈ 0.2 m²)
        let mut ring = pts.clone();
        ring.push(p1);
        let area = Polygon::new(LineString::new(ring), vec![]).unsigned_area();
        let exact = std::f64::consts::PI * 100.0 * 100.0 / 2.0;
        assert!((area - exact).abs() < 0.005, "{area} vs {exact}");
        assert_eq!(pts.last(), Some(&p2));
    }

    #[test]
    fn arc_area_matches_the_analytic_segment() {
        // a square 200 m with its top edge bulged outwards by a quarter turn
        // (bulge tan(22.5°)): area = square + circular segment
        let b = (std::f64::consts::PI / 8.0).tan();
        let v = [
            (c(0.0, 0.0), 0.0),
            (c(200.0, 0.0), 0.0),
            (c(200.0, 200.0), b),
            (c(0.0, 200.0), 0.0),
        ];
        let r = ring(&v, usize::MAX);
        let area = Polygon::new(LineString::new(r.clone()), vec![]).unsigned_area();
        let theta = std::f64::consts::FRAC_PI_2;
        let radius = 200.0 / (2.0 * (theta / 2.0).sin());
        let segment = radius * radius / 2.0 * (theta - theta.sin());
        let exact = 200.0 * 200.0 + segment;
        assert!((area - exact).abs() < 0.005, "{area} vs {exact}");
        // the bulge goes outwards (above y = 200)
        assert!(r.iter().any(|p| p.y > 240.0));
    }

    #[test]
    fn negative_bulges_turn_clockwise() {
        let pts = bulge_points(c(0.0, 0.0), c(10.0, 0.0), -1.0);
        assert!(pts.iter().all(|p| p.y >= -1e-9));
        assert!(pts.iter().any(|p| p.y > 4.9));
    }

    #[test]
    fn chords_are_bounded() {
        assert_eq!(chords(1e12, std::f64::consts::PI), MAX_CHORDS);
        assert_eq!(chords(f64::NAN, 1.0), 1);
        assert_eq!(chords(0.0005, 1.0), 1);
        assert!(chords(100.0, std::f64::consts::PI) > 100);
        // a long flat arc: 2.3 km radius, 63°, every chord within 1 mm
        let center = c(0.0, 0.0);
        let pts = arc_points(center, 2300.0, 0.0, 1.1);
        let mut all = vec![c(2300.0, 0.0)];
        all.extend(pts);
        assert!(max_sagitta(center, 2300.0, &all) <= MAX_SAGITTA);
        // making a ring stops past its bound
        let v: Vec<(Coord, f64)> = (0..100).map(|i| (c(f64::from(i), 0.0), 1.0)).collect();
        let r = ring(&v, 1000);
        assert!(r.len() > 1000 && r.len() < 1000 + 2 * MAX_CHORDS);
    }

    fn square(x: f64, y: f64, s: f64) -> Vec<Coord> {
        vec![c(x, y), c(x + s, y), c(x + s, y + s), c(x, y + s), c(x, y)]
    }

    #[test]
    fn nested_rings_become_holes_and_islands() {
        let rings = vec![
            square(10.0, 10.0, 80.0),                    // hole of 0
            square(0.0, 0.0, 100.0),                     // outer
            square(20.0, 20.0, 10.0),                    // island in the hole
            square(200.0, 0.0, 10.0),                    // apart
            vec![c(0.0, 0.0), c(1.0, 1.0), c(0.0, 0.0)], // degenerate
        ];
        let p = nest(&rings);
        assert_eq!(p.len(), 3);
        let outer = p.iter().find(|(_, m)| m[0] == 1).expect("outer");
        assert_eq!(outer.1, vec![1, 0]);
        assert!((outer.0.unsigned_area() - (10_000.0 - 6_400.0)).abs() < 1e-9);
        assert!(p.iter().any(|(_, m)| m == &vec![2]));
        assert!(p.iter().any(|(_, m)| m == &vec![3]));
    }
}

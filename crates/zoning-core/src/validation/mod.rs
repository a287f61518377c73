//! Geometry validity in the OGC Simple Features sense, with a reason and a
//! location a person can go to.
//!
//! The reasons and their order follow GEOS's `IsValidOp` (which the tests use as
//! the reference): invalid coordinate, too few points, self-intersection (edges
//! crossing or overlapping, within a ring, between rings or between parts), ring
//! self-intersection (a ring touching itself at a point), hole outside its shell,
//! nested holes, nested shells, disconnected interior. A repeated consecutive
//! vertex or a clockwise exterior is not invalid. Unlike GEOS, every problem is
//! reported (each once, with its own location), not only the first; when edges
//! cross, the containment checks that assume they do not are skipped.

use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{Contains, CoordsIter};
use geo_types::{Coord, Line, LineString, MultiPolygon, Polygon};
use rstar::{primitives::GeomWithData, RTree, AABB};

/// What is wrong with a geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// A coordinate is NaN or infinite.
    InvalidCoordinate,
    /// A ring has fewer than three distinct points (a collapsed ring).
    TooFewPoints,
    /// Edges cross or overlap (within a ring, between rings or parts).
    SelfIntersection,
    /// A ring touches itself at a point.
    RingSelfIntersection,
    /// A hole is not inside its polygon's exterior ring.
    HoleOutsideShell,
    /// A hole lies inside another hole.
    NestedHoles,
    /// A part of a multipolygon lies inside another part.
    NestedShells,
    /// Holes touching each other or the exterior cut the interior in pieces.
    DisconnectedInterior,
}

impl Problem {
    /// GEOS's wording (`TopologyValidationError`), for comparison with
    /// `ST_IsValidReason` / shapely's `explain_validity`.
    #[must_use]
    pub fn geos_reason(self) -> &'static str {
        match self {
            Self::InvalidCoordinate => "Invalid Coordinate",
            Self::TooFewPoints => "Too few points in geometry component",
            Self::SelfIntersection => "Self-intersection",
            Self::RingSelfIntersection => "Ring Self-intersection",
            Self::HoleOutsideShell => "Hole lies outside shell",
            Self::NestedHoles => "Holes are nested",
            Self::NestedShells => "Nested shells",
            Self::DisconnectedInterior => "Interior is disconnected",
        }
    }

    /// What it means and what to do, for people.
    #[must_use]
    pub fn explanation(self) -> &'static str {
        match self {
            Self::InvalidCoordinate => "a coordinate is not a finite number; fix or delete the vertex",
            Self::TooFewPoints => {
                "a ring has fewer than 3 distinct corners (collapsed); delete it or redraw it"
            }
            Self::SelfIntersection => {
                "boundary edges cross or run over each other here; move the vertices so the boundary does not cross itself"
            }
            Self::RingSelfIntersection => {
                "the ring touches itself at this point; split it into two polygons or move the vertex"
            }
            Self::HoleOutsideShell => "a hole lies outside its polygon; delete the hole or make it a separate polygon",
            Self::NestedHoles => "a hole lies inside another hole; delete the inner hole",
            Self::NestedShells => {
                "one part of the multipolygon lies inside another; merge them or make the inner one a hole"
            }
            Self::DisconnectedInterior => {
                "holes touching each other or the exterior cut the zone in pieces; make separate polygons"
            }
        }
    }
}

/// One validity problem of a multipolygon.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalidity {
    /// What is wrong.
    pub problem: Problem,
    /// Where, in the geometry's coordinates.
    pub location: Coord,
    /// The part (0-based polygon of the multipolygon) it was found in.
    pub part: usize,
}

/// A ring with its consecutive repeated vertices removed; closed.
struct Ring {
    part: usize,
    /// 0 = exterior, 1.. = holes.
    index: usize,
    coords: Vec<Coord>,
}

impl Ring {
    fn segments(&self) -> usize {
        self.coords.len() - 1
    }
    fn segment(&self, i: usize) -> Line {
        Line::new(self.coords[i], self.coords[i + 1])
    }
    fn polygon(&self) -> Polygon {
        Polygon::new(LineString::new(self.coords.clone()), vec![])
    }
}

fn distinct(ls: &LineString) -> Vec<Coord> {
    let mut v: Vec<Coord> = Vec::with_capacity(ls.0.len());
    for c in &ls.0 {
        if v.last() != Some(c) {
            v.push(*c);
        }
    }
    if v.len() > 1 && v.first() != v.last() {
        let first = v[0];
        v.push(first);
    }
    v
}

/// Boundaries with more vertices than this are measured for tangles
/// ([`self_crossings`]) before the full validation and any repair.
pub const TANGLE_VERTICES: usize = 64;

/// The most times a boundary may cross itself before the checks stop at
/// naming it "too tangled" instead of listing, repairing and measuring every
/// crossing (whose cost grows with their number, not with the vertices).
pub const MAX_SELF_CROSSINGS: usize = 100;

/// The number of points where edges of `mp` cross or overlap each other
/// (adjacent edges of a ring excepted), counting at most `stop_at`: cheap to
/// ask whether a boundary is hopelessly tangled.
///
/// # Examples
/// ```
/// use geo_types::{polygon, MultiPolygon};
/// use zoning_core::validation::self_crossings;
/// let bowtie = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0)];
/// assert_eq!(self_crossings(&MultiPolygon::new(vec![bowtie]), 10), 1);
/// ```
#[must_use]
pub fn self_crossings(mp: &MultiPolygon, stop_at: usize) -> usize {
    // every edge with its ring and position, in an R-tree of envelopes
    let rings: Vec<&LineString> =
        mp.0.iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .collect();
    let edges: Vec<(usize, usize, usize, Line)> = rings
        .iter()
        .enumerate()
        .flat_map(|(r, ring)| {
            let n = ring.0.len().saturating_sub(1);
            ring.lines().enumerate().map(move |(i, l)| (r, i, n, l))
        })
        .collect();
    let tree = RTree::bulk_load(
        edges
            .iter()
            .enumerate()
            .map(|(k, (_, _, _, l))| {
                GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners(
                        [l.start.x, l.start.y],
                        [l.end.x, l.end.y],
                    ),
                    k,
                )
            })
            .collect(),
    );
    let mut count = 0;
    for (k, &(r, i, n, l)) in edges.iter().enumerate() {
        let env = AABB::from_corners([l.start.x, l.start.y], [l.end.x, l.end.y]);
        for other in tree.locate_in_envelope_intersecting(&env) {
            let j = other.data;
            if j <= k {
                continue;
            }
            let (r2, i2, _, l2) = edges[j];
            if r == r2 && (i2 == i + 1 || (i == 0 && i2 + 1 == n)) {
                continue; // neighbours in the ring share a vertex
            }
            let hit = match line_intersection(l, l2) {
                Some(LineIntersection::SinglePoint { is_proper, .. }) => is_proper,
                Some(LineIntersection::Collinear { .. }) => true,
                None => false,
            };
            if hit {
                count += 1;
                if count >= stop_at {
                    return count;
                }
            }
        }
    }
    count
}

/// Whether `mp` crosses itself more than [`MAX_SELF_CROSSINGS`] times (only
/// boundaries of more than [`TANGLE_VERTICES`] vertices are counted).
#[must_use]
pub fn is_tangled(mp: &MultiPolygon) -> bool {
    mp.coords_count() > TANGLE_VERTICES
        && self_crossings(mp, MAX_SELF_CROSSINGS + 1) > MAX_SELF_CROSSINGS
}

/// Whether `mp` is valid; shorthand for `validate(mp).is_empty()`.
#[must_use]
pub fn is_valid(mp: &MultiPolygon) -> bool {
    validate(mp).is_empty()
}

/// Every validity problem of `mp`, in GEOS's order of checks.
///
/// ```
/// use geo::polygon;
/// use geo_types::MultiPolygon;
/// use zoning_core::validation::{validate, Problem};
/// let bowtie = polygon![(x: 0., y: 0.), (x: 10., y: 10.), (x: 10., y: 0.), (x: 0., y: 10.)];
/// let found = validate(&MultiPolygon::new(vec![bowtie]));
/// assert_eq!(found[0].problem, Problem::SelfIntersection);
/// assert_eq!((found[0].location.x, found[0].location.y), (5.0, 5.0));
/// ```
#[must_use]
pub fn validate(mp: &MultiPolygon) -> Vec<Invalidity> {
    let mut out = Vec::new();
    for (part, poly) in mp.0.iter().enumerate() {
        if let Some(c) = poly
            .coords_iter()
            .find(|c| !(c.x.is_finite() && c.y.is_finite()))
        {
            let location = poly
                .coords_iter()
                .find(|c| c.x.is_finite() && c.y.is_finite())
                .unwrap_or(c);
            out.push(Invalidity {
                problem: Problem::InvalidCoordinate,
                location,
                part,
            });
        }
    }
    if !out.is_empty() {
        return out;
    }
    let mut rings = Vec::new();
    for (part, poly) in mp.0.iter().enumerate() {
        for (index, ls) in std::iter::once(poly.exterior())
            .chain(poly.interiors())
            .enumerate()
        {
            if ls.0.is_empty() {
                continue;
            }
            let coords = distinct(ls);
            if coords.len() < 4 {
                out.push(Invalidity {
                    problem: Problem::TooFewPoints,
                    location: ls.0[0],
                    part,
                });
                continue;
            }
            rings.push(Ring {
                part,
                index,
                coords,
            });
        }
    }
    if !out.is_empty() {
        return out;
    }
    let touches = intersections(&rings, &mut out);
    if out.iter().any(|i| i.problem == Problem::SelfIntersection) {
        return out;
    }
    containment(&rings, &mut out);
    connectivity(&rings, &touches, &mut out);
    out
}

/// A point where two different rings of the same polygon touch.
struct Touch {
    a: usize,
    b: usize,
    at: Coord,
}

/// Segment pairs closer than this many segments are compared by brute force;
/// beyond, through an R-tree of segment envelopes.
const BRUTE_FORCE_SEGMENTS: usize = 64;

fn candidate_pairs(rings: &[Ring]) -> Vec<((usize, usize), (usize, usize))> {
    let all: Vec<(usize, usize)> = rings
        .iter()
        .enumerate()
        .flat_map(|(r, ring)| (0..ring.segments()).map(move |s| (r, s)))
        .collect();
    let mut pairs = Vec::new();
    if all.len() <= BRUTE_FORCE_SEGMENTS {
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                pairs.push((*a, *b));
            }
        }
        return pairs;
    }
    let items: Vec<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>> = all
        .iter()
        .enumerate()
        .map(|(k, &(r, s))| {
            let l = rings[r].segment(s);
            let env = AABB::from_corners([l.start.x, l.start.y], [l.end.x, l.end.y]);
            GeomWithData::new(rstar::primitives::Rectangle::from_aabb(env), k)
        })
        .collect();
    let tree = RTree::bulk_load(items);
    for (a, b) in tree.intersection_candidates_with_other_tree(&tree) {
        if a.data < b.data {
            pairs.push((all[a.data], all[b.data]));
        }
    }
    pairs
}

fn intersections(rings: &[Ring], out: &mut Vec<Invalidity>) -> Vec<Touch> {
    let mut touches = Vec::new();
    let mut self_touch: Vec<(usize, Coord)> = Vec::new();
    let mut crossings: Vec<Coord> = Vec::new();
    for ((ra, sa), (rb, sb)) in candidate_pairs(rings) {
        let (a, b) = (&rings[ra], &rings[rb]);
        let same_ring = ra == rb;
        let n = a.segments();
        let adjacent = same_ring && (sa.abs_diff(sb) == 1 || sa.abs_diff(sb) == n - 1);
        let Some(x) = line_intersection(a.segment(sa), b.segment(sb)) else {
            continue;
        };
        let part = a.part;
        match x {
            LineIntersection::Collinear { intersection } => {
                if intersection.start != intersection.end {
                    // edges running over each other (a spike, a shared edge)
                    crossings.push(intersection.end);
                    out.push(Invalidity {
                        problem: Problem::SelfIntersection,
                        location: intersection.end,
                        part,
                    });
                }
            }
            LineIntersection::SinglePoint {
                intersection,
                is_proper,
            } => {
                if adjacent {
                    continue; // the shared vertex
                }
                if is_proper {
                    crossings.push(intersection);
                    out.push(Invalidity {
                        problem: Problem::SelfIntersection,
                        location: intersection,
                        part,
                    });
                } else if same_ring {
                    if !self_touch
                        .iter()
                        .any(|(r, c)| *r == ra && *c == intersection)
                    {
                        self_touch.push((ra, intersection));
                    }
                } else if a.part == b.part {
                    touches.push(Touch {
                        a: ra,
                        b: rb,
                        at: intersection,
                    });
                } else if crosses_at_vertex(a, b, intersection) {
                    crossings.push(intersection);
                    out.push(Invalidity {
                        problem: Problem::SelfIntersection,
                        location: intersection,
                        part,
                    });
                }
            }
        }
    }
    for (r, at) in self_touch {
        let ring = &rings[r];
        let problem = if passes_cross(ring, ring, at) {
            Problem::SelfIntersection
        } else {
            Problem::RingSelfIntersection
        };
        out.push(Invalidity {
            problem,
            location: at,
            part: ring.part,
        });
    }
    // rings of one polygon meeting at a vertex and crossing there
    for t in &touches {
        if crosses_at_vertex(&rings[t.a], &rings[t.b], t.at) {
            out.push(Invalidity {
                problem: Problem::SelfIntersection,
                location: t.at,
                part: rings[t.a].part,
            });
        }
    }
    dedup(out);
    touches
}

fn dedup(out: &mut Vec<Invalidity>) {
    let mut seen: Vec<(Problem, u64, u64)> = Vec::new();
    out.retain(|i| {
        let key = (i.problem, i.location.x.to_bits(), i.location.y.to_bits());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    });
}

/// The directions (angles) of the edges of `ring` leaving the point `at`, one
/// pair per pass of the ring through it.
fn passes(ring: &Ring, at: Coord) -> Vec<(f64, f64)> {
    let n = ring.segments();
    let angle = |c: Coord| (c.y - at.y).atan2(c.x - at.x);
    let mut out = Vec::new();
    for i in 0..n {
        let (p, q) = (ring.coords[i], ring.coords[i + 1]);
        if p == at {
            let prev = ring.coords[if i == 0 { n - 1 } else { i - 1 }];
            out.push((angle(prev), angle(q)));
        } else if Line::new(p, q).contains(&at) && q != at {
            out.push((angle(p), angle(q)));
        }
    }
    out
}

/// Whether two passes through a point cross (their directions interleave).
/// Equal angles (edges leaving in the same direction) are overlapping edges,
/// already reported, and are compared exactly on purpose.
#[allow(clippy::float_cmp)]
fn interleave((a1, a2): (f64, f64), (b1, b2): (f64, f64)) -> bool {
    let (lo, hi) = if a1 < a2 { (a1, a2) } else { (a2, a1) };
    let inside = |t: f64| t > lo && t < hi;
    inside(b1) != inside(b2) && b1 != lo && b1 != hi && b2 != lo && b2 != hi
}

fn passes_cross(a: &Ring, b: &Ring, at: Coord) -> bool {
    let pa = passes(a, at);
    let pb = passes(b, at);
    if std::ptr::eq(a, b) {
        pa.iter()
            .enumerate()
            .any(|(i, x)| pa[i + 1..].iter().any(|y| interleave(*x, *y)))
    } else {
        pa.iter().any(|x| pb.iter().any(|y| interleave(*x, *y)))
    }
}

fn crosses_at_vertex(a: &Ring, b: &Ring, at: Coord) -> bool {
    passes_cross(a, b, at)
}

/// A vertex of `ring` that is not on `other`'s boundary, if any.
fn free_vertex(ring: &Ring, other: &Ring) -> Option<Coord> {
    let boundary = LineString::new(other.coords.clone());
    ring.coords
        .iter()
        .copied()
        .find(|c| !boundary.contains(c) && !other.coords.contains(c))
}

fn containment(rings: &[Ring], out: &mut Vec<Invalidity>) {
    let shells: Vec<usize> = (0..rings.len()).filter(|&r| rings[r].index == 0).collect();
    for &s in &shells {
        let shell = &rings[s];
        let holes: Vec<usize> = (0..rings.len())
            .filter(|&r| rings[r].part == shell.part && rings[r].index > 0)
            .collect();
        let shell_poly = shell.polygon();
        for &h in &holes {
            if let Some(p) = free_vertex(&rings[h], shell) {
                if !shell_poly.contains(&p) {
                    out.push(Invalidity {
                        problem: Problem::HoleOutsideShell,
                        location: p,
                        part: shell.part,
                    });
                }
            }
        }
        for (k, &h1) in holes.iter().enumerate() {
            for &h2 in &holes[k + 1..] {
                for (outer, inner) in [(h1, h2), (h2, h1)] {
                    if let Some(p) = free_vertex(&rings[inner], &rings[outer]) {
                        if rings[outer].polygon().contains(&p) {
                            out.push(Invalidity {
                                problem: Problem::NestedHoles,
                                location: p,
                                part: shell.part,
                            });
                        }
                    }
                }
            }
        }
    }
    for &s1 in &shells {
        for &s2 in &shells {
            if s1 == s2 {
                continue;
            }
            let (outer, inner) = (&rings[s1], &rings[s2]);
            let Some(p) = free_vertex(inner, outer) else {
                continue;
            };
            if !outer.polygon().contains(&p) {
                continue;
            }
            // inside the outer shell: nested unless it sits in one of its holes
            let in_hole = rings
                .iter()
                .filter(|r| r.part == outer.part && r.index > 0)
                .any(|h| h.polygon().contains(&p));
            if !in_hole {
                out.push(Invalidity {
                    problem: Problem::NestedShells,
                    location: p,
                    part: inner.part,
                });
            }
        }
    }
}

/// Union-find root of `i`, halving paths.
fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The interior of a polygon is disconnected when its rings, joined at the
/// points where they touch, form a cycle.
fn connectivity(rings: &[Ring], touches: &[Touch], out: &mut Vec<Invalidity>) {
    let mut parent: Vec<usize> = (0..rings.len()).collect();
    let mut edges: Vec<(usize, usize, Coord)> = Vec::new();
    for t in touches {
        let (a, b) = if t.a < t.b { (t.a, t.b) } else { (t.b, t.a) };
        if !edges.iter().any(|e| e.0 == a && e.1 == b && e.2 == t.at) {
            edges.push((a, b, t.at));
        }
    }
    for (a, b, at) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra == rb {
            out.push(Invalidity {
                problem: Problem::DisconnectedInterior,
                location: at,
                part: rings[a].part,
            });
            return;
        }
        parent[ra] = rb;
    }
}

#[cfg(test)]
mod tests;

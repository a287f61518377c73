//! `outside-boundary`: a zone not inside the province.
//!
//! The boundary's edges go into an R-tree: a zone whose box meets none of
//! them is wholly inside or wholly outside, which one vertex tells (a ray
//! cast east through the same R-tree, so a province of 20,000 vertices costs a
//! few edges per zone, not all of them); only a zone that crosses the
//! boundary costs a polygon difference, with the province cropped to the
//! zone's box so that the area is exact.

use std::borrow::Borrow;

use geo::{Area, BoundingRect, Relate};
use geo_types::{Coord, MultiPolygon};
use rayon::prelude::*;
use rstar::AABB;

use super::geometry::{crop, difference, edge_tree, grown, ha, meets_edge, somewhere, EdgeTree};
use super::validity::approximate_note;
use super::{finding, CheckOptions, Finding, Rule, Subject};

/// The `outside-boundary` findings of `subjects` against `boundary` (grid).
///
/// # Examples
/// ```
/// use geo_types::{coord, MultiPolygon, Rect};
/// use zoning_core::checks::{boundary, CheckOptions, Subject};
///
/// let rect = |x0: f64, x1: f64| MultiPolygon::new(vec![Rect::new(coord! { x: x0, y: 0.0 }, coord! { x: x1, y: 100.0 }).to_polygon()]);
/// let province = rect(0.0, 1000.0);
/// let found = boundary::outside(&[Subject::new("IN", rect(0.0, 100.0)), Subject::new("OUT", rect(900.0, 1100.0))], &province, &CheckOptions::default());
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].codes, ["OUT"]);
/// assert!((found[0].area_m2.unwrap() - 10_000.0).abs() < 1e-6);
/// ```
#[must_use]
pub fn outside<S: Borrow<Subject> + Sync>(
    subjects: &[S],
    boundary: &MultiPolygon,
    opts: &CheckOptions,
) -> Vec<Finding> {
    outside_of(
        subjects,
        boundary,
        opts,
        Rule::OutsideBoundary,
        "the province boundary",
    )
}

/// The `outside-scope` findings of zones counted against a target set whose
/// territory (`scope`) they leave, within the province: land outside the
/// province is already in the `outside-boundary` findings given (`outside`).
#[must_use]
pub fn outside_scope<S: Borrow<Subject> + Sync>(
    subjects: &[S],
    scope: &super::Scope,
    outside: &[Finding],
    opts: &CheckOptions,
) -> Vec<Finding> {
    let mut found = outside_of(
        subjects,
        &scope.outline,
        opts,
        Rule::OutsideScope,
        &scope.name,
    );
    // what of each zone lies outside the province, summed once (a scan of
    // `outside` per finding was quadratic: 100,000 zones far outside)
    let mut beyond_by_codes: std::collections::HashMap<&[String], f64> =
        std::collections::HashMap::with_capacity(outside.len());
    for o in outside {
        *beyond_by_codes.entry(o.codes.as_slice()).or_default() += o.area_m2.unwrap_or(0.0);
    }
    found.retain_mut(|f| {
        let beyond = beyond_by_codes
            .get(f.codes.as_slice())
            .copied()
            .unwrap_or(0.0);
        let inside = f.area_m2.unwrap_or_default() - beyond;
        if inside < opts.sliver_m2 {
            return false;
        }
        f.area_m2 = Some(inside);
        f.reason = format!(
            "{inside:.2} m² ({}) of {} lies in the province but outside {}; it is counted against {}: \
             give it the target set of the place it lies in (target_set), or correct the boundary",
            ha(inside),
            f.codes.join(", "),
            scope.name,
            scope.target_set
        );
        true
    });
    found
}

fn outside_of<S: Borrow<Subject> + Sync>(
    subjects: &[S],
    boundary: &MultiPolygon,
    opts: &CheckOptions,
    rule: Rule,
    what: &str,
) -> Vec<Finding> {
    let tree = edge_tree(boundary.0.iter());
    let east = boundary.bounding_rect().map_or(0.0, |r| r.max().x) + 1.0;
    subjects
        .par_iter()
        .map(Borrow::borrow)
        .filter_map(|s: &Subject| {
            let rect = s.grid.bounding_rect()?;
            let crossing = meets_edge(&tree, rect);
            let out = if crossing {
                // The province is cropped to the zone's box first: the relate
                // and the boolean operation then cost the few edges there, not
                // all 20,000, and the difference's precision (a fraction of
                // the inputs' extent) stays at the zone's scale.
                let window = grown(rect, 1.0 + 0.01 * rect.width().max(rect.height()));
                let near = crop(boundary, window);
                if near.relate(&s.grid).is_covers() {
                    return None;
                }
                difference(&s.grid, &near)?
            } else {
                // no edge in its box: wholly inside, or wholly outside
                let vertex = *s.grid.0.first()?.exterior().0.first()?;
                if inside(&tree, vertex, east) {
                    return None;
                }
                s.grid.clone()
            };
            let area = out.unsigned_area();
            if area < opts.sliver_m2 {
                return None;
            }
            let whole = (area - s.grid.unsigned_area()).abs() <= 1e-9 * area.max(1.0);
            let mut reason = if whole {
                format!(
                    "{} lies wholly outside {what}; check its coordinates and CRS",
                    s.code
                )
            } else {
                format!(
                    "{area:.2} m² ({}) of {} lies outside {what}; move the boundary inside",
                    ha(area),
                    s.code
                )
            };
            if s.repaired {
                reason.push_str(&approximate_note(&[s.code.as_str()]));
            }
            let mut f = finding(
                rule,
                vec![s.code.clone()],
                Some(area),
                reason,
                somewhere(&out),
            );
            f.approximate = s.repaired;
            Some(f)
        })
        .collect()
}

/// Whether `p` (not on an edge) is inside the rings whose edges are in
/// `tree`: the crossing number of a ray from `p` east to `east` (the edges it
/// may cross found through the R-tree), odd inside; each edge counted
/// half-open in y so that a ray through a vertex counts once.
fn inside(tree: &EdgeTree, p: Coord, east: f64) -> bool {
    let ray = AABB::from_corners([p.x, p.y], [east, p.y]);
    tree.locate_in_envelope_intersecting(&ray)
        .filter(|e| {
            let (a, b) = (e.data.start, e.data.end);
            if (a.y > p.y) == (b.y > p.y) {
                return false;
            }
            let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
            x > p.x
        })
        .count()
        % 2
        == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Contains;
    use geo_types::{coord, polygon, Point};

    #[test]
    fn the_ray_agrees_with_geo_on_a_concave_ring_with_a_hole() {
        // a U with a hole in its left arm; rays through its vertices too
        let u = MultiPolygon::new(vec![polygon!(
            exterior: [(x: 0., y: 0.), (x: 30., y: 0.), (x: 30., y: 30.), (x: 20., y: 30.),
                       (x: 20., y: 10.), (x: 10., y: 10.), (x: 10., y: 30.), (x: 0., y: 30.)],
            interiors: [[(x: 2., y: 12.), (x: 8., y: 12.), (x: 8., y: 18.), (x: 2., y: 18.)]],
        )]);
        let tree = edge_tree(u.0.iter());
        for x in 0..=62 {
            for y in 0..=62 {
                let c = coord! { x: f64::from(x) * 0.5 - 0.25, y: f64::from(y) * 0.5 - 0.25 };
                assert_eq!(inside(&tree, c, 31.0), u.contains(&Point::from(c)), "{c:?}");
            }
        }
        // on the level of vertices (y = 10, 30) and of the hole's corners
        for c in [
            coord! { x: 15.0, y: 10.0 + 1e-9 },
            coord! { x: 5.0, y: 12.0 },
            coord! { x: 25.0, y: 30.0 - 1e-9 },
        ] {
            assert_eq!(inside(&tree, c, 31.0), u.contains(&Point::from(c)), "{c:?}");
        }
    }
}

//! `overlap`, `sliver` and `merged-not-inside`: zones that share land.
//!
//! Candidate pairs come from an R-tree of bounding boxes (`rstar`), then the
//! exact intersection (geo's boolean operations) decides, in parallel
//! (`rayon`). Zones that only share an edge or a corner do not overlap. An
//! overlap smaller than [`CheckOptions::sliver_m2`] is a `sliver` warning. A
//! merged CCN inside the KCN it was merged into is expected
//! ([`Expected`]), not a finding. A zone whose boundary was repaired
//! ([`Subject::repaired`]) takes part with its repaired copy, and its findings
//! say they are approximate.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use geo::{Area, BoundingRect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::RTree;

use super::geometry::{difference, envelope, ha, intersection, somewhere};
use super::validity::approximate_note;
use super::{finding, CheckOptions, Expected, Finding, Rule, Subject};
use crate::crs::LegalGrid;

/// Every overlap among `subjects`, and the overlaps the plan expects.
///
/// # Examples
/// ```
/// use geo_types::{coord, MultiPolygon, Rect};
/// use zoning_core::checks::{overlap, CheckOptions, Subject};
///
/// let rect = |x0: f64, x1: f64| MultiPolygon::new(vec![Rect::new(coord! { x: x0, y: 0.0 }, coord! { x: x1, y: 100.0 }).to_polygon()]);
/// let (found, expected) = overlap::overlaps(
///     &[Subject::new("A", rect(0.0, 100.0)), Subject::new("B", rect(90.0, 200.0)), Subject::new("C", rect(200.0, 300.0))],
///     &CheckOptions::default(),
/// );
/// assert_eq!(found.len(), 1, "B and C only touch");
/// assert_eq!(found[0].codes, ["A", "B"]);
/// assert!((found[0].area_m2.unwrap() - 1_000.0).abs() < 1e-6);
/// assert!(expected.is_empty());
/// ```
#[must_use]
pub fn overlaps<S: Borrow<Subject> + Sync>(
    subjects: &[S],
    opts: &CheckOptions,
) -> (Vec<Finding>, Vec<Expected>) {
    let items: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = subjects
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.borrow()
                .grid
                .bounding_rect()
                .map(|r| GeomWithData::new(Rectangle::from_aabb(envelope(r)), i))
        })
        .collect();
    let tree = RTree::bulk_load(items);
    let pairs: Vec<(usize, usize)> = tree
        .intersection_candidates_with_other_tree(&tree)
        .filter(|(a, b)| a.data < b.data)
        .map(|(a, b)| (a.data, b.data))
        .collect();
    let results: Vec<(Option<Finding>, Option<Expected>)> = pairs
        .par_iter()
        .map(|&(i, j)| pair(subjects[i].borrow(), subjects[j].borrow(), opts))
        .collect();
    let mut findings = Vec::new();
    let mut expected = Vec::new();
    for (f, e) in results {
        findings.extend(f);
        expected.extend(e);
    }
    findings.extend(merged_outside(subjects, opts));
    (findings, expected)
}

/// Marks a finding computed on a repaired boundary.
fn approximate(mut f: Finding, involved: &[&Subject]) -> Finding {
    let repaired: Vec<&str> = involved
        .iter()
        .filter(|s| s.repaired)
        .map(|s| s.code.as_str())
        .collect();
    if !repaired.is_empty() {
        f.approximate = true;
        f.reason.push_str(&approximate_note(&repaired));
    }
    f
}

fn pair(
    one: &Subject,
    other: &Subject,
    opts: &CheckOptions,
) -> (Option<Finding>, Option<Expected>) {
    let (a, b) = (one, other);
    let codes = vec![a.code.clone(), b.code.clone()];
    let Some(common) = intersection(&a.grid, &b.grid) else {
        let f = finding(
            Rule::Overlap,
            codes,
            None,
            "the intersection of these two boundaries could not be computed; check both for tiny edges".into(),
            somewhere(&a.grid),
        );
        return (Some(approximate(f, &[a, b])), None);
    };
    let area = common.unsigned_area();
    if area <= 0.0 {
        return (None, None); // they share an edge or a corner
    }
    // a merged CCN inside the KCN it was merged into
    for (ccn, kcn) in [(a, b), (b, a)] {
        if ccn.merged_into.as_deref() == Some(kcn.code.as_str()) {
            // the part outside, if any, is reported by `merged_outside`
            let inside = (area - ccn.grid.unsigned_area()).abs() < opts.sliver_m2;
            let e = Expected {
                codes: vec![ccn.code.clone(), kcn.code.clone()],
                area_m2: area,
                reason: if inside {
                    format!(
                        "CCN {} was merged into KCN {} and lies inside it",
                        ccn.code, kcn.code
                    )
                } else {
                    format!(
                        "CCN {} was merged into KCN {}; {area:.2} m² of it lies inside (the rest is a merged-not-inside finding)",
                        ccn.code, kcn.code
                    )
                },
            };
            return (None, Some(e));
        }
    }
    let at = somewhere(&common);
    if area < opts.sliver_m2 {
        let reason = format!(
            "{} and {} overlap by a sliver of {area:.3} m² (under {} m²); snap the shared edge",
            a.code, b.code, opts.sliver_m2
        );
        let f = finding(Rule::Sliver, codes, Some(area), reason, at);
        return (Some(approximate(f, &[a, b])), None);
    }
    let mut reason = format!(
        "{} and {} overlap by {area:.2} m² ({})",
        a.code,
        b.code,
        ha(area)
    );
    let (area_a, area_b) = (a.grid.unsigned_area(), b.grid.unsigned_area());
    let smaller = area_a.min(area_b);
    if (area - smaller).abs() <= 1e-6 * smaller.max(1.0) {
        let (inner, outer) = if area_a <= area_b { (a, b) } else { (b, a) };
        let _ = write!(reason, "; {} lies wholly inside {}", inner.code, outer.code);
    }
    for (part, zone) in [(a, b), (b, a)] {
        if part.expansion_of.as_deref() == Some(zone.code.as_str()) {
            let _ = write!(
                reason,
                "; {} is an expansion part of {} and must only touch it along an edge",
                part.code, zone.code
            );
        }
    }
    reason.push_str("; move the shared boundary so each piece of land is in one zone");
    let mut f = finding(Rule::Overlap, codes, Some(area), reason, at);
    if let Some(by_grid) = by_grid(a, b, area) {
        f.area_m2 = by_grid
            .get(a.grid_crs.unwrap_or(LegalGrid::Tm3_107).code())
            .copied()
            .or(f.area_m2);
        f.area_m2_by_grid = Some(by_grid);
    }
    (Some(approximate(f, &[a, b])), None)
}

/// For a pair not both in the working plane's grid: the overlap's area in the
/// legal grid of each, both boundaries taken to that grid and intersected
/// there (not the plane's intersection re-projected).
fn by_grid(a: &Subject, b: &Subject, plane_area: f64) -> Option<BTreeMap<&'static str, f64>> {
    let grids: BTreeSet<LegalGrid> = [a.grid_crs, b.grid_crs]
        .into_iter()
        .map(|g| g.unwrap_or(LegalGrid::Tm3_107))
        .collect();
    if grids.iter().all(|g| *g == LegalGrid::Tm3_107) {
        return None;
    }
    grids
        .into_iter()
        .map(|g| {
            if g == LegalGrid::Tm3_107 {
                return Some((g.code(), plane_area));
            }
            let area = crate::crs::with_thread_transform(|t| {
                let (ga, gb) = (t.to_legal(&a.grid, g)?, t.to_legal(&b.grid, g)?);
                Ok::<_, crate::Error>(intersection(&ga, &gb).map(|m| m.unsigned_area()))
            })
            .ok()??;
            Some((g.code(), area))
        })
        .collect()
}

/// A merged CCN must lie inside its KCN (when the KCN is in the same set).
fn merged_outside<S: Borrow<Subject> + Sync>(subjects: &[S], opts: &CheckOptions) -> Vec<Finding> {
    let by_code: HashMap<&str, usize> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (s.borrow().code.as_str(), i))
        .collect();
    subjects
        .iter()
        .map(Borrow::borrow)
        .filter(|s: &&Subject| !s.grid.0.is_empty())
        .filter_map(|ccn| {
            let kcn: &Subject = subjects[*by_code.get(ccn.merged_into.as_deref()?)?].borrow();
            if kcn.grid.0.is_empty() {
                return None;
            }
            let outside = difference(&ccn.grid, &kcn.grid)?;
            let area = outside.unsigned_area();
            (area >= opts.sliver_m2).then(|| {
                let f = finding(
                    Rule::MergedNotInside,
                    vec![ccn.code.clone(), kcn.code.clone()],
                    Some(area),
                    format!(
                        "CCN {} is merged into KCN {} but {area:.2} m² ({}) of it lies outside that KCN; \
                         extend the KCN boundary or correct the CCN",
                        ccn.code,
                        kcn.code,
                        ha(area)
                    ),
                    somewhere(&outside),
                );
                approximate(f, &[ccn, kcn])
            })
        })
        .collect()
}

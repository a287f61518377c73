//! Checking candidates (a zone being written, the features posted to
//! `/validate`, a file being imported) against the registry's zones near
//! them and the province: the one function every door uses.

use std::collections::HashSet;

use geo::BoundingRect;

use super::{check, CheckOptions, Report, Subject};

/// A registry zone as a possible neighbour: its box is cheap, its full
/// [`Subject`] is made only when it is near a candidate.
pub trait Neighbour {
    /// Its code.
    fn code(&self) -> &str;
    /// Its bounding box in the grid, `[minE, minN, maxE, maxN]`.
    fn bbox(&self) -> [f64; 4];
    /// What the rules need of it (its declared area is not checked again).
    fn subject(&self, index: usize) -> Subject;
}

impl Neighbour for Subject {
    fn code(&self) -> &str {
        &self.code
    }
    fn bbox(&self) -> [f64; 4] {
        self.grid.bounding_rect().map_or([f64::NAN; 4], |r| {
            [r.min().x, r.min().y, r.max().x, r.max().y]
        })
    }
    fn subject(&self, index: usize) -> Subject {
        Subject {
            index,
            declared_area_ha: None,
            ..self.clone()
        }
    }
}

impl<N: Neighbour> Neighbour for std::sync::Arc<N> {
    fn code(&self) -> &str {
        (**self).code()
    }
    fn bbox(&self) -> [f64; 4] {
        (**self).bbox()
    }
    fn subject(&self, index: usize) -> Subject {
        (**self).subject(index)
    }
}

fn meet(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// Checks `candidates` together with the registry zones that could concern
/// them: those within a metre of a candidate's box, and the KCN a candidate
/// CCN was merged into. Registry zones with a candidate's code are left out
/// (the candidate replaces them). Only the findings and expected overlaps
/// that name a candidate are kept.
///
/// # Examples
/// ```
/// use geo_types::{coord, MultiPolygon, Rect};
/// use zoning_core::checks::{against, CheckOptions, Subject};
///
/// let rect = |x0: f64, x1: f64| MultiPolygon::new(vec![Rect::new(coord! { x: x0, y: 0.0 }, coord! { x: x1, y: 100.0 }).to_polygon()]);
/// let registry = vec![
///     Subject::new("OLD", rect(0.0, 100.0)),     // overlapped by the candidate
///     Subject::new("FAR", rect(5000.0, 5100.0)), // far away: not even looked at
///     Subject::new("NEW", rect(0.0, 50.0)),      // the version being replaced
/// ];
/// let report = against(&[Subject::new("NEW", rect(50.0, 150.0))], &registry, None, &CheckOptions::default());
/// assert_eq!(report.findings.len(), 1);
/// assert_eq!(report.findings[0].codes, ["NEW", "OLD"]);
/// ```
#[must_use]
pub fn against<N: Neighbour>(
    candidates: &[Subject],
    registry: &[N],
    bounds: Option<&super::Bounds>,
    opts: &CheckOptions,
) -> Report {
    if registry.is_empty() {
        // a set checked on its own: every finding names a candidate
        return check(candidates, bounds, opts);
    }
    let codes: HashSet<String> = candidates.iter().map(|s| s.code.clone()).collect();
    let linked: HashSet<String> = candidates
        .iter()
        .flat_map(|s| s.merged_into.iter().chain(s.expansion_of.iter()).cloned())
        .collect();
    let boxes: Vec<[f64; 4]> = candidates
        .iter()
        .filter_map(|s| s.grid.bounding_rect())
        .map(|r| {
            [
                r.min().x - 1.0,
                r.min().y - 1.0,
                r.max().x + 1.0,
                r.max().y + 1.0,
            ]
        })
        .collect();
    let mut subjects = candidates.to_vec();
    for z in registry {
        let near = || {
            let b = z.bbox();
            boxes.iter().any(|a| meet(*a, b))
        };
        if !codes.contains(z.code()) && (linked.contains(z.code()) || near()) {
            subjects.push(z.subject(subjects.len() + 1));
        }
    }
    let mut report = check(&subjects, bounds, opts);
    report
        .findings
        .retain(|f| f.codes.iter().any(|c| codes.contains(c)));
    // a candidate that matches a recorded boundary (its own stored version
    // included) once the datum shift a conversion skipped is undone
    report.findings.extend(
        crate::crs::with_thread_transform(|t| {
            Ok::<_, crate::Error>(super::slips::datum_shift(candidates, registry, t))
        })
        .unwrap_or_default(),
    );
    super::sort(&mut report.findings);
    report
        .expected_overlaps
        .retain(|e| e.codes.iter().any(|c| codes.contains(c)));
    report
}

/// How far around the candidates the registry's zones can matter to their
/// checks: overlaps and slivers need the zones they touch, a datum slip the
/// recorded boundary about 224 m away (the VN-2000 ↔ WGS84 shift here).
pub const NEIGHBOURHOOD_M: f64 = 1_000.0;

/// The registry's current zones (planners' view) that the checks of
/// `candidates` can meet: those whose box meets the candidates' box grown by
/// [`NEIGHBOURHOOD_M`] — from the database's spatial index on PostgreSQL
/// ([`ZoneStore::zones_meeting`](crate::store::ZoneStore::zones_meeting)), so
/// that a check against a large registry does not read all of it — and the
/// zones they are merged into or expand, wherever those lie.
///
/// # Errors
/// When the store fails.
pub fn neighbours_in(
    store: &dyn crate::store::Store,
    candidates: &[Subject],
) -> crate::store::StoreResult<Vec<Subject>> {
    use crate::store::{Status, View};
    // the candidates' box (their outer rings bound them)
    let mut corners = candidates
        .iter()
        .flat_map(|s| s.grid.0.iter())
        .flat_map(|p| p.exterior().0.iter());
    let Some(first) = corners.next() else {
        return Ok(Vec::new());
    };
    let (mut x0, mut y0, mut x1, mut y1) = (first.x, first.y, first.x, first.y);
    for c in corners {
        x0 = x0.min(c.x);
        y0 = y0.min(c.y);
        x1 = x1.max(c.x);
        y1 = y1.max(c.y);
    }
    let d = NEIGHBOURHOOD_M;
    let mut found = store.zones_meeting(View::Planner, [x0 - d, y0 - d, x1 + d, y1 + d])?;
    let linked: std::collections::BTreeSet<&String> = candidates
        .iter()
        .flat_map(|s| s.merged_into.iter().chain(s.expansion_of.iter()))
        .collect();
    for code in linked {
        if !found.iter().any(|v| &v.code == code) {
            found.extend(store.latest(code)?.filter(|v| v.status != Status::Retired));
        }
    }
    Ok(found
        .into_iter()
        .map(|v| Subject::from_properties(&v.code, 1, v.grid, &v.properties))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{coord, MultiPolygon, Rect};

    fn rect(code: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> Subject {
        Subject::new(
            code,
            MultiPolygon::new(vec![Rect::new(
                coord! { x: x0, y: y0 },
                coord! { x: x1, y: y1 },
            )
            .to_polygon()]),
        )
    }

    fn found(r: &Report) -> Vec<(&'static str, Vec<String>)> {
        r.findings
            .iter()
            .map(|f| (f.rule.name(), f.codes.clone()))
            .collect()
    }

    #[test]
    fn only_findings_that_name_a_candidate_are_kept() {
        // two registry zones overlap each other near the candidate: not its business
        let registry = [
            rect("R1", 0., 0., 100., 100.),
            rect("R2", 50., 0., 150., 100.),
        ];
        let r = against(
            &[rect("C", 140., 0., 240., 100.)],
            &registry,
            None,
            &CheckOptions::default(),
        );
        assert_eq!(
            found(&r),
            [("overlap", vec!["C".to_owned(), "R2".to_owned()])]
        );
    }

    #[test]
    fn a_merged_ccn_meets_its_kcn_even_far_away() {
        // the KCN is far from the CCN's box: it is still checked against it
        let mut ccn = rect("CCN", 0., 0., 10., 10.);
        ccn.merged_into = Some("KCN".into());
        let registry = [rect("KCN", 5_000., 0., 6_000., 1_000.)];
        let r = against(&[ccn], &registry, None, &CheckOptions::default());
        assert_eq!(
            found(&r),
            [(
                "merged-not-inside",
                vec!["CCN".to_owned(), "KCN".to_owned()]
            )]
        );
    }

    #[test]
    fn the_version_being_replaced_is_not_a_neighbour_and_a_metre_is_near() {
        let registry = [
            rect("C", 0., 0., 100., 100.),    // the old version of the candidate
            rect("N", 100.5, 0., 200., 100.), // half a metre away: looked at, no overlap
        ];
        let r = against(
            &[rect("C", 0., 0., 101., 100.)],
            &registry,
            None,
            &CheckOptions::default(),
        );
        assert_eq!(
            found(&r),
            [("overlap", vec!["C".to_owned(), "N".to_owned()])]
        );
        assert!((r.findings[0].area_m2.unwrap_or_default() - 50.0).abs() < 1e-9);
    }

    #[test]
    fn the_boundary_and_duplicates_among_candidates_count() {
        let province = MultiPolygon::new(vec![Rect::new(
            coord! { x: 0., y: 0. },
            coord! { x: 1_000., y: 1_000. },
        )
        .to_polygon()]);
        let none: &[Subject] = &[];
        let r = against(
            &[
                rect("A", 950., 0., 1_050., 100.),
                rect("A", 0., 500., 10., 510.),
            ],
            none,
            Some(&super::super::Bounds::province(province)),
            &CheckOptions::default(),
        );
        let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.name()).collect();
        assert_eq!(rules, ["outside-boundary", "duplicate-code"]);
    }
}

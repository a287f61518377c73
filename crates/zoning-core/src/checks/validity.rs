//! `invalid-geometry`: OGC validity with GEOS's reasons and a location, and the
//! repaired copy (make-valid) on which the other rules still run.

use geo::MakeValid;
use geo_types::MultiPolygon;

use super::{finding, Finding, Rule, Subject};
use crate::validation::validate;

/// The `invalid-geometry` findings of one zone (none when it is valid).
///
/// # Examples
/// ```
/// use geo_types::{polygon, MultiPolygon};
/// use zoning_core::checks::{validity, Subject};
///
/// let bowtie = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0)];
/// let s = Subject::new("Z", MultiPolygon::new(vec![bowtie]));
/// let found = validity::invalid_geometry(&s);
/// assert_eq!(found[0].rule.name(), "invalid-geometry");
/// assert!(found[0].reason.starts_with("Self-intersection"), "{}", found[0].reason);
/// ```
#[must_use]
pub fn invalid_geometry(s: &Subject) -> Vec<Finding> {
    if s.grid.0.is_empty() {
        return vec![finding(
            Rule::InvalidGeometry,
            vec![s.code.clone()],
            None,
            "the boundary is empty".into(),
            None,
        )];
    }
    if crate::validation::is_tangled(&s.grid) {
        return vec![finding(
            Rule::InvalidGeometry,
            vec![s.code.clone()],
            None,
            format!(
                "Self-intersection: the boundary crosses itself more than {} times; it is too tangled to check further (the other rules are not run on it): redraw it",
                crate::validation::MAX_SELF_CROSSINGS
            ),
            s.grid.0.first().and_then(|p| p.exterior().0.first().copied()),
        )];
    }
    validate(&s.grid)
        .into_iter()
        .map(|i| {
            let part = if s.grid.0.len() > 1 {
                format!(" (part {})", i.part + 1)
            } else {
                String::new()
            };
            finding(
                Rule::InvalidGeometry,
                vec![s.code.clone()],
                None,
                format!(
                    "{}{part}: {}",
                    i.problem.geos_reason(),
                    i.problem.explanation()
                ),
                Some(i.location),
            )
        })
        .collect()
}

/// A valid copy of an invalid boundary, as GEOS's `MakeValid` (the default
/// "linework" method, which shapely's `make_valid` and PostGIS's
/// `ST_MakeValid` use) makes it: the linework of every ring of every part,
/// filled by the odd-even rule (a bow-tie becomes two triangles; land two
/// overlapping parts share becomes a hole, as in GEOS). `None` when the repair
/// fails or leaves nothing.
///
/// # Examples
/// ```
/// use geo::Area;
/// use geo_types::{polygon, MultiPolygon};
/// use zoning_core::checks::validity::make_valid;
///
/// let bowtie = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0)];
/// let fixed = make_valid(&MultiPolygon::new(vec![bowtie])).expect("repaired");
/// assert_eq!(fixed.0.len(), 2);
/// assert!((fixed.unsigned_area() - 50.0).abs() < 1e-9); // two triangles of 25 m²
/// ```
#[must_use]
pub fn make_valid(mp: &MultiPolygon) -> Option<MultiPolygon> {
    let fixed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mp.make_valid()))
        .ok()?
        .ok()?;
    (!fixed.0.is_empty()).then_some(fixed)
}

/// The subject with its boundary repaired ([`make_valid`]) and marked
/// [`Subject::repaired`], so that the findings computed on it say they are
/// approximate.
#[must_use]
pub fn repaired(s: &Subject) -> Option<Subject> {
    if crate::validation::is_tangled(&s.grid) {
        return None; // its repair would cost more than any answer is worth
    }
    let grid = make_valid(&s.grid)?;
    Some(Subject {
        grid,
        repaired: true,
        ..s.clone()
    })
}

/// The reason's tail of a finding computed on a repaired boundary.
#[must_use]
pub fn approximate_note(codes: &[&str]) -> String {
    format!(
        "; approximate: computed on a repaired copy (make-valid, as GEOS and PostGIS do) of the invalid boundary of {}; fix the invalid-geometry error and check again",
        codes.join(" and ")
    )
}

/// An empty boundary, for a subject that cannot take part in the other rules.
pub(super) fn nothing() -> MultiPolygon {
    MultiPolygon::new(vec![])
}

//! `duplicate-code`: two features of one set share a code.

use std::borrow::Borrow;

use super::geometry::somewhere;
use super::{finding, Finding, Rule, Subject};

/// One finding per code used more than once, naming every feature that uses it.
///
/// # Examples
/// ```
/// use geo_types::{coord, MultiPolygon, Rect};
/// use zoning_core::checks::{codes, Subject};
///
/// let sq = |x: f64| MultiPolygon::new(vec![Rect::new(coord! { x: x, y: 0.0 }, coord! { x: x + 1.0, y: 1.0 }).to_polygon()]);
/// let mut b = Subject::new("A", sq(5.0));
/// b.index = 2;
/// let found = codes::duplicate_codes(&[Subject::new("A", sq(0.0)), b]);
/// assert_eq!(found.len(), 1);
/// assert!(found[0].reason.contains("features #1, #2"));
/// ```
#[must_use]
pub fn duplicate_codes<S: Borrow<Subject>>(subjects: &[S]) -> Vec<Finding> {
    // features in code order (file order within a code), then runs of one code
    let mut order: Vec<&Subject> = subjects.iter().map(Borrow::borrow).collect();
    order.sort_by(|a, b| a.code.cmp(&b.code));
    order
        .chunk_by(|a, b| a.code == b.code)
        .filter(|v| v.len() > 1)
        .map(|v| {
            let code = &v[0].code;
            let which: Vec<String> = v.iter().map(|s| format!("#{}", s.index)).collect();
            finding(
                Rule::DuplicateCode,
                vec![code.clone()],
                None,
                format!(
                    "code {code} is used by features {}; give each zone its own code",
                    which.join(", ")
                ),
                somewhere(&v[0].grid),
            )
        })
        .collect()
}

//! `area-mismatch`: the declared (legal) area and the grid area of the
//! boundary differ by more than the tolerance.

use geo::Area;

use super::geometry::somewhere;
use super::{finding, CheckOptions, Finding, Rule, Subject};
use crate::area::M2_PER_HA;
use crate::crs::LegalGrid;

/// The `area-mismatch` finding of a zone, if any (only when it declares an area).
///
/// # Examples
/// ```
/// use geo_types::{coord, MultiPolygon, Rect};
/// use zoning_core::checks::{area, CheckOptions, Subject};
///
/// // 100 m × 100 m is 1 ha; 1.2 ha declared is 20 % off
/// let mut s = Subject::new("Z", MultiPolygon::new(vec![Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 100.0, y: 100.0 }).to_polygon()]));
/// s.declared_area_ha = Some(1.2);
/// let f = area::area_mismatch(&s, &CheckOptions::default()).expect("20 % > 1 %");
/// assert!((f.area_m2.unwrap() - 2_000.0).abs() < 1e-6);
/// s.declared_area_ha = Some(1.005);
/// assert!(area::area_mismatch(&s, &CheckOptions::default()).is_none());
/// ```
#[must_use]
pub fn area_mismatch(s: &Subject, opts: &CheckOptions) -> Option<Finding> {
    let declared = s.declared_area_ha?;
    if declared <= 0.0 {
        return None;
    }
    // in the zone's own legal grid (the working plane unless it says otherwise)
    let grid = match s.grid_crs {
        Some(g) if g != LegalGrid::Tm3_107 => {
            crate::crs::with_thread_transform(|t| t.to_legal(&s.grid, g).map(|m| m.unsigned_area()))
                .ok()?
        }
        _ => s.grid.unsigned_area(),
    } / M2_PER_HA;
    let rel = (grid - declared) / declared;
    (rel.abs() > opts.area_tolerance).then(|| {
        finding(
            Rule::AreaMismatch,
            vec![s.code.clone()],
            Some((grid - declared).abs() * M2_PER_HA),
            format!(
                "declared {declared:.2} ha, boundary {grid:.2} ha in the grid {} ({:+.2} %, tolerance {:.2} %); \
                 correct the declared area or the boundary",
                s.grid_crs.unwrap_or(LegalGrid::Tm3_107).code(),
                rel * 100.0,
                opts.area_tolerance * 100.0
            ),
            somewhere(&s.grid),
        )
    })
}

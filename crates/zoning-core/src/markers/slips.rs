//! The slip rules on a marker table: `suspected-datum-shift` (the markers
//! fall on a zone's corners once the VN-2000 ↔ WGS84 datum shift a
//! conversion skipped is undone), `suspected-wrong-meridian` (the file is
//! right in another TM-3 grid than the one it was said to be in) and
//! `suspected-swapped-axes` (X and Y exchanged on some rows). They are the
//! rules of [`crate::checks::slips`] on points instead of boundaries; the
//! findings are the `findings` of [`MarkerReport`].

use std::collections::BTreeSet;

use geo_types::Coord;

use super::{check, MarkerOptions, MarkerReport, MarkerTable, MarkerZone, Status};
use crate::checks::slips::{bearing, Slip};
use crate::checks::{Finding, Rule, Severity};
use crate::crs::{DatumSlip, GridTransform, LegalGrid};

/// A marker this near (m) a zone's corner once moved back counts as on it:
/// "within a few metres" of PROJ's shift (a survey conversion done with
/// other published parameters differs by less).
pub const ON_CORNER_M: f64 = 5.0;

fn finding(
    rule: Rule,
    codes: Vec<String>,
    reason: String,
    at: Coord,
    t: &GridTransform,
) -> Finding {
    Finding {
        rule,
        severity: rule.severity(),
        codes,
        area_m2: None,
        reason,
        location: t
            .grid_to_wgs84(at.x, at.y)
            .ok()
            .map(|(lon, lat)| [lon, lat]),
        location_grid: Some([at.x, at.y]),
        area_m2_by_grid: None,
        approximate: false,
        slip: None,
    }
}

/// The centre of the markers, working plane (easting, northing).
pub(super) fn centre(table: &MarkerTable) -> Option<Coord> {
    let n = table.markers.len();
    (n > 0).then(|| {
        let (e, nn) = table
            .markers
            .iter()
            .fold((0.0, 0.0), |(e, nn), m| (e + m.y, nn + m.x));
        Coord {
            x: e / n as f64,
            y: nn / n as f64,
        }
    })
}

/// The markers of `report` within [`ON_CORNER_M`] of a corner of their zone:
/// (index, the corner in the working plane).
fn on_corners(
    report: &MarkerReport,
    zones: &[MarkerZone],
    t: &GridTransform,
) -> Vec<(usize, Coord)> {
    report
        .markers
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let c = m.nearest_corner.as_ref()?;
            if c.distance_m > ON_CORNER_M {
                return None;
            }
            let grid = zones
                .iter()
                .find(|z| Some(&z.0) == m.zone.as_ref())
                .map_or(LegalGrid::Tm3_107, |z| z.2);
            let (e, n) = t.point_from_legal(c.y, c.x, grid).ok()?;
            Some((i, Coord { x: e, y: n }))
        })
        .collect()
}

/// `suspected-datum-shift`: most of the markers, off every corner as given,
/// fall on corners once moved back by the datum shift PROJ gives at their
/// place. Returns the finding and the check of the moved markers (what
/// `--fix-datum-shift` reports).
#[must_use]
pub fn datum_shift(
    table: &MarkerTable,
    report: &MarkerReport,
    zones: &[MarkerZone],
    opts: &MarkerOptions,
    t: &GridTransform,
) -> Option<(Finding, MarkerTable, MarkerReport)> {
    let n = table.markers.len();
    let before = on_corners(report, zones, t).len();
    // most markers already where a corner is: no slip to look for
    if n == 0 || before * 2 >= n {
        return None;
    }
    let at = centre(table)?;
    for slip in DatumSlip::ALL {
        let Ok((cx, cy)) = t.unslip(at.x, at.y, slip) else {
            continue;
        };
        let d = Coord {
            x: at.x - cx,
            y: at.y - cy,
        };
        let mut moved = table.clone();
        for m in &mut moved.markers {
            if let Ok((e, nn)) = t.unslip(m.y, m.x, slip) {
                (m.y, m.x) = (e, nn);
            }
        }
        let moved_report = check(moved.clone(), zones, opts);
        let on = on_corners(&moved_report, zones, t);
        if on.len() * 2 < n || on.len() <= before || (n > 1 && on.len() < 2) {
            continue;
        }
        // measured: from the corner each marker belongs on to where it is
        let (sx, sy) = on.iter().fold((0.0, 0.0), |(sx, sy), (i, c)| {
            let m = &table.markers[*i];
            (sx + m.y - c.x, sy + m.x - c.y)
        });
        let k = on.len() as f64;
        let measured = Coord {
            x: sx / k,
            y: sy / k,
        };
        let codes: Vec<String> = on
            .iter()
            .filter_map(|(i, _)| moved_report.markers[*i].zone.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (off, exp) = (measured.x.hypot(measured.y), d.x.hypot(d.y));
        let mut f = finding(
            Rule::SuspectedDatumShift,
            codes.clone(),
            format!(
                "{} of the {n} markers are off every corner as given but fall within {ON_CORNER_M} m of a corner of {} once moved \
                 {off:.1} m back toward {:.0}°; PROJ's VN-2000 ↔ WGS84 difference here is {exp:.1} m toward {:.0}°. \
                 The coordinates look like {}. Ask the surveyor for the conversion used, or give --fix-datum-shift",
                on.len(),
                codes.join(", "),
                bearing(Coord { x: -measured.x, y: -measured.y }),
                bearing(d),
                slip.what(),
            ),
            at,
            t,
        );
        f.slip = Some(Slip::datum(measured, exp, slip));
        return Some((f, moved, moved_report));
    }
    None
}

/// `suspected-wrong-meridian`: the table was said to be in `said` but its
/// markers fall on zones only when read in `read_in` (`report`'s check),
/// about 150 km away; `read` and `as_said` are the table read in each.
#[must_use]
pub fn wrong_meridian(
    file: &str,
    said: &str,
    read_in: &str,
    report: &MarkerReport,
    read: &MarkerTable,
    as_said: &MarkerTable,
    t: &GridTransform,
) -> Option<Finding> {
    let matched = report
        .markers
        .iter()
        .filter(|m| m.status != Status::NoZone)
        .count();
    let table_at = centre(as_said)?;
    let at = centre(read)?;
    let d = Coord {
        x: table_at.x - at.x,
        y: table_at.y - at.y,
    };
    let codes: Vec<String> = report
        .markers
        .iter()
        .filter(|m| m.status != Status::NoZone)
        .filter_map(|m| m.zone.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut f = finding(
        Rule::SuspectedWrongMeridian,
        codes,
        format!(
            "{file} is said to be in {said}, where none of its markers falls on a zone; read in {read_in}, {matched} of them do \
             ({:.0} km away): its coordinates look like {read_in}'s. Give --crs {read_in} (or crs=) once the surveyor confirms",
            d.x.hypot(d.y) / 1000.0
        ),
        at,
        t,
    );
    f.slip = Some(Slip::meridian(d, read_in.to_owned()));
    Some(f)
}

/// `suspected-swapped-axes`: rows whose X and Y were exchanged (and
/// corrected).
#[must_use]
pub fn swapped_axes(file: &str, table: &MarkerTable, t: &GridTransform) -> Option<Finding> {
    let rows: Vec<String> = table
        .markers
        .iter()
        .filter(|m| m.swapped)
        .map(|m| m.line.to_string())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let first = table.markers.iter().find(|m| m.swapped)?;
    let f = finding(
        Rule::SuspectedSwappedAxes,
        Vec::new(),
        format!(
            "{file}: X and Y are exchanged on {} row(s) (line {}); X is the northing (about 2,300,000 m here). They were read \
             exchanged back; fix the table",
            rows.len(),
            rows.join(", ")
        ),
        Coord {
            x: first.y,
            y: first.x,
        },
        t,
    );
    debug_assert_eq!(f.severity, Severity::Warning);
    Some(f)
}

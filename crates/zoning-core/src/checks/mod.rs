//! The checks a boundary must pass before it is approved, shared by `zoning
//! check`, `zoning import`, the service's writes and `/validate`, and the web
//! editor. One module per rule: [`validity`] (`invalid-geometry`), [`codes`]
//! (`duplicate-code`), [`overlap`] (`overlap`, `sliver`, `merged-not-inside`),
//! [`boundary`] (`outside-boundary`), [`area`] (`area-mismatch`); [`check`]
//! runs them all over a set, [`neighbours::against`] over candidates and the
//! registry zones near them.
//!
//! Every finding names the zones, the rule, a reason and a location. All
//! geometry is in the legal grid (EPSG:9214, metres); locations are converted to
//! WGS84 only for output ([`Report::locate`]). A zone whose geometry is invalid
//! still takes part in the overlap and boundary rules, on a repaired copy
//! ([`validity::make_valid`]); those findings carry `"approximate": true`.

pub mod area;
pub mod boundary;
pub mod codes;
pub(crate) mod geometry;
pub mod neighbours;
pub mod overlap;
pub mod slips;
pub mod validity;

use std::borrow::Cow;
use std::time::{Duration, Instant};

use geo_types::{Coord, MultiPolygon};
use rayon::prelude::*;
use serde::Serialize;

use crate::crs::{GridTransform, LegalGrid};
use crate::io::{FeatureError, InputFeature};

pub use neighbours::{against, neighbours_in, Neighbour, NEIGHBOURHOOD_M};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Must be fixed before approval.
    Error,
    /// Worth a look.
    Warning,
}

/// The rule a finding breaks. The names are a contract (docs/cli.md): new rules
/// may be added, none renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The geometry is not valid (OGC), or could not be read.
    InvalidGeometry,
    /// Two zones overlap.
    Overlap,
    /// Two zones overlap by less than the sliver threshold.
    Sliver,
    /// A zone is not inside the province boundary.
    OutsideBoundary,
    /// Two features share a code.
    DuplicateCode,
    /// Declared and computed (grid) areas differ by more than the tolerance.
    AreaMismatch,
    /// A CCN merged into a KCN does not lie inside it.
    MergedNotInside,
    /// A feature has no code.
    MissingCode,
    /// A feature's properties cannot make a zone (the intake refused a field).
    InvalidProperties,
    /// A zone counted against a resolution lies outside that resolution's
    /// territory (the former Bắc Giang for the Bắc Giang resolution).
    OutsideScope,
    /// A zone's legal grid is not the grid of the former province it lies in.
    GridMismatch,
    /// The input matches a recorded boundary once moved back by the VN-2000
    /// ↔ WGS84 datum shift: a conversion skipped it.
    SuspectedDatumShift,
    /// The input lies outside the province but would lie inside it read in
    /// another TM-3 zone (or the other legal grid).
    SuspectedWrongMeridian,
    /// The input's axes were exchanged (latitude before longitude).
    SuspectedSwappedAxes,
}

impl Rule {
    /// The rule's name in output.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::InvalidGeometry => "invalid-geometry",
            Self::Overlap => "overlap",
            Self::Sliver => "sliver",
            Self::OutsideBoundary => "outside-boundary",
            Self::DuplicateCode => "duplicate-code",
            Self::AreaMismatch => "area-mismatch",
            Self::MergedNotInside => "merged-not-inside",
            Self::MissingCode => "missing-code",
            Self::InvalidProperties => "invalid-properties",
            Self::OutsideScope => "outside-scope",
            Self::GridMismatch => "grid-mismatch",
            Self::SuspectedDatumShift => "suspected-datum-shift",
            Self::SuspectedWrongMeridian => "suspected-wrong-meridian",
            Self::SuspectedSwappedAxes => "suspected-swapped-axes",
        }
    }

    /// Vietnamese name, for the table format.
    #[must_use]
    pub fn name_vi(self) -> &'static str {
        match self {
            Self::InvalidGeometry => "hình học không hợp lệ",
            Self::Overlap => "chồng lấn",
            Self::Sliver => "chồng lấn rất nhỏ",
            Self::OutsideBoundary => "nằm ngoài ranh giới tỉnh",
            Self::DuplicateCode => "trùng mã",
            Self::AreaMismatch => "diện tích lệch",
            Self::MergedNotInside => "CCN sáp nhập không nằm trong KCN",
            Self::MissingCode => "thiếu mã",
            Self::InvalidProperties => "thuộc tính không hợp lệ",
            Self::OutsideScope => "nằm ngoài phạm vi nghị quyết",
            Self::GridMismatch => "lưới tọa độ không khớp nơi đặt",
            Self::SuspectedDatumShift => "nghi bỏ sót chuyển đổi datum VN-2000 ↔ WGS84",
            Self::SuspectedWrongMeridian => "nghi sai kinh tuyến trục (múi chiếu)",
            Self::SuspectedSwappedAxes => "nghi đảo trục tọa độ",
        }
    }

    /// The rule's severity.
    #[must_use]
    pub fn severity(self) -> Severity {
        match self {
            Self::Sliver
            | Self::AreaMismatch
            | Self::OutsideScope
            | Self::GridMismatch
            | Self::SuspectedSwappedAxes => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// One thing wrong, and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule broken.
    pub rule: Rule,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The zones concerned.
    pub codes: Vec<String>,
    /// The area concerned (overlap, area outside, area difference), m².
    pub area_m2: Option<f64>,
    /// What is wrong and what to do.
    pub reason: String,
    /// Where, WGS84 `[lon, lat]` (after [`Report::locate`]).
    pub location: Option<[f64; 2]>,
    /// Where, grid `[easting, northing]` (the working plane, EPSG:9214).
    pub location_grid: Option<[f64; 2]>,
    /// For zones not all in EPSG:9214: the area concerned measured in each
    /// zone's legal grid (`area_m2` is the one of the first zone's grid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_m2_by_grid: Option<std::collections::BTreeMap<&'static str, f64>>,
    /// Computed on a repaired copy of an invalid boundary (serialised only
    /// when true).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
    /// What the slip rules measured (offset, expected offset, bearing, the
    /// conversion skipped or the CRS meant), serialised in the finding.
    #[serde(flatten)]
    pub slip: Option<slips::Slip>,
}

/// An overlap that the plan expects (a merged CCN inside its KCN).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expected {
    /// The CCN, then the KCN.
    pub codes: Vec<String>,
    /// The area of the CCN inside the KCN, m².
    pub area_m2: f64,
    /// Why it is expected.
    pub reason: String,
}

/// Thresholds of the checks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckOptions {
    /// Overlaps below this area (m²) are `sliver` warnings. Default 1 m².
    pub sliver_m2: f64,
    /// Relative difference of declared and grid area above which
    /// `area-mismatch` is reported. Default 0.01 (1 %).
    pub area_tolerance: f64,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self {
            sliver_m2: 1.0,
            area_tolerance: 0.01,
        }
    }
}

/// A zone to check: what the rules need of it.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Its code.
    pub code: String,
    /// 1-based position in its file, for messages.
    pub index: usize,
    /// Boundary in the grid.
    pub grid: MultiPolygon,
    /// Declared area, ha, when known.
    pub declared_area_ha: Option<f64>,
    /// For a CCN merged into a KCN: the KCN's code.
    pub merged_into: Option<String>,
    /// For an expansion part: the zone it extends.
    pub expansion_of: Option<String>,
    /// The boundary is a repaired copy of an invalid one
    /// ([`validity::repaired`]); findings computed on it are approximate.
    pub repaired: bool,
    /// Its legal grid (`grid_crs`), when not the working plane's.
    pub grid_crs: Option<LegalGrid>,
    /// The legal grid of the former province it lies in (`former_province`).
    pub place_grid: Option<LegalGrid>,
    /// The target set it is counted against (`target_set`).
    pub target_set: Option<String>,
    /// Its coordinates were read with the axes exchanged back
    /// (`suspected-swapped-axes`).
    pub swapped_axes: bool,
}

/// The territory zones are checked against: the province (`outside-boundary`)
/// and the territory of each target set (`outside-scope`).
#[derive(Debug, Clone)]
pub struct Bounds {
    /// The province, working plane.
    pub province: MultiPolygon,
    /// The resolutions' territories.
    pub scopes: Vec<Scope>,
    /// The province's box in each TM-3 zone's coordinates (made on first use
    /// by `suspected-wrong-meridian`).
    pub meridians: std::sync::OnceLock<Vec<(u32, [f64; 4])>>,
}

/// The territory of a target set.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The target set's key (a zone's `target_set`), e.g. `bac-giang-2021-2030`.
    pub target_set: String,
    /// Its territory in words, e.g. `the former Bắc Giang`.
    pub name: String,
    /// Its outline, working plane.
    pub outline: MultiPolygon,
}

impl Bounds {
    /// A province and no scopes.
    #[must_use]
    pub fn province(province: MultiPolygon) -> Self {
        Self::new(province, Vec::new())
    }

    /// A province and the target sets' territories.
    #[must_use]
    pub fn new(province: MultiPolygon, scopes: Vec<Scope>) -> Self {
        Self {
            province,
            scopes,
            meridians: std::sync::OnceLock::new(),
        }
    }

    /// The province's box in the coordinates of each CRS of
    /// [`slips::PROJECTED`].
    #[must_use]
    pub fn boxes(&self) -> &[(u32, [f64; 4])] {
        self.meridians.get_or_init(|| slips::boxes(&self.province))
    }
}

impl Subject {
    /// A subject with only a code and a boundary (index 1).
    #[must_use]
    pub fn new(code: &str, grid: MultiPolygon) -> Self {
        Self {
            code: code.to_owned(),
            index: 1,
            grid,
            declared_area_ha: None,
            merged_into: None,
            expansion_of: None,
            repaired: false,
            grid_crs: None,
            place_grid: None,
            target_set: None,
            swapped_axes: false,
        }
    }

    /// Places the subject with the communes: the grid of the former province
    /// it lies in, and its own grid (`given`, else that one) when it does
    /// not say.
    /// The target set defaults, as the intake's does, to the one of the
    /// former province.
    pub fn place(&mut self, admin: &crate::admin::Admin, given: Option<LegalGrid>) {
        let p = admin.locate(&self.grid);
        self.place_grid = p.former_province.map(crate::admin::FormerProvince::grid);
        self.grid_crs = self.grid_crs.or(given).or(self.place_grid);
        if self.target_set.is_none() {
            self.target_set = p.former_province.map(|f| f.target_set().to_owned());
        }
    }

    /// Takes what the rules need from a feature's properties: the declared
    /// area in ha (`declared_area_ha`, `area_ha`), the KCN a CCN was merged into
    /// (`merged_into`, `merged_in`) and the zone an expansion part extends
    /// (`expansion_of`, `expand_of`). Shapefile field names are at most 10
    /// characters, so the names other software truncates them to
    /// (`declared_a`, `merged_int`, `expansion_`) are understood too.
    #[must_use]
    pub fn from_feature(f: &InputFeature) -> Self {
        Self {
            swapped_axes: f.swapped_axes,
            ..Self::from_properties(&f.code, f.index, f.grid.clone(), &f.properties)
        }
    }

    /// What the rules need of a zone given by its code, boundary and
    /// properties (a feature's, or a stored version's), with the names of
    /// [`Subject::from_feature`].
    #[must_use]
    pub fn from_properties(
        code: &str,
        index: usize,
        grid: MultiPolygon,
        properties: &serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        let value = |names: &[&str]| {
            names.iter().find_map(|n| {
                properties
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, v)| v)
            })
        };
        let text = |names: &[&str]| {
            value(names)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_owned())
        };
        Self {
            code: code.to_owned(),
            index,
            grid,
            declared_area_ha: value(&["declared_area_ha", "area_ha", "declared_a"])
                .and_then(serde_json::Value::as_f64),
            merged_into: text(&["merged_into", "merged_in", "merged_int"]),
            expansion_of: text(&["expansion_of", "expand_of", "expansion_"]),
            repaired: false,
            grid_crs: text(&["grid_crs"]).and_then(|g| LegalGrid::parse(&g)),
            place_grid: text(&["former_province"])
                .and_then(|p| crate::admin::FormerProvince::parse(&p))
                .map(crate::admin::FormerProvince::grid),
            target_set: text(&["target_set"]),
            swapped_axes: false,
        }
    }
}

/// The outcome of the checks.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Findings, errors first.
    pub findings: Vec<Finding>,
    /// Overlaps the plan expects.
    pub expected_overlaps: Vec<Expected>,
    /// Wall time of each step of [`check`], in order (not serialised; `zoning
    /// check --timings` prints it).
    #[serde(skip)]
    pub timings: Vec<(&'static str, Duration)>,
}

impl Report {
    /// Fills each finding's WGS84 location from its grid location.
    pub fn locate(&mut self, t: &GridTransform) {
        for f in &mut self.findings {
            f.location = f
                .location_grid
                .and_then(|[x, y]| t.grid_to_wgs84(x, y).ok())
                .map(|(lon, lat)| [lon, lat]);
        }
    }
}

pub(crate) fn finding(
    rule: Rule,
    codes: Vec<String>,
    area_m2: Option<f64>,
    reason: String,
    at: Option<Coord>,
) -> Finding {
    Finding {
        rule,
        severity: rule.severity(),
        codes,
        area_m2,
        reason,
        location: None,
        location_grid: at.map(|c| [c.x, c.y]),
        area_m2_by_grid: None,
        approximate: false,
        slip: None,
    }
}

/// Findings for features that could not be read (reported with the rest).
#[must_use]
pub fn unreadable(errors: &[FeatureError]) -> Vec<Finding> {
    errors
        .iter()
        .map(|e| {
            let rule = if e.geometry {
                Rule::InvalidGeometry
            } else {
                Rule::MissingCode
            };
            finding(
                rule,
                e.code.iter().cloned().collect(),
                None,
                format!("{}: {}", e.label(), e.reason),
                None,
            )
        })
        .collect()
}

/// The finding for a feature the intake refused (`crate::intake::Refusal`'s
/// field and message): `missing-code` for its code, `invalid-geometry` for
/// its boundary, `invalid-properties` for any other field.
#[must_use]
pub fn refused(label: &str, code: Option<&str>, field: &str, message: &str) -> Finding {
    let rule = match field {
        "code" => Rule::MissingCode,
        "geometry" => Rule::InvalidGeometry,
        _ => Rule::InvalidProperties,
    };
    finding(
        rule,
        code.iter().map(|c| (*c).to_owned()).collect(),
        None,
        format!("{label}: {field}: {message}"),
        None,
    )
}

/// Runs every rule over `subjects`; `bounds` are the province and the target
/// sets' territories, if the zones are to be checked against them. A subject whose geometry is invalid
/// gets its `invalid-geometry` findings, then takes part in the overlap and
/// boundary rules with a repaired copy (findings marked approximate); the area
/// rule is left to valid boundaries.
#[must_use]
pub fn check(subjects: &[Subject], bounds: Option<&Bounds>, opts: &CheckOptions) -> Report {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |step: &'static str| {
        timings.push((step, clock.elapsed()));
        clock = Instant::now();
    };
    let invalid: Vec<Vec<Finding>> = subjects
        .par_iter()
        .map(validity::invalid_geometry)
        .collect();
    let valid: Vec<bool> = invalid.iter().map(Vec::is_empty).collect();
    let mut findings: Vec<Finding> = invalid.into_iter().flatten().collect();
    lap("validity");
    // what the other rules see: the valid boundaries as they are, a repaired
    // copy of the invalid ones (an empty one when the repair fails)
    let working: Vec<Cow<'_, Subject>> = subjects
        .par_iter()
        .zip(&valid)
        .map(|(s, ok)| {
            if *ok {
                Cow::Borrowed(s)
            } else {
                Cow::Owned(validity::repaired(s).unwrap_or_else(|| Subject {
                    grid: validity::nothing(),
                    ..s.clone()
                }))
            }
        })
        .collect();
    lap("repairing invalid boundaries");
    findings.extend(codes::duplicate_codes(subjects));
    lap("duplicate codes");
    let (overlaps, expected) = overlap::overlaps(&working, opts);
    findings.extend(overlaps);
    lap("overlaps (R-tree + intersections)");
    if let Some(b) = bounds {
        let outside = boundary::outside(&working, &b.province, opts);
        for scope in &b.scopes {
            let counted: Vec<&Subject> = working
                .iter()
                .map(AsRef::as_ref)
                .filter(|s| s.target_set.as_deref() == Some(scope.target_set.as_str()))
                .collect();
            findings.extend(boundary::outside_scope(&counted, scope, &outside, opts));
        }
        lap("outside the boundary");
        if !outside.is_empty() {
            // zones wholly outside that are inside read in another TM-3 zone
            findings.extend(
                crate::crs::with_thread_transform(|t| {
                    Ok::<_, crate::Error>(slips::wrong_meridian(subjects, b, &outside, t))
                })
                .unwrap_or_default(),
            );
            lap("wrong meridian");
        }
        findings.extend(outside);
    }
    findings.extend(slips::swapped_axes(subjects));
    findings.extend(subjects.iter().filter_map(grid_mismatch));
    findings.extend(
        subjects
            .iter()
            .zip(&valid)
            .filter(|(_, v)| **v)
            .filter_map(|(s, _)| area::area_mismatch(s, opts)),
    );
    lap("area mismatch");
    sort(&mut findings);
    lap("sorting the findings");
    Report {
        findings,
        expected_overlaps: expected,
        timings,
    }
}

/// `grid-mismatch`: a zone given in one legal grid that lies in the former
/// province of the other.
fn grid_mismatch(s: &Subject) -> Option<Finding> {
    let (given, place) = (s.grid_crs?, s.place_grid?);
    (given != place).then(|| {
        finding(
            Rule::GridMismatch,
            vec![s.code.clone()],
            None,
            format!(
                "{} is recorded in {} ({}) but lies in the former province whose surveys use {} ({}); \
                 check the file's CRS (.prj, --crs) or say grid_crs: {}",
                s.code,
                given.code(),
                given.name(),
                place.code(),
                place.name(),
                place.code()
            ),
            geometry::somewhere(&s.grid),
        )
    })
}

/// Errors first, then by rule and codes.
pub(crate) fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (a.severity, a.rule, &a.codes)
            .partial_cmp(&(b.severity, b.rule, &b.codes))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{coord, Rect};

    fn subject(code: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> Subject {
        Subject {
            code: code.into(),
            index: 1,
            grid: MultiPolygon::new(vec![Rect::new(
                coord! { x: x0, y: y0 },
                coord! { x: x1, y: y1 },
            )
            .to_polygon()]),
            declared_area_ha: None,
            merged_into: None,
            expansion_of: None,
            repaired: false,
            grid_crs: None,
            place_grid: None,
            target_set: None,
            swapped_axes: false,
        }
    }

    fn rules(r: &Report) -> Vec<(&'static str, Vec<String>)> {
        r.findings
            .iter()
            .map(|f| (f.rule.name(), f.codes.clone()))
            .collect()
    }

    #[test]
    fn a_duplicate_code_is_one_finding_naming_every_feature() {
        let mut zones = vec![
            subject("Z", 0., 0., 10., 10.),
            subject("A", 20., 0., 30., 10.),
            subject("Z", 40., 0., 50., 10.),
            subject("B", 60., 0., 70., 10.),
            subject("Z", 80., 0., 90., 10.),
            subject("A", 100., 0., 110., 10.),
        ];
        for (i, z) in zones.iter_mut().enumerate() {
            z.index = i + 1;
        }
        let r = check(&zones, None, &CheckOptions::default());
        assert_eq!(
            rules(&r),
            vec![
                ("duplicate-code", vec!["A".to_owned()]),
                ("duplicate-code", vec!["Z".to_owned()])
            ]
        );
        assert!(r.findings[0].reason.contains("features #2, #6;"));
        assert!(r.findings[1].reason.contains("features #1, #3, #5;"));
        let steps: Vec<&str> = r.timings.iter().map(|(s, _)| *s).collect();
        assert!(steps.contains(&"duplicate codes") && steps.contains(&"validity"));
    }

    #[test]
    fn touching_is_not_overlapping_and_a_sliver_is_a_warning() {
        let zones = [
            subject("A", 0., 0., 100., 100.),
            subject("B", 100., 0., 200., 100.),
            subject("C", 200., 100., 300., 200.),
            subject("D", 299.999, 100., 400., 200.), // 0.001 × 100 = 0.1 m²
        ];
        let r = check(&zones, None, &CheckOptions::default());
        assert_eq!(
            rules(&r),
            vec![("sliver", vec!["C".to_owned(), "D".to_owned()])]
        );
        assert_eq!(r.findings[0].severity, Severity::Warning);
        let area = r.findings[0].area_m2.unwrap_or_default();
        assert!((area - 0.1).abs() < 1e-4, "{area}");
    }

    #[test]
    fn expansion_overlap_is_named_and_merged_ccn_is_expected() {
        let mut part = subject("K-MR", 90., 0., 200., 100.);
        part.expansion_of = Some("K".into());
        let mut ccn = subject("C", 20., 20., 40., 40.);
        ccn.merged_into = Some("K".into());
        let r = check(
            &[subject("K", 0., 0., 100., 100.), part, ccn],
            None,
            &CheckOptions::default(),
        );
        assert_eq!(
            rules(&r),
            vec![("overlap", vec!["K".to_owned(), "K-MR".to_owned()])]
        );
        assert!(
            r.findings[0].reason.contains("expansion part of K"),
            "{}",
            r.findings[0].reason
        );
        assert_eq!(r.expected_overlaps.len(), 1);
        assert_eq!(
            r.expected_overlaps[0].codes,
            vec!["C".to_owned(), "K".to_owned()]
        );
    }

    #[test]
    fn boundary_area_outside_and_area_mismatch() {
        let province = MultiPolygon::new(vec![Rect::new(
            coord! { x: 0., y: 0. },
            coord! { x: 1000., y: 1000. },
        )
        .to_polygon()]);
        let mut z = subject("OUT", 900., 0., 1100., 100.);
        z.declared_area_ha = Some(2.0);
        let mut ok = subject("IN", 0., 0., 100., 100.);
        ok.declared_area_ha = Some(1.005);
        let r = check(
            &[z, ok],
            Some(&Bounds::province(province)),
            &CheckOptions::default(),
        );
        let outside = r
            .findings
            .iter()
            .find(|f| f.rule == Rule::OutsideBoundary)
            .expect("outside");
        assert!((outside.area_m2.unwrap_or_default() - 10_000.0).abs() < 1e-6);
        assert_eq!(
            rules(&r).len(),
            1,
            "2.0 ha declared for 2.0 ha, 1.005 for 1.0 are within 1 %"
        );
    }
}

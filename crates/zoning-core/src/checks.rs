//! The checks a boundary must pass before it is approved, shared by `zoning
//! check`, the service's `/validate` and the web editor.
//!
//! Every finding names the zones, the rule, a reason and a location. All
//! geometry is in the legal grid (EPSG:9214, metres); locations are converted to
//! WGS84 only for output ([`Report::locate`]).
//!
//! Overlaps: candidate pairs come from an R-tree of bounding boxes (`rstar`),
//! then the exact intersection (geo's boolean operations) decides, in parallel
//! (`rayon`). Zones that only share an edge or a corner do not overlap. An
//! overlap smaller than [`CheckOptions::sliver_m2`] is a `sliver` warning. A
//! merged CCN inside the KCN it was merged into is expected and reported in
//! [`Report::expected_overlaps`], not as a finding.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use geo::{Area, BooleanOps, BoundingRect, Contains, InteriorPoint, Intersects, Relate};
use geo_types::{Coord, Line, MultiPolygon, Point, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::Serialize;

use crate::area::M2_PER_HA;
use crate::crs::GridTransform;
use crate::io::{FeatureError, InputFeature};
use crate::validation::validate;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Must be fixed before approval.
    Error,
    /// Worth a look.
    Warning,
}

/// The rule a finding breaks. The names are a contract (DESIGN.md): new rules
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
        }
    }

    /// The rule's severity.
    #[must_use]
    pub fn severity(self) -> Severity {
        match self {
            Self::Sliver | Self::AreaMismatch => Severity::Warning,
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
    /// Where, grid `[easting, northing]`.
    pub location_grid: Option<[f64; 2]>,
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
}

impl Subject {
    /// Takes what the rules need from a feature's properties: the declared
    /// area in ha (`declared_area_ha`, `area_ha`), the KCN a CCN was merged into
    /// (`merged_into`, `merged_in`) and the zone an expansion part extends
    /// (`expansion_of`, `expand_of`). Shapefile field names are at most 10
    /// characters, so the names other software truncates them to
    /// (`declared_a`, `merged_int`, `expansion_`) are understood too.
    #[must_use]
    pub fn from_feature(f: &InputFeature) -> Self {
        let value = |names: &[&str]| {
            names.iter().find_map(|n| {
                f.properties
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
            code: f.code.clone(),
            index: f.index,
            grid: f.grid.clone(),
            declared_area_ha: value(&["declared_area_ha", "area_ha", "declared_a"])
                .and_then(serde_json::Value::as_f64),
            merged_into: text(&["merged_into", "merged_in", "merged_int"]),
            expansion_of: text(&["expansion_of", "expand_of", "expansion_"]),
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

fn finding(
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
    }
}

fn somewhere(mp: &MultiPolygon) -> Option<Coord> {
    mp.interior_point()
        .map(|p| p.0)
        .or_else(|| mp.0.first().and_then(|p| p.exterior().0.first().copied()))
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

/// Runs every rule over `subjects`; `boundary` is the province (grid), if the
/// zones are to be checked against one.
#[must_use]
pub fn check(subjects: &[Subject], boundary: Option<&MultiPolygon>, opts: &CheckOptions) -> Report {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |step: &'static str| {
        timings.push((step, clock.elapsed()));
        clock = Instant::now();
    };
    let invalid: Vec<Vec<Finding>> = subjects.par_iter().map(validity).collect();
    let valid: Vec<bool> = invalid.iter().map(Vec::is_empty).collect();
    let mut findings: Vec<Finding> = invalid.into_iter().flatten().collect();
    lap("validity");
    findings.extend(duplicates(subjects));
    lap("duplicate codes");
    let (overlaps, expected) = overlaps(subjects, &valid, opts);
    findings.extend(overlaps);
    lap("overlaps (R-tree + intersections)");
    if let Some(b) = boundary {
        findings.extend(outside(subjects, &valid, b, opts));
        lap("outside the boundary");
    }
    findings.extend(
        subjects
            .iter()
            .zip(&valid)
            .filter(|(_, v)| **v)
            .filter_map(|(s, _)| area_mismatch(s, opts)),
    );
    lap("area mismatch");
    findings.sort_by(|a, b| {
        (a.severity, a.rule, &a.codes)
            .partial_cmp(&(b.severity, b.rule, &b.codes))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    lap("sorting the findings");
    Report {
        findings,
        expected_overlaps: expected,
        timings,
    }
}

fn validity(s: &Subject) -> Vec<Finding> {
    if s.grid.0.is_empty() {
        return vec![finding(
            Rule::InvalidGeometry,
            vec![s.code.clone()],
            None,
            "the boundary is empty".into(),
            None,
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

fn duplicates(subjects: &[Subject]) -> Vec<Finding> {
    // features in code order (file order within a code), then runs of one code
    let mut order: Vec<&Subject> = subjects.iter().collect();
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

fn envelope(r: Rect) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

/// Intersection area of two multipolygons, guarding against a panic inside the
/// boolean operation (it would otherwise take the whole check down).
fn intersection(a: &MultiPolygon, b: &MultiPolygon) -> Option<MultiPolygon> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.intersection(b))).ok()
}

fn difference(a: &MultiPolygon, b: &MultiPolygon) -> Option<MultiPolygon> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a.difference(b))).ok()
}

fn overlaps(
    subjects: &[Subject],
    valid: &[bool],
    opts: &CheckOptions,
) -> (Vec<Finding>, Vec<Expected>) {
    let items: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = subjects
        .iter()
        .enumerate()
        .filter(|(i, _)| valid[*i])
        .filter_map(|(i, s)| {
            s.grid
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
        .map(|&(i, j)| pair(&subjects[i], &subjects[j], opts))
        .collect();
    let mut findings = Vec::new();
    let mut expected = Vec::new();
    for (f, e) in results {
        findings.extend(f);
        expected.extend(e);
    }
    findings.extend(merged_outside(subjects, valid, opts));
    (findings, expected)
}

fn ha(m2: f64) -> String {
    format!("{:.4} ha", m2 / M2_PER_HA)
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
        return (Some(f), None);
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
        return (
            Some(finding(Rule::Sliver, codes, Some(area), reason, at)),
            None,
        );
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
    (
        Some(finding(Rule::Overlap, codes, Some(area), reason, at)),
        None,
    )
}

/// A merged CCN must lie inside its KCN (when the KCN is in the same file).
fn merged_outside(subjects: &[Subject], valid: &[bool], opts: &CheckOptions) -> Vec<Finding> {
    let by_code: HashMap<&str, usize> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (s.code.as_str(), i))
        .collect();
    subjects
        .iter()
        .enumerate()
        .filter(|(i, _)| valid[*i])
        .filter_map(|(_, ccn)| {
            let kcn = &subjects[*by_code.get(ccn.merged_into.as_deref()?)?];
            let outside = difference(&ccn.grid, &kcn.grid)?;
            let area = outside.unsigned_area();
            (area >= opts.sliver_m2).then(|| {
                finding(
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
                )
            })
        })
        .collect()
}

fn outside(
    subjects: &[Subject],
    valid: &[bool],
    boundary: &MultiPolygon,
    opts: &CheckOptions,
) -> Vec<Finding> {
    // The boundary's edges in an R-tree: a zone whose box meets none of them is
    // wholly inside or wholly outside, which one vertex tells.
    let edges: Vec<GeomWithData<Rectangle<[f64; 2]>, Line>> = boundary
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(geo::LineString::lines)
        .map(|l| {
            GeomWithData::new(
                Rectangle::from_aabb(AABB::from_corners(
                    [l.start.x, l.start.y],
                    [l.end.x, l.end.y],
                )),
                l,
            )
        })
        .collect();
    let tree = RTree::bulk_load(edges);
    subjects
        .par_iter()
        .enumerate()
        .filter(|(i, _)| valid[*i])
        .filter_map(|(_, s)| {
            let rect = s.grid.bounding_rect()?;
            let crossing = tree
                .locate_in_envelope_intersecting(&envelope(rect))
                .any(|e| e.data.intersects(&rect));
            if !crossing {
                let vertex = Point::from(*s.grid.0.first()?.exterior().0.first()?);
                if boundary.contains(&vertex) {
                    return None;
                }
            } else if boundary.relate(&s.grid).is_covers() {
                return None;
            }
            // The boolean operation's precision is a fraction of the extent of
            // its inputs; a whole province would cost centimetres² on the
            // result, so the boundary is first cropped to the zone's box.
            let window = grown(rect, 1.0 + 0.01 * rect.width().max(rect.height()));
            let out = difference(&s.grid, &crop(boundary, window))?;
            let area = out.unsigned_area();
            if area < opts.sliver_m2 {
                return None;
            }
            let whole = (area - s.grid.unsigned_area()).abs() <= 1e-9 * area.max(1.0);
            let reason = if whole {
                format!("{} lies wholly outside the province boundary; check its coordinates and CRS", s.code)
            } else {
                format!(
                    "{area:.2} m² ({}) of {} lies outside the province boundary; move the boundary inside the province",
                    ha(area),
                    s.code
                )
            };
            Some(finding(Rule::OutsideBoundary, vec![s.code.clone()], Some(area), reason, somewhere(&out)))
        })
        .collect()
}

fn grown(r: Rect, d: f64) -> Rect {
    Rect::new(
        Coord {
            x: r.min().x - d,
            y: r.min().y - d,
        },
        Coord {
            x: r.max().x + d,
            y: r.max().y + d,
        },
    )
}

/// A side of a cropping window: which points are inside, and where an edge
/// crosses it.
type Side = (fn(Coord, Rect) -> bool, fn(Coord, Coord, Rect) -> Coord);

/// The part of `mp` inside the rectangle `w`, ring by ring
/// (Sutherland–Hodgman against the four sides). Vertices inside the window are
/// kept exactly; new ones lie on the window's sides, which the caller keeps
/// away from the zone. A ring cut in two may be joined along a side by a
/// zero-width edge, which adds no area.
fn crop(mp: &MultiPolygon, w: Rect) -> MultiPolygon {
    let clip_ring = |ring: &geo_types::LineString| -> Option<geo_types::LineString> {
        let mut pts: Vec<Coord> = ring.0.clone();
        pts.pop(); // open
        let sides: [Side; 4] = [
            (|c, w| c.x >= w.min().x, |a, b, w| cut_x(a, b, w.min().x)),
            (|c, w| c.x <= w.max().x, |a, b, w| cut_x(a, b, w.max().x)),
            (|c, w| c.y >= w.min().y, |a, b, w| cut_y(a, b, w.min().y)),
            (|c, w| c.y <= w.max().y, |a, b, w| cut_y(a, b, w.max().y)),
        ];
        for (inside, cut) in sides {
            let mut out = Vec::with_capacity(pts.len());
            for (i, &cur) in pts.iter().enumerate() {
                let prev = pts[(i + pts.len() - 1) % pts.len()];
                match (inside(prev, w), inside(cur, w)) {
                    (true, true) => out.push(cur),
                    (true, false) => out.push(cut(prev, cur, w)),
                    (false, true) => {
                        out.push(cut(prev, cur, w));
                        out.push(cur);
                    }
                    (false, false) => {}
                }
            }
            pts = out;
            if pts.len() < 3 {
                return None;
            }
        }
        let first = pts[0];
        pts.push(first);
        Some(geo_types::LineString::new(pts))
    };
    MultiPolygon::new(
        mp.0.iter()
            .filter_map(|p| {
                let exterior = clip_ring(p.exterior())?;
                let holes = p.interiors().iter().filter_map(&clip_ring).collect();
                Some(geo_types::Polygon::new(exterior, holes))
            })
            .collect(),
    )
}

fn cut_x(a: Coord, b: Coord, x: f64) -> Coord {
    let t = (x - a.x) / (b.x - a.x);
    Coord {
        x,
        y: a.y + t * (b.y - a.y),
    }
}

fn cut_y(a: Coord, b: Coord, y: f64) -> Coord {
    let t = (y - a.y) / (b.y - a.y);
    Coord {
        x: a.x + t * (b.x - a.x),
        y,
    }
}

fn area_mismatch(s: &Subject, opts: &CheckOptions) -> Option<Finding> {
    let declared = s.declared_area_ha?;
    if declared <= 0.0 {
        return None;
    }
    let grid = s.grid.unsigned_area() / M2_PER_HA;
    let rel = (grid - declared) / declared;
    (rel.abs() > opts.area_tolerance).then(|| {
        finding(
            Rule::AreaMismatch,
            vec![s.code.clone()],
            Some((grid - declared).abs() * M2_PER_HA),
            format!(
                "declared {declared:.2} ha, boundary {grid:.2} ha in the grid ({:+.2} %, tolerance {:.2} %); \
                 correct the declared area or the boundary",
                rel * 100.0,
                opts.area_tolerance * 100.0
            ),
            somewhere(&s.grid),
        )
    })
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
        let r = check(&[z, ok], Some(&province), &CheckOptions::default());
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

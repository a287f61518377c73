//! One intake path: outside input (a feature posted over HTTP, a feature of an
//! imported file, the shipped data set) becomes the properties of a zone
//! version here, and nowhere else.
//!
//! [`zone`] applies, in this order: the limits on the boundary's size
//! ([`Limits`]), the code's rules ([`code`]), Unicode normalisation (NFC) of
//! every text, the aliases (`name` → `name_vi`), the keys the registry manages
//! (dropped), the defaults (`plan_action: new`, `geometry_source: digitised`,
//! a declared area derived from the grid area with `area_basis: derived`),
//! and the zone model's own rules. A refusal names the field and what to do.
//!
//! # Examples
//! ```
//! use geo_types::{coord, MultiPolygon, Rect};
//! use serde_json::json;
//! use zoning_core::intake::{self, Limits};
//!
//! let grid = MultiPolygon::new(vec![Rect::new(
//!     coord! { x: 0.0, y: 0.0 },
//!     coord! { x: 100.0, y: 200.0 },
//! )
//! .to_polygon()]);
//! let props = json!({"kind": "CCN", "name": "Cụm công nghiệp Đông Lỗ"});
//! let ctx = intake::Context::new(Limits::default());
//! let c = intake::zone("CCN-DONG-LO", props.as_object().unwrap(), &grid, &ctx)
//!     .expect("a code, a kind and a name are enough");
//! assert_eq!(c.properties.name_vi, "Cụm công nghiệp Đông Lỗ");
//! assert_eq!(c.properties.declared_area_ha, 2.0); // 100 m × 200 m, from the grid
//! assert_eq!(c.properties.plan.as_str(), "new");
//!
//! let bad = json!({"kind": "KCX", "name": "?"});
//! let e = intake::zone("X", bad.as_object().unwrap(), &grid, &ctx).unwrap_err();
//! assert_eq!(e.field, "kind");
//! ```

use geo::{Area, CoordsIter};
use geo_types::MultiPolygon;
use serde_json::{json, Map, Value};
use unicode_normalization::UnicodeNormalization;

use crate::area::M2_PER_HA;
use crate::crs::LegalGrid;
use crate::zone::ZoneProperties;

/// Keys the registry manages: a client's values for them are not recorded as
/// zone properties (the change's reason and decision are taken from
/// `change_reason` and `change_decision` / `decision` first).
pub const MANAGED: &[&str] = &[
    "code",
    "status",
    "version",
    "version_id",
    "recorded_at",
    "recorded_by",
    "decision",
    "change_reason",
    "change_decision",
    "grid_area_ha",
    "geodesic_area_ha",
    "findings",
    "expected_overlaps",
    "notes",
    "name",
    "grid_crs",
    "communes",
    "former_province",
];

/// What the intake knows beyond the feature: the limits, the communes (to
/// place the zone: `communes`, `former_province`, the default `grid_crs` and
/// `target_set`), and the legal grid the input's CRS was, if it was one.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The largest boundary taken.
    pub limits: Limits,
    /// The communes of 2025; without them a zone is not placed.
    pub admin: Option<&'a crate::admin::Admin>,
    /// The legal grid the boundary was given in (a `.prj`, `--crs`,
    /// `Content-Crs`), when it was one of the two.
    pub given_grid: Option<LegalGrid>,
    /// Which field feeds which property (the `fields` and `area_unit`
    /// query parameters); without it, the names recognised by themselves.
    pub fields: Option<&'a crate::io::fields::FieldMap>,
}

impl<'a> Context<'a> {
    /// Limits only: zones are not placed.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            admin: None,
            given_grid: None,
            fields: None,
        }
    }

    /// With a field mapping.
    #[must_use]
    pub fn with_fields(self, fields: &'a crate::io::fields::FieldMap) -> Self {
        Self {
            fields: Some(fields),
            ..self
        }
    }

    /// With the communes, to place each zone.
    #[must_use]
    pub fn with_admin(self, admin: &'a crate::admin::Admin) -> Self {
        Self {
            admin: Some(admin),
            ..self
        }
    }

    /// With the legal grid of the input's CRS.
    #[must_use]
    pub fn with_given_grid(self, grid: Option<LegalGrid>) -> Self {
        Self {
            given_grid: grid,
            ..self
        }
    }
}

/// The largest boundary a zone may have. A real zone has a few hundred
/// vertices; the limits keep one request's cost bounded (docs/security.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Vertices over all rings (default 10,000).
    pub max_vertices: usize,
    /// Polygons of a MultiPolygon (default 500).
    pub max_parts: usize,
    /// Holes over all polygons (default 1,000).
    pub max_holes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_vertices: 10_000,
            max_parts: 500,
            max_holes: 1_000,
        }
    }
}

/// The words each enumerated property takes.
const WORDS: &[(&str, &[&str])] = &[
    (
        "plan_action",
        &["existing", "new", "expansion", "merged", "removed"],
    ),
    (
        "geometry_source",
        &["surveyed", "digitised", "illustrative"],
    ),
    (
        "infrastructure",
        &["planned", "under_construction", "in_use", "unknown"],
    ),
    ("name_basis", &["sourced", "derived", "placeholder"]),
    ("area_basis", &["sourced", "derived", "placeholder"]),
    ("plan_basis", &["sourced", "derived", "placeholder"]),
];

/// Longest code, in characters.
pub const MAX_CODE_CHARS: usize = 100;

/// Why an input cannot become a zone version: the field and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Refusal {
    /// The property (or `code`, `geometry`) that is wrong.
    pub field: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl Refusal {
    fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The reason and decision a client gave for a change, taken from the
/// properties (`change_reason`; `change_decision`, else `decision`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeText {
    /// Why the change was made.
    pub reason: Option<String>,
    /// The decision it rests on.
    pub decision: Option<String>,
}

/// A zone version ready to be checked and recorded.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The code, normalised.
    pub code: String,
    /// The zone's properties, normalised and with the defaults filled.
    pub properties: ZoneProperties,
    /// The boundary in the grid.
    pub grid: MultiPolygon,
    /// The reason and decision given with it.
    pub change: ChangeText,
    /// What the intake filled in, for the person who sent it.
    pub notes: Vec<String>,
    /// Its coordinates came with the axes exchanged and were read exchanged
    /// back (`suspected-swapped-axes`); set by the reader, not the intake.
    pub swapped_axes: bool,
}

impl Candidate {
    /// What the checks need of it.
    #[must_use]
    pub fn subject(&self, index: usize) -> crate::checks::Subject {
        crate::checks::Subject {
            swapped_axes: self.swapped_axes,
            ..crate::checks::Subject::from_properties(
                &self.code,
                index,
                self.grid.clone(),
                &self.properties.to_json(),
            )
        }
    }
}

/// Checks and normalises a code: NFC, trimmed, 1–[`MAX_CODE_CHARS`]
/// characters, printable (no control characters such as CR or LF), no `/`.
///
/// # Errors
/// A [`Refusal`] of the field `code`.
///
/// # Examples
/// ```
/// assert_eq!(zoning_core::intake::code(" KCN-VIET-HAN ").unwrap(), "KCN-VIET-HAN");
/// assert!(zoning_core::intake::code("A\r\nB").is_err());
/// ```
pub fn code(text: &str) -> Result<String, Refusal> {
    let c: String = text.trim().nfc().collect();
    let n = c.chars().count();
    if n == 0 || n > MAX_CODE_CHARS {
        return Err(Refusal::new(
            "code",
            format!("{c:?} must be 1–{MAX_CODE_CHARS} characters"),
        ));
    }
    if c.starts_with(['=', '+', '-', '@']) {
        return Err(Refusal::new(
            "code",
            format!("{c:?} starts with {:?}; a spreadsheet would read it as a formula: start a code with a letter or a digit", c.chars().next().unwrap_or(' ')),
        ));
    }
    if let Some(bad) = c.chars().find(|ch| ch.is_control() || *ch == '/') {
        return Err(Refusal::new(
            "code",
            format!(
                "{c:?} contains {bad:?}; a code is printable text without '/' or control characters (CR, LF, tab)"
            ),
        ));
    }
    Ok(c)
}

/// Checks a boundary against the [`Limits`].
///
/// # Errors
/// A [`Refusal`] of the field `geometry` naming the limit.
pub fn check_size(grid: &MultiPolygon, limits: &Limits) -> Result<(), Refusal> {
    let holes = grid.0.iter().map(|p| p.interiors().len()).sum();
    check_counts(grid.0.len(), holes, grid.coords_count(), limits)?;
    if crate::validation::is_tangled(grid) {
        return Err(Refusal::new(
            "geometry",
            format!(
                "the boundary crosses itself more than {} times; a zone boundary is a simple ring: redraw it",
                crate::validation::MAX_SELF_CROSSINGS
            ),
        ));
    }
    Ok(())
}

/// Checks counts of parts, holes and vertices against the [`Limits`] (for a
/// boundary not parsed yet).
///
/// # Errors
/// A [`Refusal`] of the field `geometry` naming the limit.
pub fn check_counts(
    parts: usize,
    holes: usize,
    vertices: usize,
    limits: &Limits,
) -> Result<(), Refusal> {
    if parts > limits.max_parts {
        return Err(Refusal::new(
            "geometry",
            format!(
                "{parts} polygons; a zone may have at most {} (max_parts)",
                limits.max_parts
            ),
        ));
    }
    if holes > limits.max_holes {
        return Err(Refusal::new(
            "geometry",
            format!(
                "{holes} holes; a zone may have at most {} (max_holes)",
                limits.max_holes
            ),
        ));
    }
    if vertices > limits.max_vertices {
        return Err(Refusal::new(
            "geometry",
            format!(
                "{vertices} vertices; a zone boundary may have at most {} (max_vertices): simplify it to survey precision",
                limits.max_vertices
            ),
        ));
    }
    Ok(())
}

fn nfc(v: &mut Value) {
    match v {
        Value::String(s) if !unicode_normalization::is_nfc(s) => *s = s.nfc().collect(),
        Value::Array(a) => a.iter_mut().for_each(nfc),
        Value::Object(o) => o.values_mut().for_each(nfc),
        _ => {}
    }
}

fn text(p: &Map<String, Value>, k: &str) -> Option<String> {
    p.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Turns a feature's code, properties and boundary (working plane) into a
/// [`Candidate`]: the one path every zone takes into the registry.
///
/// # Errors
/// A [`Refusal`] naming the field.
pub fn zone(
    code_text: &str,
    properties: &Map<String, Value>,
    grid: &MultiPolygon,
    ctx: &Context<'_>,
) -> Result<Candidate, Refusal> {
    check_size(grid, &ctx.limits)?;
    let code = code(code_text)?;
    let mut props = properties.clone();
    props.values_mut().for_each(nfc);
    let change = ChangeText {
        reason: text(&props, "change_reason"),
        decision: text(&props, "change_decision").or_else(|| text(&props, "decision")),
    };
    if !props.contains_key("name_vi") {
        if let Some(n) = props.get("name").cloned() {
            props.insert("name_vi".into(), n);
        }
    }
    let given = match props.get("grid_crs") {
        None | Some(Value::Null) => ctx.given_grid,
        Some(v) => Some(v.as_str().and_then(LegalGrid::parse).ok_or_else(|| {
            Refusal::new(
                "grid_crs",
                format!("{v} is not a legal grid of the province; use \"EPSG:9214\" (TM-3 107-00, the former Bắc Giang) or \"EPSG:9209\" (TM-3 105-30, the former Bắc Ninh)"),
            )
        })?),
    };
    for k in MANAGED {
        props.remove(*k);
    }
    let mut notes = Vec::new();
    required(&mut props)?;
    props.entry("plan_action").or_insert(json!("new"));
    props.entry("geometry_source").or_insert(json!("digitised"));
    // an invalid boundary (a bow-tie's loops cancel in the shoelace sum) is
    // measured and placed on its repaired copy, as the checks see it
    let repaired = (!crate::validation::is_valid(grid))
        .then(|| crate::checks::validity::make_valid(grid))
        .flatten();
    let measured = repaired.as_ref().unwrap_or(grid);
    let placement = ctx.admin.map(|a| a.locate(measured));
    let former = placement.as_ref().and_then(|p| p.former_province);
    let grid_crs = given
        .or(former.map(crate::admin::FormerProvince::grid))
        .unwrap_or(LegalGrid::Tm3_107);
    if let Some(v) = props.get("target_set") {
        let known = [
            crate::zone::BAC_GIANG_TARGETS,
            crate::zone::BAC_NINH_TARGETS,
        ];
        if !v.as_str().is_some_and(|s| known.contains(&s)) {
            return Err(Refusal::new(
                "target_set",
                format!(
                    "{v} is not a target set; use \"{}\" (the Bắc Giang resolution) or \"{}\" (the former Bắc Ninh's plan), or leave it out",
                    known[0], known[1]
                ),
            ));
        }
    }
    if let Some(p) = &placement {
        props.extend(p.properties());
        if !props.contains_key("target_set") {
            if let Some(f) = former {
                props.insert("target_set".into(), json!(f.target_set()));
            }
        }
    }
    props.insert("grid_crs".into(), json!(grid_crs.code()));
    if props.get("declared_area_ha").is_none_or(Value::is_null) {
        let grid_m2 = crate::crs::with_thread_transform(|t| {
            t.to_legal(measured, grid_crs).map(|m| m.unsigned_area())
        })
        .map_err(|e: crate::Error| Refusal::new("geometry", e.to_string()))?;
        let grid_ha = grid_m2 / M2_PER_HA;
        props.insert(
            "declared_area_ha".into(),
            json!((grid_ha * 1e4).round() / 1e4),
        );
        props.insert("area_basis".into(), json!("derived"));
        notes.push(format!(
            "declared_area_ha was not given; the grid area of the boundary{} in {}, {grid_ha:.4} ha, was recorded (area_basis: derived)",
            if repaired.is_some() { " (repaired: it is not valid)" } else { "" },
            grid_crs.code()
        ));
    }
    match props.get("declared_area_ha").and_then(Value::as_f64) {
        Some(a) if a.is_finite() && a > 0.0 => {}
        _ => {
            return Err(Refusal::new(
                "declared_area_ha",
                "must be a positive number of hectares",
            ))
        }
    }
    words_and_links(&props)?;
    let properties = serde_json::from_value::<ZoneProperties>(Value::Object(props))
        .map_err(|e| Refusal::new(&field_of(&e.to_string()), e.to_string()))?;
    Ok(Candidate {
        code,
        properties,
        grid: grid.clone(),
        change,
        notes,
        swapped_axes: false,
    })
}

/// The fields every zone needs, each named when missing or wrong: `kind`
/// (`KCN`/`CCN`, any case) and `name_vi`.
fn required(props: &mut Map<String, Value>) -> Result<(), Refusal> {
    // the required fields, each named when missing or wrong
    match props.get("kind") {
        Some(Value::String(k)) if k == "KCN" || k == "CCN" => {}
        Some(Value::String(k)) if k.eq_ignore_ascii_case("kcn") || k.eq_ignore_ascii_case("ccn") => {
            let up = k.to_ascii_uppercase();
            props.insert("kind".into(), json!(up));
        }
        Some(other) => {
            return Err(Refusal::new(
                "kind",
                format!("{other} is not a kind; use \"KCN\" (industrial park) or \"CCN\" (industrial cluster)"),
            ))
        }
        None => {
            return Err(Refusal::new(
                "kind",
                "missing; give \"KCN\" (industrial park) or \"CCN\" (industrial cluster)",
            ))
        }
    }
    match props.get("name_vi") {
        Some(Value::String(n)) if !n.trim().is_empty() => {}
        Some(_) => return Err(Refusal::new("name_vi", "must be a non-empty text")),
        None => {
            return Err(Refusal::new(
                "name_vi",
                "missing; give the zone's Vietnamese name as \"name_vi\" (or \"name\")",
            ))
        }
    }
    Ok(())
}

/// The enumerated properties take one of their words; source links are http(s).
fn words_and_links(props: &Map<String, Value>) -> Result<(), Refusal> {
    for (field, allowed) in WORDS {
        if let Some(v) = props.get(*field) {
            if !v.as_str().is_some_and(|w| allowed.contains(&w)) {
                return Err(Refusal::new(
                    field,
                    format!("{v} is not one of {}", allowed.join(", ")),
                ));
            }
        }
    }
    if let Some(Value::Array(sources)) = props.get("sources") {
        for (i, s) in sources.iter().enumerate() {
            if let Some(url) = s.get("url").and_then(Value::as_str) {
                let lower = url.trim().to_ascii_lowercase();
                if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                    return Err(Refusal::new(
                        &format!("sources[{i}].url"),
                        format!("{url:?} is not an http(s) address; give the page's https:// link"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The field a serde message names ("missing field \`x\`", an unknown
/// variant of `plan_action`, …), else `properties`.
fn field_of(message: &str) -> String {
    if let Some(rest) = message.split("field `").nth(1) {
        if let Some(f) = rest.split('`').next() {
            return f.to_owned();
        }
    }
    for f in [
        "plan_action",
        "geometry_source",
        "infrastructure",
        "name_basis",
        "area_basis",
        "plan_basis",
    ] {
        if message.contains(f) {
            return f.to_owned();
        }
    }
    "properties".into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{coord, Rect};

    fn square(side: f64) -> MultiPolygon {
        MultiPolygon::new(vec![Rect::new(
            coord! { x: 400_000.0, y: 2_350_000.0 },
            coord! { x: 400_000.0 + side, y: 2_350_000.0 + side },
        )
        .to_polygon()])
    }

    #[allow(clippy::needless_pass_by_value)] // json! literals read better
    fn intake(props: Value) -> Result<Candidate, Refusal> {
        zone(
            "Z-1",
            props.as_object().expect("object"),
            &square(100.0),
            &Context::default(),
        )
    }

    #[test]
    fn a_code_a_kind_and_a_name_get_the_defaults() {
        let c = intake(json!({"kind": "KCN", "name": "KCN Thử"})).expect("accepted");
        let p = c.properties.to_json();
        assert_eq!(p["name_vi"], "KCN Thử");
        assert_eq!(p["plan_action"], "new");
        assert_eq!(p["geometry_source"], "digitised");
        assert_eq!(p["area_basis"], "derived");
        assert_eq!(p["declared_area_ha"], 1.0); // 100 m × 100 m
        assert_eq!(p["grid_crs"], "EPSG:9214");
        assert_eq!(c.notes.len(), 1);
        assert!(!p.contains_key("name"));
    }

    #[test]
    fn given_values_win_and_managed_keys_go() {
        let c = intake(json!({
            "kind": "CCN", "name_vi": "CCN A", "name": "ignored", "declared_area_ha": 1.2,
            "plan_action": "existing", "geometry_source": "surveyed", "status": "approved",
            "grid_area_ha": 99, "change_reason": "sửa ranh", "decision": "12/QĐ-UBND"
        }))
        .expect("accepted");
        let p = c.properties.to_json();
        assert_eq!(p["name_vi"], "CCN A");
        assert_eq!(p["declared_area_ha"], 1.2);
        assert_eq!(p["area_basis"], "sourced");
        assert_eq!(p["plan_action"], "existing");
        assert!(!p.contains_key("status") && !p.contains_key("grid_area_ha"));
        assert_eq!(c.change.reason.as_deref(), Some("sửa ranh"));
        assert_eq!(c.change.decision.as_deref(), Some("12/QĐ-UBND"));
        assert!(c.notes.is_empty());
    }

    #[test]
    fn text_is_composed_to_nfc() {
        // "Việt" with the tone mark as a combining character (Windows-1258 style)
        let decomposed = "Vie\u{0323}\u{0302}t Ye\u{0302}n";
        let c = intake(json!({"kind": "KCN", "name": decomposed})).expect("accepted");
        assert_eq!(c.properties.name_vi, "Việt Yên");
        assert_eq!(code("Z\u{0301}").expect("code"), "Ź");
    }

    #[test]
    fn refusals_name_the_field() {
        let field = |v: Value| intake(v).expect_err("refused").field;
        assert_eq!(field(json!({"name": "x"})), "kind");
        assert_eq!(field(json!({"kind": "KCX", "name": "x"})), "kind");
        assert_eq!(field(json!({"kind": "KCN"})), "name_vi");
        assert_eq!(field(json!({"kind": "KCN", "name": " "})), "name_vi");
        assert_eq!(
            field(json!({"kind": "KCN", "name": "x", "declared_area_ha": -3})),
            "declared_area_ha"
        );
        assert_eq!(
            field(json!({"kind": "KCN", "name": "x", "plan_action": "grow"})),
            "plan_action"
        );
        assert_eq!(
            field(json!({"kind": "KCN", "name": "x", "target_set": "<b>x</b>"})),
            "target_set"
        );
        assert_eq!(
            field(json!({"kind": "KCN", "name": "x", "target_set": ""})),
            "target_set"
        );
        assert_eq!(
            field(json!({"kind": "KCN", "name": "x", "sources": [{"url": "javascript:alert(1)"}]})),
            "sources[0].url"
        );
        let e = intake(json!({"kind": "KCN", "name": "x", "sources": [{"url": "https://a.vn/"}]}));
        assert!(e.is_ok(), "{e:?}");
    }

    #[test]
    fn an_invalid_boundary_is_measured_repaired() {
        // a bow-tie of two 50 m × 50 m triangles: its shoelace area is 0
        use geo_types::polygon;
        let bowtie = MultiPolygon::new(vec![polygon![
            (x: 0.0, y: 0.0), (x: 100.0, y: 100.0), (x: 100.0, y: 0.0), (x: 0.0, y: 100.0)
        ]]);
        let c = zone(
            "B",
            json!({"kind": "KCN", "name": "x"})
                .as_object()
                .expect("object"),
            &bowtie,
            &Context::default(),
        )
        .expect("an invalid boundary is taken; the checks report it");
        assert!((c.properties.declared_area_ha - 0.5).abs() < 1e-9);
        assert!(c.notes[0].contains("repaired"), "{}", c.notes[0]);
    }

    #[test]
    fn a_zone_given_in_the_former_bac_ninh_grid_is_measured_there() {
        let c = zone(
            "Z",
            json!({"kind": "KCN", "name": "x"})
                .as_object()
                .expect("object"),
            &square(100.0),
            &Context::default().with_given_grid(Some(LegalGrid::Tm3_105_30)),
        )
        .expect("accepted");
        let p = c.properties.to_json();
        assert_eq!(p["grid_crs"], "EPSG:9209");
        // the same square, 100 km west of the central meridian 107°, is larger
        // in the plane than in the grid whose meridian 105°30′ lies 55 km west
        // of it: pyproj (EPSG:9214 → EPSG:9209 of the corners, shapely's area)
        // gives 0.999_830 ha, recorded to 4 decimals
        assert!((c.properties.declared_area_ha - 0.9998).abs() < 1e-12);
        let e = zone(
            "Z",
            json!({"kind": "KCN", "name": "x", "grid_crs": "EPSG:32648"})
                .as_object()
                .expect("object"),
            &square(100.0),
            &Context::default(),
        )
        .expect_err("not a legal grid");
        assert_eq!(e.field, "grid_crs");
    }

    #[test]
    fn codes_are_printable_and_bounded() {
        for bad in [
            "", "  ", "A/B", "A\nB", "A\rB", "A\tB", "\u{0}x", "=1+1", "@x", "-x", "+x",
        ] {
            assert!(code(bad).is_err(), "{bad:?}");
        }
        assert!(code(&"x".repeat(MAX_CODE_CHARS)).is_ok());
        assert!(code(&"x".repeat(MAX_CODE_CHARS + 1)).is_err());
        assert_eq!(code("CCN-ĐỒNG-LỖ").expect("ok"), "CCN-ĐỒNG-LỖ");
    }

    #[test]
    fn a_boundary_over_the_limits_is_refused_naming_the_limit() {
        let limits = Limits {
            max_vertices: 4,
            max_parts: 1,
            max_holes: 0,
        };
        let e = zone(
            "Z",
            json!({"kind": "KCN", "name": "x"})
                .as_object()
                .expect("object"),
            &square(10.0),
            &Context::new(limits),
        )
        .expect_err("5 vertices > 4");
        assert_eq!(e.field, "geometry");
        assert!(e.message.contains("max_vertices"), "{}", e.message);
        let two = MultiPolygon::new([square(1.0).0, square(5.0).0].concat());
        let e = check_size(&two, &limits).expect_err("2 parts > 1");
        assert!(e.message.contains("max_parts"), "{}", e.message);
    }
}

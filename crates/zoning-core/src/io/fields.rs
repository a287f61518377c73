//! Which field of a file feeds which zone property.
//!
//! Offices do not send our property names: a `.dbf` says `MA`, `TEN`,
//! `DIENTICH` (often in m²), `LOAI`. A [`FieldMap`] holds what the user said
//! (`--field PROP=FIELD`, `--area-unit`) and recognises the usual Vietnamese
//! field names by itself ([`RECOGNISED`]); every feature's properties go
//! through [`FieldMap::apply`] before its code is read, and the reader reports
//! which field fed which property ([`FieldUse`]).
//!
//! ```
//! use serde_json::json;
//! use zoning_core::io::fields::{AreaUnit, FieldMap};
//!
//! let map = FieldMap::default();
//! let mut p = json!({"MA": "KCN-01", "TEN": "Khu công nghiệp Quang Châu",
//!                    "DIENTICH": 4_262_000.0, "LOAI": "Khu công nghiệp"})
//!     .as_object().cloned().unwrap();
//! let applied = map.apply(&mut p, Some(426.2));
//! assert_eq!(p["code"], "KCN-01");
//! assert_eq!(p["name_vi"], "Khu công nghiệp Quang Châu");
//! assert_eq!(p["kind"], "KCN");
//! // 4,262,000 is 10,000 × the grid area in ha: read as m²
//! assert_eq!(p["declared_area_ha"], 426.2);
//! assert_eq!(applied.uses.iter().find(|u| u.property == "declared_area_ha").unwrap().unit, Some(AreaUnit::M2));
//! ```

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The unit of a declared area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaUnit {
    /// Hectares (the registry's unit).
    Ha,
    /// Square metres.
    M2,
}

impl AreaUnit {
    /// `ha`, `m2` (also `m²`, `m^2`), any case.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ha" | "hectare" | "hectares" => Some(Self::Ha),
            "m2" | "m²" | "m^2" | "sqm" => Some(Self::M2),
            _ => None,
        }
    }

    /// `ha` or `m2`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Ha => "ha",
            Self::M2 => "m2",
        }
    }

    fn to_ha(self, v: f64) -> f64 {
        match self {
            Self::Ha => v,
            Self::M2 => v / 10_000.0,
        }
    }
}

/// The property names a file's fields are recognised as without being told,
/// compared without case and without `_`: `TEN_KCN` is `TENKCN`.
pub const RECOGNISED: &[(&str, &[&str])] = &[
    (
        "code",
        &[
            "MA", "MAKHU", "MAKCN", "MACCN", "MACUM", "MAQH", "KYHIEU", "SOHIEU",
        ],
    ),
    (
        "name_vi",
        &[
            "TEN", "TENKCN", "TENCCN", "TENKHU", "TENCUM", "TENKHUCN", "TENCUMCN", "TENGOI",
        ],
    ),
    (
        "declared_area_ha",
        &[
            "DIENTICH",
            "DT",
            "DTICH",
            "DTHA",
            "DIENTICHHA",
            "DTQH",
            "DTQHHA",
            "DTM2",
            "DIENTICHM2",
            "AREAHA",
            "AREAM2",
        ],
    ),
    (
        "kind",
        &["LOAI", "LOAIKHU", "PHANLOAI", "LOAIHINH", "LOAICN", "KIND"],
    ),
    ("name_en", &["TENTA", "TENEN", "TENTIENGANH", "NAMEEN"]),
    ("note", &["GHICHU"]),
];

fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != ' ')
        .flat_map(char::to_uppercase)
        .collect()
}

/// The unit a field's name says, if any: `DT_HA` is hectares, `DT_M2` square
/// metres, `DIENTICH` does not say.
fn unit_of_name(field: &str) -> Option<AreaUnit> {
    let f = fold(field);
    if f.ends_with("HA") || f == "DECLAREDAREAHA" {
        Some(AreaUnit::Ha)
    } else if f.ends_with("M2") {
        Some(AreaUnit::M2)
    } else {
        None
    }
}

/// How a field came to feed a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum How {
    /// Said with `--field` (or the `fields` query parameter).
    Given,
    /// Recognised by its name ([`RECOGNISED`]).
    Recognised,
}

/// One field feeding one property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldUse {
    /// The zone property (`name_vi`, `declared_area_ha`, …).
    pub property: String,
    /// The file's field.
    pub field: String,
    /// Said or recognised.
    pub how: How,
    /// For the declared area: the unit its values were read in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<AreaUnit>,
    /// Why that unit, for the declared area (`--area-unit`, the field's name,
    /// the values' size).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_from: Option<&'static str>,
}

impl std::fmt::Display for FieldUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "field {} → {} ({})",
            self.field,
            self.property,
            match self.how {
                How::Given => "--field",
                How::Recognised => "recognised by its name",
            }
        )?;
        if let (Some(u), Some(from)) = (self.unit, self.unit_from) {
            write!(f, ", in {} ({from})", u.name())?;
        }
        Ok(())
    }
}

/// What [`FieldMap::apply`] did to one feature.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The fields that fed properties.
    pub uses: Vec<FieldUse>,
    /// Things to check (a declared area off by a factor near 10,000 or 100).
    pub warnings: Vec<String>,
}

/// The user's field mapping and area unit, and the names recognised without
/// them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    /// `PROP=FIELD` pairs, in the order given.
    pub given: Vec<(String, String)>,
    /// The unit of the declared area (`--area-unit`); without it, the
    /// field's name says (`_HA`, `_M2`), else the values' size.
    pub area_unit: Option<AreaUnit>,
}

impl FieldMap {
    /// Parses `--field` values (`PROP=FIELD`, or several comma-separated, as
    /// the `fields` query parameter has them).
    ///
    /// # Errors
    /// A value without `=`, or an empty or odd property name, naming it.
    pub fn parse<'a>(
        values: impl IntoIterator<Item = &'a str>,
        area_unit: Option<AreaUnit>,
    ) -> std::result::Result<Self, String> {
        let mut given = Vec::new();
        for v in values {
            for pair in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let Some((prop, field)) = pair.split_once('=') else {
                    return Err(format!(
                        "field mapping {pair:?} is not PROP=FIELD; write for example name_vi=TEN_KCN"
                    ));
                };
                let (prop, field) = (prop.trim(), field.trim());
                let prop = if prop == "name" { "name_vi" } else { prop };
                if prop.is_empty()
                    || field.is_empty()
                    || !prop
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    return Err(format!(
                        "field mapping {pair:?}: the property must be a zone property such as code, name_vi, declared_area_ha or kind, and the field a field of the file"
                    ));
                }
                given.push((prop.to_owned(), field.to_owned()));
            }
        }
        Ok(Self { given, area_unit })
    }

    /// Renames a feature's fields to the zone's properties, converts the
    /// declared area to hectares and the kind to `KCN`/`CCN`. `grid_area_ha`
    /// is the boundary's area, to tell m² from ha when nothing says and to
    /// warn about a factor near 10,000 or 100.
    pub fn apply(&self, props: &mut Map<String, Value>, grid_area_ha: Option<f64>) -> Applied {
        let mut out = Applied::default();
        let key_of = |props: &Map<String, Value>, field: &str| {
            props
                .keys()
                .find(|k| k.eq_ignore_ascii_case(field))
                .cloned()
        };
        let mut moves: Vec<(String, String, How)> = Vec::new();
        for (prop, field) in &self.given {
            if let Some(k) = key_of(props, field) {
                moves.push((prop.clone(), k, How::Given));
            }
        }
        for (prop, names) in RECOGNISED {
            let has_own = props.get(*prop).is_some_and(|v| !v.is_null())
                || (*prop == "name_vi" && props.get("name").is_some_and(|v| !v.is_null()))
                || (*prop == "declared_area_ha"
                    && props.keys().any(|k| {
                        k.eq_ignore_ascii_case("area_ha") || k.eq_ignore_ascii_case("declared_a")
                    }));
            if has_own || moves.iter().any(|(p, _, _)| p == prop) {
                continue;
            }
            let used = |k: &String| moves.iter().any(|(_, f, _)| f == k);
            if let Some(k) = props
                .keys()
                .find(|k| names.contains(&fold(k).as_str()) && !used(k))
                .cloned()
            {
                moves.push(((*prop).to_owned(), k, How::Recognised));
            }
        }
        for (prop, field, how) in moves {
            let Some(v) = props.remove(&field) else {
                continue;
            };
            let mut used = FieldUse {
                property: prop.clone(),
                field,
                how,
                unit: None,
                unit_from: None,
            };
            let v = match prop.as_str() {
                "declared_area_ha" => {
                    let (v, unit, from) = self.area(&v, &used.field, grid_area_ha);
                    used.unit = unit;
                    used.unit_from = from;
                    v
                }
                "code" => match v {
                    Value::Number(n) => Value::String(n.to_string()),
                    v => v,
                },
                _ => v,
            };
            props.insert(prop, v);
            out.uses.push(used);
        }
        if let Some(v) = props.get_mut("kind") {
            if let Some(k) = v.as_str().and_then(kind_of) {
                *v = Value::String(k.to_owned());
            }
        }
        if let Some(u) = self.area_unit {
            // `--area-unit` also says what an own `declared_area_ha` is in
            if u != AreaUnit::Ha && !out.uses.iter().any(|f| f.property == "declared_area_ha") {
                if let Some(a) = props.get("declared_area_ha").and_then(number) {
                    props.insert("declared_area_ha".into(), json_number(u.to_ha(a)));
                }
            }
        }
        if let (Some(a), Some(g)) = (
            props.get("declared_area_ha").and_then(number),
            grid_area_ha.filter(|g| *g > 0.0),
        ) {
            if let Some(w) = factor_warning(a, g) {
                out.warnings.push(w);
            }
        }
        out
    }

    /// The declared area in hectares, and the unit it was read in and why.
    fn area(
        &self,
        v: &Value,
        field: &str,
        grid_area_ha: Option<f64>,
    ) -> (Value, Option<AreaUnit>, Option<&'static str>) {
        let Some(a) = number(v) else {
            return (v.clone(), None, None);
        };
        let (unit, from) = if let Some(u) = self.area_unit {
            (u, "--area-unit")
        } else if let Some(u) = unit_of_name(field) {
            (u, "the field's name")
        } else if grid_area_ha.is_some_and(|g| g > 0.0 && (2_000.0..50_000.0).contains(&(a / g))) {
            (
                AreaUnit::M2,
                "its value is about 10,000 × the grid area in ha",
            )
        } else {
            (
                AreaUnit::Ha,
                "the registry's unit; say --area-unit m2 if it is in m²",
            )
        };
        (json_number(unit.to_ha(a)), Some(unit), Some(from))
    }
}

fn json_number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// A number, or a text that is one in either locale (`1.234,5`).
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => crate::markers::table::number(s),
        _ => None,
    }
}

/// `KCN` or `CCN` from the words offices write in a `LOAI` field.
fn kind_of(text: &str) -> Option<&'static str> {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = text
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect();
    if folded == "kcn" || folded.starts_with("khucongnghiep") {
        Some("KCN")
    } else if folded == "ccn" || folded.starts_with("cumcongnghiep") || folded == "cumcn" {
        Some("CCN")
    } else {
        None
    }
}

/// A warning when a declared area is off from the grid area by a factor near
/// 10,000 (m² given as ha) or 100 (a misplaced decimal mark, or km²).
fn factor_warning(declared_ha: f64, grid_ha: f64) -> Option<String> {
    let r = declared_ha / grid_ha;
    [
        (10_000.0, "10,000 × the grid area: it looks like square metres; give --area-unit m2 (or --field declared_area_ha=… with a field in ha)"),
        (100.0, "100 × the grid area: a decimal mark misplaced, or the wrong unit; check it"),
        (0.01, "1/100 of the grid area: a decimal mark misplaced, or km²; check it"),
        (0.000_1, "1/10,000 of the grid area: it may be in ha while --area-unit m2 was given; check it"),
    ]
    .into_iter()
    .find(|(f, _)| (r / f - 1.0).abs() < 0.2)
    .map(|(_, what)| format!("declared area {declared_ha} ha is {what} ({grid_ha:.4} ha)"))
}

/// The mapping's report for a whole file: each distinct use once, and an
/// error for a `--field` whose field no feature has.
///
/// # Errors
/// A given field that is in no feature, naming the fields that are.
pub fn summary(
    map: &FieldMap,
    file: &str,
    uses: impl IntoIterator<Item = FieldUse>,
    fields_seen: &std::collections::BTreeSet<String>,
) -> Result<Vec<FieldUse>> {
    let mut out: Vec<FieldUse> = Vec::new();
    for u in uses {
        if !out
            .iter()
            .any(|o| o.property == u.property && o.field == u.field && o.unit == u.unit)
        {
            out.push(u);
        }
    }
    for (prop, field) in &map.given {
        if !fields_seen.iter().any(|f| f.eq_ignore_ascii_case(field)) {
            return Err(Error::Feature {
                file: file.to_owned(),
                feature: format!("--field {prop}={field}"),
                reason: format!(
                    "no feature has a field {field}; its fields are: {}",
                    fields_seen.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[allow(clippy::needless_pass_by_value)] // called with json!(…)
    fn props(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn vietnamese_field_names_are_recognised() {
        let mut p =
            props(json!({"MA_KHU": 7, "TEN_KCN": "KCN Vân Trung", "DT_HA": 350.3, "LOAI": "kcn"}));
        let a = FieldMap::default().apply(&mut p, Some(350.0));
        assert_eq!(p["code"], "7");
        assert_eq!(p["name_vi"], "KCN Vân Trung");
        assert_eq!(p["declared_area_ha"], 350.3);
        assert_eq!(p["kind"], "KCN");
        assert!(a.warnings.is_empty());
        let fields: Vec<(&str, &str)> = a
            .uses
            .iter()
            .map(|u| (u.property.as_str(), u.field.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("code", "MA_KHU"),
                ("name_vi", "TEN_KCN"),
                ("declared_area_ha", "DT_HA"),
                ("kind", "LOAI")
            ]
        );
    }

    #[test]
    fn given_mappings_win_and_own_properties_are_kept() {
        let map = FieldMap::parse(
            ["name_vi=TEN_CU, declared_area_ha=S_QH"],
            Some(AreaUnit::M2),
        )
        .unwrap_or_default();
        let mut p = props(
            json!({"TEN": "x", "TEN_CU": "Cụm công nghiệp Đồng Đình", "S_QH": "655.000,5", "kind": "CCN"}),
        );
        let a = map.apply(&mut p, Some(65.5));
        assert_eq!(p["name_vi"], "Cụm công nghiệp Đồng Đình");
        assert!((p["declared_area_ha"].as_f64().unwrap_or_default() - 65.500_05).abs() < 1e-9);
        assert_eq!(p["TEN"], "x", "an unmapped field stays as it is");
        assert_eq!(a.uses[1].unit_from, Some("--area-unit"));
    }

    #[test]
    fn an_area_in_square_metres_is_recognised_or_warned_about() {
        // the field does not say its unit; the value is 10,000 × the grid area
        let mut p = props(json!({"DIENTICH": 655_000.0}));
        FieldMap::default().apply(&mut p, Some(65.5));
        assert_eq!(p["declared_area_ha"], 65.5);
        // said to be ha but 10,000 × too large: kept, and a warning
        let mut p = props(json!({"declared_area_ha": 655_000.0}));
        let a = FieldMap::default().apply(&mut p, Some(65.5));
        assert_eq!(p["declared_area_ha"], 655_000.0);
        assert!(a.warnings[0].contains("square metres"), "{:?}", a.warnings);
        // a hundredfold slip
        let mut p = props(json!({"DT": 6550.0}));
        let a = FieldMap::default().apply(&mut p, Some(65.5));
        assert!(a.warnings[0].contains("100 ×"), "{:?}", a.warnings);
    }

    #[test]
    fn kinds_in_words() {
        for (t, k) in [
            ("Khu công nghiệp", Some("KCN")),
            ("KHU CONG NGHIEP", Some("KCN")),
            ("Cụm công nghiệp", Some("CCN")),
            ("CCN", Some("CCN")),
            ("khác", None),
        ] {
            assert_eq!(kind_of(t), k, "{t}");
        }
    }

    #[test]
    fn bad_mappings_are_named() {
        assert!(FieldMap::parse(["TEN"], None)
            .expect_err("refused")
            .contains("PROP=FIELD"));
        assert!(FieldMap::parse(["Name Vi=TEN"], None).is_err());
        let seen = ["MA".to_owned(), "TEN".to_owned()].into_iter().collect();
        let map = FieldMap::parse(["name_vi=TENX"], None).unwrap_or_default();
        let e = summary(&map, "a.shp", [], &seen)
            .expect_err("refused")
            .to_string();
        assert!(e.contains("TENX") && e.contains("MA, TEN"), "{e}");
    }
}

//! The zone: a KCN (industrial park) or CCN (industrial cluster) of the
//! 2021–2030 plan, or an expansion part of one, with its facts and where each
//! fact comes from.

use geo_types::MultiPolygon;
use serde::{Deserialize, Serialize};

/// Industrial park (khu công nghiệp) or industrial cluster (cụm công nghiệp).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ZoneKind {
    /// Khu công nghiệp, industrial park.
    #[serde(rename = "KCN")]
    Kcn,
    /// Cụm công nghiệp, industrial cluster.
    #[serde(rename = "CCN")]
    Ccn,
}

impl ZoneKind {
    /// `KCN` or `CCN`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kcn => "KCN",
            Self::Ccn => "CCN",
        }
    }
}

/// The place of a record in the 2021–2030 plan, relative to the plan of 2021.
///
/// "Expanded" is not a state of its own: a zone is expanded when expansion
/// parts name it ([`PlanAction::Expansion`]), whether it existed in 2021 or is new.
/// Merged and removed are states; such zones are kept, never deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "plan_action", rename_all = "snake_case")]
pub enum PlanAction {
    /// In the plan of 2021 and kept.
    Existing,
    /// Newly established by the 2021–2030 plan.
    New,
    /// Land added to the zone `of` (its code) by the plan.
    Expansion {
        /// The zone this part extends.
        expansion_of: String,
    },
    /// A CCN of 2021 merged into the KCN `merged_into` (its code). Its land
    /// counts toward the KCN land and lies inside that KCN's boundary.
    Merged {
        /// The KCN (zone or expansion part) that absorbs it.
        merged_into: String,
    },
    /// Taken out of the plan.
    Removed,
}

impl PlanAction {
    /// The `plan_action` word used in data files.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Existing => "existing",
            Self::New => "new",
            Self::Expansion { .. } => "expansion",
            Self::Merged { .. } => "merged",
            Self::Removed => "removed",
        }
    }
}

/// How a boundary was obtained. Shown on the map and in every export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeometrySource {
    /// From field survey of boundary markers.
    Surveyed,
    /// Digitised from an approved planning drawing.
    Digitised,
    /// Drawn only to show roughly where and how large; not a legal boundary.
    Illustrative,
}

/// Where a fact (name, area, plan action) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Stated by a cited source.
    Sourced,
    /// Derived from sourced facts, by arithmetic or a stated inference (the
    /// note says how).
    Derived,
    /// Not known: a labelled stand-in chosen so that the published totals hold.
    Placeholder,
}

/// Infrastructure stage of a zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfrastructureStatus {
    /// Only in the plan.
    Planned,
    /// Infrastructure being built.
    UnderConstruction,
    /// Infrastructure complete and in use.
    InUse,
    /// No source says.
    Unknown,
}

/// A document a fact comes from: a legal decision or a public page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDocument {
    /// Decision or letter number, e.g. `216/TTg-CN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// Date of the document, ISO 8601.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Who issued it, e.g. `Thủ tướng Chính phủ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Where it can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A zone record: a KCN or CCN, or an expansion part of one.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// Stable code, e.g. `KCN-QUANG-CHAU`.
    pub code: String,
    /// KCN or CCN.
    pub kind: ZoneKind,
    /// Vietnamese name as the source gives it (or a labelled placeholder).
    pub name_vi: String,
    /// Where the name comes from.
    pub name_basis: Basis,
    /// Pre-2025 district-level unit(s), as the source names them.
    pub district_vi: Option<String>,
    /// Communes, where a source names them.
    pub communes_vi: Vec<String>,
    /// Declared (legal) area in hectares.
    pub declared_area_ha: f64,
    /// Where the declared area comes from.
    pub area_basis: Basis,
    /// Place in the 2021–2030 plan.
    pub plan: PlanAction,
    /// Where the plan action comes from.
    pub plan_basis: Basis,
    /// Source documents, the one carrying the area first.
    pub sources: Vec<SourceDocument>,
    /// Infrastructure stage.
    pub infrastructure: InfrastructureStatus,
    /// Date (ISO 8601) the infrastructure came into use, when known.
    pub in_use_since: Option<String>,
    /// How the boundary was obtained.
    pub geometry_source: GeometrySource,
    /// Free text: how a derived or placeholder figure was chosen, doubts.
    pub note: Option<String>,
    /// Boundary in the working plane, EPSG:9214, metres (x = easting, y =
    /// northing), whatever the zone's legal grid.
    pub grid: MultiPolygon,
    /// Where it lies and what it counts towards (computed at intake).
    pub place: Place,
}

/// Where a zone lies and what it counts towards: computed by the intake from
/// its boundary (`communes`, `former_province`) and its input (`grid_crs`),
/// `target_set` given or defaulted from the former province.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Place {
    /// Its legal grid, `EPSG:9214` or `EPSG:9209` (absent in records made
    /// before 2025's merger: EPSG:9214).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_crs: Option<String>,
    /// The communes of 2025 it lies in, largest share first (computed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communes: Option<serde_json::Value>,
    /// The province it lay in before 1 July 2025 (computed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub former_province: Option<String>,
    /// The target set (a resolution's figures, `data/targets*.toml`) it is
    /// reconciled against; absent in records made before the merger: the
    /// Bắc Giang resolution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_set: Option<String>,
}

/// The target set of the Bắc Giang resolution 2021–2030 (`data/targets.toml`).
pub const BAC_GIANG_TARGETS: &str = "bac-giang-2021-2030";
/// The target set of the former Bắc Ninh's provincial plan 2021–2030.
pub const BAC_NINH_TARGETS: &str = "bac-ninh-2021-2030";

impl Zone {
    /// The target set it is reconciled against (the Bắc Giang resolution
    /// when the record does not say).
    #[must_use]
    pub fn target_set(&self) -> &str {
        self.place
            .target_set
            .as_deref()
            .unwrap_or(BAC_GIANG_TARGETS)
    }

    /// Its legal grid (EPSG:9214 when the record does not say).
    #[must_use]
    pub fn legal_grid(&self) -> crate::crs::LegalGrid {
        self.place
            .grid_crs
            .as_deref()
            .and_then(crate::crs::LegalGrid::parse)
            .unwrap_or(crate::crs::LegalGrid::Tm3_107)
    }
}

/// The registry's properties of a zone record, as they appear in GeoJSON and
/// in the store (the zone model without its code and boundary). Missing
/// bases default to `sourced`, the infrastructure to `unknown`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZoneProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub kind: ZoneKind,
    pub name_vi: String,
    #[serde(default = "sourced")]
    pub name_basis: Basis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district_vi: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communes_vi: Vec<String>,
    pub declared_area_ha: f64,
    #[serde(default = "sourced")]
    pub area_basis: Basis,
    #[serde(flatten)]
    pub plan: PlanAction,
    #[serde(default = "sourced")]
    pub plan_basis: Basis,
    #[serde(default)]
    pub sources: Vec<SourceDocument>,
    #[serde(default = "unknown")]
    pub infrastructure: InfrastructureStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_use_since: Option<String>,
    pub geometry_source: GeometrySource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(flatten)]
    pub place: Place,
}

fn sourced() -> Basis {
    Basis::Sourced
}
fn unknown() -> InfrastructureStatus {
    InfrastructureStatus::Unknown
}

impl ZoneProperties {
    /// Parses properties, with a message naming the field that is wrong.
    ///
    /// # Errors
    /// A missing required field or a wrong value.
    pub fn from_json(
        properties: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::Object(properties))
            .map_err(|e| format!("properties: {e}"))
    }

    /// The zone with this code and boundary (grid).
    ///
    /// # Errors
    /// When the declared area is not a positive number.
    pub fn into_zone(self, code: String, grid: MultiPolygon) -> Result<Zone, String> {
        if !(self.declared_area_ha.is_finite() && self.declared_area_ha > 0.0) {
            return Err(format!(
                "declared_area_ha is {}; give the legal area in hectares (> 0)",
                self.declared_area_ha
            ));
        }
        Ok(Zone {
            code,
            kind: self.kind,
            name_vi: self.name_vi,
            name_basis: self.name_basis,
            district_vi: self.district_vi,
            communes_vi: self.communes_vi,
            declared_area_ha: self.declared_area_ha,
            area_basis: self.area_basis,
            plan: self.plan,
            plan_basis: self.plan_basis,
            sources: self.sources,
            infrastructure: self.infrastructure,
            in_use_since: self.in_use_since,
            geometry_source: self.geometry_source,
            note: self.note,
            grid,
            place: self.place,
        })
    }

    /// The properties of a zone.
    #[must_use]
    pub fn from_zone(z: &Zone) -> Self {
        Self {
            code: None,
            kind: z.kind,
            name_vi: z.name_vi.clone(),
            name_basis: z.name_basis,
            district_vi: z.district_vi.clone(),
            communes_vi: z.communes_vi.clone(),
            declared_area_ha: z.declared_area_ha,
            area_basis: z.area_basis,
            plan: z.plan.clone(),
            plan_basis: z.plan_basis,
            sources: z.sources.clone(),
            infrastructure: z.infrastructure,
            in_use_since: z.in_use_since.clone(),
            geometry_source: z.geometry_source,
            note: z.note.clone(),
            place: z.place.clone(),
        }
    }

    /// As a JSON object.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        }
    }
}

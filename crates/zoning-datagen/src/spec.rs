//! The generator's inputs: `data/registry.toml` and the public facts CSV.

use std::collections::BTreeMap;

use serde::Deserialize;
use zoning_core::{Basis, InfrastructureStatus, SourceDocument, ZoneKind};

/// `data/registry.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Seed of the geometry generator.
    pub seed: u64,
    /// Approximate district seats, WGS84 (lon, lat).
    pub anchors: BTreeMap<String, [f64; 2]>,
    /// Groups of entries whose areas add up to a total from the targets.
    pub area_groups: BTreeMap<String, AreaGroup>,
    /// Named entries.
    #[serde(rename = "zone")]
    pub zones: Vec<Entry>,
    /// Blocks of numbered placeholders.
    pub placeholders: Vec<PlaceholderBlock>,
}

/// A group whose total is a signed sum of target lines (`"-ccn_added"`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaGroup {
    /// Target line keys, each optionally prefixed by `-`.
    pub total: Vec<String>,
}

/// One zone record of the registry, before geometry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub code: String,
    /// Name of the row in the public facts CSV this entry takes its facts from.
    pub fact: Option<String>,
    pub kind: Option<ZoneKind>,
    pub name_vi: Option<String>,
    pub name_basis: Option<Basis>,
    pub district_vi: Option<String>,
    #[serde(default)]
    pub communes_vi: Vec<String>,
    pub area_ha: Option<f64>,
    pub area_basis: Option<Basis>,
    pub area_note: Option<String>,
    pub plan_action: String,
    pub expansion_of: Option<String>,
    pub merged_into: Option<String>,
    pub plan_basis: Option<Basis>,
    pub infrastructure: Option<InfrastructureStatus>,
    pub in_use_since: Option<String>,
    pub area_group: String,
    /// The plan it is reconciled against (default: the Bắc Giang resolution);
    /// `bac-ninh-2021-2030` draws it in the former Bắc Ninh, in EPSG:9209.
    pub target_set: Option<String>,
    #[serde(default)]
    pub sources: Vec<SourceDocument>,
    pub note: Option<String>,
}

/// `data/registry-bac-ninh.toml`: more entries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoreZones {
    /// Named entries.
    #[serde(rename = "zone")]
    pub zones: Vec<Entry>,
}

/// `count` placeholders; `{n}` in the strings is replaced by 1…count (two digits in codes).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceholderBlock {
    pub kind: ZoneKind,
    pub count: usize,
    pub code: String,
    pub name_vi: String,
    pub plan_action: String,
    pub expansion_of: Option<String>,
    pub merged_into: Option<String>,
    pub area_ha: Option<f64>,
    pub area_note: Option<String>,
    pub infrastructure: Option<InfrastructureStatus>,
    pub area_group: String,
}

impl PlaceholderBlock {
    /// The block's entries.
    #[must_use]
    pub fn entries(&self) -> Vec<Entry> {
        (1..=self.count)
            .map(|n| {
                let code = |s: &str| s.replace("{n}", &format!("{n:02}"));
                Entry {
                    code: code(&self.code),
                    kind: Some(self.kind),
                    name_vi: Some(self.name_vi.replace("{n}", &n.to_string())),
                    name_basis: Some(Basis::Placeholder),
                    area_ha: self.area_ha,
                    area_basis: Some(Basis::Placeholder),
                    area_note: self.area_note.clone(),
                    plan_action: self.plan_action.clone(),
                    expansion_of: self.expansion_of.as_deref().map(code),
                    merged_into: self.merged_into.as_deref().map(code),
                    plan_basis: Some(Basis::Placeholder),
                    infrastructure: self.infrastructure,
                    area_group: self.area_group.clone(),
                    note: Some(
                        "Placeholder: the resolution counts this zone, but no public source names it; name and area are stand-ins."
                            .into(),
                    ),
                    ..Entry::default()
                }
            })
            .collect()
    }
}

/// A row of `zones-public-facts.csv`.
#[derive(Debug, Clone, Deserialize)]
pub struct Fact {
    pub kind: ZoneKind,
    pub name_vi: String,
    pub district_vi: String,
    pub area_ha: Option<f64>,
    pub status_in_plan: String,
    pub source: String,
}

impl Fact {
    /// The cited URLs, the one carrying the area first.
    #[must_use]
    pub fn sources(&self) -> Vec<SourceDocument> {
        self.source
            .split(" | ")
            .filter(|u| !u.trim().is_empty())
            .map(|u| SourceDocument {
                url: Some(u.trim().to_owned()),
                ..SourceDocument::default()
            })
            .collect()
    }
}

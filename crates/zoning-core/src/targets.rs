//! The resolution's figures, read from data (`data/targets.toml`), never typed
//! into code.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::{Error, Result};

/// The report's lines, in order.
pub const LINE_KEYS: [&str; 14] = [
    "kcn_existing_2021",
    "kcn_new",
    "kcn_expanded",
    "ccn_merged_into_kcn",
    "kcn_added",
    "kcn_2030",
    "ccn_existing_2021",
    "ccn_new",
    "ccn_expanded",
    "ccn_added",
    "ccn_removed",
    "ccn_2030",
    "kcn_in_use_by_2025",
    "ccn_in_use_by_2025",
];

/// How a count is compared with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The count must equal the target.
    #[default]
    Equal,
    /// The count must reach at least the target (milestones).
    AtLeast,
}

/// One figure of the resolution.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Target number of zones, when the resolution gives one.
    pub count: Option<u32>,
    /// How the count is compared.
    #[serde(default)]
    pub comparison: Comparison,
    /// Target area in hectares, when the resolution gives one.
    pub area_ha: Option<f64>,
    /// Where the figure comes from: `stated` in the resolution, or `derived`
    /// by arithmetic from stated figures (the note says how).
    pub basis: String,
    /// The figure in the resolution's words, or the arithmetic.
    pub note: String,
}

/// Where the targets come from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSource {
    /// The document.
    pub title: String,
    /// Where its figures were read.
    pub urls: Vec<String>,
    /// The zones it is set beside: those whose `target_set` is this
    /// (default: the Bắc Giang resolution, `bac-giang-2021-2030`).
    #[serde(default = "bac_giang")]
    pub target_set: String,
}

fn bac_giang() -> String {
    crate::zone::BAC_GIANG_TARGETS.to_owned()
}

/// All targets, by report line key.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Where the figures come from.
    pub source: TargetSource,
    /// Targets by line key (`kcn_2030`, …).
    pub lines: BTreeMap<String, Target>,
}

impl Targets {
    /// Parses `targets.toml`; `file` names it in messages. Keys must be report
    /// line keys.
    ///
    /// # Errors
    /// When the TOML is malformed or names a line the report does not have.
    pub fn parse(text: &str, file: &str) -> Result<Self> {
        let targets: Self = toml::from_str(text).map_err(|e| Error::Targets {
            file: file.to_owned(),
            reason: e.to_string(),
        })?;
        if let Some(k) = targets
            .lines
            .keys()
            .find(|k| !LINE_KEYS.contains(&k.as_str()))
        {
            return Err(Error::Targets {
                file: file.to_owned(),
                reason: format!(
                    "[lines.{k}] is not a report line; known lines: {}",
                    LINE_KEYS.join(", ")
                ),
            });
        }
        Ok(targets)
    }
}

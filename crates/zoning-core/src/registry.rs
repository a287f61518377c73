//! A consistent set of zone records: unique codes, and every expansion part and
//! merged CCN naming a zone that is there.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::zone::{PlanAction, Zone, ZoneKind};

/// Zone records whose references hold together.
#[derive(Debug, Clone)]
pub struct Registry {
    zones: Vec<Zone>,
    by_code: HashMap<String, usize>,
}

impl Registry {
    /// Checks codes are unique, an expansion part names a zone of its own kind
    /// that is not itself an expansion, and a merged zone is a CCN naming a KCN.
    /// `file` names the data in messages.
    ///
    /// # Errors
    /// The first inconsistency found, naming the record.
    pub fn new(zones: Vec<Zone>, file: &str) -> Result<Self> {
        let err = |code: &str, reason: String| Error::Feature {
            file: file.to_owned(),
            feature: format!("zone {code}"),
            reason,
        };
        let mut by_code = HashMap::with_capacity(zones.len());
        for (i, z) in zones.iter().enumerate() {
            if by_code.insert(z.code.clone(), i).is_some() {
                return Err(err(
                    &z.code,
                    "the code is used twice; codes must be unique".into(),
                ));
            }
        }
        for z in &zones {
            match &z.plan {
                PlanAction::Expansion { expansion_of } => {
                    let parent = by_code.get(expansion_of).map(|&i| &zones[i]);
                    match parent {
                        None => {
                            return Err(err(&z.code, format!("expansion_of names {expansion_of}, which is not in the registry")));
                        }
                        Some(p)
                            if p.kind != z.kind
                                || matches!(p.plan, PlanAction::Expansion { .. }) =>
                        {
                            return Err(err(&z.code, format!("expansion_of names {expansion_of}, which is not a {} zone of its own", z.kind.as_str())));
                        }
                        Some(_) => {}
                    }
                }
                PlanAction::Merged { merged_into } => {
                    let target = by_code.get(merged_into).map(|&i| &zones[i]);
                    if z.kind != ZoneKind::Ccn {
                        return Err(err(&z.code, "only a CCN can be merged (into a KCN)".into()));
                    }
                    if target.is_none_or(|t| t.kind != ZoneKind::Kcn) {
                        return Err(err(&z.code, format!("merged_into names {merged_into}, which is not a KCN in the registry")));
                    }
                }
                _ => {}
            }
        }
        Ok(Self { zones, by_code })
    }

    /// All records, in input order.
    #[must_use]
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// The record with this code.
    #[must_use]
    pub fn get(&self, code: &str) -> Option<&Zone> {
        self.by_code.get(code).map(|&i| &self.zones[i])
    }

    /// The CCNs merged into the record `code`.
    pub fn merged_into<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Zone> + 'a {
        self.zones.iter().filter(
            move |z| matches!(&z.plan, PlanAction::Merged { merged_into } if merged_into == code),
        )
    }
}

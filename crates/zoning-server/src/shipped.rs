//! The shipped data set (`data/`), built into the binary so that `zoning
//! report` works from any directory.

/// `data/zones.geojson`: the registry of the 2021–2030 plan.
pub const ZONES: &str = include_str!("../../../data/zones.geojson");
/// `data/targets.toml`: the resolution's figures.
pub const TARGETS: &str = include_str!("../../../data/targets.toml");
/// `data/province/bac-giang-province.geojson`: the pre-2025 province boundary
/// (Open Development Mekong / Vietnam Department of Survey and Mapping, CC BY-SA 4.0).
pub const PROVINCE: &str = include_str!("../../../data/province/bac-giang-province.geojson");

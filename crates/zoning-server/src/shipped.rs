//! The shipped data set (`data/`), built into the binary so that `zoning
//! report` works from any directory.

use geo_types::MultiPolygon;
use serde_json::{json, Value};
use zoning_core::admin::Admin;
use zoning_core::checks::{Bounds, Scope};
use zoning_core::crs::GridTransform;

/// `data/zones.geojson`: the registry of the 2021–2030 plans.
pub const ZONES: &str = include_str!("../../../data/zones.geojson");
/// `data/targets.toml`: the Bắc Giang resolution's figures.
pub const TARGETS: &str = include_str!("../../../data/targets.toml");
/// `data/targets-bac-ninh.toml`: the former Bắc Ninh's plan's figures.
pub const TARGETS_BAC_NINH: &str = include_str!("../../../data/targets-bac-ninh.toml");

/// The shipped target sets: key, text, file.
pub const TARGET_SETS: [(&str, &str, &str); 2] = [
    (
        zoning_core::zone::BAC_GIANG_TARGETS,
        TARGETS,
        "data/targets.toml (shipped)",
    ),
    (
        zoning_core::zone::BAC_NINH_TARGETS,
        TARGETS_BAC_NINH,
        "data/targets-bac-ninh.toml (shipped)",
    ),
];

/// A shipped target set's text and file name.
///
/// # Errors
/// When there is none of that name, naming those there are.
pub fn targets(set: &str) -> Result<(&'static str, &'static str), String> {
    TARGET_SETS
        .iter()
        .find(|(k, _, _)| *k == set)
        .map(|(_, text, file)| (*text, *file))
        .ok_or_else(|| {
            format!(
                "there is no target set {set}; the shipped ones are {}",
                TARGET_SETS.map(|(k, _, _)| k).join(", ")
            )
        })
}

/// `data/admin-2025/bac-ninh-2025-communes.geojson`: the 99 communes and wards of
/// the province since 1 July 2025 (Bản đồ tham khảo đơn vị hành chính Việt Nam,
/// NXB Tài nguyên – Môi trường và Bản đồ Việt Nam, through
/// thanglequoc/vietnamese-provinces-database, MIT; see docs/data.md).
pub const COMMUNES: &str = include_str!("../../../data/admin-2025/bac-ninh-2025-communes.geojson");
const COMMUNES_FILE: &str = "data/admin-2025/bac-ninh-2025-communes.geojson (shipped)";

/// `data/admin-2025/bac-ninh-2025-province-dissolved-from-communes.geojson`:
/// the province since 1 July 2025, the union of its communes.
pub const PROVINCE: &str =
    include_str!("../../../data/admin-2025/bac-ninh-2025-province-dissolved-from-communes.geojson");
const PROVINCE_FILE: &str =
    "data/admin-2025/bac-ninh-2025-province-dissolved-from-communes.geojson (shipped)";

/// `data/admin-2025/bac-giang-former-dissolved-from-communes.geojson`: the
/// former Bắc Giang, the union of the 58 communes of 2025 made of its units;
/// the territory of the Bắc Giang resolution.
pub const FORMER_BAC_GIANG: &str =
    include_str!("../../../data/admin-2025/bac-giang-former-dissolved-from-communes.geojson");
const FORMER_BAC_GIANG_FILE: &str =
    "data/admin-2025/bac-giang-former-dissolved-from-communes.geojson (shipped)";

/// The province's item id in the `province` collection.
pub const PROVINCE_ID: &str = "bac-ninh";
/// The former Bắc Giang's item id (the id the province had before 2025).
pub const FORMER_BAC_GIANG_ID: &str = "bac-giang";

fn outline(text: &str, file: &str, t: &GridTransform) -> Result<MultiPolygon, String> {
    let f = zoning_core::io::geojson::read_features(text, file, t).map_err(|e| e.to_string())?;
    Ok(MultiPolygon::new(
        f.into_iter().flat_map(|f| f.grid.0).collect(),
    ))
}

/// The province boundary in the working plane (EPSG:9214), as every check
/// uses it.
///
/// # Errors
/// When the shipped boundary cannot be read or transformed.
pub fn province_grid(t: &GridTransform) -> Result<MultiPolygon, String> {
    outline(PROVINCE, PROVINCE_FILE, t)
}

/// The province and the territory of the Bắc Giang resolution, as the checks
/// use them (`outside-boundary`, `outside-scope`).
///
/// # Errors
/// When a shipped boundary cannot be read or transformed.
pub fn bounds(t: &GridTransform) -> Result<Bounds, String> {
    Ok(Bounds::new(
        province_grid(t)?,
        vec![Scope {
            target_set: zoning_core::zone::BAC_GIANG_TARGETS.into(),
            name: "the former Bắc Giang (the territory of its 2021–2030 resolution)".into(),
            outline: outline(FORMER_BAC_GIANG, FORMER_BAC_GIANG_FILE, t)?,
        }],
    ))
}

/// The communes of 2025, to place zones.
///
/// # Errors
/// When the shipped file cannot be read or transformed.
pub fn admin(t: &GridTransform) -> Result<Admin, String> {
    Admin::new(COMMUNES, COMMUNES_FILE, t).map_err(|e| e.to_string())
}

/// The `province` collection's two items (WGS84 Features): the province
/// since 2025 (`bac-ninh`), then the former Bắc Giang (`bac-giang`).
///
/// # Errors
/// When a shipped file is not GeoJSON.
pub fn province_features() -> Result<Vec<Value>, String> {
    let first = |text: &str| -> Result<Value, String> {
        let fc: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(fc["features"][0].clone())
    };
    let mut now = first(PROVINCE)?;
    now["id"] = json!(PROVINCE_ID);
    now["properties"] = json!({
        "code": "24",
        "name": "Tỉnh Bắc Ninh",
        "former": false,
        "valid_from": "2025-07-01",
        "note": "The province since 1 July 2025 (Resolution 202/2025/QH15): the union of its 99 communes and wards.",
        "attribution": "Ranh giới hành chính: Bản đồ tham khảo đơn vị hành chính Việt Nam (sapnhap.bando.com.vn), NXB Tài nguyên – Môi trường và Bản đồ Việt Nam; qua thanglequoc/vietnamese-provinces-database (MIT).",
    });
    let mut former = first(FORMER_BAC_GIANG)?;
    former["id"] = json!(FORMER_BAC_GIANG_ID);
    former["properties"]["valid_to"] = json!("2025-06-30");
    Ok(vec![now, former])
}

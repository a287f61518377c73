//! The shipped data set (`data/`), built into the binary so that `zoning
//! report` works from any directory.

/// `data/zones.geojson`: the registry of the 2021–2030 plan.
pub const ZONES: &str = include_str!("../../../data/zones.geojson");
/// `data/targets.toml`: the resolution's figures.
pub const TARGETS: &str = include_str!("../../../data/targets.toml");
/// `data/province/bac-giang-province.geojson`: the pre-2025 province boundary
/// (Open Development Mekong / Vietnam Department of Survey and Mapping, CC BY-SA 4.0).
pub const PROVINCE: &str = include_str!("../../../data/province/bac-giang-province.geojson");

/// `data/admin-2025/bac-ninh-2025-communes.geojson`: the 99 communes and wards of
/// the province since 1 July 2025 (Bản đồ tham khảo đơn vị hành chính Việt Nam,
/// NXB Tài nguyên – Môi trường và Bản đồ Việt Nam, through
/// thanglequoc/vietnamese-provinces-database, MIT; see docs/data.md).
pub const COMMUNES: &str = include_str!("../../../data/admin-2025/bac-ninh-2025-communes.geojson");

/// The province boundary in the grid (EPSG:9214), as every check uses it.
///
/// # Errors
/// When the shipped boundary cannot be read or transformed.
pub fn province_grid(
    t: &zoning_core::crs::GridTransform,
) -> Result<geo_types::MultiPolygon, String> {
    let f = zoning_core::io::geojson::read_features(
        PROVINCE,
        "data/province/bac-giang-province.geojson (shipped)",
        t,
    )
    .map_err(|e| e.to_string())?;
    Ok(geo_types::MultiPolygon::new(
        f.into_iter().flat_map(|f| f.grid.0).collect(),
    ))
}

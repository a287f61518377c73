//! Exports of the approved registry: GeoJSON (WGS84) and a zipped shapefile in
//! the legal grid (EPSG:9214) with its `.prj` and `.cpg`.

use std::io::Write as _;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::Value;
use shapefile::dbase::{FieldName, FieldValue, Record, TableWriterBuilder};
use zoning_core::store::View;

use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, CachedZone};
use std::sync::Arc;

/// EPSG:9214 as ESRI WKT (`projinfo EPSG:9214 -o WKT1_ESRI`, PROJ 9.1.1).
pub const PRJ_9214: &str = r#"PROJCS["VN-2000_TM-3_107-00",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",107.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

/// Zones as a GeoJSON FeatureCollection (WGS84). The Features a request
/// has not made yet are made here, on every core, and not kept: an export
/// of the whole registry does not keep a Feature of every zone in memory.
///
/// # Errors
/// When PROJ cannot transform a boundary.
pub fn geojson(zones: &[Arc<CachedZone>]) -> ApiResult<String> {
    use rayon::prelude::*;
    let features = zones
        .par_iter()
        .map(|z| z.json_wgs84_once())
        .collect::<ApiResult<Vec<_>>>()?;
    let mut body = String::with_capacity(features.iter().map(|f| f.len() + 1).sum::<usize>() + 64);
    body.push_str(r#"{"type":"FeatureCollection","features":["#);
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(f);
    }
    body.push_str("]}");
    Ok(body)
}

/// `GET /export/zones.geojson`: every approved zone, WGS84.
pub async fn get_geojson(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let zones = state.zones(View::Public)?;
    let body = web::block(move || geojson(&zones)).await??;
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"zones.geojson\"",
        ))
        .body(body))
}

/// Text cut to at most `bytes` bytes on a character boundary (dBase field
/// lengths are bytes; a Vietnamese letter takes 2–3).
fn cut(s: &str, bytes: usize) -> String {
    let mut end = s.len().min(bytes);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// The shapefile's fields: (name, length); names are at most 10 characters.
const FIELDS: [(&str, u8); 12] = [
    ("code", 60),
    ("kind", 3),
    ("name_vi", 254),
    ("plan", 12),
    ("expand_of", 60),
    ("merged_in", 60),
    ("district", 120),
    ("area_basis", 12),
    ("geom_src", 12),
    ("status", 10),
    ("decision", 254),
    ("recorded", 32),
];

fn field(name: &str) -> ApiResult<FieldName> {
    FieldName::try_from(name).map_err(|e| ApiError::Internal(format!("{e:?}")))
}

/// Zones as a zipped shapefile in EPSG:9214.
///
/// # Errors
/// When writing fails.
pub fn shapefile_zip(zones: &[Arc<CachedZone>]) -> ApiResult<Vec<u8>> {
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(e.to_string());
    let dir = tempfile::tempdir().map_err(|e| internal(&e))?;
    let path = dir.path().join("zones.shp");
    {
        let mut builder = TableWriterBuilder::with_encoding(shapefile::dbase::Unicode);
        for (name, len) in FIELDS {
            builder = builder.add_character_field(field(name)?, len);
        }
        builder = builder
            .add_numeric_field(field("area_ha")?, 18, 4)
            .add_numeric_field(field("grid_ha")?, 18, 4)
            .add_numeric_field(field("version")?, 10, 0);
        let mut w = shapefile::Writer::from_path(&path, builder).map_err(|e| internal(&e))?;
        for z in zones {
            let p = z.properties();
            let text = |k: &str| {
                p.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let num = |k: &str| p.get(k).and_then(Value::as_f64);
            let mut r = Record::default();
            let values = [
                z.code.clone(),
                text("kind"),
                text("name_vi"),
                text("plan_action"),
                text("expansion_of"),
                text("merged_into"),
                text("district_vi"),
                text("area_basis"),
                text("geometry_source"),
                text("status"),
                text("decision"),
                text("recorded_at"),
            ];
            for ((name, len), v) in FIELDS.iter().zip(values) {
                r.insert(
                    (*name).to_owned(),
                    FieldValue::Character(Some(cut(&v, usize::from(*len)))),
                );
            }
            r.insert(
                "area_ha".into(),
                FieldValue::Numeric(num("declared_area_ha")),
            );
            r.insert(
                "grid_ha".into(),
                FieldValue::Numeric(Some(z.areas()?.grid_area_ha)),
            );
            r.insert("version".into(), FieldValue::Numeric(num("version")));
            let shape = shapefile::Polygon::from(z.grid.clone());
            w.write_shape_and_record(&shape, &r)
                .map_err(|e| internal(&e))?;
        }
    }
    std::fs::write(path.with_extension("prj"), PRJ_9214).map_err(|e| internal(&e))?;
    std::fs::write(path.with_extension("cpg"), "UTF-8").map_err(|e| internal(&e))?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        let bytes = std::fs::read(path.with_extension(ext)).map_err(|e| internal(&e))?;
        zip.start_file(
            format!("zones.{ext}"),
            zip::write::SimpleFileOptions::default(),
        )
        .map_err(|e| internal(&e))?;
        zip.write_all(&bytes).map_err(|e| internal(&e))?;
    }
    Ok(zip.finish().map_err(|e| internal(&e))?.into_inner())
}

/// `GET /export/zones.zip`: the approved zones as a shapefile in EPSG:9214.
pub async fn get_shapefile(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let st = state.clone();
    let bytes = web::block(move || shapefile_zip(&st.zones(View::Public)?)).await??;
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"zones.zip\"",
        ))
        .body(bytes))
}

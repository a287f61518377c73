//! One module per HTTP resource; [`router`] mounts them all.

pub mod collections;
pub mod export;
pub mod items;
pub mod landing;
pub mod login;
pub mod markers;
pub mod report;
pub mod validate;

use actix_web::{web, HttpRequest};

use crate::error::{ApiError, ApiResult};

/// `OGC:CRS84`, the default CRS (WGS84 lon/lat).
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The legal grid, EPSG:9214.
pub const EPSG_9214: &str = "http://www.opengis.net/def/crs/EPSG/0/9214";

/// A CRS a client may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS84 lon/lat.
    Crs84,
    /// VN-2000 / TM-3 107-00 (easting, northing).
    Grid,
}

impl Crs {
    /// Parses a CRS URI (or `EPSG:9214`, `[EPSG:9214]`, `<…>`).
    ///
    /// # Errors
    /// `400` for any other CRS, naming those supported.
    pub fn parse(text: &str, param: &str) -> ApiResult<Self> {
        let t = text
            .trim()
            .trim_start_matches(['<', '['])
            .trim_end_matches(['>', ']']);
        match t {
            CRS84 | "OGC:CRS84" | "urn:ogc:def:crs:OGC:1.3:CRS84" => Ok(Self::Crs84),
            EPSG_9214 | "EPSG:9214" | "urn:ogc:def:crs:EPSG::9214" => Ok(Self::Grid),
            _ => Err(ApiError::BadRequest(format!(
                "{param}={text} is not supported; use {CRS84} (WGS84 lon/lat) or {EPSG_9214} (VN-2000 / TM-3 107-00)"
            ))),
        }
    }

    /// The CRS's URI.
    #[must_use]
    pub fn uri(self) -> &'static str {
        match self {
            Self::Crs84 => CRS84,
            Self::Grid => EPSG_9214,
        }
    }
}

/// The service's base URL as the client reached it (`http://host:port`).
#[must_use]
pub fn base(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// Wants HTML (a browser) rather than JSON.
#[must_use]
pub fn wants_html(req: &HttpRequest, f: Option<&str>) -> bool {
    match f {
        Some(f) => f == "html",
        None => req
            .headers()
            .get(actix_web::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.starts_with("text/html")),
    }
}

/// Mounts every route. Public so tests build the same app.
pub fn router(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(landing::get_health))
        .route("/whoami", web::get().to(landing::get_whoami))
        .route("/login", web::post().to(login::post_login))
        .route("/logout", web::post().to(login::post_logout))
        .route("/conformance", web::get().to(landing::get_conformance))
        .route("/api", web::get().to(landing::get_api))
        .route("/collections", web::get().to(collections::get_collections))
        .route(
            "/collections/{id}",
            web::get().to(collections::get_collection),
        )
        .route("/collections/{id}/items", web::get().to(items::get_items))
        .route("/collections/{id}/items", web::post().to(items::post_item))
        .route(
            "/collections/{id}/items/{item}",
            web::get().to(items::get_item),
        )
        .route(
            "/collections/{id}/items/{item}",
            web::put().to(items::put_item),
        )
        .route(
            "/collections/{id}/items/{item}",
            web::patch().to(items::patch_item),
        )
        .route(
            "/collections/{id}/items/{item}",
            web::delete().to(items::delete_item),
        )
        .route(
            "/collections/zones/items/{item}/history",
            web::get().to(items::get_history),
        )
        .route(
            "/collections/zones/items/{item}/approve",
            web::post().to(items::post_approve),
        )
        .route("/validate", web::post().to(validate::post_validate))
        .route("/markers/upload", web::post().to(markers::post_upload))
        .route("/report", web::get().to(report::get_report))
        .route("/export/zones.geojson", web::get().to(export::get_geojson))
        .route("/export/zones.zip", web::get().to(export::get_shapefile))
        .route("/", web::get().to(landing::get_landing));
}

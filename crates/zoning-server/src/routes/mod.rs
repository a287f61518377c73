//! One module per HTTP resource; [`router`] mounts them all.

pub mod collections;
pub mod communes;
pub mod export;
pub mod landing;
pub mod login;
pub mod markers;
pub mod ogc;
pub mod province;
pub mod report;
pub mod tiles;
pub mod validate;
pub mod zones;

use actix_web::{web, HttpRequest};

use zoning_core::crs::LegalGrid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `OGC:CRS84`, the default CRS (WGS84 lon/lat).
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
/// The legal grid of the former Bắc Giang (and the storage CRS), EPSG:9214.
pub const EPSG_9214: &str = "http://www.opengis.net/def/crs/EPSG/0/9214";
/// The legal grid of the former Bắc Ninh, EPSG:9209.
pub const EPSG_9209: &str = "http://www.opengis.net/def/crs/EPSG/0/9209";

/// A CRS a client may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    /// WGS84 lon/lat.
    Crs84,
    /// One of the legal grids (easting, northing).
    Grid(LegalGrid),
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
            EPSG_9214 | "EPSG:9214" | "urn:ogc:def:crs:EPSG::9214" => {
                Ok(Self::Grid(LegalGrid::Tm3_107))
            }
            EPSG_9209 | "EPSG:9209" | "urn:ogc:def:crs:EPSG::9209" => {
                Ok(Self::Grid(LegalGrid::Tm3_105_30))
            }
            _ => Err(ApiError::BadRequest(format!(
                "{param}={text} is not supported; use {CRS84} (WGS84 lon/lat), {EPSG_9214} (VN-2000 / TM-3 107-00, the former Bắc Giang) or {EPSG_9209} (VN-2000 / TM-3 105-30, the former Bắc Ninh)"
            ))),
        }
    }

    /// The CRS's URI.
    #[must_use]
    pub fn uri(self) -> &'static str {
        match self {
            Self::Crs84 => CRS84,
            Self::Grid(LegalGrid::Tm3_107) => EPSG_9214,
            Self::Grid(LegalGrid::Tm3_105_30) => EPSG_9209,
        }
    }
}

/// The service's public base URL (`http://host:port`), for links and
/// `Location`: the configured `base_url`; else, for a request that came
/// through a configured trusted proxy, the host and scheme it forwarded
/// (`Forwarded`, `X-Forwarded-Host`, `X-Forwarded-Proto`); else the address
/// the server is bound to. The request's own `Host` is never used.
#[must_use]
pub fn base(req: &HttpRequest) -> String {
    let state = req.app_data::<web::Data<AppState>>();
    if let Some(b) = state.and_then(|s| s.config.base_url.as_deref()) {
        return b.trim_end_matches('/').to_owned();
    }
    let trusted = state.is_some_and(|s| {
        req.peer_addr()
            .is_some_and(|p| s.config.trusted_proxies.iter().any(|t| *t == p.ip()))
    });
    if trusted {
        let info = req.connection_info();
        let host = info.host();
        let scheme = info.scheme();
        let host_ok = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
        if host_ok && (scheme == "http" || scheme == "https") {
            return format!("{scheme}://{host}");
        }
    }
    let addr = req.app_config().local_addr();
    let scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    if addr.ip().is_unspecified() {
        format!("{scheme}://localhost:{}", addr.port())
    } else {
        format!("{scheme}://{addr}")
    }
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

/// Mounts every route, each collection's handlers by name. Public so tests
/// build the same app.
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
        // zones: OGC API – Features Parts 1, 2 and 4, history, approval, stake-out
        .route("/collections/zones/items", web::get().to(zones::get_items))
        .route(
            "/collections/zones/items",
            web::post().to(zones::write::post_item),
        )
        .route(
            "/collections/zones/items/{code}",
            web::get().to(zones::get_item),
        )
        .route(
            "/collections/zones/items/{code}",
            web::put().to(zones::write::put_item),
        )
        .route(
            "/collections/zones/items/{code}",
            web::patch().to(zones::write::patch_item),
        )
        .route(
            "/collections/zones/items/{code}",
            web::delete().to(zones::write::delete_item),
        )
        .route(
            "/collections/zones/items/{code}/history",
            web::get().to(zones::get_history),
        )
        .route(
            "/collections/zones/items/{code}/approve",
            web::post().to(zones::write::post_approve),
        )
        .route(
            "/collections/zones/items/{code}/stakeout",
            web::get().to(markers::get_stakeout),
        )
        // markers: Parts 1, 2 and 4, and the CSV upload
        .route(
            "/collections/markers/items",
            web::get().to(markers::get_items),
        )
        .route(
            "/collections/markers/items",
            web::post().to(markers::post_item),
        )
        .route(
            "/collections/markers/items/{key}",
            web::get().to(markers::get_item),
        )
        .route(
            "/collections/markers/items/{key}",
            web::put().to(markers::put_item),
        )
        .route(
            "/collections/markers/items/{key}",
            web::patch().to(markers::patch_item),
        )
        .route(
            "/collections/markers/items/{key}",
            web::delete().to(markers::delete_item),
        )
        .route("/markers/upload", web::post().to(markers::post_upload))
        // communes since 2025: read-only
        .route(
            "/collections/communes/items",
            web::get().to(communes::get_items),
        )
        .route(
            "/collections/communes/items/{code}",
            web::get().to(communes::get_item),
        )
        // province: read-only
        .route(
            "/collections/province/items",
            web::get().to(province::get_items),
        )
        .route(
            "/collections/province/items/{id}",
            web::get().to(province::get_item),
        )
        // zones as vector tiles: OGC API – Tiles
        .configure(tiles::routes)
        .route("/validate", web::post().to(validate::post_validate))
        .route("/report", web::get().to(report::get_report))
        .route("/export/zones.geojson", web::get().to(export::get_geojson))
        .route("/export/zones.zip", web::get().to(export::get_shapefile))
        .route("/", web::get().to(landing::get_landing));
}

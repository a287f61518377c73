//! `/`, `/conformance`, `/api`, `/health`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{base, wants_html};
use crate::error::ApiResult;
use crate::state::AppState;

/// The conformance classes implemented.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
];

/// `?f=`.
#[derive(Debug, Deserialize)]
pub struct Format {
    f: Option<String>,
}

/// `GET /`: the map for a browser, the OGC landing page for everything else.
pub async fn get_landing(
    req: HttpRequest,
    q: web::Query<Format>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    if wants_html(&req, q.f.as_deref()) {
        if let Some(index) = state
            .config
            .web_dir
            .as_ref()
            .map(|d| d.join("index.html"))
            .filter(|p| p.exists())
        {
            let html = std::fs::read_to_string(index)
                .map_err(|e| crate::error::ApiError::Internal(e.to_string()))?;
            return Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(html));
        }
    }
    let b = base(&req);
    Ok(HttpResponse::Ok().content_type("application/json").json(json!({
        "title": "zoning: KCN và CCN tỉnh Bắc Giang / Bắc Giang industrial parks and clusters",
        "description": "Registry of the 2021–2030 plan's industrial parks (KCN) and clusters (CCN). Boundaries are held in VN-2000 / TM-3 107-00 (EPSG:9214). The shipped boundaries are illustrative.",
        "links": [
            {"href": format!("{b}/"), "rel": "self", "type": "application/json", "title": "this document"},
            {"href": format!("{b}/api"), "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "the API definition"},
            {"href": format!("{b}/conformance"), "rel": "conformance", "type": "application/json", "title": "conformance classes"},
            {"href": format!("{b}/collections"), "rel": "data", "type": "application/json", "title": "collections"},
            {"href": format!("{b}/tileMatrixSets"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "type": "application/json", "title": "tile matrix sets"},
            {"href": format!("{b}/report"), "rel": "related", "type": "application/json", "title": "reconciliation with the resolution's targets"},
        ]
    })))
}

/// `GET /conformance`.
pub async fn get_conformance() -> HttpResponse {
    let all: Vec<&str> = CONFORMANCE
        .iter()
        .chain(super::tiles::CONFORMANCE)
        .copied()
        .collect();
    HttpResponse::Ok().json(json!({ "conformsTo": all }))
}

/// The OpenAPI 3.0 definition of the service (`openapi.json`).
const OPENAPI: &str = include_str!("../openapi.json");

/// `GET /api`.
pub async fn get_api(req: HttpRequest) -> HttpResponse {
    // the document's servers entry is the service's base URL, set through the
    // serializer (never pasted into the text)
    let mut doc: Value = serde_json::from_str(OPENAPI).unwrap_or_else(|_| json!({}));
    doc["servers"] = json!([{ "url": base(&req) }]);
    HttpResponse::Ok()
        .content_type("application/vnd.oai.openapi+json;version=3.0")
        .body(doc.to_string())
}

/// `GET /health`.
pub async fn get_health(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let store = state.store.clone();
    // touches the database, so a broken store shows here
    let empty = web::block(move || store.is_empty()).await??;
    let zones = state.zones(zoning_core::store::View::Public)?.len();
    Ok(HttpResponse::Ok().json(json!({ "status": "ok", "database": if empty { "empty" } else { "ok" }, "approved_zones": zones })))
}

/// `GET /whoami`: the user of the bearer token (`401` without one).
pub async fn get_whoami(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let u = crate::auth::user(&req, &state).await?.ok_or_else(|| {
        crate::error::ApiError::Unauthorized("send a bearer token to learn whose it is".into())
    })?;
    Ok(HttpResponse::Ok().json(json!({"name": u.name, "role": u.role.as_str()})))
}

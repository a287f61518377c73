//! The `province` collection: the province boundary, read-only.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::ogc::{geo_json, page, parse_query};
use super::Crs;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The province item's id.
pub const ID: &str = "bac-giang";

fn feature(state: &AppState, crs: Crs) -> String {
    match crs {
        Crs::Crs84 => state.province_feature.to_string(),
        Crs::Grid => {
            let mut f = state.province_feature.clone();
            f["geometry"] = json!(geojson::Geometry::new(geojson::GeometryValue::from(
                &state.province_grid
            )));
            f.to_string()
        }
    }
}

/// `GET /collections/province/items`.
pub async fn get_items(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let q = parse_query(&req, &[], state.config.max_limit)?;
    page(&req, "province", &q, &[()], |()| Ok(feature(&state, q.crs)))
}

/// `GET /collections/province/items/{id}`.
pub async fn get_item(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let q = parse_query(&req, &[], state.config.max_limit)?;
    if item != ID {
        return Err(ApiError::NotFound(format!(
            "province item {item} not found; it is {ID}"
        )));
    }
    Ok(geo_json(feature(&state, q.crs), q.crs))
}

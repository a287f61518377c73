//! The `province` collection, read-only: the province since 1 July 2025
//! (`bac-ninh`, the union of its communes) and the former Bắc Giang
//! (`bac-giang`, the territory of the 2021–2030 resolution).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::ogc::{geo_json, page, parse_query};
use super::Crs;
use crate::error::{ApiError, ApiResult};
use crate::shipped::{FORMER_BAC_GIANG_ID, PROVINCE_ID};
use crate::state::{with_grid, AppState};

fn feature(f: &Value, crs: Crs) -> ApiResult<String> {
    match crs {
        Crs::Crs84 => Ok(f.to_string()),
        Crs::Grid(g) => {
            let mut f = f.clone();
            let geometry: geojson::Geometry = serde_json::from_value(f["geometry"].clone())
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let wgs84: geo_types::Geometry = geometry
                .try_into()
                .map_err(|e: geojson::Error| ApiError::Internal(e.to_string()))?;
            let mp = match wgs84 {
                geo_types::Geometry::Polygon(p) => geo_types::MultiPolygon::new(vec![p]),
                geo_types::Geometry::MultiPolygon(m) => m,
                _ => return Err(ApiError::Internal("a province is a polygon".into())),
            };
            let legal = with_grid(|t| {
                let plane = t
                    .multipolygon_to_grid(&mp)
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
                t.to_legal(&plane, g)
                    .map(std::borrow::Cow::into_owned)
                    .map_err(|e| ApiError::Internal(e.to_string()))
            })?;
            f["geometry"] = json!(geojson::Geometry::new(geojson::GeometryValue::from(&legal)));
            Ok(f.to_string())
        }
    }
}

/// `GET /collections/province/items`.
pub async fn get_items(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let q = parse_query(&req, &[], state.config.max_limit)?;
    let items: Vec<&Value> = state.province_features.iter().collect();
    let st = state.clone();
    let crs = q.crs;
    let bodies = web::block(move || {
        st.province_features
            .iter()
            .map(|f| feature(f, crs))
            .collect::<ApiResult<Vec<String>>>()
    })
    .await??;
    let pairs: Vec<(&Value, String)> = items.into_iter().zip(bodies).collect();
    page(&req, "province", &q, &pairs, |(_, body)| Ok(body.clone()))
}

/// `GET /collections/province/items/{id}`.
pub async fn get_item(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let q = parse_query(&req, &[], state.config.max_limit)?;
    let Some(f) = state
        .province_features
        .iter()
        .find(|f| f["id"] == item.as_str())
        .cloned()
    else {
        return Err(ApiError::NotFound(format!(
            "province item {item} not found; it is {PROVINCE_ID} (the province since 1 July 2025) or {FORMER_BAC_GIANG_ID} (the former Bắc Giang)"
        )));
    };
    let crs = q.crs;
    let body = web::block(move || feature(&f, crs)).await??;
    Ok(geo_json(body, q.crs))
}

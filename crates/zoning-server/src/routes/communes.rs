//! The `communes` collection: the 99 communes and wards of the province
//! since 1 July 2025, read-only, with the units merged into each.
//!
//! A copy of the pattern every collection follows: the items query of
//! [`super::ogc`] (paging, `bbox`, `crs`, filters), ready-made features in the
//! state, one handler per route mounted by name in [`super::router`].

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use geo::Intersects;
use serde_json::json;

use super::base;
use super::ogc::{bbox_grid, boxes_meet, collection, geo_json, matches, page_links, parse_query};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Properties a client may filter communes on.
pub const QUERYABLES: &[&str] = &["code", "name", "type"];

/// `GET /collections/communes/items`.
pub async fn get_items(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let q = parse_query(&req, QUERYABLES, state.config.max_limit)?;
    let area = match q.bbox {
        Some(b) => Some(bbox_grid(b, q.bbox_crs)?),
        None => None,
    };
    let selected: Vec<_> = state
        .communes
        .iter()
        .filter(|c| matches(&c.properties, &q.filters))
        .filter(|c| match &area {
            None => true,
            Some(Some(a)) => {
                geo::BoundingRect::bounding_rect(a).is_some_and(|r| {
                    boxes_meet(c.bbox_grid, [r.min().x, r.min().y, r.max().x, r.max().y])
                }) && a.intersects(&c.grid)
            }
            Some(None) => false,
        })
        .collect();
    let matched = selected.len();
    let page: Vec<String> = selected
        .iter()
        .skip(q.offset)
        .take(q.limit)
        .map(|c| c.json(q.crs))
        .collect();
    let b = base(&req);
    let mut links = page_links(&b, "/collections/communes/items", &q, page.len(), matched);
    links.push(json!({"href": format!("{b}/collections/communes"), "rel": "collection", "type": "application/json"}));
    Ok(geo_json(collection(&page, matched, links), q.crs))
}

/// `GET /collections/communes/items/{code}`.
pub async fn get_item(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let code = path.into_inner();
    let q = parse_query(&req, &[], state.config.max_limit)?;
    let c = state
        .communes
        .iter()
        .find(|c| c.code == code)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "commune {code} not found; communes have 5-digit codes such as 07210 (GET /collections/communes/items)"
            ))
        })?;
    let mut r = geo_json(c.json(q.crs), q.crs);
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(r)
}

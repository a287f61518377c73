//! The `communes` collection: the 99 communes and wards of the province
//! since 1 July 2025, read-only, with the units merged into each.
//!
//! A copy of the pattern every collection follows: the items query of
//! [`super::ogc`] (paging, `bbox`, `crs`, filters), ready-made features in the
//! state, one handler per route mounted by name in [`super::router`].

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::ogc::{geo_json, matches, page, parse_query, Area};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, CachedCommune};

/// Properties a client may filter communes on.
pub const QUERYABLES: &[&str] = &["code", "name", "type"];

/// The communes, read on a blocking thread the first time they are asked for.
async fn loaded(state: &web::Data<AppState>) -> ApiResult<&[CachedCommune]> {
    let st = state.clone();
    web::block(move || st.communes().map(|_| ())).await??;
    state.communes()
}

/// `GET /collections/communes/items`.
pub async fn get_items(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let q = parse_query(&req, QUERYABLES, state.config.max_limit)?;
    let communes = loaded(&state).await?;
    let area = Area::of(&q)?;
    let selected: Vec<&CachedCommune> = communes
        .iter()
        .filter(|c| matches(&c.properties, &q.filters) && area.admits(c.bbox_grid, &c.grid))
        .collect();
    page(&req, "communes", &q, &selected, |c| c.json(q.crs))
}

/// `GET /collections/communes/items/{code}`.
pub async fn get_item(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let code = path.into_inner();
    let q = parse_query(&req, &[], state.config.max_limit)?;
    let c = loaded(&state)
        .await?
        .iter()
        .find(|c| c.code == code)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "commune {code} not found; communes have 5-digit codes such as 07210 (GET /collections/communes/items)"
            ))
        })?;
    let body = c.json(q.crs)?;
    let mut r = geo_json(body, q.crs);
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(r)
}

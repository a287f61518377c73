//! The `zones` collection: reading (OGC API – Features Parts 1 and 2, with
//! `datetime` as-of reads and each zone's history) here, writing (Part 4,
//! approval) in [`write`](mod@write).

pub mod write;

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use zoning_core::store::ZoneVersion;

use super::ogc::{enc, etag, geo_json, matches, page, parse_query, Area};
use super::{base, Crs, CRS84};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, CachedZone};
use crate::visibility;

/// Properties a client may filter zones on (`?kind=KCN`).
pub const QUERYABLES: &[&str] = &[
    "kind",
    "plan_action",
    "status",
    "district_vi",
    "geometry_source",
    "infrastructure",
    "name_vi",
    "name_basis",
    "area_basis",
    "plan_basis",
    "expansion_of",
    "merged_into",
    "grid_crs",
    "former_province",
    "target_set",
    "commune",
];

/// How many zones' properties a request parses on its worker; more are
/// parsed on a blocking thread.
const PARSE_INLINE: usize = 2_000;

/// `GET /collections/zones/items`.
pub async fn get_items(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let q = parse_query(&req, QUERYABLES, state.config.max_limit)?;
    let view = visibility::view_of(&req, &state).await?;
    let area = Area::of(&q)?;
    let zones: Vec<Arc<CachedZone>> = match &q.datetime {
        // the view's R-tree: only the zones whose box meets the bbox's
        None => match &area {
            Area::Everything => state.zones(view)?,
            Area::Nothing => Vec::new(),
            Area::Within { bbox, .. } => state.zones_meeting(view, *bbox)?,
        },
        Some(at) => {
            let (store, at) = (state.store.clone(), at.clone());
            web::block(move || -> ApiResult<Vec<Arc<CachedZone>>> {
                // every form made here, on the blocking thread: these
                // entries serve this request only
                store
                    .zones(view, Some(&at))?
                    .iter()
                    .map(|v| CachedZone::made(v).map(Arc::new))
                    .collect()
            })
            .await??
        }
    };
    if !q.filters.is_empty()
        && zones
            .iter()
            .filter(|z| !z.is_parsed())
            .nth(PARSE_INLINE)
            .is_some()
    {
        // the properties of many zones not parsed yet (after the start): on
        // a blocking thread, on every core, not on this worker
        let zones = zones.clone();
        web::block(move || {
            use rayon::prelude::*;
            zones.par_iter().for_each(|z| {
                z.properties();
            });
        })
        .await?;
    }
    let selected: Vec<&Arc<CachedZone>> = zones
        .iter()
        // a zone's properties are parsed on first use: not for a query
        // without filters
        .filter(|z| {
            (q.filters.is_empty() || matches(z.properties(), &q.filters))
                && area.admits(z.bbox_grid, &z.grid)
        })
        .collect();
    page(&req, "zones", &q, &selected, |z| {
        Ok(match q.crs {
            Crs::Crs84 => z.json_wgs84()?.to_owned(),
            Crs::Grid(g) => z.json_grid(g)?.to_owned(),
        })
    })
}

/// `GET /collections/zones/items/{code}`.
pub async fn get_item(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let q = parse_query(&req, &[], state.config.max_limit)?;
    let view = visibility::view_of(&req, &state).await?;
    let z = state
        .zone(view, &item)?
        .ok_or_else(|| ApiError::NotFound(format!("zone {item} not found (or not approved)")))?;
    let body = match q.crs {
        Crs::Crs84 => z.json_wgs84()?.to_owned(),
        Crs::Grid(g) => z.json_grid(g)?.to_owned(),
    };
    let mut r = geo_json(add_links(&body, &base(&req), &item), q.crs);
    r.headers_mut().insert(header::ETAG, etag(z.version_id));
    Ok(r)
}

fn add_links(feature: &str, b: &str, code: &str) -> String {
    match serde_json::from_str::<Value>(feature) {
        Ok(mut f) => {
            f["links"] = json!([
                {"href": format!("{b}/collections/zones/items/{}", enc(code)), "rel": "self", "type": "application/geo+json"},
                {"href": format!("{b}/collections/zones"), "rel": "collection", "type": "application/json"},
                {"href": format!("{b}/collections/zones/items/{}/history", enc(code)), "rel": "version-history", "type": "application/json"},
            ]);
            f.to_string()
        }
        Err(_) => feature.to_owned(),
    }
}

/// `GET /collections/zones/items/{code}/history`: every version the caller
/// may see ([`visibility::history`]), oldest first.
pub async fn get_history(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let view = visibility::view_of(&req, &state).await?;
    let (store, c) = (state.store.clone(), item.clone());
    let versions = web::block(move || store.history(&c)).await??;
    let visible = visibility::public_code(&state, &item);
    let versions: Vec<ZoneVersion> = visibility::history(view, versions, &visible);
    if versions.is_empty() {
        return Err(ApiError::NotFound(format!("zone {item} has no history")));
    }
    let out = versions
            .iter()
            .map(|v| {
                let z = CachedZone::made(v)?;
                let feature: Value = serde_json::from_str(z.json_wgs84()?).map_err(|e| ApiError::Internal(e.to_string()))?;
                Ok(json!({
                    "version": v.version, "version_id": v.id, "status": v.status.as_str(), "recorded_at": v.recorded_at,
                    "recorded_by": v.change.author, "reason": v.change.reason, "decision": v.change.decision,
                    "findings": v.findings, "feature": feature,
                }))
            })
            .collect::<ApiResult<Vec<Value>>>()?;
    Ok(HttpResponse::Ok().json(json!({"code": item, "versions": out, "crs": CRS84, "links": [
        {"href": format!("{}/collections/zones/items/{}", base(&req), enc(&item)), "rel": "latest-version", "type": "application/geo+json"}
    ]})))
}

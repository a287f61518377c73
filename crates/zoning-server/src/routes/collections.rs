//! `/collections`, `/collections/{id}`.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use zoning_core::store::View;

use super::{base, CRS84, EPSG_9209, EPSG_9214};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The collections served.
pub const IDS: [&str; 4] = ["zones", "markers", "communes", "province"];

fn describe(id: &str, b: &str, extent: Option<[f64; 4]>) -> Value {
    let (title, description) = match id {
        "zones" => (
            "Khu công nghiệp và cụm công nghiệp / Industrial parks and clusters",
            "KCN and CCN of the 2021–2030 plan with their plan action, declared and computed areas and sources. `geometry_source` says whether a boundary is surveyed, digitised or illustrative.",
        ),
        "markers" => ("Mốc giới / Boundary markers", "Boundary markers as surveyed, with their distance to the approved boundary at upload."),
        "communes" => ("Xã, phường tỉnh Bắc Ninh (từ 1/7/2025) / Communes and wards of Bắc Ninh province since 1 July 2025", "The 99 communes and wards (66 xã, 33 phường) of the merged province, with the pre-2025 units merged into each (oldUnitsMerged, oldDistricts, oldProvince). Ranh giới hành chính: Bản đồ tham khảo đơn vị hành chính Việt Nam (sapnhap.bando.com.vn), NXB Tài nguyên – Môi trường và Bản đồ Việt Nam; qua thanglequoc/vietnamese-provinces-database (MIT). No open licence from the publisher was found: see docs/data.md."),
        _ => ("Tỉnh Bắc Giang / Bắc Giang province", "The pre-2025 province boundary (Open Development Mekong / Vietnam Department of Survey and Mapping, CC BY-SA 4.0)."),
    };
    let items = format!("{b}/collections/{id}/items");
    let mut c = json!({
        "id": id,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84, EPSG_9214, EPSG_9209],
        "storageCrs": EPSG_9214,
        "links": [
            {"href": format!("{b}/collections/{id}"), "rel": "self", "type": "application/json"},
            {"href": items, "rel": "items", "type": "application/geo+json", "title": title},
        ],
    });
    if id == "zones" {
        if let Some(links) = c["links"].as_array_mut() {
            links.push(json!({"href": format!("{b}/collections/zones/tiles"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "type": "application/json", "title": "vector tiles (Mapbox Vector Tiles, WebMercatorQuad)"}));
        }
    }
    if let Some(bb) = extent {
        c["extent"] = json!({"spatial": {"bbox": [bb], "crs": CRS84}});
    }
    c
}

/// The WGS84 box of the public zones. Their WGS84 forms are made on first
/// use (the warm thread makes them after the start): those still missing
/// are made on a blocking thread, on every core, not on this worker.
async fn extent(state: &web::Data<AppState>) -> ApiResult<Option<[f64; 4]>> {
    let zones = state.zones(View::Public)?;
    let union = |zones: &[std::sync::Arc<crate::state::CachedZone>]| -> ApiResult<_> {
        // a zone PROJ cannot project (logged by the warm thread) is left
        // out of the extent rather than failing the collection's description
        let boxes: Vec<[f64; 4]> = zones
            .iter()
            .filter_map(|z| z.projected().ok().map(|p| p.bbox_wgs84))
            .collect();
        Ok(boxes.into_iter().reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        }))
    };
    if zones.iter().all(|z| z.is_projected()) {
        return union(&zones);
    }
    web::block(move || {
        use rayon::prelude::*;
        zones
            .par_iter()
            .try_for_each(|z| z.projected().map(|_| ()))?;
        union(&zones)
    })
    .await?
}

/// `GET /collections`.
pub async fn get_collections(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let b = base(&req);
    let e = extent(&state).await?;
    Ok(HttpResponse::Ok().json(json!({
        "links": [{"href": format!("{b}/collections"), "rel": "self", "type": "application/json"}],
        "collections": IDS.iter().map(|id| describe(id, &b, e)).collect::<Vec<_>>(),
        "crs": [CRS84, EPSG_9214, EPSG_9209],
    })))
}

/// `GET /collections/{id}`.
pub async fn get_collection(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    if !IDS.contains(&id.as_str()) {
        return Err(ApiError::NotFound(format!(
            "there is no collection {id}; the collections are {}",
            IDS.join(", ")
        )));
    }
    let e = extent(&state).await?;
    Ok(HttpResponse::Ok().json(describe(&id, &base(&req), e)))
}

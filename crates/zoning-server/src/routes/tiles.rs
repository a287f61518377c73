//! OGC API – Tiles 1.0 on `zones`: `/collections/zones/tiles` (the tilesets),
//! `/collections/zones/tiles/WebMercatorQuad` (the tileset),
//! `/collections/zones/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}`
//! (Mapbox Vector Tiles), `/tileMatrixSets` and
//! `/tileMatrixSets/WebMercatorQuad`.
//!
//! A tile is made on demand from the caller's view of the zone cache (the
//! public sees approved zones, planners their drafts too: the items route's
//! rule, [`crate::visibility`]). Its `ETag` is from a SHA-256 of its bytes,
//! so it changes exactly when its content does; `If-None-Match` answers `304`.
//! An empty tile is `204 No Content` (OGC API – Tiles, `/req/core/tc-error`).

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use zoning_core::store::View;

use super::base;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, CachedZone};
use crate::tile::{self, TileId, TileZone};
use crate::visibility;

/// Mounts the tile routes (called by [`super::router`]).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/collections/zones/tiles", web::get().to(get_tilesets))
        .route(
            "/collections/zones/tiles/{tileMatrixSetId}",
            web::get().to(get_tileset),
        )
        .route(
            "/collections/zones/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            web::get().to(get_tile),
        )
        .route("/tileMatrixSets", web::get().to(get_tile_matrix_sets))
        .route(
            "/tileMatrixSets/{tileMatrixSetId}",
            web::get().to(get_tile_matrix_set),
        );
}

/// The only tile matrix set served.
pub const TMS: &str = "WebMercatorQuad";
/// Its URI in the OGC register.
pub const TMS_URI: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
/// EPSG:3857.
pub const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
/// The media type of a tile.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";
/// The zone properties a tile carries (each when the zone has it).
pub const PROPERTIES: [&str; 5] = ["code", "kind", "plan_action", "status", "geometry_source"];
/// How long a cache may keep a public tile without asking again (seconds).
pub const PUBLIC_MAX_AGE: u32 = 30;
/// A tile of at most this many zones is made on the worker that took the
/// request (well under a millisecond); more go to a blocking thread, and
/// are kept in the [`Memo`].
const INLINE_ZONES: usize = 200;
/// The bytes of tiles and version ids the [`Memo`] keeps at most.
const MEMO_BYTES: usize = 64 << 20;
/// Below this zoom a tile spans several degrees, wider than the working
/// plane serves well: its zones are found by their EPSG:3857 box in a scan,
/// not in the R-tree of grid boxes.
const SCAN_BELOW_ZOOM: u8 = 7;

/// The conformance classes of OGC API – Tiles implemented.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
];

fn no_such_set(id: &str) -> ApiError {
    ApiError::NotFound(format!(
        "there is no tile matrix set {id} here; the only one served is {TMS}"
    ))
}

fn tiles_url(b: &str) -> String {
    format!("{b}/collections/zones/tiles/{TMS}")
}

/// The property schema of the layer.
fn properties_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "the zone's code (its feature id in /collections/zones/items)"},
            "kind": {"type": "string", "enum": ["KCN", "CCN"]},
            "plan_action": {"type": "string", "enum": ["existing", "new", "expansion", "merged", "removed"]},
            "status": {"type": "string", "enum": ["approved", "draft"], "description": "draft only in a planner's tiles"},
            "geometry_source": {"type": "string", "enum": ["surveyed", "digitised", "illustrative"], "description": "where the boundary comes from"},
        },
    })
}

/// The tileset's short description (an item of the tilesets list).
fn tileset_item(b: &str) -> Value {
    json!({
        "title": "Khu và cụm công nghiệp / Industrial parks and clusters (vector tiles)",
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": TMS_URI,
        "links": [
            {"href": tiles_url(b), "rel": "self", "type": "application/json", "title": "the tileset"},
            {"href": format!("{b}/tileMatrixSets/{TMS}"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "type": "application/json", "title": "the tile matrix set"},
        ],
    })
}

/// `GET /collections/zones/tiles`.
pub async fn get_tilesets(req: HttpRequest) -> HttpResponse {
    let b = base(&req);
    HttpResponse::Ok().json(json!({
        "links": [
            {"href": format!("{b}/collections/zones/tiles"), "rel": "self", "type": "application/json"},
            {"href": format!("{b}/collections/zones"), "rel": "collection", "type": "application/json"},
        ],
        "tilesets": [tileset_item(&b)],
    }))
}

/// `GET /collections/zones/tiles/{tileMatrixSetId}`.
pub async fn get_tileset(req: HttpRequest, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    if id != TMS {
        return Err(no_such_set(&id));
    }
    let b = base(&req);
    let t = tiles_url(&b);
    Ok(HttpResponse::Ok().json(json!({
        "title": "Khu và cụm công nghiệp / Industrial parks and clusters (vector tiles)",
        "description": "Mapbox Vector Tiles (version 2.1) of the zones, made on demand: layer `zones`, extent 4096 with a buffer of 64, outlines clipped to the buffered tile and simplified to about a tile unit (more in a tile of more than 2,000 zones). The public sees approved zones; a signed-in planner also sees drafts. An empty tile answers 204.",
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": TMS_URI,
        "links": [
            {"href": t, "rel": "self", "type": "application/json", "title": "this tileset"},
            {"href": format!("{b}/tileMatrixSets/{TMS}"), "rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", "type": "application/json", "title": "the tile matrix set"},
            {"href": format!("{b}/collections/zones"), "rel": "collection", "type": "application/json", "title": "the zones"},
            {"href": format!("{t}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"), "rel": "item", "type": MVT, "templated": true, "title": "a tile"},
        ],
        "layers": [{
            "id": tile::LAYER,
            "title": "zones",
            "dataType": "vector",
            "geometryDimension": 2,
            "featureType": "zones",
            "crs": EPSG_3857,
            "minTileMatrix": "0",
            "maxTileMatrix": tile::MAX_ZOOM.to_string(),
            "propertiesSchema": properties_schema(),
            "links": [{"href": format!("{b}/collections/zones/items"), "rel": "items", "type": "application/geo+json"}],
        }],
    })))
}

/// One tile matrix of `WebMercatorQuad` (OGC Two Dimensional Tile Matrix Set
/// 2.0, Annex D).
fn tile_matrix(z: u8) -> Value {
    let n = 1u64 << z;
    let cell = 2.0 * tile::HALF_WORLD / 256.0 / n as f64;
    json!({
        "id": z.to_string(),
        "scaleDenominator": cell / 0.00028,
        "cellSize": cell,
        "cornerOfOrigin": "topLeft",
        "pointOfOrigin": [-tile::HALF_WORLD, tile::HALF_WORLD],
        "tileWidth": 256,
        "tileHeight": 256,
        "matrixWidth": n,
        "matrixHeight": n,
    })
}

fn tile_matrix_set(b: &str) -> Value {
    json!({
        "id": TMS,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": EPSG_3857,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "links": [{"href": format!("{b}/tileMatrixSets/{TMS}"), "rel": "self", "type": "application/json"}],
        "tileMatrices": (0..=24).map(tile_matrix).collect::<Vec<_>>(),
    })
}

/// `GET /tileMatrixSets`.
pub async fn get_tile_matrix_sets(req: HttpRequest) -> HttpResponse {
    let b = base(&req);
    HttpResponse::Ok().json(json!({
        "links": [{"href": format!("{b}/tileMatrixSets"), "rel": "self", "type": "application/json"}],
        "tileMatrixSets": [{
            "id": TMS,
            "title": "Google Maps Compatible for the World",
            "uri": TMS_URI,
            "crs": EPSG_3857,
            "links": [{"href": format!("{b}/tileMatrixSets/{TMS}"), "rel": "self", "type": "application/json"}],
        }],
    }))
}

/// `GET /tileMatrixSets/{tileMatrixSetId}`.
pub async fn get_tile_matrix_set(
    req: HttpRequest,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    if id != TMS {
        return Err(no_such_set(&id));
    }
    Ok(HttpResponse::Ok().json(tile_matrix_set(&base(&req))))
}

/// Where the working plane (TM-3 107°00′) is used to find a tile's zones:
/// tiles within this lon/lat box; elsewhere a transverse Mercator this far
/// from its meridian is no guide, and the zones are scanned.
const PLANE_AREA: [f64; 4] = [87.0, -60.0, 127.0, 60.0];

/// The box in the working plane (EPSG:9214) that holds the buffered tile:
/// its edges sampled through PROJ, with a margin for the bend between
/// samples. `None` when the tile is far from the plane's meridian or PROJ
/// fails (the caller scans).
fn grid_box(t: TileId) -> Option<[f64; 4]> {
    let [x0, y0, x1, y1] = t.buffered();
    let (w, s) = tile::from_mercator(x0, y0);
    let (e, n) = tile::from_mercator(x1, y1);
    let [aw, as_, ae, an] = PLANE_AREA;
    if w < aw || s < as_ || e > ae || n > an {
        return None;
    }
    let b = crate::state::with_grid(|g| {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for i in 0..=16u8 {
            let f = f64::from(i) / 16.0;
            let (x, y) = (x0 + f * (x1 - x0), y0 + f * (y1 - y0));
            for (mx, my) in [(x, y0), (x, y1), (x0, y), (x1, y)] {
                let (lon, lat) = tile::from_mercator(mx, my);
                let (e, n) = g
                    .wgs84_to_grid(lon, lat)
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
                b = [b[0].min(e), b[1].min(n), b[2].max(e), b[3].max(n)];
            }
        }
        Ok(b)
    })
    .ok()
    .filter(|b| b.iter().all(|c| c.is_finite()))?;
    let m = 0.01 * (b[2] - b[0]).max(b[3] - b[1]) + 10.0;
    Some([b[0] - m, b[1] - m, b[2] + m, b[3] + m])
}

/// The zones of `view` whose box in the working plane may meet the tile
/// (every zone below [`SCAN_BELOW_ZOOM`]).
fn candidates(state: &AppState, view: View, t: TileId) -> ApiResult<Vec<Arc<CachedZone>>> {
    let plane = if t.z < SCAN_BELOW_ZOOM {
        None
    } else {
        grid_box(t)
    };
    match plane {
        Some(b) => state.zones_meeting(view, b),
        None => state.zones(view),
    }
}

/// Of `zones`, those whose EPSG:3857 box meets the buffered tile (their
/// Mercator forms made now where not yet: on every core when `parallel`, for
/// a caller on a blocking thread; else one after another, as a worker must:
/// it does not wait on rayon's pool).
fn meeting_tile(
    t: TileId,
    mut zones: Vec<Arc<CachedZone>>,
    parallel: bool,
) -> ApiResult<Vec<Arc<CachedZone>>> {
    if parallel {
        use rayon::prelude::*;
        zones
            .par_iter()
            .try_for_each(|z| z.projected().map(|_| ()))?;
    }
    let buffered = t.buffered();
    let mut out = Vec::with_capacity(zones.len());
    for z in zones.drain(..) {
        if tile::boxes_meet(z.projected()?.bbox_mercator, buffered) {
            out.push(z);
        }
    }
    Ok(out)
}

/// The tile's bytes (`None`: empty).
fn make(t: TileId, zones: &[Arc<CachedZone>]) -> ApiResult<Option<Vec<u8>>> {
    let described: Vec<TileZone> = zones
        .iter()
        .map(|z| {
            let p = z.projected()?;
            Ok(TileZone {
                id: u64::try_from(z.version_id).ok(),
                properties: PROPERTIES
                    .iter()
                    .filter_map(|k| {
                        let v = if *k == "code" {
                            Some(z.code.as_str())
                        } else {
                            z.properties().get(*k).and_then(Value::as_str)
                        };
                        v.map(|v| (*k, v))
                    })
                    .collect(),
                mercator: &p.mercator,
                bbox: p.bbox_mercator,
            })
        })
        .collect::<ApiResult<_>>()?;
    Ok(tile::encode(t, &described))
}

/// A tile made: its bytes (`None`: empty) and its validator.
#[derive(Debug, Clone)]
pub struct Made {
    bytes: Option<web::Bytes>,
    etag: String,
}

impl Made {
    fn new(bytes: Option<Vec<u8>>) -> Self {
        let etag = etag(bytes.as_deref().unwrap_or_default());
        Self {
            bytes: bytes.map(web::Bytes::from),
            etag,
        }
    }

    /// What it holds in memory, about.
    fn size(&self, ids: usize) -> usize {
        self.bytes.as_ref().map_or(0, web::Bytes::len) + 8 * ids + 64
    }
}

/// A tile's place in the [`Memo`]: the view (planners or not) and address.
type MemoKey = (bool, u8, u32, u32);

/// Heavy tiles (more than 200 zones) made lately, by view and address, each
/// with the ids of the zone versions it was made of. A tile is the same
/// bytes for the same versions at the same address (a version never
/// changes), so a tile whose zones are still those versions is answered
/// from here, and any write that changes them (a new version, a zone gone
/// or come) makes it again: exact, with no invalidation to get wrong. At
/// most 64 MiB, the oldest dropped first.
#[derive(Debug)]
pub struct Memo {
    inner: std::sync::Mutex<MemoInner>,
    limit: usize,
}

impl Default for Memo {
    fn default() -> Self {
        Self {
            inner: std::sync::Mutex::default(),
            limit: MEMO_BYTES,
        }
    }
}

#[derive(Debug, Default)]
struct MemoInner {
    tiles: std::collections::HashMap<MemoKey, (Vec<i64>, Made)>,
    order: std::collections::VecDeque<MemoKey>,
    bytes: usize,
}

impl Memo {
    /// The tile at `key` if it was made of exactly `ids`.
    fn get(&self, key: MemoKey, ids: &[i64]) -> Option<Made> {
        let inner = self.inner.lock().ok()?;
        inner
            .tiles
            .get(&key)
            .filter(|(made_of, _)| made_of.as_slice() == ids)
            .map(|(_, made)| made.clone())
    }

    /// Keeps a tile made of `ids`, dropping the oldest beyond the bound.
    fn put(&self, key: MemoKey, ids: Vec<i64>, made: Made) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let size = made.size(ids.len());
        if size > self.limit {
            return;
        }
        if let Some((old_ids, old)) = inner.tiles.remove(&key) {
            inner.bytes -= old.size(old_ids.len());
            inner.order.retain(|k| *k != key);
        }
        while inner.bytes + size > self.limit {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some((old_ids, old)) = inner.tiles.remove(&oldest) {
                inner.bytes -= old.size(old_ids.len());
            }
        }
        inner.bytes += size;
        inner.order.push_back(key);
        inner.tiles.insert(key, (ids, made));
    }
}

/// The validator of a tile: the first 128 bits of the SHA-256 of its bytes
/// (of none for an empty tile). Weak (`W/`), because the same tile goes out
/// gzip- or brotli-coded or not (actix-web's `Compress`), as nginx marks a
/// strong tag weak when it compresses; `If-None-Match` compares weakly.
#[must_use]
pub fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex = digest.iter().take(16).fold(String::new(), |mut s, b| {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
        s
    });
    format!("W/\"{hex}\"")
}

/// `GET /collections/zones/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}`.
pub async fn get_tile(
    req: HttpRequest,
    path: web::Path<(String, String, String, String)>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (set, z, row, col) = path.into_inner();
    if set != TMS {
        return Err(no_such_set(&set));
    }
    let t = TileId::parse(&z, &row, &col).map_err(ApiError::BadRequest)?;
    let view = visibility::view_of(&req, &state).await?;
    // found on the worker (its PROJ objects are ready); a tile of many
    // zones is taken from the memo, or made on a blocking thread and kept
    let zones = candidates(&state, view, t)?;
    let unmade = zones.iter().filter(|z| !z.is_projected()).count();
    let zones = if unmade <= INLINE_ZONES {
        meeting_tile(t, zones, false)?
    } else {
        // the first tile over many zones makes their Mercator forms
        web::block(move || meeting_tile(t, zones, true)).await??
    };
    let made = if zones.len() <= INLINE_ZONES {
        Made::new(make(t, &zones)?)
    } else {
        let key = (view == View::Planner, t.z, t.row, t.col);
        let ids: Vec<i64> = zones.iter().map(|z| z.version_id).collect();
        if let Some(made) = state.tiles.get(key, &ids) {
            made
        } else {
            let made = web::block(move || make(t, &zones).map(Made::new)).await??;
            state.tiles.put(key, ids, made.clone());
            made
        }
    };
    let Made { bytes, etag: tag } = made;
    let cache = if view == View::Planner {
        // drafts: never stored anywhere
        "private, no-store".to_owned()
    } else if req.headers().contains_key(header::AUTHORIZATION) {
        "private, no-cache".to_owned()
    } else {
        format!("public, max-age={PUBLIC_MAX_AGE}")
    };
    let vary = "Authorization, Accept-Encoding, Origin";
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|inm| crate::http::none_match(inm, &tag));
    let mut res = if matches {
        HttpResponse::NotModified()
    } else if bytes.is_some() {
        HttpResponse::Ok()
    } else {
        HttpResponse::NoContent()
    };
    res.insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, vary));
    Ok(match bytes {
        Some(b) if !matches => res.content_type(MVT).body(b),
        _ => res.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made(n: usize) -> Made {
        Made::new(Some(vec![7; n]))
    }

    #[test]
    fn the_memo_answers_only_for_the_same_versions_and_keeps_within_its_bound() {
        let memo = Memo {
            inner: std::sync::Mutex::default(),
            limit: 3 * (1000 + 8 * 2 + 64),
        };
        let key = |col| (false, 5, 1, col);
        memo.put(key(0), vec![1, 2], made(1000));
        assert!(memo.get(key(0), &[1, 2]).is_some());
        // another version of a zone, a zone more or less, another view
        assert!(memo.get(key(0), &[1, 3]).is_none());
        assert!(memo.get(key(0), &[1]).is_none());
        assert!(memo.get(key(0), &[1, 2, 4]).is_none());
        assert!(memo.get((true, 5, 1, 0), &[1, 2]).is_none());
        // a fourth tile drops the oldest
        for col in 1..4 {
            memo.put(key(col), vec![1, 2], made(1000));
        }
        assert!(memo.get(key(0), &[1, 2]).is_none());
        assert!((1..4).all(|c| memo.get(key(c), &[1, 2]).is_some()));
        // a tile made again replaces its former self
        memo.put(key(3), vec![5, 6], made(1000));
        assert!(memo.get(key(3), &[1, 2]).is_none());
        assert!(memo.get(key(3), &[5, 6]).is_some());
        let inner = memo.inner.lock().expect("lock");
        assert_eq!(inner.tiles.len(), 3);
        assert_eq!(inner.order.len(), 3);
        assert!(inner.bytes <= 3 * (1000 + 8 * 2 + 64));
        drop(inner);
        // one tile larger than the bound is not kept
        memo.put(key(9), vec![1], made(10_000));
        assert!(memo.get(key(9), &[1]).is_none());
    }
}

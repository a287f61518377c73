//! `/collections/{id}/items` and `/collections/{id}/items/{item}`: reading
//! (OGC API – Features Parts 1 and 2) and writing (Part 4) zones and markers.

use std::fmt::Write as _;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use geo::{BoundingRect, Intersects};
use geo_types::{Coord, MultiPolygon, Polygon};
use serde_json::{json, Map, Value};
use zoning_core::checks::{self, CheckOptions, Subject};
use zoning_core::store::{Change, Expect, NewZoneVersion, Role, Status, View, ZoneVersion};
use zoning_core::zone::ZoneProperties;

use super::{base, Crs, CRS84};
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::state::{with_grid, AppState, CachedZone};

/// Properties a client may filter zones on (`?kind=KCN`).
pub const ZONE_QUERYABLES: &[&str] = &[
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
];
/// Properties a client may filter markers on.
pub const MARKER_QUERYABLES: &[&str] = &["zone", "check_status", "number"];

/// A parsed items request.
#[derive(Debug)]
pub(super) struct ItemsQuery {
    pub(super) limit: usize,
    pub(super) offset: usize,
    pub(super) bbox: Option<[f64; 4]>,
    pub(super) bbox_crs: Crs,
    pub(super) crs: Crs,
    pub(super) datetime: Option<String>,
    pub(super) filters: Vec<(String, String)>,
    pub(super) pairs: Vec<(String, String)>,
}

fn number<T: std::str::FromStr>(v: &str, name: &str) -> ApiResult<T> {
    v.parse()
        .map_err(|_| ApiError::BadRequest(format!("{name}={v} is not a valid number")))
}

pub(super) fn parse_query(
    req: &HttpRequest,
    queryables: &[&str],
    max_limit: usize,
) -> ApiResult<ItemsQuery> {
    let pairs: Vec<(String, String)> =
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map_err(|e| ApiError::BadRequest(format!("the query string cannot be read: {e}")))?
            .into_inner();
    let mut q = ItemsQuery {
        limit: 10,
        offset: 0,
        bbox: None,
        bbox_crs: Crs::Crs84,
        crs: Crs::Crs84,
        datetime: None,
        filters: Vec::new(),
        pairs: pairs.clone(),
    };
    for (k, v) in pairs {
        match k.as_str() {
            "limit" => {
                let l: usize = number(&v, "limit")?;
                if l == 0 {
                    return Err(ApiError::BadRequest("limit must be at least 1".into()));
                }
                q.limit = l.min(max_limit);
            }
            "offset" => q.offset = number(&v, "offset")?,
            "bbox" => {
                let n: Vec<f64> = v
                    .split(',')
                    .map(|p| number(p.trim(), "bbox"))
                    .collect::<ApiResult<_>>()?;
                q.bbox = Some(match n.as_slice() {
                    [a, b, c, d] => [*a, *b, *c, *d],
                    [a, b, _, d, e, _] => [*a, *b, *d, *e],
                    _ => {
                        return Err(ApiError::BadRequest(format!(
                            "bbox={v} must have 4 numbers: minx,miny,maxx,maxy"
                        )))
                    }
                });
            }
            "bbox-crs" => q.bbox_crs = Crs::parse(&v, "bbox-crs")?,
            "crs" => q.crs = Crs::parse(&v, "crs")?,
            "datetime" => {
                if v.contains('/') {
                    return Err(ApiError::BadRequest(format!(
                        "datetime={v}: only an instant is supported (the state as of that time), not an interval"
                    )));
                }
                zoning_store::as_of_instant(&v).map_err(ApiError::BadRequest)?;
                q.datetime = Some(v);
            }
            "f" if v == "json" || v == "geojson" => {}
            k if queryables.contains(&k) => q.filters.push((k.to_owned(), v)),
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "unknown parameter {k}; use limit, offset, bbox, bbox-crs, crs, datetime or a property: {}",
                    queryables.join(", ")
                )));
            }
        }
    }
    Ok(q)
}

fn link(
    b: &str,
    path: &str,
    pairs: &[(String, String)],
    offset: Option<usize>,
    rel: &str,
) -> Value {
    let mut query = String::new();
    for (k, v) in pairs.iter().filter(|(k, _)| k != "offset") {
        let _ = write!(
            query,
            "{}{}={}",
            if query.is_empty() { "?" } else { "&" },
            enc(k),
            enc(v)
        );
    }
    if let Some(o) = offset {
        let _ = write!(
            query,
            "{}offset={o}",
            if query.is_empty() { "?" } else { "&" }
        );
    }
    json!({"href": format!("{b}{path}{query}"), "rel": rel, "type": "application/geo+json"})
}

/// The `self`, `next` and `prev` links of a page of `returned` items out of
/// `matched`, keeping the request's other parameters.
pub(super) fn page_links(
    b: &str,
    path: &str,
    q: &ItemsQuery,
    returned: usize,
    matched: usize,
) -> Vec<Value> {
    let mut links = vec![link(
        b,
        path,
        &q.pairs,
        (q.offset > 0).then_some(q.offset),
        "self",
    )];
    if q.offset + returned < matched {
        links.push(link(b, path, &q.pairs, Some(q.offset + q.limit), "next"));
    }
    if q.offset > 0 {
        links.push(link(
            b,
            path,
            &q.pairs,
            Some(q.offset.saturating_sub(q.limit)),
            "prev",
        ));
    }
    links
}

/// Percent-encodes a query or path component.
#[must_use]
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(super) fn geo_json(body: String, crs: Crs) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/geo+json")
        .insert_header(("Content-Crs", format!("<{}>", crs.uri())))
        .body(body)
}

/// The bbox of a request as a polygon in the grid (or `None` when it is in
/// CRS84 and the feature bboxes are compared in WGS84).
fn bbox_grid(bbox: [f64; 4], crs: Crs) -> ApiResult<Polygon> {
    let [x0, y0, x1, y1] = bbox;
    let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
    let pts: Vec<Coord> = match crs {
        Crs::Grid => corners.iter().map(|&(x, y)| Coord { x, y }).collect(),
        Crs::Crs84 => with_grid(|t| {
            // densified so the curved image of the lon/lat box is followed
            let mut v = Vec::new();
            for w in corners.windows(2) {
                for i in 0..16 {
                    let f = f64::from(i) / 16.0;
                    let (lon, lat) = (
                        w[0].0 + f * (w[1].0 - w[0].0),
                        w[0].1 + f * (w[1].1 - w[0].1),
                    );
                    let (x, y) = t
                        .wgs84_to_grid(lon, lat)
                        .map_err(|e| ApiError::BadRequest(format!("bbox: {e}")))?;
                    v.push(Coord { x, y });
                }
            }
            v.push(v[0]);
            Ok(v)
        })?,
    };
    Ok(Polygon::new(pts.into(), vec![]))
}

fn overlaps(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

pub(super) async fn view_of(req: &HttpRequest, state: &web::Data<AppState>) -> ApiResult<View> {
    Ok(match auth::user(req, state).await? {
        Some(u) if matches!(u.role, Role::Planner | Role::Admin) => View::Planner,
        _ => View::Public,
    })
}

pub(super) fn matches(props: &Map<String, Value>, filters: &[(String, String)]) -> bool {
    filters.iter().all(|(k, v)| match props.get(k) {
        Some(Value::String(s)) => s == v,
        Some(Value::Number(n)) => n.to_string() == *v,
        Some(Value::Bool(b)) => b.to_string() == *v,
        _ => false,
    })
}

pub(super) fn collection(features: &[String], matched: usize, links: Vec<Value>) -> String {
    let mut out = String::with_capacity(features.iter().map(String::len).sum::<usize>() + 512);
    out.push_str(r#"{"type":"FeatureCollection","features":["#);
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(f);
    }
    let _ = write!(
        out,
        r#"],"numberMatched":{matched},"numberReturned":{},"timeStamp":{},"links":{}}}"#,
        features.len(),
        json!(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        Value::Array(links)
    );
    out
}

/// `GET /collections/{id}/items`.
pub async fn get_items(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    match id.as_str() {
        "zones" => zone_items(&req, &state).await,
        "markers" => super::markers::marker_items(&req, &state).await,
        "province" => {
            let q = parse_query(&req, &[], state.config.max_limit)?;
            let f = province(&state, q.crs);
            let b = base(&req);
            let links = vec![link(
                &b,
                "/collections/province/items",
                &q.pairs,
                None,
                "self",
            )];
            let features = if q.offset == 0 { vec![f] } else { vec![] };
            Ok(geo_json(collection(&features, 1, links), q.crs))
        }
        _ => Err(ApiError::NotFound(format!("there is no collection {id}"))),
    }
}

fn province(state: &AppState, crs: Crs) -> String {
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

async fn zone_items(req: &HttpRequest, state: &web::Data<AppState>) -> ApiResult<HttpResponse> {
    let q = parse_query(req, ZONE_QUERYABLES, state.config.max_limit)?;
    let view = view_of(req, state).await?;
    let zones: Vec<Arc<CachedZone>> = match &q.datetime {
        None => state.zones(view)?,
        Some(at) => {
            let (store, at) = (state.store.clone(), at.clone());
            web::block(move || -> ApiResult<Vec<Arc<CachedZone>>> {
                let versions = store.zones(view, Some(&at))?;
                with_grid(|t| {
                    versions
                        .iter()
                        .map(|v| CachedZone::new(v, t).map(Arc::new))
                        .collect()
                })
            })
            .await??
        }
    };
    let area = q.bbox.map(|b| bbox_grid(b, q.bbox_crs)).transpose()?;
    let area_box = area
        .as_ref()
        .and_then(BoundingRect::bounding_rect)
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
    let selected: Vec<&Arc<CachedZone>> = zones
        .iter()
        .filter(|z| matches(&z.properties, &q.filters))
        .filter(|z| match (&area, area_box) {
            (Some(a), Some(bb)) => overlaps(z.bbox_grid, bb) && a.intersects(&z.grid),
            _ => true,
        })
        .collect();
    let matched = selected.len();
    let page: Vec<String> = selected
        .iter()
        .skip(q.offset)
        .take(q.limit)
        .map(|z| match q.crs {
            Crs::Crs84 => z.json_wgs84.clone(),
            Crs::Grid => z.json_grid().to_owned(),
        })
        .collect();
    let b = base(req);
    let mut links = page_links(&b, "/collections/zones/items", &q, page.len(), matched);
    links.push(json!({"href": format!("{b}/collections/zones"), "rel": "collection", "type": "application/json"}));
    Ok(geo_json(collection(&page, matched, links), q.crs))
}

/// `GET /collections/{id}/items/{item}`.
pub async fn get_item(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, item) = path.into_inner();
    let q = parse_query(&req, &[], state.config.max_limit)?;
    match id.as_str() {
        "zones" => {
            let view = view_of(&req, &state).await?;
            let z = state.zone(view, &item)?.ok_or_else(|| {
                ApiError::NotFound(format!("zone {item} not found (or not approved)"))
            })?;
            let body = match q.crs {
                Crs::Crs84 => z.json_wgs84.clone(),
                Crs::Grid => z.json_grid().to_owned(),
            };
            let mut r = geo_json(add_links(&body, &base(&req), &item), q.crs);
            r.headers_mut().insert(header::ETAG, etag(z.version_id));
            Ok(r)
        }
        "markers" => super::markers::marker_item(&req, &state, &item, q.crs).await,
        "province" if item == "bac-giang" => Ok(geo_json(province(&state, q.crs), q.crs)),
        "province" => Err(ApiError::NotFound(format!(
            "province item {item} not found; it is bac-giang"
        ))),
        _ => Err(ApiError::NotFound(format!("there is no collection {id}"))),
    }
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

/// The `ETag` of a version.
#[must_use]
pub fn etag(version_id: i64) -> header::HeaderValue {
    header::HeaderValue::from_str(&format!("\"{version_id}\""))
        .unwrap_or(header::HeaderValue::from_static("\"0\""))
}

/// The version a client's `If-Match` names.
///
/// # Errors
/// `428` without one, `412` when it is not a version id.
pub fn if_match(req: &HttpRequest) -> ApiResult<i64> {
    let v = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::PreconditionRequired(
                "a change needs If-Match with the ETag of the version you read (GET the item first)".into(),
            )
        })?;
    v.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map_err(|_| {
            ApiError::PreconditionFailed(format!("If-Match {v} is not an ETag of this service"))
        })
}

/// Parses a request body as a GeoJSON Feature.
///
/// # Errors
/// `415` for a non-JSON content type, `400` for malformed JSON, `422` when it
/// is not a Feature.
pub fn feature_body(req: &HttpRequest, body: &[u8], patch: bool) -> ApiResult<Value> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let ok = ["application/geo+json", "application/json"]
        .iter()
        .chain(if patch {
            &["application/merge-patch+json"][..]
        } else {
            &[][..]
        })
        .any(|t| ct.starts_with(t));
    if !ok {
        return Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type {ct} is not accepted; send application/geo+json{}",
            if patch {
                " or application/merge-patch+json"
            } else {
                ""
            }
        )));
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    if !patch && v.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(ApiError::Unprocessable(
            "the body must be a GeoJSON Feature (\"type\": \"Feature\")".into(),
        ));
    }
    Ok(v)
}

/// The CRS of a posted body (`Content-Crs`, WGS84 by default).
///
/// # Errors
/// `400` for an unsupported CRS.
pub fn content_crs(req: &HttpRequest) -> ApiResult<Crs> {
    req.headers()
        .get("Content-Crs")
        .and_then(|v| v.to_str().ok())
        .map_or(Ok(Crs::Crs84), |v| Crs::parse(v, "Content-Crs"))
}

/// Keys the service manages; a client's values for them are ignored.
const MANAGED: &[&str] = &[
    "code",
    "status",
    "version",
    "version_id",
    "recorded_at",
    "recorded_by",
    "decision",
    "change_reason",
    "change_decision",
    "grid_area_ha",
    "geodesic_area_ha",
    "findings",
    "name",
];

/// Turns a posted feature into a zone version to record.
fn zone_version(
    feature: &Value,
    code_in_path: Option<&str>,
    crs: Crs,
    author: &str,
) -> ApiResult<(NewZoneVersion, Option<String>)> {
    let mut props: Map<String, Value> = feature
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let body_code = feature
        .get("id")
        .and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        })
        .or_else(|| props.get("code").and_then(Value::as_str).map(str::to_owned));
    let code = match (code_in_path, body_code) {
        (Some(p), Some(b)) if p != b => {
            return Err(ApiError::Unprocessable(format!(
                "the feature's code {b} differs from the item {p} it is sent to"
            )));
        }
        (Some(p), _) => p.to_owned(),
        (None, Some(b)) => b,
        (None, None) => {
            return Err(ApiError::Unprocessable(
                "the feature needs a code: an \"id\" or a \"code\" property".into(),
            ))
        }
    };
    if code.trim().is_empty() || code.contains('/') || code.len() > 100 {
        return Err(ApiError::Unprocessable(format!(
            "code {code:?} must be 1–100 characters without '/'"
        )));
    }
    let text =
        |p: &Map<String, Value>, k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
    let change = Change {
        author: author.to_owned(),
        reason: text(&props, "change_reason"),
        decision: text(&props, "change_decision").or_else(|| text(&props, "decision")),
    };
    if !props.contains_key("name_vi") {
        if let Some(n) = props.get("name").cloned() {
            props.insert("name_vi".into(), n);
        }
    }
    for k in MANAGED {
        props.remove(*k);
    }
    props.entry("plan_action").or_insert(json!("new"));
    props.entry("geometry_source").or_insert(json!("digitised"));
    let f: geojson::Feature = serde_json::from_value(json!({
        "type": "Feature", "id": code, "geometry": feature.get("geometry").cloned().unwrap_or(Value::Null), "properties": {}
    }))
    .map_err(|e| ApiError::Unprocessable(format!("geometry: {e}")))?;
    let crs_def = match crs {
        Crs::Crs84 => None,
        Crs::Grid => Some("EPSG:9214"),
    };
    let input = with_grid(|t| {
        zoning_core::io::geojson::read_one(f, crs_def, t)
            .map_err(|e| ApiError::Unprocessable(format!("{code}: {}", e.reason)))
    })?;
    let grid_ha = geo::Area::unsigned_area(&input.grid) / zoning_core::area::M2_PER_HA;
    let mut note = None;
    if !props.contains_key("declared_area_ha") {
        props.insert(
            "declared_area_ha".into(),
            json!((grid_ha * 1e4).round() / 1e4),
        );
        props.insert("area_basis".into(), json!("derived"));
        note = Some(format!("declared_area_ha was not given; the grid area of the boundary, {grid_ha:.4} ha, was recorded"));
    }
    let normal = ZoneProperties::from_json(props).map_err(ApiError::Unprocessable)?;
    if !(normal.declared_area_ha.is_finite() && normal.declared_area_ha > 0.0) {
        return Err(ApiError::Unprocessable(
            "declared_area_ha must be a positive number of hectares".into(),
        ));
    }
    Ok((
        NewZoneVersion {
            code,
            status: Status::Draft,
            properties: normal.to_json(),
            grid: input.grid,
            change,
            findings: Value::Array(vec![]),
        },
        note,
    ))
}

/// The checks of one zone against its neighbours (planners' view) and the
/// province: the findings that concern it.
///
/// # Errors
/// When PROJ fails.
pub fn findings_for(
    state: &AppState,
    code: &str,
    grid: &MultiPolygon,
    properties: &Map<String, Value>,
) -> ApiResult<Value> {
    let subject = Subject {
        code: code.to_owned(),
        index: 1,
        grid: grid.clone(),
        declared_area_ha: properties.get("declared_area_ha").and_then(Value::as_f64),
        merged_into: properties
            .get("merged_into")
            .and_then(Value::as_str)
            .map(str::to_owned),
        expansion_of: properties
            .get("expansion_of")
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    let bb = grid.bounding_rect().map_or([0.0; 4], |r| {
        [
            r.min().x - 1.0,
            r.min().y - 1.0,
            r.max().x + 1.0,
            r.max().y + 1.0,
        ]
    });
    let mut subjects = vec![subject];
    for z in state.zones(View::Planner)? {
        if z.code != code
            && (overlaps(z.bbox_grid, bb)
                || subjects[0].merged_into.as_deref() == Some(z.code.as_str()))
        {
            subjects.push(z.subject(subjects.len() + 1));
        }
    }
    let mut report = checks::check(
        &subjects,
        Some(&state.province_grid),
        &CheckOptions::default(),
    );
    report
        .findings
        .retain(|f| f.codes.iter().any(|c| c == code));
    report
        .expected_overlaps
        .retain(|e| e.codes.iter().any(|c| c == code));
    with_grid(|t| {
        report.locate(t);
        Ok(())
    })?;
    serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))
}

fn has_errors(findings: &Value) -> bool {
    findings["findings"]
        .as_array()
        .is_some_and(|a| a.iter().any(|f| f["severity"] == "error"))
}

/// Records a zone version and answers with it, its findings and its `ETag`.
async fn write_zone(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    new: NewZoneVersion,
    expect: Expect,
    created: bool,
    note: Option<String>,
) -> ApiResult<HttpResponse> {
    let st = state.clone();
    let code = new.code.clone();
    let stored = web::block(move || -> ApiResult<(ZoneVersion, Value)> {
        let mut new = new;
        let report = if new.status == Status::Retired {
            json!({"findings": [], "expected_overlaps": []})
        } else {
            findings_for(&st, &new.code, &new.grid, &new.properties)?
        };
        new.findings = report["findings"].clone();
        let v = st
            .store
            .append_zone(new, expect)
            .map_err(|e| match (e, created) {
                (zoning_core::store::StoreError::Conflict { what, .. }, true) => {
                    ApiError::Conflict(
                        format!("zone {what} already exists; replace it with PUT and its ETag"),
                        None,
                    )
                }
                (e, _) => e.into(),
            })?;
        st.refresh(&v.code)?;
        Ok((v, report))
    })
    .await??;
    let (v, report) = stored;
    let b = base(req);
    if v.status == Status::Retired {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ETAG, etag(v.id)))
            .finish());
    }
    // `refresh` has just built this version's served form (planners see every
    // live version); building it again would transform the boundary twice
    let cached = match state.zone(View::Planner, &code)? {
        Some(z) if z.version_id == v.id => z,
        _ => Arc::new(with_grid(|t| CachedZone::new(&v, t))?),
    };
    let mut f: Value =
        serde_json::from_str(&cached.json_wgs84).map_err(|e| ApiError::Internal(e.to_string()))?;
    f["findings"] = report["findings"].clone();
    f["expected_overlaps"] = report["expected_overlaps"].clone();
    if let Some(n) = note {
        f["notes"] = json!([n]);
    }
    let location = format!("{b}/collections/zones/items/{}", enc(&code));
    let mut r = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(r.content_type("application/geo+json")
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(v.id)))
        .body(f.to_string()))
}

const ZONE_WRITERS: &[Role] = &[Role::Planner, Role::Admin];

fn zones_only(id: &str) -> ApiResult<()> {
    match id {
        "zones" => Ok(()),
        "province" => Err(ApiError::Forbidden(
            "the province boundary is read-only".into(),
        )),
        _ => Err(ApiError::NotFound(format!("there is no collection {id}"))),
    }
}

/// `POST /collections/{id}/items`: a new zone (a draft) or a marker.
pub async fn post_item(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    if id == "markers" {
        return super::markers::post_marker(&req, &state, &body).await;
    }
    zones_only(&id)?;
    let user = auth::require(&req, &state, ZONE_WRITERS, "creating a zone").await?;
    let feature = feature_body(&req, &body, false)?;
    let crs = content_crs(&req)?;
    let (new, note) = web::block(move || zone_version(&feature, None, crs, &user.name)).await??;
    write_zone(&req, &state, new, Expect::Absent, true, note).await
}

/// `PUT /collections/{id}/items/{item}`: replace a zone (a new draft version).
pub async fn put_item(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, item) = path.into_inner();
    if id == "markers" {
        return super::markers::put_marker(&req, &state, &item, &body).await;
    }
    zones_only(&id)?;
    let user = auth::require(&req, &state, ZONE_WRITERS, "replacing a zone").await?;
    let expected = if_match(&req)?;
    let feature = feature_body(&req, &body, false)?;
    let crs = content_crs(&req)?;
    live(&state, &item).await?;
    let (new, note) =
        web::block(move || zone_version(&feature, Some(&item), crs, &user.name)).await??;
    write_zone(&req, &state, new, Expect::Version(expected), false, note).await
}

/// The latest version of a zone, which must not be retired.
async fn live(state: &web::Data<AppState>, code: &str) -> ApiResult<ZoneVersion> {
    let (store, c) = (state.store.clone(), code.to_owned());
    web::block(move || store.latest(&c))
        .await??
        .filter(|v| v.status != Status::Retired)
        .ok_or_else(|| ApiError::NotFound(format!("zone {code} not found")))
}

/// RFC 7396 JSON merge patch.
pub(super) fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// `PATCH /collections/zones/items/{item}`: a JSON merge patch of the feature.
pub async fn patch_item(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, item) = path.into_inner();
    if id == "markers" {
        return super::markers::patch_marker(&req, &state, &item, &body).await;
    }
    zones_only(&id)?;
    let user = auth::require(&req, &state, ZONE_WRITERS, "updating a zone").await?;
    let expected = if_match(&req)?;
    let patch = feature_body(&req, &body, true)?;
    let crs = content_crs(&req)?;
    let current = live(&state, &item).await?;
    let geometry = match crs {
        Crs::Grid => json!(geojson::Geometry::new(geojson::GeometryValue::from(
            &current.grid
        ))),
        Crs::Crs84 => {
            let wgs84 = with_grid(|t| {
                t.multipolygon_to_wgs84(&current.grid)
                    .map_err(|e| ApiError::Internal(e.to_string()))
            })?;
            json!(geojson::Geometry::new(geojson::GeometryValue::from(&wgs84)))
        }
    };
    let mut feature = json!({"type": "Feature", "id": item, "geometry": geometry, "properties": current.properties});
    merge(&mut feature, &patch);
    let (new, note) =
        web::block(move || zone_version(&feature, Some(&item), crs, &user.name)).await??;
    write_zone(&req, &state, new, Expect::Version(expected), false, note).await
}

/// `DELETE /collections/{id}/items/{item}`: a retired version (history is kept).
pub async fn delete_item(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (id, item) = path.into_inner();
    if id == "markers" {
        return super::markers::delete_marker(&req, &state, &item).await;
    }
    zones_only(&id)?;
    let user = auth::require(&req, &state, ZONE_WRITERS, "withdrawing a zone").await?;
    let expected = if_match(&req)?;
    let current = live(&state, &item).await?;
    let new = NewZoneVersion {
        code: current.code,
        status: Status::Retired,
        properties: current.properties,
        grid: current.grid,
        change: Change {
            author: user.name,
            reason: Some("withdrawn (DELETE)".into()),
            decision: None,
        },
        findings: Value::Array(vec![]),
    };
    write_zone(&req, &state, new, Expect::Version(expected), false, None).await
}

/// Body of an approval.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The decision that approves the boundary (number, date, issuer).
    decision: String,
    /// Why, optionally.
    reason: Option<String>,
}

/// `POST /collections/zones/items/{item}/approve` (admin): the latest version
/// becomes approved, recording the decision; refused while it has errors.
pub async fn post_approve(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let user = auth::require(&req, &state, &[Role::Admin], "approving a zone").await?;
    let expected = if_match(&req)?;
    let a: Approval = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body must be {{\"decision\": \"…\", \"reason\": \"…\"}}: {e}"
        ))
    })?;
    if a.decision.trim().is_empty() {
        return Err(ApiError::Unprocessable(
            "decision must name the approving decision".into(),
        ));
    }
    let current = live(&state, &item).await?;
    if current.status == Status::Approved {
        return Err(ApiError::Conflict(
            format!(
                "zone {item} is already approved (version {})",
                current.version
            ),
            None,
        ));
    }
    let st = state.clone();
    let (g, p, c) = (
        current.grid.clone(),
        current.properties.clone(),
        item.clone(),
    );
    let report = web::block(move || findings_for(&st, &c, &g, &p)).await??;
    if has_errors(&report) {
        return Err(ApiError::Conflict(
            format!("zone {item} cannot be approved while its boundary has errors; fix them and save a new draft"),
            Some(report["findings"].clone()),
        ));
    }
    let new = NewZoneVersion {
        code: current.code,
        status: Status::Approved,
        properties: current.properties,
        grid: current.grid,
        change: Change {
            author: user.name,
            reason: a.reason,
            decision: Some(a.decision),
        },
        findings: report["findings"].clone(),
    };
    write_zone(&req, &state, new, Expect::Version(expected), false, None).await
}

/// `GET /collections/zones/items/{item}/history`: every version, oldest
/// first (the public sees approved and retired versions only).
pub async fn get_history(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let view = view_of(&req, &state).await?;
    let (store, c) = (state.store.clone(), item.clone());
    let versions = web::block(move || store.history(&c)).await??;
    let versions: Vec<ZoneVersion> = versions
        .into_iter()
        .filter(|v| view == View::Planner || v.status != Status::Draft)
        .collect();
    if versions.is_empty() {
        return Err(ApiError::NotFound(format!("zone {item} has no history")));
    }
    let out = with_grid(|t| {
        versions
            .iter()
            .map(|v| {
                let z = CachedZone::new(v, t)?;
                let feature: Value = serde_json::from_str(&z.json_wgs84).map_err(|e| ApiError::Internal(e.to_string()))?;
                Ok(json!({
                    "version": v.version, "version_id": v.id, "status": v.status.as_str(), "recorded_at": v.recorded_at,
                    "recorded_by": v.change.author, "reason": v.change.reason, "decision": v.change.decision,
                    "findings": v.findings, "feature": feature,
                }))
            })
            .collect::<ApiResult<Vec<Value>>>()
    })?;
    Ok(HttpResponse::Ok().json(json!({"code": item, "versions": out, "crs": CRS84, "links": [
        {"href": format!("{}/collections/zones/items/{}", base(&req), enc(&item)), "rel": "latest-version", "type": "application/geo+json"}
    ]})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge(&mut t, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}}));
    }
}

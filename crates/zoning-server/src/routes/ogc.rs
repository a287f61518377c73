//! The OGC API – Features helpers every collection shares: the items query
//! (paging, `bbox`, `crs`, `datetime`, property filters), the page's links,
//! CRS negotiation, `ETag` / `If-Match`, request bodies and JSON merge patch.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use geo_types::{Coord, Polygon};
use serde_json::{json, Map, Value};

use super::Crs;
use crate::error::{ApiError, ApiResult};
use zoning_core::crs::LegalGrid;
use zoning_core::store::Expect;

use crate::state::with_grid;

/// A parsed items request.
#[derive(Debug)]
pub struct ItemsQuery {
    pub limit: usize,
    pub offset: usize,
    pub bbox: Option<[f64; 4]>,
    pub bbox_crs: Crs,
    pub crs: Crs,
    pub datetime: Option<String>,
    pub filters: Vec<(String, String)>,
    pub pairs: Vec<(String, String)>,
}

fn number<T: std::str::FromStr>(v: &str, name: &str) -> ApiResult<T> {
    v.parse()
        .map_err(|_| ApiError::BadRequest(format!("{name}={v} is not a valid number")))
}

/// Parses an items request against the collection's queryables.
///
/// # Errors
/// `400` naming the parameter.
pub fn parse_query(
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
                zoning_core::store::as_of_instant(&v).map_err(ApiError::BadRequest)?;
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
#[must_use]
pub fn page_links(
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

/// A GeoJSON answer in `crs` (with `Content-Crs`).
#[must_use]
pub fn geo_json(body: String, crs: Crs) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/geo+json")
        .insert_header(("Content-Crs", format!("<{}>", crs.uri())))
        .body(body)
}

/// Where EPSG:9214 is defined (PROJ's area of use: west, south, east,
/// north, degrees). A CRS84 bbox is cut to it before it is transformed, so a
/// whole-world bbox selects every zone instead of failing in PROJ.
pub const GRID_AREA_OF_USE: [f64; 4] = [105.88, 15.99, 108.24, 21.63];

/// The bbox of a request as a polygon in the grid; `None` when a CRS84 bbox
/// lies wholly outside the grid's area of use (no zone can be in it).
///
/// # Errors
/// `400` when the bbox is not `minx,miny,maxx,maxy` with min ≤ max.
pub fn bbox_grid(bbox: [f64; 4], crs: Crs) -> ApiResult<Option<Polygon>> {
    let [x0, y0, x1, y1] = bbox;
    if !(x0 <= x1 && y0 <= y1) {
        return Err(ApiError::BadRequest(format!(
            "bbox={x0},{y0},{x1},{y1}: the first corner must be the lower left (minx ≤ maxx, miny ≤ maxy)"
        )));
    }
    let (x0, y0, x1, y1) = match crs {
        Crs::Grid(_) => (x0, y0, x1, y1),
        Crs::Crs84 => {
            let [w, s, e, n] = GRID_AREA_OF_USE;
            let (x0, y0, x1, y1) = (x0.max(w), y0.max(s), x1.min(e), y1.min(n));
            if x0 > x1 || y0 > y1 {
                return Ok(None);
            }
            (x0, y0, x1, y1)
        }
    };
    let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
    let pts: Vec<Coord> = match crs {
        Crs::Grid(LegalGrid::Tm3_107) => corners.iter().map(|&(x, y)| Coord { x, y }).collect(),
        // the other grid's straight box edges are all but straight in the
        // plane (under a millimetre over kilometres), so the corners suffice
        Crs::Grid(g) => with_grid(|t| {
            corners
                .iter()
                .map(|&(x, y)| {
                    t.point_from_legal(x, y, g)
                        .map(|(x, y)| Coord { x, y })
                        .map_err(|e| ApiError::BadRequest(format!("bbox: {e}")))
                })
                .collect()
        })?,
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
    Ok(Some(Polygon::new(pts.into(), vec![])))
}

/// What a request's `bbox` selects, in the grid.
#[derive(Debug)]
pub enum Area {
    /// No `bbox`: every feature.
    Everything,
    /// A CRS84 `bbox` wholly outside the grid's area of use: no feature.
    Nothing,
    /// The features whose boundary meets this polygon (its box first).
    Within {
        /// The bbox as a polygon in the grid (densified from CRS84).
        polygon: Polygon,
        /// Its bounding box.
        bbox: [f64; 4],
    },
}

impl Area {
    /// The area of a parsed items request.
    ///
    /// # Errors
    /// `400` for a bbox that is not lower-left, upper-right.
    pub fn of(q: &ItemsQuery) -> ApiResult<Self> {
        let Some(b) = q.bbox else {
            return Ok(Self::Everything);
        };
        Ok(match bbox_grid(b, q.bbox_crs)? {
            None => Self::Nothing,
            Some(polygon) => {
                let bbox = geo::BoundingRect::bounding_rect(&polygon)
                    .map_or([0.0; 4], |r| [r.min().x, r.min().y, r.max().x, r.max().y]);
                Self::Within { polygon, bbox }
            }
        })
    }

    /// Whether a feature with this box and boundary (grid) is selected.
    #[must_use]
    pub fn admits(&self, bbox: [f64; 4], grid: &geo_types::MultiPolygon) -> bool {
        use geo::Intersects;
        match self {
            Self::Everything => true,
            Self::Nothing => false,
            Self::Within { polygon, bbox: b } => boxes_meet(bbox, *b) && polygon.intersects(grid),
        }
    }
}

/// One page of a collection's selected features as a FeatureCollection in the
/// request's CRS, with `numberMatched`, the paging links and the collection's.
///
/// # Errors
/// What `feature` answers for a feature on the page.
pub fn page<T>(
    req: &HttpRequest,
    id: &str,
    q: &ItemsQuery,
    selected: &[T],
    feature: impl Fn(&T) -> ApiResult<String>,
) -> ApiResult<HttpResponse> {
    let matched = selected.len();
    let features = selected
        .iter()
        .skip(q.offset)
        .take(q.limit)
        .map(feature)
        .collect::<ApiResult<Vec<String>>>()?;
    let b = super::base(req);
    let mut links = page_links(
        &b,
        &format!("/collections/{id}/items"),
        q,
        features.len(),
        matched,
    );
    links.push(json!({"href": format!("{b}/collections/{id}"), "rel": "collection", "type": "application/json"}));
    Ok(geo_json(collection(&features, matched, links), q.crs))
}

/// Whether two boxes `[minx, miny, maxx, maxy]` meet.
#[must_use]
pub fn boxes_meet(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// Whether a feature's properties match every filter. `commune=CODE`
/// selects the zones whose computed `communes` list holds it (whose boundary
/// has land in that commune); every other filter is equality of the property.
#[must_use]
pub fn matches(props: &Map<String, Value>, filters: &[(String, String)]) -> bool {
    filters.iter().all(|(k, v)| match props.get(k) {
        None if k == "commune" => props
            .get("communes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|c| c["code"] == v.as_str())),
        Some(Value::String(s)) => s == v,
        Some(Value::Number(n)) => n.to_string() == *v,
        Some(Value::Bool(b)) => b.to_string() == *v,
        _ => false,
    })
}

/// A FeatureCollection of ready-made features.
#[must_use]
pub fn collection(features: &[String], matched: usize, links: Vec<Value>) -> String {
    let mut out = String::with_capacity(features.iter().map(String::len).sum::<usize>() + 512);
    out.push_str(r#"{"type":"FeatureCollection","features":["#);
    for (i, f) in features.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(f);
    }
    // no `timeStamp` (optional in OGC API – Features): a page is then the same
    // bytes until the registry changes, so its ETag revalidates (304)
    let _ = write!(
        out,
        r#"],"numberMatched":{matched},"numberReturned":{},"links":{}}}"#,
        features.len(),
        Value::Array(links)
    );
    out
}

/// The `ETag` of a version.
#[must_use]
pub fn etag(version_id: i64) -> header::HeaderValue {
    header::HeaderValue::from_str(&format!("\"{version_id}\""))
        .unwrap_or(header::HeaderValue::from_static("\"0\""))
}

/// What a client's `If-Match` expects: the version it names, or any
/// current version for `If-Match: *` (RFC 9110 §13.1.1).
///
/// # Errors
/// `428` without one, `412` when it is not an `ETag` of this service.
pub fn if_match(req: &HttpRequest) -> ApiResult<Expect> {
    let v = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::PreconditionRequired(
                "a change needs If-Match with the ETag of the version you read (GET the item first)".into(),
            )
        })?;
    if v.trim() == "*" {
        return Ok(Expect::Any);
    }
    v.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Expect::Version)
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

/// RFC 7396 JSON merge patch.
pub fn merge(target: &mut Value, patch: &Value) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge(&mut t, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}}));
    }

    #[test]
    fn a_whole_world_bbox_is_cut_to_the_grid_area_of_use() {
        let whole = bbox_grid([-180.0, -90.0, 180.0, 90.0], Crs::Crs84).expect("no PROJ error");
        assert!(whole.is_some());
        let east = bbox_grid([0.0, 0.0, 180.0, 90.0], Crs::Crs84).expect("no PROJ error");
        assert!(east.is_some(), "it covers Vietnam");
        let europe = bbox_grid([0.0, 40.0, 20.0, 60.0], Crs::Crs84).expect("no PROJ error");
        assert!(europe.is_none());
        assert!(bbox_grid([10.0, 0.0, 0.0, 1.0], Crs::Crs84).is_err());
    }
}

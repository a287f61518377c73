//! The `markers` collection and `POST /markers/upload`: surveyors' boundary
//! markers, checked against the approved boundaries as they arrive.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use geo_types::Point;
use serde::Deserialize;
use serde_json::{json, Value};
use zoning_core::markers::{self, Marker, MarkerOptions, MarkerReport, MarkerTable};
use zoning_core::store::{Expect, MarkerVersion, NewMarker, Role, View};

use super::ogc::{
    content_crs, enc, etag, feature_body, if_match, matches, merge, page, parse_query,
};
use super::{base, Crs};
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::state::{with_grid, AppState};
use crate::visibility;

/// Properties a client may filter markers on.
pub const QUERYABLES: &[&str] = &["zone", "check_status", "number"];

const MARKER_WRITERS: &[Role] = &[Role::Surveyor, Role::Admin];

fn marker_feature(m: &MarkerVersion, crs: Crs) -> ApiResult<Value> {
    let (x, y) = match crs {
        Crs::Grid(g) => with_grid(|t| {
            t.point_to_legal(m.grid.x(), m.grid.y(), g)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })?,
        Crs::Crs84 => with_grid(|t| {
            t.grid_to_wgs84(m.grid.x(), m.grid.y())
                .map_err(|e| ApiError::Internal(e.to_string()))
        })?,
    };
    Ok(json!({
        "type": "Feature",
        "id": m.key,
        "geometry": {"type": "Point", "coordinates": [x, y]},
        "properties": {
            "number": m.number, "zone": m.zone, "x_northing": m.grid.y(), "y_easting": m.grid.x(), "h": m.h,
            "survey_date": m.survey_date, "distance_m": m.distance_m, "check_status": m.check_status,
            "batch": m.batch, "recorded_at": m.recorded_at, "recorded_by": m.author, "version_id": m.id,
        }
    }))
}

async fn current(
    state: &web::Data<AppState>,
    as_of: Option<String>,
) -> ApiResult<Vec<MarkerVersion>> {
    let store = state.store.clone();
    Ok(web::block(move || store.markers(as_of.as_deref())).await??)
}

/// `GET /collections/markers/items`: the same parameters as zones (paging,
/// `bbox`, `crs`, `datetime`) with the filters `zone`, `check_status`, `number`.
pub async fn get_items(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let q = parse_query(&req, QUERYABLES, state.config.max_limit)?;
    let all = current(&state, q.datetime.clone()).await?;
    let mut selected = Vec::new();
    for m in &all {
        let props = json!({"zone": m.zone, "check_status": m.check_status, "number": m.number});
        if !props.as_object().is_some_and(|p| matches(p, &q.filters)) {
            continue;
        }
        if let Some([x0, y0, x1, y1]) = q.bbox {
            let (x, y) = match q.bbox_crs {
                Crs::Grid(g) => with_grid(|t| {
                    t.point_to_legal(m.grid.x(), m.grid.y(), g)
                        .map_err(|e| ApiError::Internal(e.to_string()))
                })?,
                Crs::Crs84 => with_grid(|t| {
                    t.grid_to_wgs84(m.grid.x(), m.grid.y())
                        .map_err(|e| ApiError::Internal(e.to_string()))
                })?,
            };
            if !(x0..=x1).contains(&x) || !(y0..=y1).contains(&y) {
                continue;
            }
        }
        selected.push(m);
    }
    page(&req, "markers", &q, &selected, |m| {
        marker_feature(m, q.crs).map(|f| f.to_string())
    })
}

/// `GET /collections/markers/items/{key}`.
pub async fn get_item(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    let crs = parse_query(&req, &[], state.config.max_limit)?.crs;
    let all = current(&state, None).await?;
    let m = all
        .iter()
        .find(|m| m.key == key)
        .ok_or_else(|| ApiError::NotFound(format!("marker {key} not found")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .insert_header(("Content-Crs", format!("<{}>", crs.uri())))
        .insert_header((header::ETAG, etag(m.id)))
        .body(marker_feature(m, crs)?.to_string()))
}

/// The approved zones, for matching markers.
fn approved(state: &AppState) -> ApiResult<Vec<markers::MarkerZone>> {
    Ok(state
        .zones(View::Public)?
        .iter()
        .map(|z| (z.code.clone(), z.grid.clone(), z.legal_grid()))
        .collect())
}

fn to_new(report: &MarkerReport, table: &MarkerTable) -> Vec<NewMarker> {
    report
        .markers
        .iter()
        .zip(&table.markers)
        .map(|(r, m)| NewMarker {
            number: m.id.clone(),
            zone: r.zone.clone(),
            grid: Point::new(m.y, m.x),
            h: m.h,
            survey_date: m.date.clone(),
            distance_m: r.distance_m,
            check_status: serde_json::to_value(r.status)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            retired: false,
        })
        .collect()
}

/// `?tolerance_m=&crs=&search_radius_m=&sheet=&encoding=&fix_datum_shift=` of
/// an upload.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    tolerance_m: Option<f64>,
    /// Replace markers that exist already (with `If-Match` the `ETag` of
    /// the batch's `409` answer).
    replace: Option<bool>,
    search_radius_m: Option<f64>,
    crs: Option<String>,
    /// The sheet of an uploaded workbook (default: the first visible one).
    sheet: Option<String>,
    /// The CSV's text encoding (`utf-8`, `cp1258`, `tcvn3`, `vni`,
    /// `viscii`); detected without it.
    encoding: Option<String>,
    /// Move the markers back when `suspected-datum-shift` is found (the
    /// moved markers are the ones recorded).
    fix_datum_shift: Option<bool>,
}

/// `POST /markers/upload`: a surveyor's CSV or Excel workbook (`.xlsx`,
/// `.xls`, recognised by its content; `?sheet=` picks its sheet); answers with the marker check
/// (the JSON of `zoning markers check`) and records the usable markers as one
/// batch.
pub async fn post_upload(
    req: HttpRequest,
    q: web::Query<UploadQuery>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let user = auth::require(&req, &state, MARKER_WRITERS, "uploading markers").await?;
    let q = q.into_inner();
    let encoding = match q.encoding.as_deref() {
        None => None,
        Some(name) => Some(zoning_core::text::Encoding::parse(name).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "encoding={name} is not one this registry reads: utf-8, cp1258, tcvn3, vni or viscii"
            ))
        })?),
    };
    let opts = MarkerOptions {
        tolerance_m: q.tolerance_m.unwrap_or(state.config.marker_tolerance_m),
        search_radius_m: q
            .search_radius_m
            .unwrap_or(markers::DEFAULT_SEARCH_RADIUS_M),
        all_zones: false,
        table: markers::table::TableOptions {
            encoding,
            sheet: q.sheet.clone(),
        },
        fix_datum_shift: q.fix_datum_shift.unwrap_or(false),
    };
    if !(opts.tolerance_m >= 0.0 && opts.search_radius_m >= opts.tolerance_m) {
        return Err(ApiError::BadRequest(
            "tolerance_m must be ≥ 0 and search_radius_m at least the tolerance".into(),
        ));
    }
    let crs = q.crs;
    let replace = q.replace.unwrap_or(false);
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let st = state.clone();
    let (report, batch) = web::block(move || -> ApiResult<(MarkerReport, Option<i64>)> {
        let zones = approved(&st)?;
        let (keep, report) = with_grid(|t| {
            markers::check_file(&body, "upload", crs.as_deref(), &zones, &opts, t)
                .map_err(|e| ApiError::Unprocessable(e.to_string()))
        })?;
        // markers the slip rules call wrong (an error finding left unfixed)
        // are reported, not recorded
        let fixed = opts.fix_datum_shift;
        let slipped = report.findings.iter().any(|f| {
            f.severity == zoning_core::checks::Severity::Error
                && !(fixed && f.rule == zoning_core::checks::Rule::SuspectedDatumShift)
        });
        let mut report = report;
        let new = if slipped {
            report.warnings.push(
                "nothing was recorded: the table's coordinates look converted wrongly (see findings); \
                 send it again with fix_datum_shift=true, or with the right crs="
                    .into(),
            );
            Vec::new()
        } else {
            to_new(&report, &keep)
        };
        replacing(&st, &new, replace, if_match.as_deref())?;
        let batch = if new.is_empty() {
            None
        } else {
            Some(
                st.store
                    .append_markers(new, &user.name, "upload", Expect::Any)?,
            )
        };
        Ok((report, batch))
    })
    .await??;
    let mut v = serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
    v["batch"] = json!(batch);
    // WGS84 beside the grid coordinates, for maps
    with_grid(|t| {
        for list in ["markers", "unmarked_vertices"] {
            if let Some(items) = v[list].as_array_mut() {
                for m in items {
                    let (Some(n), Some(e)) = (m["x"].as_f64(), m["y"].as_f64()) else {
                        continue;
                    };
                    // x/y are in the grid the result names (a zone of the
                    // former Bắc Ninh: EPSG:9209)
                    let grid = m["grid_crs"]
                        .as_str()
                        .and_then(zoning_core::crs::LegalGrid::parse)
                        .unwrap_or(zoning_core::crs::LegalGrid::Tm3_107);
                    let wgs84 = t
                        .point_from_legal(e, n, grid)
                        .and_then(|(pe, pn)| t.grid_to_wgs84(pe, pn));
                    if let Ok((lon, lat)) = wgs84 {
                        m["lon"] = json!(lon);
                        m["lat"] = json!(lat);
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(HttpResponse::Ok().json(v))
}

/// An upload must not overwrite markers silently: when some of its markers
/// exist, it is refused (`409`, naming them, with an `ETag` of their current
/// versions) unless `replace=true` comes with `If-Match` that `ETag`.
fn replacing(
    state: &AppState,
    new: &[NewMarker],
    replace: bool,
    if_match: Option<&str>,
) -> ApiResult<()> {
    let keys: std::collections::HashSet<String> = new.iter().map(NewMarker::key).collect();
    let existing: Vec<MarkerVersion> = state
        .store
        .markers(None)?
        .into_iter()
        .filter(|m| keys.contains(&m.key))
        .collect();
    if existing.is_empty() {
        return Ok(());
    }
    let tag = format!(
        "\"markers-{}-{}\"",
        existing.len(),
        existing.iter().map(|m| m.id).max().unwrap_or(0)
    );
    let names: Vec<&str> = existing.iter().map(|m| m.key.as_str()).collect();
    let shown = if names.len() > 20 {
        format!("{} and {} more", names[..20].join(", "), names.len() - 20)
    } else {
        names.join(", ")
    };
    if !replace {
        return Err(ApiError::Conflict(
            format!(
                "{} marker(s) of this upload exist already: {shown}; to replace them, upload again with ?replace=true and If-Match: {tag}",
                names.len()
            ),
            Some(json!({"replaces": names, "etag": tag})),
        ));
    }
    match if_match.map(str::trim) {
        Some(t) if t == tag => Ok(()),
        Some(t) => Err(ApiError::PreconditionFailed(format!(
            "If-Match {t} is not the current state of the markers this upload replaces ({tag}); they changed: upload again without replace to see them"
        ))),
        None => Err(ApiError::PreconditionRequired(format!(
            "replace=true needs If-Match: {tag} (the ETag of the 409 answer), so that markers changed meanwhile are not overwritten"
        ))),
    }
}

/// A posted marker Feature (a Point) as a one-row table.
fn single(feature: &Value, key_in_path: Option<&str>, crs: Crs) -> ApiResult<MarkerTable> {
    let props = feature.get("properties").cloned().unwrap_or(Value::Null);
    let number = props
        .get("number")
        .or_else(|| props.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| key_in_path.map(|k| k.rsplit(':').next().unwrap_or(k).to_owned()))
        .ok_or_else(|| {
            ApiError::Unprocessable("a marker needs a \"number\" property (số hiệu mốc)".into())
        })?;
    let c = feature
        .pointer("/geometry/coordinates")
        .and_then(Value::as_array)
        .filter(|_| feature.pointer("/geometry/type").and_then(Value::as_str) == Some("Point"))
        .ok_or_else(|| ApiError::Unprocessable("a marker's geometry must be a Point".into()))?;
    let (Some(x), Some(y)) = (
        c.first().and_then(Value::as_f64),
        c.get(1).and_then(Value::as_f64),
    ) else {
        return Err(ApiError::Unprocessable(
            "the Point needs two numeric coordinates".into(),
        ));
    };
    let (e, n) = match crs {
        Crs::Grid(g) => with_grid(|t| {
            t.point_from_legal(x, y, g)
                .map_err(|e| ApiError::Unprocessable(e.to_string()))
        })?,
        Crs::Crs84 => with_grid(|t| {
            t.wgs84_to_grid(x, y)
                .map_err(|e| ApiError::Unprocessable(e.to_string()))
        })?,
    };
    Ok(MarkerTable {
        markers: vec![Marker {
            id: number,
            line: 1,
            x: n,
            y: e,
            h: props.get("h").and_then(Value::as_f64),
            date: props
                .get("survey_date")
                .and_then(Value::as_str)
                .map(str::to_owned),
            note: None,
            swapped: false,
        }],
        ..MarkerTable::default()
    })
}

/// Checks one marker against the approved zones and records it (`retired`
/// withdraws it) if `expect` holds; answers with the stored version.
async fn write_one(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    author: String,
    table: MarkerTable,
    retired: bool,
    expect: Expect,
) -> ApiResult<HttpResponse> {
    let st = state.clone();
    let stored = web::block(move || -> ApiResult<Option<MarkerVersion>> {
        let keep = table.clone();
        let report = markers::check(table, &approved(&st)?, &MarkerOptions::default());
        let mut new = to_new(&report, &keep);
        for m in &mut new {
            m.retired = retired;
        }
        let key = new.first().map(NewMarker::key).unwrap_or_default();
        st.store
            .append_markers(new, &author, "api", expect)
            .map_err(|e| match (e, expect) {
                (zoning_core::store::StoreError::Conflict { what, .. }, Expect::Absent) => {
                    ApiError::Conflict(
                        format!("{what} already exists; replace it with PUT and its ETag"),
                        None,
                    )
                }
                (e, _) => e.into(),
            })?;
        Ok(st.store.marker_history(&key)?.pop())
    })
    .await??
    .ok_or_else(|| ApiError::Internal("the marker just written is not in the store".into()))?;
    if retired {
        return Ok(HttpResponse::NoContent().finish());
    }
    let mut r = if expect == Expect::Absent {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(r.content_type("application/geo+json")
        .insert_header((
            header::LOCATION,
            format!(
                "{}/collections/markers/items/{}",
                base(req),
                enc(&stored.key)
            ),
        ))
        .insert_header((header::ETAG, etag(stored.id)))
        .body(marker_feature(&stored, Crs::Crs84)?.to_string()))
}

/// The user, the version named by `If-Match` and the marker's latest version,
/// for a change of an existing marker; the store checks, atomically with the
/// write, that the latest version is still the one named.
async fn editable(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    key: &str,
    what: &str,
) -> ApiResult<(String, Expect, MarkerVersion)> {
    let user = auth::require(req, state, MARKER_WRITERS, what).await?;
    let expected = if_match(req)?;
    Ok((user.name, expected, latest(state, key).await?))
}

/// `POST /collections/markers/items`: a new marker; `409` when one with its
/// zone and number exists (replace it with `PUT` and its `ETag`).
pub async fn post_item(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let user = auth::require(&req, &state, MARKER_WRITERS, "adding a marker").await?;
    let f = feature_body(&req, &body, false)?;
    let table = single(&f, None, content_crs(&req)?)?;
    write_one(&req, &state, user.name, table, false, Expect::Absent).await
}

async fn latest(state: &web::Data<AppState>, key: &str) -> ApiResult<MarkerVersion> {
    let (store, k) = (state.store.clone(), key.to_owned());
    web::block(move || store.marker_history(&k))
        .await??
        .pop()
        .filter(|m| !m.retired)
        .ok_or_else(|| ApiError::NotFound(format!("marker {key} not found")))
}

/// `PUT /collections/markers/items/{key}`.
pub async fn put_item(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    let (author, expected, _live) = editable(&req, &state, &key, "replacing a marker").await?;
    let f = feature_body(&req, &body, false)?;
    let table = single(&f, Some(&key), content_crs(&req)?)?;
    write_one(&req, &state, author, table, false, expected).await
}

/// `PATCH /collections/markers/items/{key}`: a JSON merge patch (RFC 7396) of
/// the marker as served (WGS84, or the grid with `Content-Crs`).
pub async fn patch_item(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    let (author, expected, current) = editable(&req, &state, &key, "updating a marker").await?;
    let patch = feature_body(&req, &body, true)?;
    let crs = content_crs(&req)?;
    let mut feature = marker_feature(&current, crs)?;
    merge(&mut feature, &patch);
    let table = single(&feature, Some(&key), crs)?;
    if table.markers.first().map(|m| m.id.as_str()) != Some(current.number.as_str()) {
        return Err(ApiError::Unprocessable(
            "a marker's number cannot be changed; add a new marker instead".into(),
        ));
    }
    write_one(&req, &state, author, table, false, expected).await
}

/// `DELETE /collections/markers/items/{key}`: a retired version.
pub async fn delete_item(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    let (author, expected, current) = editable(&req, &state, &key, "withdrawing a marker").await?;
    let table = MarkerTable {
        markers: vec![Marker {
            id: current.number.clone(),
            line: 1,
            x: current.grid.y(),
            y: current.grid.x(),
            h: current.h,
            date: current.survey_date.clone(),
            note: None,
            swapped: false,
        }],
        ..MarkerTable::default()
    };
    write_one(&req, &state, author, table, true, expected).await
}

/// `Content-Disposition` of a stake-out table: an ASCII file name (letters,
/// digits, `-`, `_`, `.`) and the exact one in UTF-8 (RFC 6266, RFC 8187).
fn attachment(code: &str) -> String {
    let ascii: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "attachment; filename=\"{ascii}-stakeout.csv\"; filename*=UTF-8''{}-stakeout.csv",
        enc(code)
    )
}

/// `?max_spacing_m=&f=csv|json` of a stake-out table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StakeoutQuery {
    max_spacing_m: Option<f64>,
    f: Option<String>,
}

/// `GET /collections/zones/items/{code}/stakeout`: the stake-out table of an
/// approved zone (planners: of its latest version), as the Vietnamese CSV of
/// `zoning markers stakeout` or JSON.
pub async fn get_stakeout(
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<StakeoutQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let code = path.into_inner();
    if q.max_spacing_m
        .is_some_and(|m| m.is_nan() || m < markers::stakeout::MIN_SPACING_M)
    {
        return Err(ApiError::BadRequest(format!(
            "max_spacing_m must be at least {} m",
            markers::stakeout::MIN_SPACING_M
        )));
    }
    let view = visibility::view_of(&req, &state).await?;
    let zone = state
        .zone(view, &code)?
        .ok_or_else(|| ApiError::NotFound(format!("zone {code} not found")))?;
    let points = with_grid(|t| {
        markers::stakeout::stakeout(
            &[(zone.code.clone(), zone.grid.clone(), zone.legal_grid())],
            q.max_spacing_m,
            t,
        )
        .map_err(|e| match e {
            zoning_core::Error::TooManyPoints { .. } => ApiError::Unprocessable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        })
    })?;
    match q.f.as_deref() {
        Some("json") => Ok(HttpResponse::Ok()
            .json(json!({"crs": zone.legal_grid().code(), "zone": code, "points": points}))),
        Some("csv") | None => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, attachment(&code)))
            .body(markers::stakeout::to_csv(&points, true))),
        Some(other) => Err(ApiError::BadRequest(format!("f={other}: use csv or json"))),
    }
}

//! Writing zones (OGC API – Features Part 4) and approving them. Every change
//! is a new version: a planner's writes are drafts, an admin's approval makes
//! the public version, and a withdrawal of an approved zone is proposed by a
//! planner (a draft) and approved like any other change.
//!
//! Every write takes the one intake path ([`zoning_core::intake::zone`]) and
//! the one check against the neighbours ([`zoning_core::checks::against`]).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};
use zoning_core::checks::{self, CheckOptions, Subject};
use zoning_core::intake::{self, Candidate};
use zoning_core::io::fields::{AreaUnit, FieldMap};
use zoning_core::store::{Change, Expect, NewZoneVersion, Role, Status, View, ZoneVersion};

use super::super::ogc::{content_crs, enc, etag, feature_body, if_match, merge};
use super::super::{base, Crs};
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::state::{with_grid, AppState, CachedZone};

const ZONE_WRITERS: &[Role] = &[Role::Planner, Role::Admin];

/// The property that marks a draft proposing the withdrawal of an approved zone.
pub const WITHDRAWAL: &str = "withdrawal_proposed";

#[allow(clippy::needless_pass_by_value)] // used as map_err(refused)
fn refused(e: intake::Refusal) -> ApiError {
    ApiError::Unprocessable(e.to_string())
}

/// Counts the parts, holes and positions of a GeoJSON (Multi)Polygon before
/// anything is parsed or transformed, so that an oversized boundary costs
/// nothing but this walk.
pub fn size_of(geometry: &Value) -> (usize, usize, usize) {
    let rings = |poly: &Value| -> (usize, usize) {
        let r = poly.as_array().map_or(&[][..], Vec::as_slice);
        let vertices = r.iter().filter_map(Value::as_array).map(Vec::len).sum();
        (r.len().saturating_sub(1), vertices)
    };
    let coords = geometry.get("coordinates");
    if geometry.get("type").and_then(Value::as_str) == Some("MultiPolygon") {
        let polys = coords
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        polys.iter().fold((polys.len(), 0, 0), |(p, h, v), poly| {
            let (hh, vv) = rings(poly);
            (p, h + hh, v + vv)
        })
    } else {
        let (h, v) = coords.map_or((0, 0), rings);
        (1, h, v)
    }
}

/// Turns a posted feature into a candidate version: its code (the path's,
/// else its `id` or `code`), its boundary brought to the grid, and the intake.
///
/// # Errors
/// `422` naming what is wrong; `500` when PROJ cannot be set up.
pub fn candidate(
    feature: &Value,
    code_in_path: Option<&str>,
    crs: Crs,
    ctx: &intake::Context<'_>,
) -> ApiResult<Candidate> {
    with_grid(|t| Ok(candidate_in(feature, code_in_path, crs, ctx, t)))?.map_err(refused)
}

/// [`candidate`] with a PROJ transformation at hand; the refusal names the field.
///
/// # Errors
/// The [`intake::Refusal`].
pub fn candidate_in(
    feature: &Value,
    code_in_path: Option<&str>,
    crs: Crs,
    ctx: &intake::Context<'_>,
    t: &zoning_core::crs::GridTransform,
) -> Result<Candidate, intake::Refusal> {
    let refusal = |field: &str, message: String| intake::Refusal {
        field: field.to_owned(),
        message,
    };
    let mut props: Map<String, Value> = feature
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // the fields offices use (MA, TEN, DIENTICH, LOAI) or those the `fields`
    // parameter names feed the zone's properties
    let default_fields = FieldMap::default();
    let fields = ctx.fields.unwrap_or(&default_fields);
    let mut peek = props.clone();
    fields.apply(&mut peek, None);
    let body_code = feature
        .get("id")
        .and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_i64().map(|n| n.to_string()))
        })
        .or_else(|| match peek.get("code") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        });
    let code = match (code_in_path, body_code) {
        (Some(p), Some(b)) if p != b.trim() => {
            return Err(refusal(
                "code",
                format!("the feature's code {b} differs from the item {p} it is sent to"),
            ));
        }
        (Some(p), _) => p.to_owned(),
        (None, Some(b)) => b,
        (None, None) => {
            return Err(refusal(
                "code",
                "the feature needs a code: an \"id\" or a \"code\" property".into(),
            ))
        }
    };
    let code = intake::code(&code)?;
    let geometry = feature.get("geometry").cloned().unwrap_or(Value::Null);
    let (parts, holes, vertices) = size_of(&geometry);
    intake::check_counts(parts, holes, vertices, &ctx.limits)?;
    let f: geojson::Feature = serde_json::from_value(json!({
        "type": "Feature", "id": code, "geometry": geometry, "properties": {}
    }))
    .map_err(|e| refusal("geometry", e.to_string()))?;
    let crs_def = match crs {
        Crs::Crs84 => None,
        Crs::Grid(g) => Some(g.code()),
    };
    let input = zoning_core::io::geojson::read_one(f, crs_def, t)
        .map_err(|e| refusal("geometry", format!("{code}: {}", e.reason)))?;
    let given = match crs {
        Crs::Crs84 => None,
        Crs::Grid(g) => Some(g),
    };
    let applied = fields.apply(
        &mut props,
        Some(geo::Area::unsigned_area(&input.grid) / 10_000.0),
    );
    let mut c = intake::zone(&code, &props, &input.grid, &ctx.with_given_grid(given))?;
    c.swapped_axes = input.swapped_axes;
    c.notes.extend(applied.uses.iter().map(ToString::to_string));
    c.notes.extend(applied.warnings);
    Ok(c)
}

/// The field mapping a request's query gives: `fields=PROP=FIELD,…` and
/// `area_unit=ha|m2`.
///
/// # Errors
/// `400` naming the parameter.
pub fn fields_of(req: &HttpRequest) -> ApiResult<FieldMap> {
    let q = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("the query cannot be read: {e}")))?;
    let unit = q
        .get("area_unit")
        .map(|u| {
            AreaUnit::parse(u)
                .ok_or_else(|| ApiError::BadRequest(format!("area_unit={u}: use ha or m2")))
        })
        .transpose()?;
    FieldMap::parse(q.get("fields").map(String::as_str), unit)
        .map_err(|e| ApiError::BadRequest(format!("fields: {e}")))
}

/// A zone feature's body must be within `max_feature_bytes` (a body sent
/// without a length is only measured once read).
fn within(state: &AppState, body: &[u8]) -> ApiResult<()> {
    let max = state.config.max_feature_bytes;
    if body.len() > max {
        return Err(ApiError::TooLarge(format!(
            "the body has {} bytes; a zone feature takes at most {max} (max_feature_bytes)",
            body.len()
        )));
    }
    Ok(())
}

/// The checks of one zone against its neighbours (planners' view: a draft
/// must not overlap another draft either) and the province. On a store
/// shared by several servers the neighbours are read from the database (its
/// spatial index), which has every server's writes; else from the cache.
///
/// # Errors
/// When the store or PROJ fails.
pub fn findings_for(state: &AppState, subject: Subject) -> ApiResult<Value> {
    let opts = CheckOptions::default();
    let mut report = if state.store.is_shared() {
        let near = checks::neighbours_in(&*state.store, std::slice::from_ref(&subject))?;
        checks::against(&[subject], &near, Some(&state.bounds), &opts)
    } else {
        let zones = state.zones(View::Planner)?;
        checks::against(&[subject], &zones, Some(&state.bounds), &opts)
    };
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

/// A new draft from a candidate.
fn draft(c: Candidate, author: &str) -> (NewZoneVersion, Intake) {
    (
        NewZoneVersion {
            code: c.code,
            status: Status::Draft,
            properties: c.properties.to_json(),
            grid: c.grid,
            change: Change {
                author: author.to_owned(),
                reason: c.change.reason,
                decision: c.change.decision,
            },
            findings: Value::Array(vec![]),
        },
        Intake {
            notes: c.notes,
            swapped_axes: c.swapped_axes,
        },
    )
}

/// What the intake says about a version beside it: its notes, and whether
/// its axes were read exchanged back.
#[derive(Debug, Default)]
struct Intake {
    notes: Vec<String>,
    swapped_axes: bool,
}

/// Records a zone version and answers with it, its findings and its `ETag`.
async fn write_zone(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    new: NewZoneVersion,
    expect: Expect,
    created: bool,
    intake: Intake,
) -> ApiResult<HttpResponse> {
    let Intake {
        notes,
        swapped_axes,
    } = intake;
    let st = state.clone();
    let code = new.code.clone();
    let stored = web::block(move || -> ApiResult<(ZoneVersion, Value)> {
        let mut new = new;
        let report = if new.status == Status::Retired || new.properties.contains_key(WITHDRAWAL) {
            json!({"findings": [], "expected_overlaps": []})
        } else {
            findings_for(
                &st,
                Subject {
                    swapped_axes,
                    ..Subject::from_properties(&new.code, 1, new.grid.clone(), &new.properties)
                },
            )?
        };
        // an approved version is public, and so is what is stored with it:
        // never a finding naming a draft
        new.findings = if new.status == Status::Approved {
            let visible = crate::visibility::public_code(&st, &new.code);
            crate::visibility::public_findings(&report["findings"], &visible)
        } else {
            report["findings"].clone()
        };
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
    if v.status == Status::Retired {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ETAG, etag(v.id)))
            .finish());
    }
    // `refresh` has just built this version's served form (planners see every
    // live version); building it again would transform the boundary twice
    let cached = match state.zone(View::Planner, &code)? {
        Some(z) if z.version_id == v.id => z,
        _ => std::sync::Arc::new(CachedZone::made(&v)?),
    };
    let mut f: Value = serde_json::from_str(cached.json_wgs84()?)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    f["findings"] = report["findings"].clone();
    f["expected_overlaps"] = report["expected_overlaps"].clone();
    if !notes.is_empty() {
        f["notes"] = json!(notes);
    }
    let location = format!("{}/collections/zones/items/{}", base(req), enc(&code));
    let mut r = if created {
        HttpResponse::Created()
    } else if v.properties.contains_key(WITHDRAWAL) {
        HttpResponse::Accepted()
    } else {
        HttpResponse::Ok()
    };
    Ok(r.content_type("application/geo+json")
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(v.id)))
        .body(f.to_string()))
}

/// `POST /collections/zones/items`: a new zone (a draft).
pub async fn post_item(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let user = auth::require(&req, &state, ZONE_WRITERS, "creating a zone").await?;
    within(&state, &body)?;
    let feature = feature_body(&req, &body, false)?;
    let crs = content_crs(&req)?;
    let fields = fields_of(&req)?;
    let st = state.clone();
    let c = web::block(move || candidate(&feature, None, crs, &st.intake()?.with_fields(&fields)))
        .await??;
    let (new, notes) = draft(c, &user.name);
    write_zone(&req, &state, new, Expect::Absent, true, notes).await
}

/// `PUT /collections/zones/items/{code}`: replace a zone (a new draft version).
pub async fn put_item(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let (user, expected, feature, crs) =
        change(&req, &state, &body, "replacing a zone", false).await?;
    live(&state, &item).await?;
    let fields = fields_of(&req)?;
    let st = state.clone();
    let c = web::block(move || {
        candidate(
            &feature,
            Some(&item),
            crs,
            &st.intake()?.with_fields(&fields),
        )
    })
    .await??;
    let (new, notes) = draft(c, &user.name);
    write_zone(&req, &state, new, expected, false, notes).await
}

/// What a change of an existing zone starts with: the user (a planner or an
/// admin), the version `If-Match` names, the body (a Feature, or a merge
/// patch) and its CRS.
async fn change(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    body: &[u8],
    what: &str,
    patch: bool,
) -> ApiResult<(zoning_core::store::User, Expect, Value, Crs)> {
    let user = auth::require(req, state, ZONE_WRITERS, what).await?;
    within(state, body)?;
    let expected = if_match(req)?;
    let feature = feature_body(req, body, patch)?;
    Ok((user, expected, feature, content_crs(req)?))
}

/// The latest version of a zone, which must not be retired.
async fn live(state: &web::Data<AppState>, code: &str) -> ApiResult<ZoneVersion> {
    let (store, c) = (state.store.clone(), code.to_owned());
    web::block(move || store.latest(&c))
        .await??
        .filter(|v| v.status != Status::Retired)
        .ok_or_else(|| ApiError::NotFound(format!("zone {code} not found")))
}

/// `PATCH /collections/zones/items/{code}`: a JSON merge patch (RFC 7396) of
/// the feature. A patch of properties only keeps the stored grid boundary as
/// it is (no round trip through WGS84).
pub async fn patch_item(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let (user, expected, patch, crs) = change(&req, &state, &body, "updating a zone", true).await?;
    let current = live(&state, &item).await?;
    let st = state.clone();
    let c = web::block(move || -> ApiResult<Candidate> {
        let ctx = st.intake()?;
        let mut props = Value::Object(current.properties.clone());
        props.as_object_mut().map(|p| p.remove(WITHDRAWAL));
        if let Some(p) = patch.get("properties") {
            merge(&mut props, p);
        }
        let props = props.as_object().cloned().unwrap_or_default();
        match patch.get("geometry") {
            None => intake::zone(&item, &props, &current.grid, &ctx).map_err(refused),
            Some(g) => {
                let mut geometry = match crs {
                    Crs::Grid(g) => json!(geojson::Geometry::new(geojson::GeometryValue::from(
                        &with_grid(|t| t
                            .to_legal(&current.grid, g)
                            .map(std::borrow::Cow::into_owned)
                            .map_err(|e| ApiError::Internal(e.to_string())))?
                    ))),
                    Crs::Crs84 => {
                        let wgs84 = with_grid(|t| {
                            t.multipolygon_to_wgs84(&current.grid)
                                .map_err(|e| ApiError::Internal(e.to_string()))
                        })?;
                        json!(geojson::Geometry::new(geojson::GeometryValue::from(&wgs84)))
                    }
                };
                merge(&mut geometry, g);
                let feature = json!({"type": "Feature", "id": item, "geometry": geometry, "properties": props});
                candidate(&feature, Some(&item), crs, &ctx)
            }
        }
    })
    .await??;
    let (new, notes) = draft(c, &user.name);
    write_zone(&req, &state, new, expected, false, notes).await
}

/// `DELETE /collections/zones/items/{code}`: a withdrawal. A zone the public
/// sees (it has an approved version) is not withdrawn at once: a draft
/// proposing the withdrawal is recorded (`202 Accepted`), which an admin
/// approves like any other change. A zone that was only ever a draft is
/// retired at once (`204`).
pub async fn delete_item(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let user = auth::require(&req, &state, ZONE_WRITERS, "withdrawing a zone").await?;
    let expected = if_match(&req)?;
    let (store, c) = (state.store.clone(), item.clone());
    let history = web::block(move || store.history(&c)).await??;
    let Some(current) = history.last().filter(|v| v.status != Status::Retired) else {
        return Err(ApiError::NotFound(format!("zone {item} not found")));
    };
    // the public sees the zone now: its latest approved version, unless a
    // withdrawal came after it (then the zone came back as a draft)
    let approved = history
        .iter()
        .rev()
        .find(|v| v.status != Status::Draft)
        .filter(|v| v.status == Status::Approved);
    let new = match approved {
        Some(a) => {
            if current.properties.contains_key(WITHDRAWAL) {
                return Err(ApiError::Conflict(
                    format!("the withdrawal of zone {item} is already proposed; an admin approves it (POST …/approve)"),
                    None,
                ));
            }
            let mut properties = a.properties.clone();
            properties.insert(WITHDRAWAL.into(), json!(true));
            NewZoneVersion {
                code: current.code.clone(),
                status: Status::Draft,
                properties,
                grid: a.grid.clone(),
                change: Change {
                    author: user.name,
                    reason: Some("withdrawal proposed (DELETE); an admin approves it".into()),
                    decision: None,
                },
                findings: Value::Array(vec![]),
            }
        }
        None => NewZoneVersion {
            code: current.code.clone(),
            status: Status::Retired,
            properties: current.properties.clone(),
            grid: current.grid.clone(),
            change: Change {
                author: user.name,
                reason: Some("draft withdrawn (DELETE)".into()),
                decision: None,
            },
            findings: Value::Array(vec![]),
        },
    };
    write_zone(&req, &state, new, expected, false, Intake::default()).await
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

/// `POST /collections/zones/items/{code}/approve` (admin): the latest version
/// becomes approved (or, for a proposed withdrawal, the zone is retired),
/// recording the decision; refused while it has errors.
pub async fn post_approve(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let item = path.into_inner();
    let user = auth::require(&req, &state, &[Role::Admin], "approving a zone").await?;
    let expected = if_match(&req)?;
    if expected == Expect::Any {
        // an approval is of the version the admin reviewed, never of whatever
        // is latest when it arrives
        return Err(ApiError::PreconditionRequired(
            "an approval needs If-Match with the ETag of the version you reviewed, not *".into(),
        ));
    }
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
    let change = Change {
        author: user.name,
        reason: a.reason,
        decision: Some(a.decision),
    };
    if current.properties.contains_key(WITHDRAWAL) {
        let mut properties = current.properties;
        properties.remove(WITHDRAWAL);
        let new = NewZoneVersion {
            code: current.code,
            status: Status::Retired,
            properties,
            grid: current.grid,
            change,
            findings: Value::Array(vec![]),
        };
        return write_zone(&req, &state, new, expected, false, Intake::default()).await;
    }
    let st = state.clone();
    let subject = Subject::from_properties(&item, 1, current.grid.clone(), &current.properties);
    let report = web::block(move || findings_for(&st, subject)).await??;
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
        change,
        findings: report["findings"].clone(),
    };
    write_zone(&req, &state, new, expected, false, Intake::default()).await
}

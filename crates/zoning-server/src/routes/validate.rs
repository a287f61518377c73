//! `POST /validate`: the checks of a posted Feature or FeatureCollection,
//! against the zones the caller may see and the province, without saving.
//!
//! Anyone may call it, so its cost is bounded: the body size
//! (`max_feature_bytes`), the features and vertices per request
//! (`validate_max_features`, `validate_max_vertices`, and each zone's
//! `max_vertices`), and the validations running at once
//! (`max_concurrent_validations`; `429` with `Retry-After` beyond).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use zoning_core::checks::{self, CheckOptions, Subject};
use zoning_core::io::archive::{self, Format};
use zoning_core::io::ReadOptions;
use zoning_core::store::View;

use super::ogc::content_crs;
use super::zones::write::{candidate_in, size_of};
use super::Crs;
use crate::error::{ApiError, ApiResult};
use crate::limiter::Slot;
use crate::state::{with_grid, AppState};
use crate::visibility;

/// Positions in a GeoJSON value (the vertices of every geometry in it).
fn positions(v: &Value) -> usize {
    match v {
        Value::Array(a) if a.first().is_some_and(Value::is_number) => 1,
        Value::Array(a) => a.iter().map(positions).sum(),
        _ => 0,
    }
}

/// What the intake made of the posted features: the subjects of the checks,
/// the features as taken (WGS84, with the defaults and the computed place),
/// and those refused with why.
struct Taken {
    subjects: Vec<Subject>,
    features: Vec<Value>,
    refused: Vec<checks::Finding>,
    /// What the intake did (fields mapped, areas derived), per feature.
    notes: Vec<Value>,
}

/// The posted features through the one intake path.
fn subjects_of(
    features: &[Value],
    crs: Crs,
    ctx: &zoning_core::intake::Context<'_>,
    t: &zoning_core::crs::GridTransform,
) -> Taken {
    let mut subjects = Vec::new();
    let mut taken = Vec::new();
    let mut refused = Vec::new();
    let mut notes = Vec::new();
    for (i, f) in features.iter().enumerate() {
        // a feature being drawn may have no code or name yet: give it
        // stand-ins so that its boundary is still checked
        let mut f = f.clone();
        let index = i + 1;
        if f.get("id").is_none() && f.pointer("/properties/code").is_none() {
            f["id"] = json!(format!("feature #{index}"));
        }
        if let Some(p) = f.get_mut("properties").and_then(Value::as_object_mut) {
            p.entry("kind").or_insert(json!("KCN"));
            if !p.contains_key("name_vi") && !p.contains_key("name") {
                p.insert("name".into(), json!("(chưa đặt tên)"));
            }
        } else {
            f["properties"] = json!({"kind": "KCN", "name": "(chưa đặt tên)"});
        }
        match candidate_in(&f, None, crs, ctx, t) {
            Ok(c) => {
                let intake = c.properties.to_json();
                // the properties as the intake took them (fields mapped, the
                // area in ha, the place computed), but not an area it derived
                // from the grid: that one is not checked against itself
                let mut props = intake.clone();
                if props.get("area_basis").and_then(Value::as_str) == Some("derived") {
                    props.remove("declared_area_ha");
                }
                notes.extend(
                    c.notes
                        .iter()
                        .map(|n| json!({"feature": index, "code": c.code, "note": n})),
                );
                if let Ok(wgs84) = t.multipolygon_to_wgs84(&c.grid) {
                    taken.push(json!({
                        "type": "Feature",
                        "id": c.code,
                        "properties": intake,
                        "geometry": geojson::Geometry::new(geojson::GeometryValue::from(&wgs84)),
                    }));
                }
                subjects.push(Subject {
                    swapped_axes: c.swapped_axes,
                    ..Subject::from_properties(&c.code, index, c.grid, &props)
                });
            }
            Err(e) => {
                let code = f
                    .get("id")
                    .and_then(Value::as_str)
                    .or_else(|| f.pointer("/properties/code").and_then(Value::as_str));
                let label = match code {
                    Some(c) => format!("feature #{index} ({c})"),
                    None => format!("feature #{index}"),
                };
                refused.push(checks::refused(&label, code, &e.field, &e.message));
            }
        }
    }
    Taken {
        subjects,
        features: taken,
        refused,
        notes,
    }
}

/// `?encoding=&layer=` of a file posted to `/validate`.
struct Upload {
    encoding: Option<zoning_core::text::Encoding>,
    layer: Option<String>,
}

impl Upload {
    fn of(req: &HttpRequest) -> ApiResult<Self> {
        let q =
            web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
                .map_err(|e| ApiError::BadRequest(format!("the query cannot be read: {e}")))?;
        let encoding = q
            .get("encoding")
            .map(|e| {
                zoning_core::text::Encoding::parse(e).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "encoding={e}: use utf-8, cp1258, tcvn3, vni or viscii"
                    ))
                })
            })
            .transpose()?;
        Ok(Self {
            encoding,
            layer: q.get("layer").cloned(),
        })
    }
}

/// The features posted, as the intake takes them.
struct Posted {
    /// GeoJSON features.
    features: Vec<Value>,
    /// Their CRS.
    crs: Crs,
    /// The features of a file that could not be read.
    unreadable: Vec<zoning_core::io::FeatureError>,
    /// What the file's reader said (fields mapped, encoding detected).
    notes: Vec<Value>,
    /// The codes of the features whose axes the reader found exchanged (and
    /// read exchanged back).
    swapped: std::collections::HashSet<String>,
}

/// The features of a GeoJSON body.
fn geojson_features(body: &[u8]) -> ApiResult<Vec<Value>> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => Ok(v
            .get("features")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()),
        Some("Feature") => Ok(vec![v]),
        _ => Err(ApiError::Unprocessable(
            "post a GeoJSON Feature or FeatureCollection, a zipped shapefile, a KML or KMZ".into(),
        )),
    }
}

/// The features of a posted file that is not GeoJSON (a zipped shapefile, a
/// KML or KMZ), read by the readers of `zoning check` (field mapping,
/// encoding detection, swapped axes): as WGS84 GeoJSON features for the
/// intake, the features that could not be read, and what the reader said.
fn file_features(
    body: &[u8],
    crs: Crs,
    upload: &Upload,
    fields: &zoning_core::io::fields::FieldMap,
    (max_unzipped, max_features): (u64, usize),
) -> ApiResult<Posted> {
    let opts = ReadOptions {
        crs: match crs {
            Crs::Grid(g) => Some(g.code().to_owned()),
            Crs::Crs84 => None,
        },
        encoding: upload.encoding,
        layer: upload.layer.clone(),
        fields: fields.clone(),
        max_unzipped: Some(max_unzipped),
        max_features: Some(max_features),
    };
    let input = with_grid(|t| {
        archive::read_bytes(body, "upload", &opts, t)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))
    })?;
    let mut notes: Vec<Value> = input
        .fields
        .iter()
        .map(|u| json!({"feature": null, "code": null, "note": u.to_string()}))
        .collect();
    notes.extend(
        input
            .warnings
            .iter()
            .map(|w| json!({"feature": null, "code": null, "note": w})),
    );
    let mut features = Vec::new();
    let mut errors = Vec::new();
    let mut swapped = std::collections::HashSet::new();
    for f in input.features {
        match f {
            Ok(f) => {
                if f.swapped_axes {
                    swapped.insert(f.code.clone());
                }
                features.push(json!({
                    "type": "Feature",
                    "id": f.code,
                    "properties": f.properties,
                    "geometry": geojson::Geometry::new(geojson::GeometryValue::from(&f.wgs84)),
                }));
            }
            Err(e) => errors.push(e),
        }
    }
    // the features that could not be read cost their reading too
    if features.len() + errors.len() > max_features {
        return Err(ApiError::TooLarge(format!(
            "{} features; /validate checks at most {max_features} at once (validate_max_features): send them in parts or use `zoning check`",
            features.len() + errors.len()
        )));
    }
    Ok(Posted {
        features,
        crs: Crs::Crs84,
        unreadable: errors,
        notes,
        swapped,
    })
}

/// The posted body's features: GeoJSON for anyone, a file for a signed-in
/// planner (a ZIP unpacking to at most `bounds.0` bytes, at most `bounds.1`
/// features read, unreadable ones included).
fn posted(
    body: &[u8],
    crs: Crs,
    view: View,
    upload: &Upload,
    fields: &zoning_core::io::fields::FieldMap,
    bounds: (u64, usize),
) -> ApiResult<Posted> {
    if Format::sniff(body) == Format::GeoJson {
        Ok(Posted {
            features: geojson_features(body)?,
            crs,
            unreadable: Vec::new(),
            notes: Vec::new(),
            swapped: std::collections::HashSet::new(),
        })
    } else if view == View::Public {
        Err(ApiError::Unauthorized(
            "a zipped shapefile, KML or DXF is read for signed-in planners only; sign in, or post GeoJSON".into(),
        ))
    } else {
        file_features(body, crs, upload, fields, bounds)
    }
}

/// `POST /validate`.
pub async fn post_validate(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let cfg = &state.config;
    if body.len() > cfg.max_feature_bytes {
        return Err(ApiError::TooLarge(format!(
            "the body has {} bytes; /validate takes at most {} (max_feature_bytes)",
            body.len(),
            cfg.max_feature_bytes
        )));
    }
    let view = visibility::view_of(&req, &state).await?;
    let crs = content_crs(&req)?;
    let fields = super::zones::write::fields_of(&req)?;
    let upload = Upload::of(&req)?;
    let st = state.clone();
    let report = web::block(move || -> ApiResult<Value> {
        let max = st.config.max_concurrent_validations;
        let Some(_slot) = Slot::take(&st.validations, max) else {
            return Err(ApiError::TooManyRequests(
                format!("{max} validations are running; try again in a second"),
                1,
            ));
        };
        let cfg = &st.config;
        let Posted {
            features,
            crs,
            unreadable,
            notes: read_notes,
            swapped,
            // a ZIP may unpack to what a marker upload may send, no more
        } = posted(
            &body,
            crs,
            view,
            &upload,
            &fields,
            (cfg.max_body_bytes as u64, cfg.validate_max_features),
        )?;
        if features.len() > cfg.validate_max_features {
            return Err(ApiError::TooLarge(format!(
                "{} features; /validate checks at most {} at once (validate_max_features): send them in parts or use `zoning check`",
                features.len(),
                cfg.validate_max_features
            )));
        }
        let vertices: usize = features
            .iter()
            .map(|f| f.pointer("/geometry/coordinates").map_or(0, positions))
            .sum();
        // a signed-in planner may check more than an anonymous caller
        let (budget, setting) = match view {
            View::Planner => (cfg.validate_max_vertices, "validate_max_vertices"),
            View::Public => (cfg.anonymous_max_vertices, "anonymous_max_vertices"),
        };
        if vertices > budget {
            return Err(ApiError::TooLarge(format!(
                "{vertices} vertices in all; /validate checks at most {budget} per request ({setting}){}",
                if view == View::Public { "; sign in for more" } else { "" }
            )));
        }
        // a boundary over a zone's limits is refused as a whole, naming the limit
        for (i, f) in features.iter().enumerate() {
            let (parts, holes, vertices) = f.get("geometry").map_or((0, 0, 0), size_of);
            zoning_core::intake::check_counts(parts, holes, vertices, &cfg.limits())
                .map_err(|e| ApiError::Unprocessable(format!("feature #{}: {e}", i + 1)))?;
        }
        let ctx = st.intake()?.with_fields(&fields);
        let Taken {
            mut subjects,
            features: taken,
            refused,
            notes,
        } = with_grid(|t| Ok(subjects_of(&features, crs, &ctx, t)))?;
        for s in &mut subjects {
            s.swapped_axes |= swapped.contains(&s.code);
        }
        let zones = st.zones(view)?;
        let mut report = checks::against(
            &subjects,
            &zones,
            Some(&st.bounds),
            &CheckOptions::default(),
        );
        let mut all = checks::unreadable(&unreadable);
        all.extend(refused);
        all.append(&mut report.findings);
        report.findings = all;
        with_grid(|t| {
            report.locate(t);
            Ok(())
        })?;
        let mut out =
            serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
        out["features"] = Value::Array(taken);
        out["notes"] = Value::Array(read_notes.into_iter().chain(notes).collect());
        Ok::<_, ApiError>(out)
    })
    .await??;
    Ok(HttpResponse::Ok().json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_the_vertices_of_a_geometry() {
        let g = json!({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]]});
        assert_eq!(positions(&g["coordinates"]), 8);
    }
}

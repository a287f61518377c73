//! `POST /validate`: the checks of a posted Feature or FeatureCollection,
//! against the registry's current zones and the province, without saving.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use zoning_core::checks::{self, CheckOptions, Subject};
use zoning_core::store::View;

use super::items::content_crs;
use super::Crs;
use crate::error::{ApiError, ApiResult};
use crate::state::{with_grid, AppState};

/// `POST /validate`.
pub async fn post_validate(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let v: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    let fc = match v.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => v,
        Some("Feature") => json!({"type": "FeatureCollection", "features": [v]}),
        _ => {
            return Err(ApiError::Unprocessable(
                "post a GeoJSON Feature or FeatureCollection".into(),
            ))
        }
    };
    let crs = match content_crs(&req)? {
        Crs::Crs84 => None,
        Crs::Grid => Some("EPSG:9214"),
    };
    let st = state.clone();
    let report = web::block(move || -> ApiResult<Value> {
        let input = with_grid(|t| {
            zoning_core::io::geojson::read(&fc.to_string(), "request", crs, t)
                .map_err(|e| ApiError::Unprocessable(e.to_string()))
        })?;
        let mut posted = Vec::new();
        let mut errors = Vec::new();
        for f in input.features {
            match f {
                Ok(f) => posted.push(Subject::from_feature(&f)),
                Err(e) => errors.push(e),
            }
        }
        let codes: Vec<String> = posted.iter().map(|s| s.code.clone()).collect();
        let boxes: Vec<[f64; 4]> = posted
            .iter()
            .filter_map(|s| geo::BoundingRect::bounding_rect(&s.grid))
            .map(|r| {
                [
                    r.min().x - 1.0,
                    r.min().y - 1.0,
                    r.max().x + 1.0,
                    r.max().y + 1.0,
                ]
            })
            .collect();
        let near = |b: [f64; 4]| {
            boxes
                .iter()
                .any(|a| a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3])
        };
        let mut subjects = posted;
        // the registry's zones near the posted ones (planners' view, without
        // the zones being replaced)
        for z in st.zones(View::Planner)? {
            if !codes.contains(&z.code) && near(z.bbox_grid) {
                subjects.push(z.subject(subjects.len() + 1));
            }
        }
        let mut report =
            checks::check(&subjects, Some(&st.province_grid), &CheckOptions::default());
        report
            .findings
            .retain(|f| f.codes.iter().any(|c| codes.contains(c)));
        report
            .expected_overlaps
            .retain(|e| e.codes.iter().any(|c| codes.contains(c)));
        let mut all = checks::unreadable(&errors);
        all.append(&mut report.findings);
        report.findings = all;
        with_grid(|t| {
            report.locate(t);
            Ok(())
        })?;
        serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await??;
    Ok(HttpResponse::Ok().json(report))
}

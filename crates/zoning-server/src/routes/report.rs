//! `GET /report`: the reconciliation of the approved registry against the
//! resolution's targets, as JSON, CSV or HTML.

use std::fmt::Write as _;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use zoning_core::registry::Registry;
use zoning_core::report::Reconciliation;
use zoning_core::store::View;
use zoning_core::targets::{Comparison, Targets};
use zoning_core::zone::ZoneProperties;

use super::wants_html;
use crate::error::{ApiError, ApiResult};
use std::collections::HashMap;

use zoning_core::area::Areas;

use crate::state::AppState;

/// `?f=json|csv|html`, `?by=commune`, `?target_set=` (default the Bắc
/// Giang resolution's).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    f: Option<String>,
    by: Option<String>,
    target_set: Option<String>,
}

/// The report by commune of the approved zones (`/report?by=commune`).
///
/// # Errors
/// When a stored zone cannot be read or PROJ fails.
pub fn by_commune(state: &AppState) -> ApiResult<Vec<zoning_core::admin::CommuneLine>> {
    let cached = state.zones(View::Public)?;
    let zones = cached
        .iter()
        .map(|z| {
            ZoneProperties::from_json(z.properties().clone())
                .and_then(|p| p.into_zone(z.code.clone(), z.grid.clone()))
                .map_err(|e| ApiError::Internal(format!("zone {}: {e}", z.code)))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let areas: Vec<f64> = cached
        .iter()
        .map(|z| z.areas().map(|a| a.grid_area_ha))
        .collect::<ApiResult<_>>()?;
    Ok(state.admin()?.industry(&zones, &areas))
}

fn commune_html(lines: &[zoning_core::admin::CommuneLine]) -> String {
    let mut rows = String::new();
    for l in lines {
        let _ = write!(
            rows,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2} %</td></tr>",
            esc(&l.code),
            esc(&l.name),
            esc(&l.former_districts.join(", ")),
            l.zones,
            l.kcn,
            l.ccn,
            l.kcn_ha,
            l.ccn_ha,
            l.area_ha,
            l.industry_share * 100.0
        );
    }
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Theo xã, phường / By commune</title>\
         <style>body{{font-family:sans-serif}}td,th{{padding:2px 8px;text-align:right}}td:nth-child(-n+3){{text-align:left}}</style></head>\
         <body><h1>Đất công nghiệp theo xã, phường / Industrial land by commune</h1>\
         <table><tr><th>Mã / Code</th><th>Tên / Name</th><th>Huyện cũ / Former district</th><th>Khu / Zones</th><th>KCN</th><th>CCN</th><th>KCN ha</th><th>CCN ha</th><th>Diện tích xã / Commune ha</th><th>Tỷ lệ / Share</th></tr>{rows}</table>\
         <p>Ranh giới các khu là minh họa / The zone boundaries are illustrative.</p></body></html>"
    )
}

/// Computes the reconciliation of the approved zones, from the areas the
/// cache already holds (no boundary is transformed again).
///
/// # Errors
/// When a stored zone cannot be read as the zone model.
pub fn reconciliation(state: &AppState, set: &str) -> ApiResult<Reconciliation> {
    let (text, file) = crate::shipped::targets(set).map_err(ApiError::BadRequest)?;
    let cached = state.zones(View::Public)?;
    let mut areas: HashMap<&str, Areas> = HashMap::with_capacity(cached.len());
    let zones = cached
        .iter()
        .map(|z| {
            areas.insert(&z.code, z.areas()?);
            ZoneProperties::from_json(z.properties().clone())
                .and_then(|p| p.into_zone(z.code.clone(), z.grid.clone()))
                .map_err(|e| ApiError::Internal(format!("zone {}: {e}", z.code)))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let registry =
        Registry::new(zones, "registry").map_err(|e| ApiError::Conflict(e.to_string(), None))?;
    let targets = Targets::parse(text, file).map_err(|e| ApiError::Internal(e.to_string()))?;
    let areas: Vec<Areas> = registry
        .zones()
        .iter()
        .map(|z| {
            areas
                .get(z.code.as_str())
                .copied()
                .ok_or_else(|| ApiError::Internal(format!("zone {} has no cached areas", z.code)))
        })
        .collect::<ApiResult<_>>()?;
    Ok(Reconciliation::with_areas(&registry, &targets, &areas))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn html(r: &Reconciliation) -> String {
    let mut rows = String::new();
    for l in &r.lines {
        let target = match (l.target_count, l.comparison) {
            (Some(c), Comparison::AtLeast) => format!("≥ {c}"),
            (Some(c), Comparison::Equal) => c.to_string(),
            (None, _) => String::new(),
        };
        let _ = write!(
            rows,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td></tr>",
            if l.count_met == Some(false) { " class=\"short\"" } else { "" },
            esc(&l.label),
            target,
            l.count,
            l.target_area_ha.map(|a| format!("{a:.2}")).unwrap_or_default(),
            l.declared_area_ha,
            l.grid_area_ha,
            l.geodesic_area_ha
        );
    }
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Đối chiếu chỉ tiêu / Reconciliation</title>\
         <style>body{{font-family:sans-serif}}td,th{{padding:2px 8px;text-align:right}}td:first-child{{text-align:left}}.short{{color:#b00}}</style></head>\
         <body><h1>Đối chiếu với chỉ tiêu / Reconciliation with the targets</h1><p>{}</p>\
         <table><tr><th>Chỉ tiêu / Line</th><th>Mục tiêu / Target</th><th>Số / Count</th><th>Mục tiêu ha</th><th>Công bố / Declared ha</th><th>Lưới / Grid ha</th><th>Trắc địa / Geodesic ha</th></tr>{rows}</table>\
         <p>Ranh giới các khu là minh họa / The zone boundaries are illustrative.</p></body></html>",
        esc(&r.targets_source)
    )
}

/// `GET /report`.
pub async fn get_report(
    req: HttpRequest,
    q: web::Query<ReportQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    match q.by.as_deref() {
        None => {}
        Some("commune") => {
            let st = state.clone();
            let lines = web::block(move || by_commune(&st)).await??;
            return match q.f.as_deref() {
                Some("csv") => Ok(HttpResponse::Ok()
                    .content_type("text/csv; charset=utf-8")
                    .body(
                        zoning_core::admin::industry_csv(&lines)
                            .map_err(|e| ApiError::Internal(e.to_string()))?,
                    )),
                Some("html") | None if wants_html(&req, q.f.as_deref()) => Ok(HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(commune_html(&lines))),
                Some("json") | None => {
                    Ok(HttpResponse::Ok().json(serde_json::json!({"communes": lines})))
                }
                Some(other) => Err(ApiError::BadRequest(format!(
                    "f={other}: use json, csv or html"
                ))),
            };
        }
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "by={other}: the report is by line of the targets (no by) or by=commune"
            )))
        }
    }
    let st = state.clone();
    let set = q
        .target_set
        .clone()
        .unwrap_or_else(|| zoning_core::zone::BAC_GIANG_TARGETS.to_owned());
    let r = web::block(move || reconciliation(&st, &set)).await??;
    match q.f.as_deref() {
        Some("csv") => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(r.to_csv().map_err(|e| ApiError::Internal(e.to_string()))?)),
        Some("html") | None if wants_html(&req, q.f.as_deref()) => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html(&r))),
        Some("json") | None => Ok(HttpResponse::Ok().json(r)),
        Some(other) => Err(ApiError::BadRequest(format!(
            "f={other}: use json, csv or html"
        ))),
    }
}

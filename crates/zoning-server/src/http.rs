//! HTTP as clients expect it, for every route at once: `HEAD` on every `GET`
//! route, `ETag` and `Cache-Control` on what is read, `If-None-Match` → `304`,
//! CORS for reads (with preflight), and the security headers of the map.
//! Compression (gzip, brotli) is actix-web's `Compress`, wrapped outside.

use std::hash::{Hash, Hasher};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use actix_web::ResponseError;

use crate::error::ApiError;
use crate::state::AppState;

/// The map's Content Security Policy: its own scripts, styles and data; tiles
/// from OpenStreetMap when a user turns that layer on; never framed.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob: https://tile.openstreetmap.org; connect-src 'self'; \
font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Seconds a hashed asset (`/assets/…-HASH.js`) may be kept.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Whether `origin` may read (the configured `cors_origins`; `*` for any).
fn allowed_origin(state: Option<&web::Data<AppState>>, origin: &str) -> Option<String> {
    let origins = state.map_or(&[][..], |s| s.config.cors_origins.as_slice());
    if origins.iter().any(|o| o == "*") {
        Some("*".into())
    } else {
        origins.iter().find(|o| *o == origin).cloned()
    }
}

fn set(h: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// The answer to a CORS preflight (`OPTIONS` with
/// `Access-Control-Request-Method`), or to a plain `OPTIONS`.
fn preflight(req: &ServiceRequest) -> HttpResponse {
    let state = req.app_data::<web::Data<AppState>>();
    let mut r = HttpResponse::NoContent();
    r.insert_header((
        header::ALLOW,
        "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
    ));
    let mut res = r.finish();
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let wanted = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .and_then(|v| v.to_str().ok());
    if let (Some(origin), Some(wanted)) = (origin, wanted) {
        // reads only: a write from another origin is never allowed
        if matches!(wanted, "GET" | "HEAD") {
            if let Some(allow) = allowed_origin(state, origin) {
                let h = res.headers_mut();
                set(h, header::ACCESS_CONTROL_ALLOW_ORIGIN, &allow);
                set(
                    h,
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    "GET, HEAD, OPTIONS",
                );
                set(
                    h,
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    "Accept, Accept-Language, If-None-Match, Content-Crs",
                );
                set(h, header::ACCESS_CONTROL_MAX_AGE, "86400");
                set(h, header::VARY, "Origin");
            }
        }
    }
    res
}

/// What is refused before a body is read: a compressed request body (a small
/// one can unpack to megabytes), a declared length over the route's limit, and
/// a write without any credentials.
fn refuse_early(req: &ServiceRequest) -> Option<ApiError> {
    let h = req.headers();
    if h.get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"))
    {
        return Some(ApiError::UnsupportedMediaType(
            "compressed request bodies (Content-Encoding) are not accepted; send the body as it is"
                .into(),
        ));
    }
    let path = req.path();
    let write = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let open = path == "/validate" || path == "/login";
    if write && !open && !h.contains_key(header::AUTHORIZATION) {
        return Some(ApiError::Unauthorized(
            "this change needs a bearer token (sign in with POST /login, or ask an administrator for one)".into(),
        ));
    }
    let state = req.app_data::<web::Data<AppState>>()?;
    let limit = if path == "/login" {
        crate::routes::login::MAX_LOGIN_BYTES
    } else if path == "/validate" || path.starts_with("/collections/zones/items") {
        state.config.max_feature_bytes
    } else {
        return None;
    };
    let length = h
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok())?;
    (length > limit).then(|| {
        ApiError::TooLarge(format!(
            "the body has {length} bytes; {path} takes at most {limit}{}",
            if limit == state.config.max_feature_bytes {
                " (max_feature_bytes)"
            } else {
                ""
            }
        ))
    })
}

/// A weak validator of a body: its hash.
fn body_etag(bytes: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("W/\"{:016x}\"", h.finish())
}

/// Whether `If-None-Match` names `etag` (weak comparison, RFC 9110 §13.1.2).
pub(crate) fn none_match(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match.trim() == "*" || if_none_match.split(',').any(|t| bare(t) == bare(etag))
}

/// The middleware (`actix_web::middleware::from_fn`).
///
/// # Errors
/// What the wrapped service answers.
pub async fn semantics(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> actix_web::Result<ServiceResponse<BoxBody>> {
    if req.method() == Method::OPTIONS {
        let res = preflight(&req);
        return Ok(req.into_response(res));
    }
    if let Some(refusal) = refuse_early(&req) {
        let res = refusal.error_response();
        return Ok(req.into_response(res));
    }
    if req.method() == Method::HEAD {
        // every GET route answers HEAD; the server sends no body for it
        req.head_mut().method = Method::GET;
    }
    let read = req.method() == Method::GET;
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let private = req.headers().contains_key(header::AUTHORIZATION);
    let asset = req.path().starts_with("/assets/");
    let allow = origin
        .as_deref()
        .and_then(|o| allowed_origin(req.app_data::<web::Data<AppState>>(), o));
    let res = next.call(req).await?;
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let h = res.headers_mut();
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        h,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    if html {
        set(h, header::CONTENT_SECURITY_POLICY, CSP);
        set(h, header::X_FRAME_OPTIONS, "DENY");
    }
    if read {
        if let Some(allow) = &allow {
            set(h, header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
            set(
                h,
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                "ETag, Content-Crs, Location, Link",
            );
        }
    }
    if !(read && res.status() == StatusCode::OK) {
        let res = res.set_body(body).map_into_boxed_body();
        return Ok(ServiceResponse::new(req, res));
    }
    // what is read carries a validator and a caching rule
    let bytes = body::to_bytes(body)
        .await
        .map_err(|_| actix_web::error::ErrorInternalServerError("the answer could not be read"))?;
    let h = res.headers_mut();
    let etag = if let Some(e) = h.get(header::ETAG).and_then(|v| v.to_str().ok()) {
        e.to_owned()
    } else {
        let e = body_etag(&bytes);
        set(h, header::ETAG, &e);
        e
    };
    let cache = if asset {
        IMMUTABLE
    } else if private {
        // a planner's view holds drafts: never in a shared cache
        "private, no-cache"
    } else {
        "public, no-cache"
    };
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, cache);
    }
    set(
        h,
        header::VARY,
        "Authorization, Accept, Accept-Encoding, Origin",
    );
    if if_none_match.is_some_and(|inm| none_match(&inm, &etag)) {
        let mut not_modified = HttpResponse::NotModified();
        for (k, v) in res.headers() {
            if k != header::CONTENT_LENGTH && k != header::CONTENT_TYPE {
                not_modified.insert_header((k.clone(), v.clone()));
            }
        }
        return Ok(ServiceResponse::new(req, not_modified.finish()));
    }
    // for a HEAD request the HTTP/1 codec sends these headers and no body
    let res = res.set_body(bytes).map_into_boxed_body();
    Ok(ServiceResponse::new(req, res))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_lists() {
        assert!(none_match("\"12\"", "\"12\""));
        assert!(none_match("W/\"12\"", "\"12\""));
        assert!(none_match("\"1\", \"12\"", "W/\"12\""));
        assert!(none_match("*", "\"5\""));
        assert!(!none_match("\"13\"", "\"12\""));
    }
}

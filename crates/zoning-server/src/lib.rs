//! `zoning-server`: the registry as an HTTP service. OGC API – Features Part 1
//! (core, GeoJSON, OpenAPI 3.0), Part 2 (CRS: CRS84 and EPSG:9214) and Part 4
//! (create, replace, update, delete) on `zones` and `markers`, with `ETag` /
//! `If-Match`, roles through bearer tokens, version history, a dry-run
//! `/validate`, marker CSV upload, the reconciliation `/report`, exports and
//! `/health`. Errors are `application/problem+json` (RFC 9457).
//!
//! The app is assembled in [`serve`]; [`router`] mounts the routes and is
//! reused by the tests over a temporary database.
#![forbid(unsafe_code)]
// Handlers answer their errors as HTTP problems, listed in docs/api.md and /api.
#![allow(clippy::missing_errors_doc)]

pub mod auth;
pub mod config;
pub mod error;
pub mod http;
pub mod limiter;
pub mod routes;
pub mod shipped;
pub mod state;
pub mod tile;
pub mod visibility;

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, App, HttpServer};
use zoning_core::crs::GridTransform;
use zoning_core::intake::Limits;
use zoning_core::store::{Change, NewZoneVersion, Status, Store};

pub use config::Config;
pub use error::{ApiError, ApiResult};
pub use routes::router;
pub use state::AppState;

/// Loads the shipped data set (`data/zones.geojson`) into an empty store, every
/// zone as an approved version, through the one intake path; returns how many.
///
/// # Errors
/// When the shipped data cannot be read or the store fails.
pub fn load_shipped(store: &dyn Store) -> Result<usize, String> {
    let t = GridTransform::new().map_err(|e| e.to_string())?;
    let features =
        zoning_core::io::geojson::read_features(shipped::ZONES, "data/zones.geojson", &t)
            .map_err(|e| e.to_string())?;
    let admin = shipped::admin(&t)?;
    let ctx = zoning_core::intake::Context::new(Limits::default()).with_admin(&admin);
    let versions = features
        .iter()
        .map(|f| {
            let c = zoning_core::intake::zone(&f.code, &f.properties, &f.grid, &ctx)
                .map_err(|e| format!("data/zones.geojson: {}: {e}", f.label()))?;
            Ok(NewZoneVersion {
                code: c.code,
                status: Status::Approved,
                properties: c.properties.to_json(),
                grid: c.grid,
                change: Change {
                    author: "zoning".into(),
                    reason: Some(
                        "initial load of the shipped data set (illustrative boundaries)".into(),
                    ),
                    decision: Some("data/zones.geojson (see docs/data.md)".into()),
                },
                findings: serde_json::Value::Array(vec![]),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    store.append_zones(versions).map_err(|e| e.to_string())
}

/// Answers every error that is not already a problem document (a route that
/// does not exist, a wrong method, a body over the limit) as one.
#[allow(clippy::unnecessary_wraps)] // the signature ErrorHandlers wants
fn problem_json<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status.as_u16() {
        404 => "no such resource; start at / (the landing page) or /collections".to_owned(),
        405 => "this method is not allowed on this resource".to_owned(),
        413 => "the request body is larger than the service accepts (max_body_bytes)".to_owned(),
        _ => res.response().error().map_or_else(
            || status.canonical_reason().unwrap_or("error").to_owned(),
            ToString::to_string,
        ),
    };
    let (req, _) = res.into_parts();
    let body = error::problem(
        status,
        status.canonical_reason().unwrap_or("Error"),
        &detail,
    );
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, body).map_into_right_body(),
    ))
}

/// The error handlers every app uses (also in tests).
#[must_use]
pub fn error_handlers<B: MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(problem_json)
}

/// A request log line through `tracing`.
async fn log_request(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> actix_web::Result<ServiceResponse<impl MessageBody>> {
    let start = Instant::now();
    let (method, path) = (req.method().clone(), req.path().to_owned());
    let res = next.call(req).await?;
    tracing::info!(%method, %path, status = res.status().as_u16(), micros = start.elapsed().as_micros(), "request");
    Ok(res)
}

/// Configures an app: state, body limits, error documents, routes, static web.
pub fn configure(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let limit = state.config.max_body_bytes;
        let web_dir = state.config.web_dir.clone();
        cfg.app_data(state)
            .app_data(web::PayloadConfig::new(limit))
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                ApiError::BadRequest(format!("the query string cannot be read: {e}")).into()
            }))
            .configure(router);
        if let Some(dir) = web_dir.filter(|d| d.join("assets").is_dir()) {
            cfg.service(actix_files::Files::new("/assets", dir.join("assets")));
        }
    }
}

/// More announcements than this at once (an import) are one reload of the
/// cache rather than a refresh per zone.
const MANY_CHANGES: usize = 1000;

/// Keeps the cache in step with what other servers on the same database
/// write: the store announces every zone version
/// ([`ZoneStore::watch`](zoning_core::store::ZoneStore::watch):
/// PostgreSQL's `LISTEN`), and a thread of ours refreshes those zones (their
/// items, `ETag`s, boxes and tiles follow from the cache), or reloads
/// everything after an import or a lost connection. Nothing is polled; a
/// store that is not shared (SQLite) announces nothing.
///
/// # Errors
/// When the store fails to start listening.
fn follow(
    state: web::Data<AppState>,
    warm: std::sync::mpsc::Sender<()>,
) -> Result<(), zoning_core::store::StoreError> {
    use zoning_core::store::Changed;
    let (tx, rx) = std::sync::mpsc::channel::<Changed>();
    let listening = state.store.watch(Arc::new(move |c| {
        let _ = tx.send(c);
    }))?;
    if !listening {
        return Ok(());
    }
    tracing::info!("following the writes of other servers on the same database");
    let spawned = std::thread::Builder::new()
        .name("zoning-follow".into())
        .spawn(move || {
            let mut reload = false;
            while let Ok(first) = rx.recv() {
                let mut codes = std::collections::BTreeSet::new();
                let mut next = Some(first);
                while let Some(c) = next {
                    match c {
                        Changed::All => reload = true,
                        Changed::Zone(code) => {
                            codes.insert(code);
                        }
                    }
                    next = rx.try_recv().ok();
                }
                if codes.len() > MANY_CHANGES {
                    reload = true;
                }
                if !reload {
                    for code in &codes {
                        if let Err(e) = state.refresh(code) {
                            tracing::warn!(%code, error = %e, "a zone written by another server could not be read; the cache will be reloaded");
                            reload = true;
                            break;
                        }
                    }
                }
                while reload {
                    match state.reload() {
                        Ok(()) => {
                            reload = false;
                            // the new entries' forms, on the warm thread:
                            // this one goes back to listening at once
                            let _ = warm.send(());
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "reloading the cache failed; trying again in a second");
                            std::thread::sleep(std::time::Duration::from_secs(1));
                        }
                    }
                }
            }
        });
    spawned
        .map(|_| ())
        .map_err(|e| zoning_core::store::StoreError::Backend(e.to_string()))
}

/// Starts the thread that makes the cached zones' WGS84 and Mercator forms
/// ([`AppState::warm`]) now and whenever it is sent a `()` (after a reload);
/// requests sent while it works are one more pass, not one each.
///
/// # Errors
/// When the thread cannot be started.
pub fn warm_thread(state: web::Data<AppState>) -> std::io::Result<std::sync::mpsc::Sender<()>> {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::Builder::new()
        .name("zoning-warm".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                while rx.try_recv().is_ok() {}
                state.warm();
            }
        })?;
    let _ = tx.send(());
    Ok(tx)
}

/// Runs the service until it is stopped.
///
/// # Errors
/// When the address cannot be bound or the state cannot be built.
pub async fn serve(config: Config, store: Arc<dyn Store>) -> std::io::Result<()> {
    let bind = config.bind.clone();
    let state = web::block(move || AppState::new(store, config))
        .await
        .map_err(std::io::Error::other)?
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let state = web::Data::new(state);
    // on a blocking thread: the store connects with a blocking client, which
    // must not run on the runtime's own thread (it panicked there)
    let warm = warm_thread(state.clone())?;
    let followed = state.clone();
    web::block(move || follow(followed, warm))
        .await
        .map_err(std::io::Error::other)?
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let blocking = state.config.blocking_threads;
    if state.config.base_url.is_none()
        && bind
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.ip().is_unspecified())
    {
        tracing::warn!(%bind, "listening on every address without base_url: links will name localhost; set base_url");
    }
    tracing::info!(%bind, "zoning is listening");
    HttpServer::new(move || {
        // each worker thread sets up its PROJ objects before it takes a
        // request (a `bbox` is transformed on the worker), not on its first
        // bbox query; a failure shows on that request
        let _ = state::with_grid(|_| Ok(()));
        App::new()
            .wrap(error_handlers())
            .wrap(actix_web::middleware::from_fn(log_request))
            .wrap(actix_web::middleware::from_fn(http::semantics))
            .wrap(actix_web::middleware::Compress::default())
            .configure(configure(state.clone()))
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, ApiError>(ApiError::NotFound(
                    "no such resource; start at / or /collections".into(),
                ))
            }))
    })
    .worker_max_blocking_threads(blocking)
    .bind(bind)?
    .run()
    .await
}

//! What the HTTP tests share: a registry with the shipped data and three users
//! in a temporary database, the app built from `router()`, and small helpers.
#![allow(dead_code, unused_macros)] // each test file uses a part

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{test, web};
use serde_json::Value;
use zoning_core::store::{Role, Store};
use zoning_server::{load_shipped, AppState, Config};
use zoning_store::pg::TestDatabase;
use zoning_store::{PgStore, SqliteStore};

/// A new registry: a SQLite file in `dir`, or, when `ZONING_TEST_STORE` is
/// `postgres`, a new database in the cluster `ZONING_TEST_PG` names (`make
/// unit` runs these tests both ways). Keep the database guard until the store
/// is no longer used: dropping it drops the database.
pub fn open_store(dir: &std::path::Path) -> (Arc<dyn Store>, Option<TestDatabase>) {
    if std::env::var("ZONING_TEST_STORE").as_deref() == Ok("postgres") {
        let base = std::env::var("ZONING_TEST_PG")
            .expect("ZONING_TEST_STORE=postgres needs ZONING_TEST_PG (scripts/pg.sh start)");
        let db = zoning_store::pg::create_test_database(&base, "zh").expect("database");
        let store = Arc::new(PgStore::open(db.url()).expect("PostgreSQL store"));
        return (store, Some(db));
    }
    (
        Arc::new(SqliteStore::open(&dir.join("z.db")).expect("db")),
        None,
    )
}

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub state: web::Data<AppState>,
    pub planner: String,
    pub admin: String,
    pub surveyor: String,
    /// Last, so that the state's store is dropped before its database.
    pub _db: Option<TestDatabase>,
}

pub fn fixture(max_body: usize) -> Fixture {
    fixture_with(Config {
        max_body_bytes: max_body,
        ..Config::default()
    })
}

/// A fixture with these settings.
pub fn fixture_with(config: Config) -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, db) = open_store(dir.path());
    load_shipped(&*store).expect("shipped");
    let planner = store.add_user("lan", Role::Planner).expect("planner");
    let admin = store.add_user("minh", Role::Admin).expect("admin");
    let surveyor = store.add_user("hoa", Role::Surveyor).expect("surveyor");
    let state = web::Data::new(AppState::new(store, config).expect("state"));
    Fixture {
        _dir: dir,
        state,
        planner,
        admin,
        surveyor,
        _db: db,
    }
}

macro_rules! app {
    ($f:expr) => {
        test::init_service(
            actix_web::App::new()
                .wrap(zoning_server::error_handlers())
                .wrap(actix_web::middleware::from_fn(
                    zoning_server::http::semantics,
                ))
                .configure(zoning_server::configure($f.state.clone())),
        )
        .await
    };
}

/// GET `uri` without credentials: the response.
macro_rules! get {
    ($app:expr, $uri:expr) => {
        test::call_service(&$app, test::TestRequest::get().uri($uri).to_request()).await
    };
}

/// GET `uri` and parse the body as JSON.
macro_rules! get_json {
    ($app:expr, $uri:expr) => {
        body_json(get!($app, $uri)).await
    };
}

pub async fn body_json<B: actix_web::body::MessageBody>(
    resp: actix_web::dev::ServiceResponse<B>,
) -> Value {
    let bytes = test::read_body(resp).await;
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

/// A POST of `body` as JSON to `uri`, with the bearer token when given.
pub fn post_json(uri: &str, token: Option<&str>, body: &Value) -> test::TestRequest {
    let r = test::TestRequest::post().uri(uri).set_json(body);
    match token {
        Some(t) => r.insert_header(bearer(t)),
        None => r,
    }
}

pub fn bearer(t: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {t}"))
}

//! Accounts over HTTP, as clients use them: signing in with a password,
//! sessions, the sign-in limit, expired, revoked and rotated tokens, signing
//! out, and what the audit log keeps.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::{header, StatusCode};
use actix_web::{test, web, App};
use serde_json::{json, Value};
use zoning_core::store::{AuditEntry, Role, Store};
use zoning_server::{configure, error_handlers, load_shipped, AppState, Config};
mod common;

/// The password of `LAN_PHC`.
const LAN_PASSWORD: &str = "correct horse battery staple";
/// Made by the reference implementation (Debian's `argon2` 0~20171227):
/// `echo -n "correct horse battery staple" | argon2 zoning-test-salt -id -t 2 -k 19456 -p 1 -e`
const LAN_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$em9uaW5nLXRlc3Qtc2FsdA$k763S14Y4kTy3UBHEuIVa4uSbAwU0mTegVAqI4oMqYQ";

struct Fixture {
    _dir: tempfile::TempDir,
    state: web::Data<AppState>,
    planner: String,
    surveyor: String,
    /// Last, so that the state's store is dropped before its database.
    _db: Option<zoning_store::pg::TestDatabase>,
}

impl Fixture {
    fn store(&self) -> &Arc<dyn Store> {
        &self.state.store
    }

    fn audit(&self) -> Vec<AuditEntry> {
        self.store().audit_log(100).expect("audit log")
    }
}

/// A registry with the shipped zones; `lan` (planner, with a password) and
/// `hoa` (surveyor), each with an API token.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tmp");
    let (store, db) = common::open_store(dir.path());
    load_shipped(&*store).expect("shipped");
    let planner = store.add_user("lan", Role::Planner).expect("planner");
    let surveyor = store.add_user("hoa", Role::Surveyor).expect("surveyor");
    store.set_password("lan", LAN_PHC).expect("password");
    let state = web::Data::new(AppState::new(store, Config::default()).expect("state"));
    Fixture {
        _dir: dir,
        state,
        planner,
        surveyor,
        _db: db,
    }
}

macro_rules! app {
    ($f:expr) => {
        test::init_service(
            App::new()
                .wrap(error_handlers())
                .configure(configure($f.state.clone())),
        )
        .await
    };
}

/// Sends a request to the app: the response.
macro_rules! call {
    ($app:expr, $req:expr) => {
        test::call_service(&$app, $req.to_request())
    };
}

async fn body_json<B: actix_web::body::MessageBody>(
    resp: actix_web::dev::ServiceResponse<B>,
) -> Value {
    let bytes = test::read_body(resp).await;
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

fn bearer(t: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {t}"))
}

fn addr(ip: &str) -> SocketAddr {
    format!("{ip}:40000").parse().expect("address")
}

/// `POST /login` from `ip`.
fn login(name: &str, password: &str, ip: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/login")
        .peer_addr(addr(ip))
        .set_json(json!({"name": name, "password": password}))
}

/// `GET /whoami` with a token.
fn whoami(token: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri("/whoami")
        .peer_addr(addr("198.51.100.1"))
        .insert_header(bearer(token))
}

/// A new zone of its own, away from the shipped ones' codes.
fn new_zone(token: &str, ip: &str) -> test::TestRequest {
    let (lon, lat) = (106.2, 21.3);
    let d = 0.003;
    test::TestRequest::post()
        .uri("/collections/zones/items")
        .peer_addr(addr(ip))
        .insert_header((header::CONTENT_TYPE, "application/geo+json"))
        .insert_header(bearer(token))
        .set_json(json!({"type": "Feature", "id": "CCN-ACCOUNTS-TEST",
            "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]},
            "properties": {"kind": "CCN", "name": "CCN thử tài khoản", "change_reason": "accounts test"}}))
}

/// The `detail` of a problem response, checking its status.
async fn problem<B: actix_web::body::MessageBody>(
    resp: actix_web::dev::ServiceResponse<B>,
    status: StatusCode,
) -> String {
    assert_eq!(resp.status(), status);
    let body = body_json(resp).await;
    body["detail"].as_str().expect("detail").to_owned()
}

#[actix_web::test]
async fn signing_in_gives_a_session_that_can_write() {
    let f = fixture();
    let app = app!(f);
    let resp = call!(app, login("lan", LAN_PASSWORD, "192.0.2.10")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let session = body_json(resp).await;
    assert_eq!(session["role"], "planner");
    assert_eq!(session["name"], "lan");
    let token = session["token"].as_str().expect("token").to_owned();
    assert_ne!(token, f.planner, "a new token, not the API one");
    // twelve hours by default
    let expires =
        chrono::DateTime::parse_from_rfc3339(session["expires_at"].as_str().expect("expires_at"))
            .expect("RFC 3339");
    let left = expires.signed_duration_since(chrono::Utc::now());
    assert!(
        left > chrono::TimeDelta::minutes(11 * 60 + 59) && left <= chrono::TimeDelta::hours(12),
        "{left}"
    );
    // the session writes as lan
    let created = call!(app, new_zone(&token, "192.0.2.10")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body = body_json(created).await;
    assert_eq!(body["properties"]["recorded_by"], "lan");
    let history = f.store().history("CCN-ACCOUNTS-TEST").expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].change.author, "lan");
    // the sign-in is in the audit log with the address
    let log = f.audit();
    assert!(
        log.iter().any(|e| e.entry.action == "login"
            && e.entry.outcome == "success"
            && e.entry.actor.as_deref() == Some("lan")
            && e.entry.remote.as_deref() == Some("192.0.2.10")),
        "{log:?}"
    );
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_name_get_the_same_answer() {
    let f = fixture();
    let app = app!(f);
    // the first sign-in makes the decoy hash; not timed
    let warm = call!(app, login("lan", LAN_PASSWORD, "192.0.2.20")).await;
    assert_eq!(warm.status(), StatusCode::OK);
    let mut timed = Vec::new();
    let mut details = Vec::new();
    for (i, (name, password)) in [
        ("lan", "correct horse battery stapl"),
        ("nobody", LAN_PASSWORD),
        ("lan", "Correct horse battery staple"),
        ("nobody", "correct horse battery stapl"),
        ("hoa", LAN_PASSWORD), // exists, has no password
    ]
    .into_iter()
    .enumerate()
    {
        let start = Instant::now();
        let resp = call!(app, login(name, password, &format!("192.0.2.{}", 21 + i))).await;
        timed.push((name, start.elapsed()));
        assert!(resp.headers().contains_key(header::WWW_AUTHENTICATE));
        details.push(problem(resp, StatusCode::UNAUTHORIZED).await);
    }
    assert!(details.iter().all(|d| *d == details[0]), "{details:?}");
    assert!(details[0].contains("wrong name or password"));
    // an unknown name is verified against a decoy hash: it takes as long, to
    // within noise, as a wrong password (without the decoy it would be ~1000x
    // faster)
    let fastest_known = timed
        .iter()
        .filter(|(n, _)| *n == "lan")
        .map(|(_, t)| *t)
        .min()
        .expect("known");
    for (name, t) in &timed {
        assert!(
            *t * 5 > fastest_known,
            "{name}: {t:?} against {fastest_known:?} for a known name"
        );
    }
    // a body that is not {"name", "password"} is a 400
    let bad = test::TestRequest::post()
        .uri("/login")
        .set_json(json!({"user": "lan"}));
    assert_eq!(call!(app, bad).await.status(), StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn the_sixth_failure_is_told_to_wait() {
    let f = fixture();
    let app = app!(f);
    for _ in 0..5 {
        let resp = call!(app, login("lan", "not the password", "203.0.113.5")).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    let resp = call!(app, login("lan", "not the password", "203.0.113.5")).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((295..=300).contains(&wait), "{wait}");
    let detail = problem(resp, StatusCode::TOO_MANY_REQUESTS).await;
    assert!(detail.contains("try again in"), "{detail}");
    // even the right password waits, from this address or for this name
    let right = call!(app, login("lan", LAN_PASSWORD, "203.0.113.5")).await;
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = call!(app, login("lan", LAN_PASSWORD, "203.0.113.6")).await;
    assert_eq!(elsewhere.status(), StatusCode::TOO_MANY_REQUESTS);
    let other_name = call!(app, login("hoa", "whatever it is", "203.0.113.5")).await;
    assert_eq!(other_name.status(), StatusCode::TOO_MANY_REQUESTS);
    // another name from another address is not held up
    let other = call!(app, login("hoa", "whatever it is", "203.0.113.7")).await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    // the refusals are recorded
    let log = f.audit();
    assert_eq!(
        log.iter()
            .filter(|e| e.entry.action == "login" && e.entry.outcome == "failure")
            .count(),
        6
    );
    assert!(log.iter().any(|e| e.entry.action == "login"
        && e.entry.outcome == "refused"
        && e.entry.remote.as_deref() == Some("203.0.113.5")));
}

#[actix_web::test]
async fn an_expired_token_is_refused_as_expired() {
    let f = fixture();
    let app = app!(f);
    let session = f
        .store()
        .issue_session("lan", Duration::ZERO)
        .expect("session");
    let detail = problem(
        call!(app, whoami(&session.token)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(detail.contains("expired"), "{detail}");
    assert!(detail.contains("sign in again"), "{detail}");
    // an API token past its expiry, on a write
    let api = f
        .store()
        .rotate_token("hoa", Some(Duration::ZERO))
        .expect("rotate");
    let upload = test::TestRequest::post()
        .uri("/markers/upload")
        .insert_header(bearer(&api.token))
        .set_payload("id,x,y\nM1,2350000,400000\n");
    let detail = problem(call!(app, upload).await, StatusCode::UNAUTHORIZED).await;
    assert!(detail.contains("expired"), "{detail}");
    assert!(f.audit().iter().any(|e| e.entry.action == "token"
        && e.entry.outcome == "refused"
        && e.entry.target.as_deref() == Some("hoa")
        && e.entry
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("expired"))));
}

#[actix_web::test]
async fn a_revoked_user_is_refused_as_revoked() {
    let f = fixture();
    let app = app!(f);
    assert_eq!(
        call!(app, whoami(&f.surveyor)).await.status(),
        StatusCode::OK
    );
    assert_eq!(f.store().revoke_user("hoa").expect("revoke"), 1);
    let detail = problem(
        call!(app, whoami(&f.surveyor)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(detail.contains("revoked"), "{detail}");
    // a revoked user with a password cannot sign in either
    f.store().set_password("hoa", LAN_PHC).expect("password");
    let detail = problem(
        call!(app, login("hoa", LAN_PASSWORD, "192.0.2.40")).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(detail.contains("revoked"), "{detail}");
}

#[actix_web::test]
async fn rotating_makes_the_old_token_fail() {
    let f = fixture();
    let app = app!(f);
    let new = f.store().rotate_token("lan", None).expect("rotate");
    let detail = problem(
        call!(app, whoami(&f.planner)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(detail.contains("revoked"), "{detail}");
    let me = body_json(call!(app, whoami(&new.token)).await).await;
    assert_eq!(me, json!({"name": "lan", "role": "planner"}));
}

#[actix_web::test]
async fn the_audit_log_keeps_failures_and_refusals() {
    let f = fixture();
    let app = app!(f);
    let failed = call!(app, login("lan", "a wrong password", "198.51.100.77")).await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    // a surveyor may not create zones
    let refused = call!(app, new_zone(&f.surveyor, "198.51.100.78")).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let unknown = call!(app, whoami("zt_not-a-token")).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let log = f.audit();
    let failure = log
        .iter()
        .find(|e| e.entry.action == "login" && e.entry.outcome == "failure")
        .expect("the failed sign-in");
    assert_eq!(failure.entry.target.as_deref(), Some("lan"));
    assert_eq!(failure.entry.actor, None);
    assert_eq!(failure.entry.remote.as_deref(), Some("198.51.100.77"));
    let forbidden = log
        .iter()
        .find(|e| e.entry.action == "authorize")
        .expect("the 403");
    assert_eq!(forbidden.entry.actor.as_deref(), Some("hoa"));
    assert_eq!(forbidden.entry.outcome, "refused");
    assert_eq!(forbidden.entry.remote.as_deref(), Some("198.51.100.78"));
    assert_eq!(
        forbidden.entry.target.as_deref(),
        Some("POST /collections/zones/items")
    );
    assert!(log.iter().any(|e| e.entry.action == "token"
        && e.entry
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("unknown token"))));
    // newest first
    assert!(log.windows(2).all(|w| w[0].id > w[1].id));
}

#[actix_web::test]
async fn signing_out_revokes_the_session() {
    let f = fixture();
    let app = app!(f);
    let session = body_json(call!(app, login("lan", LAN_PASSWORD, "192.0.2.50")).await).await;
    let token = session["token"].as_str().expect("token").to_owned();
    assert_eq!(call!(app, whoami(&token)).await.status(), StatusCode::OK);
    let logout = |t: &str| {
        test::TestRequest::post()
            .uri("/logout")
            .insert_header(bearer(t))
    };
    let resp = call!(app, logout(&token)).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let detail = problem(call!(app, whoami(&token)).await, StatusCode::UNAUTHORIZED).await;
    assert!(detail.contains("revoked"), "{detail}");
    // an API token is not signed out, and keeps working
    let resp = call!(app, logout(&f.planner)).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        call!(app, whoami(&f.planner)).await.status(),
        StatusCode::OK
    );
    // without a token there is nothing to sign out
    let none = test::TestRequest::post().uri("/logout");
    assert_eq!(call!(app, none).await.status(), StatusCode::UNAUTHORIZED);
    assert!(f
        .audit()
        .iter()
        .any(|e| e.entry.action == "logout" && e.entry.actor.as_deref() == Some("lan")));
}

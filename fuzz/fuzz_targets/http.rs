//! Request bodies and query strings as the service receives them, through the
//! whole actix app (`zoning_server::configure`) over a temporary store loaded
//! with the shipped zones. The first byte chooses the request; the rest is its
//! body (or its query string). No request may panic or answer 500.
#![no_main]

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::http::{header, Method, StatusCode, Uri};
use actix_web::{test, web, App};
use libfuzzer_sys::fuzz_target;
use zoning_core::store::{Role, Store, UserStore};
use zoning_server::{configure, error_handlers, load_shipped, AppState, Config};
use zoning_store::SqliteStore;

/// What a request came back with.
type Answer = (StatusCode, Option<header::HeaderValue>);
/// The app, built once (actix leaks its route patterns by design each time an
/// app is built), behind a closure so that its type need not be written.
type Call = Box<dyn Fn(test::TestRequest) -> Pin<Box<dyn Future<Output = Answer>>>>;

struct Service {
    _dir: tempfile::TempDir,
    token: String,
    call: Call,
    runtime: actix_web::rt::SystemRunner,
}

fn service() -> Service {
    // on tmpfs when there is one: every accepted write is an fsynced transaction
    let dir = tempfile::Builder::new()
        .prefix("zoning-fuzz")
        .tempdir_in(if std::path::Path::new("/dev/shm").is_dir() {
            "/dev/shm"
        } else {
            "/tmp"
        })
        .expect("tmp");
    let store = SqliteStore::open(&dir.path().join("z.db")).expect("db");
    load_shipped(&store).expect("shipped");
    // an admin may do everything a planner or a surveyor may
    let token = store.add_user("fuzz", Role::Admin).expect("user");
    let state = web::Data::new(
        AppState::new(Arc::new(store) as Arc<dyn Store>, Config::default()).expect("state"),
    );
    let runtime = actix_web::rt::System::new();
    let app = Rc::new(
        runtime.block_on(test::init_service(
            App::new()
                .wrap(error_handlers())
                .configure(configure(state)),
        )),
    );
    let call: Call = Box::new(move |req: test::TestRequest| {
        let app = Rc::clone(&app);
        Box::pin(async move {
            let resp = test::call_service(&*app, req.to_request()).await;
            (resp.status(), resp.headers().get(header::ETAG).cloned())
        })
    });
    Service {
        _dir: dir,
        token,
        call,
        runtime,
    }
}

thread_local! {
    // never dropped: actix's runtime cannot be torn down from a thread-local
    // destructor at exit (its own thread-locals are gone by then)
    static SERVICE: &'static Service = Box::leak(Box::new(service()));
}

/// The requests the fuzzer may send: method, path, content type, and whether
/// the input is the query string rather than the body.
const REQUESTS: [(Method, &str, &str, bool); 10] = [
    (
        Method::POST,
        "/collections/zones/items",
        "application/geo+json",
        false,
    ),
    (
        Method::PUT,
        "/collections/zones/items/KCN-QUANG-CHAU",
        "application/geo+json",
        false,
    ),
    (
        Method::PATCH,
        "/collections/zones/items/KCN-QUANG-CHAU",
        "application/merge-patch+json",
        false,
    ),
    (Method::POST, "/validate", "application/geo+json", false),
    (Method::POST, "/markers/upload", "text/csv", false),
    (
        Method::POST,
        "/collections/markers/items",
        "application/geo+json",
        false,
    ),
    (Method::GET, "/collections/zones/items", "", true),
    (Method::GET, "/collections/markers/items", "", true),
    (Method::POST, "/markers/upload", "text/csv", true),
    (Method::GET, "/report", "", true),
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (method, path, content_type, query) = &REQUESTS[usize::from(first) % REQUESTS.len()];
    let uri = if *query {
        let Ok(q) = std::str::from_utf8(rest) else {
            return;
        };
        format!("{path}?{q}")
    } else {
        (*path).to_owned()
    };
    if Uri::try_from(uri.as_str()).is_err() {
        return;
    }
    SERVICE.with(|s| {
        s.runtime.block_on(async {
            let mut req = test::TestRequest::default()
                .method(method.clone())
                .uri(&uri)
                .insert_header((header::AUTHORIZATION, format!("Bearer {}", s.token)));
            if matches!(*method, Method::PUT | Method::PATCH) {
                // the current version, so that the body is what is judged
                let (_, etag) = (s.call)(test::TestRequest::get().uri(path)).await;
                if let Some(etag) = etag {
                    req = req.insert_header((header::IF_MATCH, etag));
                }
            }
            if !content_type.is_empty() {
                req = req.insert_header((header::CONTENT_TYPE, *content_type));
            }
            if !*query {
                req = req.set_payload(rest.to_vec());
            }
            let (status, _) = (s.call)(req).await;
            assert!(
                status != StatusCode::INTERNAL_SERVER_ERROR,
                "{method} {uri} answered 500"
            );
        });
    });
});

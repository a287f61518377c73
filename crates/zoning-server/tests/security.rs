//! Regression tests of the security issue: what the public may see, what
//! each role may do, and what a request may cost (docs/security.md).

use actix_web::http::{header, StatusCode};
use actix_web::test;
use serde_json::{json, Value};
use zoning_server::Config;

#[macro_use]
mod common;
use common::{bearer, body_json, fixture, fixture_with, post_json};

/// A square of about 440 m near (lon, lat), WGS84.
fn square(lon: f64, lat: f64) -> Value {
    let d = 0.004;
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
}

/// A place inside the province and away from the shipped zones.
const FREE: (f64, f64) = (106.2, 21.38);

#[actix_web::test]
async fn an_anonymous_validation_never_names_a_draft() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let (lon, lat) = FREE;
    let draft = json!({"type": "Feature", "id": "CCN-SECRET-DRAFT",
        "properties": {"kind": "CCN", "name": "Bí mật"}, "geometry": square(lon, lat)});
    let created = test::call_service(
        &app,
        post_json("/collections/zones/items", Some(&f.planner), &draft).to_request(),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let probe = json!({"type": "Feature", "id": "PROBE", "properties": {},
        "geometry": square(lon + 0.001, lat + 0.001)});
    let validate = |token: Option<&str>| post_json("/validate", token, &probe).to_request();
    let public = test::call_service(&app, validate(None)).await;
    assert_eq!(public.status(), StatusCode::OK);
    let text = String::from_utf8(test::read_body(public).await.to_vec()).expect("utf-8");
    assert!(!text.contains("SECRET"), "{text}");
    let planner = body_json(test::call_service(&app, validate(Some(&f.planner))).await).await;
    assert!(
        planner["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|x| x["rule"] == "overlap" && x["codes"][1] == "CCN-SECRET-DRAFT"),
        "a planner is told of the overlap with the draft: {planner}"
    );
    // withdrawn at once (it was never approved); its history is not public
    let etag = body_json(
        test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/collections/zones/items/CCN-SECRET-DRAFT")
                .insert_header(bearer(&f.planner))
                .to_request(),
        )
        .await,
    )
    .await["properties"]["version_id"]
        .as_i64()
        .expect("version");
    let gone = test::call_service(
        &app,
        test::TestRequest::delete()
            .uri("/collections/zones/items/CCN-SECRET-DRAFT")
            .insert_header(bearer(&f.planner))
            .insert_header((header::IF_MATCH, format!("\"{etag}\"")))
            .to_request(),
    )
    .await;
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let history = get!(app, "/collections/zones/items/CCN-SECRET-DRAFT/history");
    assert_eq!(history.status(), StatusCode::NOT_FOUND);
    let text = String::from_utf8(test::read_body(history).await.to_vec()).expect("utf-8");
    assert!(!text.contains("Bí mật"), "{text}");
}

#[actix_web::test]
async fn markers_are_not_overwritten_without_a_precondition() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let marker = json!({"type": "Feature", "properties": {"number": "M7"},
        "geometry": {"type": "Point", "coordinates": [416802.0, 2356377.0]}});
    let post = || {
        test::TestRequest::post()
            .uri("/collections/markers/items")
            .insert_header(bearer(&f.surveyor))
            .insert_header(("Content-Crs", "EPSG:9214"))
            .set_json(&marker)
            .to_request()
    };
    assert_eq!(
        test::call_service(&app, post()).await.status(),
        StatusCode::CREATED
    );
    let again = test::call_service(&app, post()).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    // an upload of the same marker names it and needs replace=true + If-Match
    let csv = "id,x,y\nM7,2356377.0,416802.0\n";
    let upload = |query: &str, if_match: Option<&str>| {
        let mut r = test::TestRequest::post()
            .uri(&format!("/markers/upload{query}"))
            .insert_header(bearer(&f.surveyor))
            .insert_header((header::CONTENT_TYPE, "text/csv"))
            .set_payload(csv);
        if let Some(t) = if_match {
            r = r.insert_header((header::IF_MATCH, t.to_owned()));
        }
        r.to_request()
    };
    let refused = test::call_service(&app, upload("", None)).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let problem = body_json(refused).await;
    assert_eq!(problem["replaces"], json!(["M7"]));
    let tag = problem["etag"].as_str().expect("etag").to_owned();
    assert_eq!(
        test::call_service(&app, upload("?replace=true", None))
            .await
            .status(),
        StatusCode::PRECONDITION_REQUIRED
    );
    assert_eq!(
        test::call_service(&app, upload("?replace=true", Some("\"markers-1-0\"")))
            .await
            .status(),
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        test::call_service(&app, upload("?replace=true", Some(&tag)))
            .await
            .status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_huge_polygon_is_refused_naming_the_limit() {
    let f = fixture_with(Config {
        max_vertices: 1_000,
        ..Config::default()
    });
    let app = app!(f);
    let (lon, lat) = FREE;
    let ring: Vec<Value> = (0..=1_200)
        .map(|i| {
            let a = f64::from(i) / 1_200.0 * std::f64::consts::TAU;
            json!([lon + 0.002 * a.cos(), lat + 0.002 * a.sin()])
        })
        .collect();
    let feature = json!({"type": "Feature", "id": "BIG", "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]}});
    let resp = test::call_service(&app, post_json("/validate", None, &feature).to_request()).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let detail = body_json(resp).await["detail"].to_string();
    assert!(detail.contains("max_vertices"), "{detail}");
    let posted = test::call_service(
        &app,
        post_json("/collections/zones/items", Some(&f.planner), &feature).to_request(),
    )
    .await;
    assert_eq!(posted.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn the_host_header_is_not_trusted() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let api = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api")
            .insert_header((header::HOST, "x\",\"description\":\"PWNED"))
            .insert_header(("X-Forwarded-Host", "evil.example"))
            .to_request(),
    )
    .await;
    assert_eq!(api.status(), StatusCode::OK);
    let text = String::from_utf8(test::read_body(api).await.to_vec()).expect("utf-8");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert!(!text.contains("PWNED") && !text.contains("evil"), "{text}");
    assert_eq!(doc["servers"][0]["url"], "http://127.0.0.1:8080");
    let items = body_json(
        test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/collections/zones/items?limit=1")
                .insert_header(("Forwarded", "host=evil.example;proto=https"))
                .to_request(),
        )
        .await,
    )
    .await;
    assert!(!items["links"].to_string().contains("evil"));
    // with a configured base_url, links use it
    let g = fixture_with(Config {
        base_url: Some("https://zoning.example.vn/".into()),
        ..Config::default()
    });
    let app = app!(g);
    let items = get_json!(app, "/collections/zones/items?limit=1");
    assert!(items["links"][0]["href"]
        .as_str()
        .is_some_and(|h| h.starts_with("https://zoning.example.vn/collections/zones/items")));
}

#[actix_web::test]
async fn whole_world_bboxes_select_every_zone() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let all = get_json!(app, "/collections/zones/items?limit=1")["numberMatched"].clone();
    for bbox in ["-180,-90,180,90", "0,0,180,90"] {
        let page = get!(
            app,
            &format!("/collections/zones/items?limit=1&bbox={bbox}")
        );
        assert_eq!(page.status(), StatusCode::OK, "bbox={bbox}");
        assert_eq!(body_json(page).await["numberMatched"], all, "bbox={bbox}");
    }
    let europe = get_json!(app, "/collections/zones/items?bbox=0,40,20,60");
    assert_eq!(europe["numberMatched"], 0);
}

#[actix_web::test]
async fn http_as_clients_expect_it() {
    let f = fixture(1 << 20);
    let app = app!(f);
    for uri in [
        "/",
        "/collections",
        "/collections/zones/items?limit=2",
        "/collections/zones/items/KCN-DINH-TRAM",
        "/report",
        "/api",
    ] {
        let head = test::call_service(
            &app,
            test::TestRequest::default()
                .method(actix_web::http::Method::HEAD)
                .uri(uri)
                .to_request(),
        )
        .await;
        assert_eq!(head.status(), StatusCode::OK, "HEAD {uri}");
        let first = get!(app, uri);
        assert_eq!(first.status(), StatusCode::OK, "GET {uri}");
        let etag = first
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("GET {uri} has an ETag"))
            .to_owned();
        assert!(first.headers().contains_key(header::CACHE_CONTROL), "{uri}");
        let second = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(uri)
                .insert_header((header::IF_NONE_MATCH, etag))
                .to_request(),
        )
        .await;
        assert_eq!(second.status(), StatusCode::NOT_MODIFIED, "{uri}");
    }
    let preflight = test::call_service(
        &app,
        test::TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/collections/zones/items")
            .insert_header((header::ORIGIN, "https://other.example"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "GET"))
            .to_request(),
    )
    .await;
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        preflight.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(&header::HeaderValue::from_static("*"))
    );
    let write = test::call_service(
        &app,
        test::TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/collections/zones/items")
            .insert_header((header::ORIGIN, "https://other.example"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "POST"))
            .to_request(),
    )
    .await;
    assert!(!write
        .headers()
        .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let landing = test::call_service(
        &app,
        test::TestRequest::get().uri("/report?f=html").to_request(),
    )
    .await;
    let h = landing.headers();
    assert!(h
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("frame-ancestors 'none'")));
    assert_eq!(
        h.get(header::X_CONTENT_TYPE_OPTIONS),
        Some(&header::HeaderValue::from_static("nosniff"))
    );
}

#[actix_web::test]
async fn input_hygiene_codes_and_source_links() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let (lon, lat) = FREE;
    for (feature, field) in [
        (
            json!({"type": "Feature", "id": "A\r\nB", "properties": {"kind": "KCN", "name": "x"}, "geometry": square(lon, lat)}),
            "code",
        ),
        (
            json!({"type": "Feature", "id": "OK-1", "properties": {"kind": "KCN", "name": "x",
                "sources": [{"url": "javascript:alert(1)"}]}, "geometry": square(lon, lat)}),
            "sources[0].url",
        ),
    ] {
        let resp = test::call_service(
            &app,
            post_json("/collections/zones/items", Some(&f.planner), &feature).to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let detail = body_json(resp).await["detail"].to_string();
        assert!(detail.contains(field), "{detail}");
    }
}

/// `correct horse battery staple`, hashed by Debian's `argon2` tool (as in
/// tests/accounts.rs).
const LAN_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$em9uaW5nLXRlc3Qtc2FsdA$k763S14Y4kTy3UBHEuIVa4uSbAwU0mTegVAqI4oMqYQ";

#[actix_web::test]
async fn a_burst_of_sign_ins_cannot_pass_the_limit() {
    let f = fixture(1 << 20);
    f.state
        .store
        .set_password("lan", LAN_PHC)
        .expect("password");
    let app = app!(f);
    let login = |password: &str| {
        test::TestRequest::post()
            .uri("/login")
            .set_json(json!({"name": "lan", "password": password}))
            .to_request()
    };
    // thirty wrong passwords at once: no more than the limit are even checked
    let burst = (0..30).map(|i| test::call_service(&app, login(&format!("wrong {i}"))));
    let answers = futures_util::future::join_all(burst).await;
    let checked = answers
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(checked <= 5, "{checked} checked");
    assert_eq!(checked + refused, 30);
    // and one after another: five wrong passwords in all are ever checked
    let mut more = 0;
    for i in 0..10 {
        let r = test::call_service(&app, login(&format!("again {i}"))).await;
        if r.status() == StatusCode::UNAUTHORIZED {
            more += 1;
        }
    }
    assert_eq!(checked + more, 5, "{checked} + {more}");
    // the right password, after them, is refused too: the name waits
    let late = test::call_service(&app, login("correct horse battery staple")).await;
    assert_eq!(late.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(late.headers().contains_key(header::RETRY_AFTER));
}

#[actix_web::test]
async fn sign_in_bodies_and_audit_fields_are_bounded() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let huge = "N".repeat(100_000);
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/login")
            .set_json(json!({"name": huge, "password": "x"}))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let long = "N".repeat(150);
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/login")
            .set_json(json!({"name": long, "password": "x"}))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // a compressed body is refused before it is unpacked
    let gz = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/validate")
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .set_payload(vec![0x1f, 0x8b, 0, 0])
            .to_request(),
    )
    .await;
    assert_eq!(gz.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for e in f.state.store.audit_log(100).expect("log") {
        for field in [&e.entry.target, &e.entry.detail, &e.entry.actor] {
            assert!(field.as_ref().is_none_or(|t| t.chars().count() <= 201));
        }
    }
}

fn star(points: usize, step: usize) -> Value {
    let (lon, lat) = FREE;
    #[allow(clippy::cast_precision_loss)]
    let ring: Vec<Value> = (0..=points)
        .map(|i| {
            let a = ((i * step) % points) as f64 / points as f64 * std::f64::consts::TAU;
            json!([lon + 0.003 * a.cos(), lat + 0.003 * a.sin()])
        })
        .collect();
    json!({"type": "Polygon", "coordinates": [ring]})
}

#[actix_web::test]
async fn validation_budgets_hold_for_tangles_and_collections() {
    let f = fixture(1 << 20);
    let app = app!(f);
    // a 301-pointed star crossing itself thousands of times: one finding, no repair
    let tangled =
        json!({"type": "Feature", "id": "STAR", "properties": {}, "geometry": star(301, 149)});
    let report = body_json(
        test::call_service(&app, post_json("/validate", None, &tangled).to_request()).await,
    )
    .await;
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0]["rule"], "invalid-geometry");
    assert!(findings[0]["reason"]
        .as_str()
        .is_some_and(|r| r.contains("crosses itself more than 100 times")));
    // three features of 900 vertices: over the anonymous budget, within a planner's
    let fc = json!({"type": "FeatureCollection", "features": (0..3).map(|i| json!({
        "type": "Feature", "id": format!("C{i}"), "properties": {}, "geometry": star(899, 1)
    })).collect::<Vec<_>>()});
    let send = |token: Option<&str>| post_json("/validate", token, &fc).to_request();
    let anonymous = test::call_service(&app, send(None)).await;
    assert_eq!(anonymous.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body_json(anonymous).await["detail"]
        .to_string()
        .contains("anonymous_max_vertices"));
    let planner = test::call_service(&app, send(Some(&f.planner))).await;
    assert_eq!(planner.status(), StatusCode::OK);
}

#[actix_web::test]
async fn an_approved_version_never_carries_a_finding_naming_a_draft() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let (lon, lat) = FREE;
    let post = |id: &str, geometry: Value| {
        test::TestRequest::post()
            .uri("/collections/zones/items")
            .insert_header(bearer(&f.planner))
            .set_json(json!({"type": "Feature", "id": id, "properties": {"kind": "CCN", "name": id}, "geometry": geometry}))
            .to_request()
    };
    let draft = test::call_service(&app, post("DRAFT-HIDDEN", square(lon, lat))).await;
    assert_eq!(draft.status(), StatusCode::CREATED);
    // a neighbour overlapping the draft by a sliver (a warning, so it can be approved)
    let d = 0.004;
    let e = 1e-8;
    let sliver = json!({"type": "Polygon", "coordinates": [[[lon - d, lat], [lon + e, lat], [lon + e, lat + d], [lon - d, lat + d], [lon - d, lat]]]});
    let created = test::call_service(&app, post("PUBLIC-NEXT", sliver)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = created
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let star = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/collections/zones/items/PUBLIC-NEXT/approve")
            .insert_header(bearer(&f.admin))
            .insert_header((header::IF_MATCH, "*"))
            .set_json(json!({"decision": "QĐ 9/QĐ-UBND"}))
            .to_request(),
    )
    .await;
    assert_eq!(
        star.status(),
        StatusCode::PRECONDITION_REQUIRED,
        "If-Match: * is not a review"
    );
    let approved = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/collections/zones/items/PUBLIC-NEXT/approve")
            .insert_header(bearer(&f.admin))
            .insert_header((header::IF_MATCH, etag))
            .set_json(json!({"decision": "QĐ 9/QĐ-UBND"}))
            .to_request(),
    )
    .await;
    assert_eq!(
        approved.status(),
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&test::read_body(approved).await)
    );
    let history = get!(app, "/collections/zones/items/PUBLIC-NEXT/history");
    assert_eq!(history.status(), StatusCode::OK);
    let text = String::from_utf8(test::read_body(history).await.to_vec()).expect("utf-8");
    assert!(!text.contains("DRAFT-HIDDEN"), "{text}");
}

#[actix_web::test]
async fn zone_bodies_are_bounded_too() {
    let f = fixture_with(Config {
        max_feature_bytes: 2_000,
        ..Config::default()
    });
    let app = app!(f);
    let (lon, lat) = FREE;
    let feature = json!({"type": "Feature", "id": "BIG-NOTE", "properties": {"kind": "KCN", "name": "x", "note": "n".repeat(5_000)}, "geometry": square(lon, lat)});
    let resp = test::call_service(
        &app,
        post_json("/collections/zones/items", Some(&f.planner), &feature).to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // anonymous writes are refused before their body is read
    let anonymous = test::call_service(
        &app,
        post_json("/collections/zones/items", None, &feature).to_request(),
    )
    .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

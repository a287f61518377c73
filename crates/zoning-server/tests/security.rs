//! Regression tests of the security issue: what the public may see, what
//! each role may do, and what a request may cost (docs/security.md).

use actix_web::http::{header, StatusCode};
use actix_web::test;
use serde_json::{json, Value};
use zoning_server::Config;

#[macro_use]
mod common;
use common::{bearer, body_json, fixture, fixture_with};

/// A square of about 440 m near (lon, lat), WGS84.
fn square(lon: f64, lat: f64) -> Value {
    let d = 0.004;
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]})
}

/// A place inside the province and away from the shipped zones.
const FREE: (f64, f64) = (106.402, 21.451);

#[actix_web::test]
async fn an_anonymous_validation_never_names_a_draft() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let (lon, lat) = FREE;
    let draft = json!({"type": "Feature", "id": "CCN-SECRET-DRAFT",
        "properties": {"kind": "CCN", "name": "Bí mật"}, "geometry": square(lon, lat)});
    let created = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/collections/zones/items")
            .insert_header(bearer(&f.planner))
            .set_json(&draft)
            .to_request(),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let probe = json!({"type": "Feature", "id": "PROBE", "properties": {},
        "geometry": square(lon + 0.001, lat + 0.001)});
    let validate = |token: Option<&str>| {
        let mut r = test::TestRequest::post().uri("/validate").set_json(&probe);
        if let Some(t) = token {
            r = r.insert_header(bearer(t));
        }
        r.to_request()
    };
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
    let resp = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/validate")
            .set_json(&feature)
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let detail = body_json(resp).await["detail"].to_string();
    assert!(detail.contains("max_vertices"), "{detail}");
    let posted = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/collections/zones/items")
            .insert_header(bearer(&f.planner))
            .set_json(&feature)
            .to_request(),
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
            test::TestRequest::post()
                .uri("/collections/zones/items")
                .insert_header(bearer(&f.planner))
                .set_json(&feature)
                .to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let detail = body_json(resp).await["detail"].to_string();
        assert!(detail.contains(field), "{detail}");
    }
}

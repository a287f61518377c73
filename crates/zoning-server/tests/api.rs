//! The HTTP API over `router()` with a temporary database, as clients use it.

use actix_web::http::{header, StatusCode};
use actix_web::test;
use serde_json::{json, Value};

#[macro_use]
mod common;
use common::{bearer, body_json, fixture};

/// How many zones the shipped data set has.
fn shipped_count() -> usize {
    serde_json::from_str::<Value>(zoning_server::shipped::ZONES)
        .ok()
        .and_then(|v| v["features"].as_array().map(Vec::len))
        .unwrap_or_default()
}

/// A square of `side` m in WGS84 near (lon, lat).
fn square(lon: f64, lat: f64, side_deg: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + side_deg, lat], [lon + side_deg, lat + side_deg], [lon, lat + side_deg], [lon, lat]]]})
}

#[actix_web::test]
async fn core_conformance_collections_and_paging() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let c = get_json!(app, "/conformance");
    let classes: Vec<&str> = c["conformsTo"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"));
    let cols = get_json!(app, "/collections");
    let ids: Vec<&str> = cols["collections"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, ["zones", "markers", "communes", "province"]);
    // the items link has no query string (GDAL appends /{id} to it)
    let items = cols["collections"][0]["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == "items")
        .expect("items");
    assert!(!items["href"].as_str().unwrap_or_default().contains('?'));

    let resp = get!(app, "/collections/zones/items?limit=50");
    assert_eq!(
        resp.headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default()),
        Some("application/geo+json")
    );
    let page = body_json(resp).await;
    assert_eq!(page["numberMatched"], shipped_count());
    assert_eq!(page["numberReturned"], 50);
    let next = page["links"]
        .as_array()
        .expect("links")
        .iter()
        .find(|l| l["rel"] == "next")
        .expect("next");
    assert!(next["href"]
        .as_str()
        .unwrap_or_default()
        .ends_with("limit=50&offset=50"));
    // the last page: what is left after the full pages of 50
    let n = shipped_count();
    let last = get_json!(
        app,
        &format!("/collections/zones/items?limit=50&offset={}", n - n % 50)
    );
    assert_eq!(last["numberReturned"], n % 50);
    assert!(last["links"]
        .as_array()
        .expect("links")
        .iter()
        .all(|l| l["rel"] != "next"));
    assert!(last["links"]
        .as_array()
        .expect("links")
        .iter()
        .any(|l| l["rel"] == "prev"));
    // property filter and bbox
    let kcn = get_json!(
        app,
        "/collections/zones/items?kind=KCN&plan_action=existing&target_set=bac-giang-2021-2030"
    );
    assert_eq!(kcn["numberMatched"], 6, "the resolution's six KCN of 2021");
    let bbox = get_json!(
        app,
        "/collections/zones/items?bbox=106.0,21.2,106.2,21.35&limit=1000"
    );
    let n = bbox["numberMatched"].as_u64().unwrap_or(0);
    assert!(n > 0 && n < shipped_count() as u64, "{n}");
}

#[actix_web::test]
async fn crs_part_2() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let resp = get!(
        app,
        "/collections/zones/items/KCN-DINH-TRAM?crs=http://www.opengis.net/def/crs/EPSG/0/9214"
    );
    assert_eq!(
        resp.headers()
            .get("Content-Crs")
            .and_then(|v| v.to_str().ok()),
        Some("<http://www.opengis.net/def/crs/EPSG/0/9214>")
    );
    let z = body_json(resp).await;
    let first = &z["geometry"]["coordinates"][0][0][0];
    let (e, n) = (
        first[0].as_f64().unwrap_or(0.0),
        first[1].as_f64().unwrap_or(0.0),
    );
    assert!(
        (384_000.0..504_000.0).contains(&e) && (2_336_000.0..2_392_000.0).contains(&n),
        "{e} {n}"
    );
    let bad = get!(app, "/collections/zones/items?crs=EPSG:3857");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default()),
        Some("application/problem+json")
    );
    let unknown = get!(app, "/collections/zones/items?colour=red");
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn part_4_roles_etags_findings_approval_history() {
    let f = fixture(1 << 20);
    let app = app!(f);
    // near KCN-DINH-TRAM (Việt Yên): overlapping it on purpose
    let dinh_tram = get_json!(app, "/collections/zones/items/KCN-DINH-TRAM");
    let corner = &dinh_tram["geometry"]["coordinates"][0][0][0];
    let (lon, lat) = (
        corner[0].as_f64().unwrap_or(0.0),
        corner[1].as_f64().unwrap_or(0.0),
    );
    let feature = json!({"type": "Feature", "id": "KCN-TEST", "geometry": square(lon - 0.002, lat - 0.002, 0.004),
        "properties": {"kind": "KCN", "name": "KCN thử nghiệm", "change_reason": "test"}});
    let post = |token: Option<&str>, body: &Value| {
        let mut r = test::TestRequest::post()
            .uri("/collections/zones/items")
            .insert_header((header::CONTENT_TYPE, "application/geo+json"))
            .set_json(body);
        if let Some(t) = token {
            r = r.insert_header(bearer(t));
        }
        r.to_request()
    };
    assert_eq!(
        test::call_service(&app, post(None, &feature))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        test::call_service(&app, post(Some(&f.surveyor), &feature))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let created = test::call_service(&app, post(Some(&f.planner), &feature)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let location = created
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(location.ends_with("/collections/zones/items/KCN-TEST"));
    let etag = created
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = body_json(created).await;
    assert_eq!(body["properties"]["status"], "draft");
    assert_eq!(body["properties"]["area_basis"], "derived");
    let findings = body["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|x| x["rule"] == "overlap"
            && x["codes"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c == "KCN-DINH-TRAM"))),
        "{findings:?}"
    );
    // the same code again is a conflict
    assert_eq!(
        test::call_service(&app, post(Some(&f.planner), &feature))
            .await
            .status(),
        StatusCode::CONFLICT
    );
    // the public does not see drafts; the planner does
    assert_eq!(
        get!(app, "/collections/zones/items/KCN-TEST").status(),
        StatusCode::NOT_FOUND
    );
    let seen = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/collections/zones/items/KCN-TEST")
            .insert_header(bearer(&f.planner))
            .to_request(),
    )
    .await;
    assert_eq!(seen.status(), StatusCode::OK);
    // approval is refused while the draft overlaps
    let approve = |tag: &str| {
        test::TestRequest::post()
            .uri("/collections/zones/items/KCN-TEST/approve")
            .insert_header(bearer(&f.admin))
            .insert_header((header::IF_MATCH, tag.to_owned()))
            .set_json(json!({"decision": "QĐ 1/QĐ-UBND (test)"}))
            .to_request()
    };
    let refused = test::call_service(&app, approve(&etag)).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(!body_json(refused).await["findings"]
        .as_array()
        .expect("findings")
        .is_empty());
    // PUT needs If-Match, a fresh one
    // a free place inside the province, 2 km from any zone (checked with shapely on data/zones.geojson)
    let moved = json!({"type": "Feature", "id": "KCN-TEST", "geometry": square(106.2, 21.38, 0.004),
        "properties": {"kind": "KCN", "name_vi": "KCN thử nghiệm", "declared_area_ha": 17.9, "change_reason": "moved off Đình Trám"}});
    let put = |tag: Option<&str>| {
        let mut r = test::TestRequest::put()
            .uri("/collections/zones/items/KCN-TEST")
            .insert_header(bearer(&f.planner))
            .set_json(&moved);
        if let Some(t) = tag {
            r = r.insert_header((header::IF_MATCH, t.to_owned()));
        }
        r.to_request()
    };
    assert_eq!(
        test::call_service(&app, put(None)).await.status(),
        StatusCode::PRECONDITION_REQUIRED
    );
    assert_eq!(
        test::call_service(&app, put(Some("\"1\""))).await.status(),
        StatusCode::PRECONDITION_FAILED
    );
    let replaced = test::call_service(&app, put(Some(&etag))).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let etag2 = replaced
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = body_json(replaced).await;
    assert!(
        body["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .all(|x| x["severity"] != "error"),
        "{}",
        body["findings"]
    );
    // the old ETag is stale now
    assert_eq!(
        test::call_service(&app, approve(&etag)).await.status(),
        StatusCode::PRECONDITION_FAILED
    );
    let ok = test::call_service(&app, approve(&etag2)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let etag3 = ok
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // now public, with its decision
    let public = get_json!(app, "/collections/zones/items/KCN-TEST");
    assert_eq!(public["properties"]["status"], "approved");
    assert_eq!(public["properties"]["decision"], "QĐ 1/QĐ-UBND (test)");
    // history: draft, draft, approved
    let h = body_json(
        test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/collections/zones/items/KCN-TEST/history")
                .insert_header(bearer(&f.planner))
                .to_request(),
        )
        .await,
    )
    .await;
    let statuses: Vec<&str> = h["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["status"].as_str())
        .collect();
    assert_eq!(statuses, ["draft", "draft", "approved"]);
    // PATCH a property, then DELETE
    let patched = test::call_service(
        &app,
        test::TestRequest::patch()
            .uri("/collections/zones/items/KCN-TEST")
            .insert_header(bearer(&f.planner))
            .insert_header((header::IF_MATCH, etag3.clone()))
            .insert_header((header::CONTENT_TYPE, "application/merge-patch+json"))
            .set_payload(json!({"properties": {"district_vi": "Việt Yên"}}).to_string())
            .to_request(),
    )
    .await;
    assert_eq!(patched.status(), StatusCode::OK);
    let etag4 = patched
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        body_json(patched).await["properties"]["district_vi"],
        "Việt Yên"
    );
    // a planner only proposes the withdrawal of an approved zone: the public
    // still sees it until an admin approves
    let deleted = test::call_service(
        &app,
        test::TestRequest::delete()
            .uri("/collections/zones/items/KCN-TEST")
            .insert_header(bearer(&f.planner))
            .insert_header((header::IF_MATCH, etag4))
            .to_request(),
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::ACCEPTED);
    let etag5 = deleted
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        get!(app, "/collections/zones/items/KCN-TEST").status(),
        StatusCode::OK,
        "the public still sees the approved zone"
    );
    let withdrawn = test::call_service(&app, approve(&etag5)).await;
    assert_eq!(withdrawn.status(), StatusCode::NO_CONTENT);
    for who in [&f.planner, &f.admin] {
        assert_eq!(
            test::call_service(
                &app,
                test::TestRequest::get()
                    .uri("/collections/zones/items/KCN-TEST")
                    .insert_header(bearer(who))
                    .to_request()
            )
            .await
            .status(),
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        get!(app, "/collections/zones/items/KCN-TEST").status(),
        StatusCode::NOT_FOUND
    );
    let h = body_json(
        test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/collections/zones/items/KCN-TEST/history")
                .insert_header(bearer(&f.planner))
                .to_request(),
        )
        .await,
    )
    .await;
    assert_eq!(
        h["versions"].as_array().map(Vec::len),
        Some(6),
        "nothing is deleted"
    );
    // the public history: the approved version and its withdrawal, no draft
    let public = get_json!(app, "/collections/zones/items/KCN-TEST/history");
    let statuses: Vec<&str> = public["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter_map(|v| v["status"].as_str())
        .collect();
    assert_eq!(statuses, ["approved", "retired"]);
}

#[actix_web::test]
async fn bad_input_is_a_problem_not_a_crash() {
    let f = fixture(4096);
    let app = app!(f);
    let send = |body: &str, ct: &str| {
        test::TestRequest::post()
            .uri("/collections/zones/items")
            .insert_header(bearer(&f.planner))
            .insert_header((header::CONTENT_TYPE, ct.to_owned()))
            .set_payload(body.to_owned())
            .to_request()
    };
    for (body, ct, status) in [
        ("{not json", "application/geo+json", StatusCode::BAD_REQUEST),
        ("{\"type\":\"Point\",\"coordinates\":[1,2]}", "application/geo+json", StatusCode::UNPROCESSABLE_ENTITY),
        ("{\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"code\":\"X\",\"kind\":\"KCN\",\"name\":\"x\"}}", "application/geo+json", StatusCode::UNPROCESSABLE_ENTITY),
        ("{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[106.2,21.3],[106.21,21.3],[106.21,21.31],[106.2,21.3]]]},\"properties\":{\"code\":\"X\",\"kind\":\"KCX\",\"name\":\"x\"}}", "application/geo+json", StatusCode::UNPROCESSABLE_ENTITY),
        ("a,b", "text/csv", StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ] {
        let resp = test::call_service(&app, send(body, ct)).await;
        assert_eq!(resp.status(), status, "{body}");
        assert_eq!(resp.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap_or_default()), Some("application/problem+json"));
        let p = body_json(resp).await;
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let big = format!(
        "{{\"type\":\"Feature\",\"properties\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(10_000)
    );
    let resp = test::call_service(&app, send(&big, "application/geo+json")).await;
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        resp.headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default()),
        Some("application/problem+json")
    );
    let resp = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/collections/zones/items")
            .insert_header((header::AUTHORIZATION, "Bearer nope"))
            .to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn validate_report_export_and_markers() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let v = body_json(test::call_service(&app, test::TestRequest::post().uri("/validate").set_json(json!({"type": "Feature", "id": "B",
        "geometry": {"type": "Polygon", "coordinates": [[[106.2, 21.3], [106.21, 21.31], [106.21, 21.3], [106.2, 21.31], [106.2, 21.3]]]}, "properties": {}})).to_request()).await).await;
    assert_eq!(v["findings"][0]["rule"], "invalid-geometry");
    let r = get_json!(app, "/report");
    let kcn = r["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["key"] == "kcn_2030")
        .expect("kcn_2030")
        .clone();
    assert_eq!(
        (kcn["count"].as_u64(), kcn["declared_area_ha"].as_f64()),
        (Some(29), Some(7840.0))
    );
    let csv = get!(app, "/report?f=csv");
    assert!(String::from_utf8_lossy(&test::read_body(csv).await).starts_with("key,label"));
    let html = get!(app, "/report?f=html");
    assert!(String::from_utf8_lossy(&test::read_body(html).await).contains("<table>"));
    let zip = get!(app, "/export/zones.zip");
    assert_eq!(zip.status(), StatusCode::OK);
    let bytes = test::read_body(zip).await;
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
    let mut names: Vec<&str> = archive.file_names().collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "zones.cpg",
            "zones.dbf",
            "zones.prj",
            "zones.shp",
            "zones.shx"
        ]
    );
    // markers: one upload with a good and a bad row
    let dt = get_json!(
        app,
        "/collections/zones/items/KCN-DINH-TRAM?crs=http://www.opengis.net/def/crs/EPSG/0/9214"
    );
    let c = &dt["geometry"]["coordinates"][0][0][0];
    let csv = format!(
        "Số hiệu mốc;X (m);Y (m)\r\nM1;{:.3};{:.3}\r\nM2;abc;1\r\n",
        c[1].as_f64().unwrap_or(0.0),
        c[0].as_f64().unwrap_or(0.0)
    )
    .replace('.', ",");
    let up = |t: &str| {
        test::TestRequest::post()
            .uri("/markers/upload")
            .insert_header(bearer(t))
            .insert_header((header::CONTENT_TYPE, "text/csv"))
            .set_payload(csv.clone())
            .to_request()
    };
    assert_eq!(
        test::call_service(&app, up(&f.planner)).await.status(),
        StatusCode::FORBIDDEN
    );
    let report = body_json(test::call_service(&app, up(&f.surveyor)).await).await;
    assert_eq!(report["markers"][0]["status"], "ok");
    assert_eq!(report["markers"][0]["zone"], "KCN-DINH-TRAM");
    assert_eq!(report["rejected_rows"][0]["line"], 3);
    let markers = get_json!(app, "/collections/markers/items");
    assert_eq!(markers["numberMatched"], 1);
    assert_eq!(markers["features"][0]["id"], "KCN-DINH-TRAM:M1");

    // a marker is patched (its height) with its ETag, a stale ETag is refused,
    // and it is withdrawn
    let uri = "/collections/markers/items/KCN-DINH-TRAM:M1";
    let item = get!(app, uri);
    let first = item
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let patch = |tag: &str| {
        test::TestRequest::patch()
            .uri(uri)
            .insert_header(bearer(&f.surveyor))
            .insert_header((header::IF_MATCH, tag.to_owned()))
            .insert_header((header::CONTENT_TYPE, "application/merge-patch+json"))
            .set_payload(json!({"properties": {"h": 12.5}}).to_string())
            .to_request()
    };
    let patched = test::call_service(&app, patch(&first)).await;
    assert_eq!(patched.status(), StatusCode::OK);
    let second = patched
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let m = body_json(patched).await;
    assert_eq!(
        (
            m["properties"]["h"].as_f64(),
            m["properties"]["check_status"].as_str()
        ),
        (Some(12.5), Some("ok"))
    );
    assert_eq!(
        test::call_service(&app, patch(&first)).await.status(),
        StatusCode::PRECONDITION_FAILED
    );
    let delete = |tag: &str| {
        test::TestRequest::delete()
            .uri(uri)
            .insert_header(bearer(&f.surveyor))
            .insert_header((header::IF_MATCH, tag.to_owned()))
            .to_request()
    };
    assert_eq!(
        test::call_service(&app, delete(&first)).await.status(),
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        test::call_service(&app, delete(&second)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get_json!(app, "/collections/markers/items")["numberMatched"],
        0
    );

    // the registry as it stood at an instant: `datetime`
    assert_eq!(
        get_json!(app, "/collections/zones/items?datetime=2000-01-01")["numberMatched"],
        0
    );
    // a minute from now, in whole seconds: after everything recorded
    let now = (chrono::Utc::now() + chrono::Duration::seconds(60))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(
        get_json!(app, &format!("/collections/zones/items?datetime={now}"))["numberMatched"],
        shipped_count()
    );
    let bad = get!(
        app,
        "/collections/zones/items?datetime=2020-01-01/2021-01-01"
    );
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn the_communes_since_2025_are_a_collection() {
    let f = fixture(1 << 20);
    let app = app!(f);
    // the published facts (data/admin-2025/SOURCES.md): 99 units, 66 xã and 33 phường
    let all = get_json!(app, "/collections/communes/items?limit=1000");
    assert_eq!(all["numberMatched"], 99);
    assert_eq!(all["numberReturned"], 99);
    assert_eq!(
        get_json!(app, "/collections/communes/items?type=ph%C6%B0%E1%BB%9Dng")["numberMatched"],
        33
    );
    assert_eq!(
        get_json!(app, "/collections/communes/items?type=x%C3%A3")["numberMatched"],
        66
    );
    let one = get_json!(app, "/collections/communes/items/07210");
    assert_eq!(one["properties"]["name"], "Bắc Giang");
    assert_eq!(one["properties"]["type"], "phường");
    assert!(one["properties"]["oldUnitsMerged"]
        .as_str()
        .is_some_and(|u| u.contains("Phường Thọ Xương")));
    // in the grid, the same commune
    let grid = get_json!(
        app,
        "/collections/communes/items/07210?crs=http://www.opengis.net/def/crs/EPSG/0/9214"
    );
    let e = grid["geometry"]["coordinates"][0][0][0][0]
        .as_f64()
        .expect("easting");
    assert!((360_000.0..530_000.0).contains(&e), "{e}");
    // a box around Bắc Giang city finds the ward, and not all 99
    let near = get_json!(
        app,
        "/collections/communes/items?bbox=106.19,21.27,106.21,21.29&limit=100"
    );
    let codes: Vec<&str> = near["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(codes.contains(&"07210") && codes.len() < 10, "{codes:?}");
    assert_eq!(
        get!(app, "/collections/communes/items/99999").status(),
        StatusCode::NOT_FOUND
    );
}

#[actix_web::test]
async fn every_route_openapi_lists_answers() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let resp = get!(app, "/api");
    assert_eq!(resp.status(), StatusCode::OK);
    let doc = body_json(resp).await;
    assert_eq!(doc["openapi"], "3.0.3");
    // a marker, so that a marker item exists
    let marker = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/collections/markers/items")
            .insert_header(bearer(&f.surveyor))
            .insert_header(("Content-Crs", "http://www.opengis.net/def/crs/EPSG/0/9214"))
            .set_json(json!({"type": "Feature", "properties": {"number": "M1"},
                "geometry": {"type": "Point", "coordinates": [416802.0, 2356377.0]}}))
            .to_request(),
    )
    .await;
    assert_eq!(marker.status(), StatusCode::CREATED);
    let key = body_json(marker).await["id"]
        .as_str()
        .expect("key")
        .to_owned();
    let zone = get_json!(app, "/collections/zones/items?limit=1")["features"][0]["id"]
        .as_str()
        .expect("a shipped zone")
        .to_owned();
    let paths = doc["paths"].as_object().expect("paths");
    let mut asked = 0;
    for (path, ops) in paths {
        let collections: Vec<&str> = if path.contains("{collectionId}") {
            vec!["zones", "markers", "communes", "province"]
        } else {
            vec![""]
        };
        for c in collections {
            let id = match (c, path.as_str()) {
                ("markers", _) => key.as_str(),
                (_, p) if p.starts_with("/collections/markers/") => key.as_str(),
                (_, p) if p.starts_with("/collections/province/") => "bac-giang",
                (_, p) if p.starts_with("/collections/communes/") => "07210",
                _ => zone.as_str(),
            };
            let uri = path
                .replace("{collectionId}", c)
                .replace("{featureId}", &path_segment(id))
                .replace("{tileMatrixSetId}", "WebMercatorQuad")
                .replace("{tileMatrix}/{tileRow}/{tileCol}", "0/0/0");
            for method in ops.as_object().expect("operations").keys() {
                let req = match method.as_str() {
                    "get" => test::TestRequest::get(),
                    "post" => test::TestRequest::post(),
                    "put" => test::TestRequest::put(),
                    "patch" => test::TestRequest::patch(),
                    "delete" => test::TestRequest::delete(),
                    other => panic!("{other} {path}: a method the test does not know"),
                };
                let resp = test::call_service(&app, req.uri(&uri).to_request()).await;
                let status = resp.status();
                let body = test::read_body(resp).await;
                assert!(
                    status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {uri} (openapi.json: {path}) answers {status}: {}",
                    String::from_utf8_lossy(&body)
                );
                if method == "get" && path != "/whoami" {
                    assert_eq!(status, StatusCode::OK, "GET {uri}");
                }
                asked += 1;
            }
        }
    }
    assert!(asked >= 30, "{asked} requests");
    // every filter the document lists for a collection's items is understood
    for (path, ops) in paths {
        let Some(params) = ops["get"]["parameters"].as_array() else {
            continue;
        };
        if !path.ends_with("/items") {
            continue;
        }
        for name in params.iter().filter_map(|p| p["name"].as_str()) {
            if p_is_header(params, name) {
                continue;
            }
            let uri = format!("{path}?{name}=x");
            let resp = get!(app, &uri);
            assert_eq!(resp.status(), StatusCode::OK, "GET {uri}");
        }
    }
    // and the other way round: a path that is not listed is a 404 problem
    let missing = get!(app, "/collections/zones/items/x/nothing");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// Whether the parameter `name` of an operation is a header, not a query filter.
fn p_is_header(params: &[Value], name: &str) -> bool {
    params
        .iter()
        .any(|p| p["name"] == name && p["in"].as_str() != Some("query"))
}

/// Percent-encodes a path segment (the key of a marker has a colon).
fn path_segment(s: &str) -> String {
    zoning_server::routes::ogc::enc(s)
}

/// The province since 2025: a zone's communes follow its boundary, a zone of
/// the former Bắc Ninh is in its grid and its plan, the province collection
/// has both outlines, and the reports by commune and by target set answer.
#[actix_web::test]
async fn zones_are_placed_in_the_province_as_it_is() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let send = |method: actix_web::http::Method, uri: &str, body: &Value, etag: Option<&str>| {
        let mut r = test::TestRequest::default()
            .method(method)
            .uri(uri)
            .insert_header((header::CONTENT_TYPE, "application/geo+json"))
            .insert_header(bearer(&f.planner))
            .set_json(body);
        if let Some(t) = etag {
            r = r.insert_header((header::IF_MATCH, t.to_owned()));
        }
        r.to_request()
    };
    let communes_of = |v: &Value| -> Vec<(String, f64)> {
        v["properties"]["communes"]
            .as_array()
            .expect("communes")
            .iter()
            .map(|c| {
                (
                    c["code"].as_str().unwrap_or_default().to_owned(),
                    c["share"].as_f64().unwrap_or_default(),
                )
            })
            .collect()
    };
    // wholly inside Phường Bắc Giang (07210), the city centre
    let ward = get_json!(app, "/collections/communes/items/07210");
    let ring = ward["geometry"]["coordinates"][0][0]
        .as_array()
        .expect("ring");
    let pt = |v: &Value| (v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0));
    let (lon0, lat0) = pt(&ring[0]);
    let (cx, cy) = ring
        .iter()
        .map(pt)
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (cx, cy) = (cx / ring.len() as f64, cy / ring.len() as f64);
    let inside = json!({"type": "Feature", "id": "KCN-PLACED", "geometry": square(cx - 0.001, cy - 0.001, 0.002),
        "properties": {"kind": "KCN", "name": "KCN đặt chỗ"}});
    let created = test::call_service(
        &app,
        send(
            actix_web::http::Method::POST,
            "/collections/zones/items",
            &inside,
            None,
        ),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let etag = created
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = body_json(created).await;
    assert_eq!(communes_of(&body), [("07210".to_owned(), 1.0)]);
    assert_eq!(body["properties"]["former_province"], "Bắc Giang");
    assert_eq!(body["properties"]["grid_crs"], "EPSG:9214");
    assert_eq!(body["properties"]["target_set"], "bac-giang-2021-2030");
    // moved onto the ward's edge: now in two communes or more, largest first
    let moved = json!({"type": "Feature", "id": "KCN-PLACED", "geometry": square(lon0 - 0.001, lat0 - 0.001, 0.002),
        "properties": {"kind": "KCN", "name": "KCN đặt chỗ", "communes": [{"code": "00000", "share": 1}]}});
    let put = test::call_service(
        &app,
        send(
            actix_web::http::Method::PUT,
            "/collections/zones/items/KCN-PLACED",
            &moved,
            Some(&etag),
        ),
    )
    .await;
    assert_eq!(put.status(), StatusCode::OK);
    let after = communes_of(&body_json(put).await);
    assert!(
        after.len() >= 2 && after.iter().any(|(c, _)| c == "07210"),
        "{after:?}"
    );
    assert!(after.windows(2).all(|w| w[0].1 >= w[1].1), "{after:?}");
    let total: f64 = after.iter().map(|(_, s)| s).sum();
    assert!(
        (total - 1.0).abs() < 1e-3,
        "{after:?}: a client's communes are not taken"
    );
    // ?commune= finds it in the planners' view, not in the public's (a draft)
    let planner_view = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/collections/zones/items?commune=07210&limit=1000")
            .insert_header(bearer(&f.planner))
            .to_request(),
    )
    .await;
    let ids: Vec<String> = body_json(planner_view).await["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|z| z["id"].as_str().map(str::to_owned))
        .collect();
    assert!(ids.contains(&"KCN-PLACED".to_owned()), "{ids:?}");
    let public = get_json!(app, "/collections/zones/items?commune=07210&limit=1000");
    assert!(!public["features"].to_string().contains("KCN-PLACED"));
    // a zone of the former Bắc Ninh: its grid, its province, its plan
    let bn = json!({"type": "Feature", "id": "KCN-BN-THU", "geometry": square(106.05, 21.15, 0.003),
        "properties": {"kind": "KCN", "name": "KCN thử Bắc Ninh"}});
    let created = test::call_service(
        &app,
        send(
            actix_web::http::Method::POST,
            "/collections/zones/items",
            &bn,
            None,
        ),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body = body_json(created).await;
    assert_eq!(body["properties"]["grid_crs"], "EPSG:9209");
    assert_eq!(body["properties"]["former_province"], "Bắc Ninh");
    assert_eq!(body["properties"]["target_set"], "bac-ninh-2021-2030");
    let rules: Vec<&str> = body["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|x| x["rule"].as_str())
        .collect();
    assert!(
        !rules.contains(&"outside-boundary") && !rules.contains(&"outside-scope"),
        "{rules:?}"
    );
    // /validate: the same place, the scope of a resolution, the features as taken
    let posted = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "BN-FOR-BG", "geometry": square(106.05, 21.15, 0.003),
         "properties": {"kind": "KCN", "name": "x", "target_set": "bac-giang-2021-2030"}}]});
    let v = body_json(
        test::call_service(
            &app,
            test::TestRequest::post()
                .uri("/validate")
                .insert_header((header::CONTENT_TYPE, "application/geo+json"))
                .set_json(&posted)
                .to_request(),
        )
        .await,
    )
    .await;
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|x| x["rule"].as_str())
        .collect();
    assert_eq!(rules, ["outside-scope"], "{v}");
    let taken = &v["features"][0];
    assert_eq!(taken["id"], "BN-FOR-BG");
    assert_eq!(taken["properties"]["grid_crs"], "EPSG:9209");
    assert_eq!(taken["properties"]["plan_action"], "new");
    let lon0 = taken["geometry"]["coordinates"][0][0][0][0]
        .as_f64()
        .unwrap_or(0.0);
    // through the grid and back: the datum step's inverse is good to a millimetre
    assert!(
        (lon0 - 106.05).abs() < 2e-8,
        "{lon0}: the feature as taken, in WGS84"
    );
    // the province collection: the province now, then the former Bắc Giang
    let prov = get_json!(app, "/collections/province/items");
    let ids: Vec<&str> = prov["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|x| x["id"].as_str())
        .collect();
    assert_eq!(ids, ["bac-ninh", "bac-giang"]);
    // the reports
    let by = get_json!(app, "/report?by=commune");
    assert_eq!(by["communes"].as_array().map(Vec::len), Some(99));
    let bn_report = get_json!(app, "/report?target_set=bac-ninh-2021-2030");
    assert!(bn_report["targets_source"]
        .as_str()
        .is_some_and(|s| s.contains("1589/QĐ-TTg")));
    assert_eq!(
        get!(app, "/report?target_set=hanoi").status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get!(app, "/report?by=district").status(),
        StatusCode::BAD_REQUEST
    );
}

/// A version recorded before zones were placed (no `communes`) is served
/// placed: a registry that ran before keeps working as the province is now.
#[actix_web::test]
async fn a_zone_recorded_before_the_merger_is_served_placed() {
    use zoning_core::store::{Change, NewZoneVersion, Status};
    let f = fixture(1 << 20);
    let (lon, lat) = (106.2, 21.38);
    let wgs84 = geo_types::MultiPolygon::new(vec![geo_types::Rect::new(
        geo_types::coord! { x: lon, y: lat },
        geo_types::coord! { x: lon + 0.002, y: lat + 0.002 },
    )
    .to_polygon()]);
    let grid = zoning_core::crs::GridTransform::new()
        .and_then(|t| t.multipolygon_to_grid(&wgs84))
        .expect("PROJ");
    let old = json!({"kind": "CCN", "name_vi": "CCN cũ", "declared_area_ha": 4.6,
        "plan_action": "existing", "geometry_source": "digitised", "district_vi": "Lạng Giang"});
    f.state
        .store
        .append_zones(vec![NewZoneVersion {
            code: "CCN-OLD".into(),
            status: Status::Approved,
            properties: old.as_object().cloned().unwrap_or_default(),
            grid,
            change: Change {
                author: "zoning 0.1".into(),
                reason: Some("written before 1 July 2025".into()),
                decision: None,
            },
            findings: json!([]),
        }])
        .expect("stored");
    f.state.reload().expect("reload");
    let app = app!(f);
    let z = get_json!(app, "/collections/zones/items/CCN-OLD");
    let communes = z["properties"]["communes"].as_array().expect("placed");
    assert_eq!(communes.len(), 1, "{communes:?}");
    assert_eq!(z["properties"]["former_province"], "Bắc Giang");
    assert_eq!(z["properties"]["grid_crs"], "EPSG:9214");
    let code = communes[0]["code"].as_str().unwrap_or_default().to_owned();
    let found = get_json!(
        app,
        &format!("/collections/zones/items?commune={code}&limit=1000")
    );
    assert!(found["features"].to_string().contains("CCN-OLD"));
}

//! The vector tiles over the app built from `router()`: who sees what, the
//! validator, caching and bad addresses (docs/api.md). The tiles' content is
//! checked with independent decoders in `tests/e2e/test_tiles.py`.

use actix_web::http::{header, StatusCode};
use actix_web::test;
use serde_json::json;

#[macro_use]
mod common;
use common::{bearer, body_json, fixture, post_json};

/// The tile (row, col) holding lon/lat at zoom `z` (the OpenStreetMap wiki's
/// slippy-map formulas).
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let row = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    let col = (lon + 180.0) / 360.0 * n;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    (row as u32, col as u32)
}

fn has(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[actix_web::test]
async fn a_draft_is_in_a_planners_tile_and_never_in_the_publics() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let (lon, lat) = (106.2, 21.38);
    let d = 0.004;
    let draft = json!({"type": "Feature", "properties": {"code": "CCN-TILE-SECRET", "kind": "CCN", "name": "Bí mật"},
        "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]}});
    let resp = test::call_service(
        &app,
        post_json("/collections/zones/items", Some(&f.planner), &draft).to_request(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    for z in [0u8, 9, 14, 16] {
        let (row, col) = tile_of(lon + d / 2.0, lat + d / 2.0, z);
        let uri = format!("/collections/zones/tiles/WebMercatorQuad/{z}/{row}/{col}");
        let planner = test::call_service(
            &app,
            test::TestRequest::get()
                .uri(&uri)
                .insert_header(bearer(&f.planner))
                .to_request(),
        )
        .await;
        assert_eq!(planner.status(), StatusCode::OK, "{uri}");
        assert_eq!(
            planner
                .headers()
                .get(header::CACHE_CONTROL)
                .map(actix_web::http::header::HeaderValue::as_bytes),
            Some(&b"private, no-store"[..])
        );
        assert!(
            has(&test::read_body(planner).await, "CCN-TILE-SECRET"),
            "{uri}"
        );
        for token in [None, Some(&f.surveyor)] {
            let mut req = test::TestRequest::get().uri(&uri);
            if let Some(t) = token {
                req = req.insert_header(bearer(t));
            }
            let resp = test::call_service(&app, req.to_request()).await;
            assert!(resp.status() == StatusCode::OK || resp.status() == StatusCode::NO_CONTENT);
            let body = test::read_body(resp).await;
            assert!(
                !has(&body, "CCN-TILE-SECRET") && !has(&body, "draft"),
                "{uri}"
            );
        }
    }
}

#[actix_web::test]
async fn a_tile_is_revalidated_with_its_etag_and_bad_addresses_are_400() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let first = get!(app, "/collections/zones/tiles/WebMercatorQuad/0/0/0");
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(
        first
            .headers()
            .get(header::CONTENT_TYPE)
            .map(actix_web::http::header::HeaderValue::as_bytes),
        Some(&b"application/vnd.mapbox-vector-tile"[..])
    );
    assert_eq!(
        first
            .headers()
            .get(header::CACHE_CONTROL)
            .map(actix_web::http::header::HeaderValue::as_bytes),
        Some(&b"public, max-age=30"[..])
    );
    let etag = first
        .headers()
        .get(header::ETAG)
        .expect("an ETag")
        .to_str()
        .expect("text")
        .to_owned();
    let again = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/collections/zones/tiles/WebMercatorQuad/0/0/0")
            .insert_header((header::IF_NONE_MATCH, etag.clone()))
            .to_request(),
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        again
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok()),
        Some(etag.as_str())
    );
    for (path, param) in [
        ("23/0/0", "tileMatrix"),
        ("x/0/0", "tileMatrix"),
        ("2/4/0", "tileRow"),
        ("2/0/4", "tileCol"),
    ] {
        let resp = get!(
            app,
            &format!("/collections/zones/tiles/WebMercatorQuad/{path}")
        );
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{path}");
        let p = body_json(resp).await;
        assert!(
            p["detail"].as_str().is_some_and(|d| d.contains(param)),
            "{p}"
        );
    }
    let other = get!(app, "/collections/zones/tiles/WorldCRS84Quad/0/0/0");
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    // an invalid token is refused, never served as the public
    let bad = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/collections/zones/tiles/WebMercatorQuad/0/0/0")
            .insert_header(bearer("zt_not-a-token"))
            .to_request(),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
}

/// A tile of more than 200 zones is kept with the versions it was made of:
/// the same again is the same bytes, and a write to one of its zones makes
/// it again (new content, new validator) in the view that sees the write.
#[actix_web::test]
async fn a_heavy_tile_kept_aside_is_made_again_after_a_write() {
    let f = fixture(1 << 20);
    let app = app!(f);
    let tile = |token: Option<String>| {
        let mut r = test::TestRequest::get().uri("/collections/zones/tiles/WebMercatorQuad/0/0/0");
        if let Some(t) = token {
            r = r.insert_header(bearer(&t));
        }
        r.to_request()
    };
    // 25 drafts beside the 181 shipped zones: the planners' world tile holds 206
    let d = 0.002;
    let square = |lon: f64, lat: f64| json!({"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]});
    for i in 0..25u8 {
        let lon = 106.10 + f64::from(i % 5) * 0.01;
        let lat = 21.40 + f64::from(i / 5) * 0.01;
        let body = json!({"type": "Feature", "properties": {"code": format!("CCN-HEAVY-{i:02}"), "kind": "CCN", "name": "Thử"},
            "geometry": square(lon, lat)});
        let resp = test::call_service(
            &app,
            post_json("/collections/zones/items", Some(&f.planner), &body).to_request(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    let first = test::call_service(&app, tile(Some(f.planner.clone()))).await;
    let etag1 = first.headers().get(header::ETAG).cloned().expect("an ETag");
    let body1 = test::read_body(first).await;
    let again = test::call_service(&app, tile(Some(f.planner.clone()))).await;
    assert_eq!(again.headers().get(header::ETAG), Some(&etag1));
    assert_eq!(test::read_body(again).await, body1);
    let public1 = test::read_body(test::call_service(&app, tile(None)).await).await;
    assert!(!has(&public1, "CCN-HEAVY-00"));
    // move one draft far east: the planners' tile changes, the public's does not
    let item = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/collections/zones/items/CCN-HEAVY-00")
            .insert_header(bearer(&f.planner))
            .to_request(),
    )
    .await;
    let version = item.headers().get(header::ETAG).cloned().expect("an ETag");
    let moved = json!({"type": "Feature", "properties": {"code": "CCN-HEAVY-00", "kind": "CCN", "name": "Thử"},
        "geometry": square(106.9, 21.25)});
    let put = test::call_service(
        &app,
        test::TestRequest::put()
            .uri("/collections/zones/items/CCN-HEAVY-00")
            .insert_header(bearer(&f.planner))
            .insert_header((header::IF_MATCH, version))
            .set_json(&moved)
            .to_request(),
    )
    .await;
    assert_eq!(put.status(), StatusCode::OK);
    let after = test::call_service(&app, tile(Some(f.planner.clone()))).await;
    assert_ne!(after.headers().get(header::ETAG), Some(&etag1));
    let body2 = test::read_body(after).await;
    assert_ne!(body2, body1);
    assert!(has(&body2, "CCN-HEAVY-00"));
    let public2 = test::read_body(test::call_service(&app, tile(None)).await).await;
    assert_eq!(public2, public1);
}

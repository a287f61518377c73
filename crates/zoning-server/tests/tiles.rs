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

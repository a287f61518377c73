use geo_types::{coord, Rect};
use zoning_core::store::{Expect, NewZoneVersion, Role, Status, Store, StoreError, View};

use super::SqliteStore;

fn zone(code: &str, status: Status) -> NewZoneVersion {
    NewZoneVersion {
        code: code.into(),
        status,
        properties: serde_json::json!({"kind": "KCN", "name_vi": code})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        grid: MultiPolygon::new(vec![Rect::new(
            coord! { x: 0., y: 0. },
            coord! { x: 1., y: 1. },
        )
        .to_polygon()]),
        change: zoning_core::store::Change {
            author: "test".into(),
            reason: None,
            decision: None,
        },
        findings: serde_json::json!([]),
    }
}

use geo_types::MultiPolygon;

#[test]
fn views_history_and_concurrency() {
    let s = SqliteStore::in_memory().expect("store");
    let v1 = s
        .append_zone(zone("A", Status::Approved), Expect::Absent)
        .expect("v1");
    assert!(matches!(
        s.append_zone(zone("A", Status::Draft), Expect::Absent),
        Err(StoreError::Conflict { .. })
    ));
    let v2 = s
        .append_zone(zone("A", Status::Draft), Expect::Version(v1.id))
        .expect("v2");
    assert!(matches!(
        s.append_zone(zone("A", Status::Draft), Expect::Version(v1.id)),
        Err(StoreError::Conflict { .. })
    ));
    // the public still sees the approved version, planners the draft
    assert_eq!(s.zones(View::Public, None).expect("public")[0].id, v1.id);
    assert_eq!(s.zones(View::Planner, None).expect("planner")[0].id, v2.id);
    let v3 = s
        .append_zone(zone("A", Status::Retired), Expect::Version(v2.id))
        .expect("retire");
    assert!(s.zones(View::Public, None).expect("public").is_empty());
    assert!(s.zones(View::Planner, None).expect("planner").is_empty());
    let h = s.history("A").expect("history");
    assert_eq!(
        h.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(h[2].id, v3.id);
    // as of the time of v1, the public saw v1
    assert_eq!(
        s.zones(View::Public, Some(&v1.recorded_at)).expect("as of")[0].id,
        v1.id
    );
    // a retired zone may be created again
    s.append_zone(zone("A", Status::Draft), Expect::Absent)
        .expect("recreate");
}

#[test]
fn history_cannot_be_rewritten() {
    let s = SqliteStore::in_memory().expect("store");
    s.append_zone(zone("A", Status::Approved), Expect::Any)
        .expect("v1");
    let conn = s.conn();
    assert!(conn
        .execute("UPDATE zone_versions SET status = 'draft'", [])
        .is_err());
    assert!(conn.execute("DELETE FROM zone_versions", []).is_err());
}

#[test]
fn tokens_are_stored_hashed() {
    let s = SqliteStore::in_memory().expect("store");
    let token = s.add_user("lan", Role::Planner).expect("user");
    assert!(token.starts_with("zt_") && token.len() == 67);
    assert_eq!(
        s.user_by_token(&token).expect("lookup").map(|u| u.role),
        Some(Role::Planner)
    );
    assert_eq!(s.user_by_token("zt_wrong").expect("lookup"), None);
    let stored: String = s
        .conn()
        .query_row("SELECT token_sha256 FROM users", [], |r| r.get(0))
        .expect("row");
    assert!(!stored.contains(&token[3..]));
    assert!(matches!(
        s.add_user("lan", Role::Admin),
        Err(StoreError::Conflict { .. })
    ));
}

#[test]
fn reopening_keeps_everything_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("z.db");
    {
        let s = SqliteStore::open(&path).expect("open");
        s.append_zone(zone("A", Status::Approved), Expect::Any)
            .expect("v1");
    }
    let s = SqliteStore::open(&path).expect("reopen");
    assert_eq!(s.zones(View::Public, None).expect("zones").len(), 1);
    s.conn()
        .pragma_update(None, "user_version", 99)
        .expect("bump");
    drop(s);
    let e = SqliteStore::open(&path).expect_err("too new");
    assert!(e.to_string().contains("newer than this zoning"), "{e}");
}

#[test]
fn marker_writes_check_the_expected_version_atomically() {
    use zoning_core::store::NewMarker;
    let s = SqliteStore::in_memory().expect("store");
    let m = |h: f64, retired: bool| NewMarker {
        number: "M1".into(),
        zone: Some("A".into()),
        grid: geo_types::Point::new(400_000.0, 2_350_000.0),
        h: Some(h),
        survey_date: None,
        distance_m: Some(0.0),
        check_status: "ok".into(),
        retired,
    };
    s.append_markers(vec![m(1.0, false)], "hoa", "api", Expect::Absent)
        .expect("first");
    let v1 = s.marker_history("A:M1").expect("history")[0].id;
    assert!(matches!(
        s.append_markers(vec![m(2.0, false)], "hoa", "api", Expect::Absent),
        Err(StoreError::Conflict { .. })
    ));
    s.append_markers(vec![m(2.0, false)], "hoa", "api", Expect::Version(v1))
        .expect("second");
    // a writer still holding v1 is refused, and nothing of its batch is recorded
    assert!(matches!(
        s.append_markers(vec![m(3.0, true)], "hoa", "api", Expect::Version(v1)),
        Err(StoreError::Conflict { .. })
    ));
    let h = s.marker_history("A:M1").expect("history");
    assert_eq!(
        h.iter().map(|v| v.h).collect::<Vec<_>>(),
        vec![Some(1.0), Some(2.0)]
    );
    assert_eq!(s.markers(None).expect("markers").len(), 1);
}

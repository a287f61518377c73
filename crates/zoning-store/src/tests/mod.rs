use geo_types::{coord, Rect};
use std::time::Duration;

use zoning_core::store::{
    Expect, NewAuditEntry, NewZoneVersion, Role, Status, StoreError, TokenKind, TokenRefusal,
    UserStore, View, ZoneStore, ZoneVersion,
};

use super::SqliteStore;
use zoning_core::store::Store;

mod pg;

/// Each test taking a `&dyn Store`, run on a SQLite store in memory and on a
/// new PostgreSQL database (`pg::fresh`).
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&crate::SqliteStore::in_memory().expect("store"));
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                let (store, db) = super::pg::fresh();
                super::$name(&store);
                drop(store);
                drop(db);
            })*
        }
    };
}

on_both_stores!(
    views_history_and_concurrency,
    current_zones_are_the_views_without_findings,
    marker_writes_check_the_expected_version_atomically,
    tokens_expire,
    rotation_revokes_the_old_api_token_only,
    revoking_a_user_refuses_every_token_and_sign_in,
    signing_out_revokes_a_session_but_not_an_api_token,
    passwords_are_kept_as_given,
    audit_log_reads_newest_first,
);

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

fn views_history_and_concurrency(s: &dyn Store) {
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

/// `current_zones` gives the versions `zones(view, None)` gives (in any
/// order), each the same but for its findings, which it leaves `Null`, and
/// its properties, which it gives as the stored JSON text of the same object.
fn current_zones_are_the_views_without_findings(s: &dyn Store) {
    let with_findings = |code: &str, status| NewZoneVersion {
        findings: serde_json::json!([{"code": "sliver", "zone": code}]),
        ..zone(code, status)
    };
    let a1 = s
        .append_zone(with_findings("A", Status::Approved), Expect::Absent)
        .expect("A1");
    s.append_zone(with_findings("A", Status::Draft), Expect::Version(a1.id))
        .expect("A2: a draft on top");
    let b1 = s
        .append_zone(with_findings("B", Status::Approved), Expect::Absent)
        .expect("B1");
    s.append_zone(with_findings("B", Status::Retired), Expect::Version(b1.id))
        .expect("B2: retired");
    s.append_zone(with_findings("C", Status::Draft), Expect::Absent)
        .expect("C1: only a draft");
    s.append_zone(with_findings("D", Status::Approved), Expect::Absent)
        .expect("D1");
    for view in [View::Public, View::Planner] {
        let full = s.zones(view, None).expect("zones");
        let mut light = s.current_zones(view).expect("current zones");
        light.sort_by(|a, b| a.version.code.cmp(&b.version.code));
        assert_eq!(light.len(), full.len(), "{view:?}");
        for (l, f) in light.iter().zip(&full) {
            let code = &l.version.code;
            assert_eq!(
                l.version.findings,
                serde_json::Value::Null,
                "{view:?} {code}"
            );
            assert!(f.findings.as_array().is_some_and(|a| a.len() == 1));
            let stored: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&l.properties).expect("a JSON object");
            assert_eq!(stored, f.properties, "{view:?} {code}");
            let f = ZoneVersion {
                findings: serde_json::Value::Null,
                properties: serde_json::Map::new(),
                ..f.clone()
            };
            assert_eq!(l.version, f, "{view:?}");
        }
    }
    let codes = |view| {
        let mut c: Vec<String> = s
            .current_zones(view)
            .expect("current")
            .into_iter()
            .map(|v| v.version.code)
            .collect();
        c.sort();
        c
    };
    assert_eq!(codes(View::Public), ["A", "D"]);
    assert_eq!(codes(View::Planner), ["A", "C", "D"]);
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
        .query_row("SELECT token_sha256 FROM tokens", [], |r| r.get(0))
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

fn marker_writes_check_the_expected_version_atomically(s: &dyn Store) {
    use zoning_core::store::NewMarker;
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

/// The refusal of a token, or a panic naming what came instead.
fn refusal(s: &dyn Store, token: &str) -> TokenRefusal {
    match s.user_by_token(token) {
        Err(StoreError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn tokens_expire(s: &dyn Store) {
    let day = s
        .add_user_expiring("lan", Role::Planner, Some(Duration::from_secs(86_400)))
        .expect("user");
    assert_eq!(day.kind, TokenKind::Api);
    // the expiry is a day from now, as an RFC 3339 instant
    let expires = chrono::DateTime::parse_from_rfc3339(day.expires_at.as_deref().expect("expiry"))
        .expect("rfc 3339");
    let left = expires.signed_duration_since(chrono::Utc::now());
    assert!(
        left > chrono::TimeDelta::hours(23) && left <= chrono::TimeDelta::hours(24),
        "{left}"
    );
    assert_eq!(
        s.user_by_token(&day.token).expect("live").map(|u| u.name),
        Some("lan".into())
    );
    // a lifetime of zero has ended by the time it is used
    let gone = s
        .add_user_expiring("minh", Role::Admin, Some(Duration::ZERO))
        .expect("user");
    assert!(matches!(
        refusal(s, &gone.token),
        TokenRefusal::Expired { user, .. } if user == "minh"
    ));
    // a session of zero length too
    let session = s.issue_session("lan", Duration::ZERO).expect("session");
    assert!(session.token.starts_with("zs_"));
    assert_eq!(refusal(s, &session.token).reason(), "expired");
    // no lifetime: it never expires
    let forever = s
        .add_user_expiring("hoa", Role::Surveyor, None)
        .expect("user");
    assert_eq!(forever.expires_at, None);
    assert!(s.user_by_token(&forever.token).expect("live").is_some());
    // add_user keeps its old signature and gives 90 days
    let t = s.add_user("an", Role::Planner).expect("user");
    let an = s
        .users()
        .expect("users")
        .into_iter()
        .find(|u| u.name == "an")
        .expect("an");
    let (expires_at, created_at) = (an.latest_expiry.expect("expiry"), an.created_at);
    let span = chrono::DateTime::parse_from_rfc3339(&expires_at).expect("expiry")
        - chrono::DateTime::parse_from_rfc3339(&created_at).expect("created");
    assert_eq!(span, chrono::TimeDelta::days(90));
    assert!(s.user_by_token(&t).expect("live").is_some());
}

fn rotation_revokes_the_old_api_token_only(s: &dyn Store) {
    let old = s
        .add_user_expiring("lan", Role::Planner, Some(Duration::from_secs(3600)))
        .expect("user");
    let session = s
        .issue_session("lan", Duration::from_secs(3600))
        .expect("session");
    let new = s
        .rotate_token("lan", Some(Duration::from_secs(3600)))
        .expect("rotate");
    assert_ne!(new.token, old.token);
    assert!(matches!(
        refusal(s, &old.token),
        TokenRefusal::Revoked { .. }
    ));
    assert_eq!(
        s.user_by_token(&new.token).expect("new").map(|u| u.role),
        Some(Role::Planner)
    );
    // the session signed in with a password is not an API token
    assert!(s.user_by_token(&session.token).expect("session").is_some());
    assert!(matches!(
        s.rotate_token("nobody", None),
        Err(StoreError::NotFound(_))
    ));
    let list = s.users().expect("users");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].live_tokens, 2);
    assert!(!list[0].has_password && list[0].disabled_at.is_none());
}

fn revoking_a_user_refuses_every_token_and_sign_in(s: &dyn Store) {
    let api = s
        .add_user_expiring("lan", Role::Planner, None)
        .expect("user");
    let session = s
        .issue_session("lan", Duration::from_secs(3600))
        .expect("session");
    let other = s.add_user("minh", Role::Admin).expect("other");
    assert_eq!(s.revoke_user("lan").expect("revoke"), 2);
    assert_eq!(refusal(s, &api.token).reason(), "revoked");
    assert_eq!(refusal(s, &session.token).reason(), "revoked");
    // no new token for a disabled user
    assert!(matches!(
        s.rotate_token("lan", None),
        Err(StoreError::Refused(TokenRefusal::Disabled { .. }))
    ));
    assert!(matches!(
        s.issue_session("lan", Duration::from_secs(60)),
        Err(StoreError::Refused(TokenRefusal::Disabled { .. }))
    ));
    // others are untouched
    assert!(s.user_by_token(&other).expect("other").is_some());
    let lan = s
        .users()
        .expect("users")
        .into_iter()
        .find(|u| u.name == "lan")
        .expect("lan");
    assert_eq!(lan.live_tokens, 0);
    assert!(lan.disabled_at.is_some());
    assert!(matches!(
        s.revoke_user("nobody"),
        Err(StoreError::NotFound(_))
    ));
}

fn signing_out_revokes_a_session_but_not_an_api_token(s: &dyn Store) {
    let api = s.add_user("lan", Role::Planner).expect("user");
    let session = s
        .issue_session("lan", Duration::from_secs(3600))
        .expect("session");
    assert!(!s.revoke_session(&api).expect("api"));
    assert!(s.user_by_token(&api).expect("api").is_some());
    assert!(s.revoke_session(&session.token).expect("session"));
    assert_eq!(refusal(s, &session.token).reason(), "revoked");
    assert!(!s.revoke_session(&session.token).expect("twice"));
}

fn passwords_are_kept_as_given(s: &dyn Store) {
    s.add_user("lan", Role::Planner).expect("user");
    assert_eq!(s.password_hash("lan").expect("none"), None);
    assert_eq!(s.password_hash("nobody").expect("none"), None);
    let phc = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA";
    s.set_password("lan", phc).expect("set");
    assert_eq!(s.password_hash("lan").expect("hash").as_deref(), Some(phc));
    assert!(s.users().expect("users")[0].has_password);
    assert!(matches!(
        s.set_password("nobody", phc),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn the_audit_log_is_append_only() {
    let s = SqliteStore::in_memory().expect("store");
    audit_log_reads_newest_first(&s);
    let conn = s.conn();
    let e = conn
        .execute("UPDATE audit_log SET outcome = 'success'", [])
        .expect_err("update refused");
    assert!(e.to_string().contains("never changed"), "{e}");
    let e = conn
        .execute("DELETE FROM audit_log", [])
        .expect_err("delete refused");
    assert!(e.to_string().contains("never deleted"), "{e}");
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 2);
}

fn audit_log_reads_newest_first(s: &dyn Store) {
    for (i, outcome) in ["failure", "success"].iter().enumerate() {
        s.audit(&NewAuditEntry {
            actor: (i == 1).then(|| "lan".into()),
            action: "login".into(),
            target: Some("lan".into()),
            outcome: (*outcome).into(),
            detail: None,
            remote: Some("192.0.2.7".into()),
        })
        .expect("audit");
    }
    let log = s.audit_log(10).expect("log");
    assert_eq!(
        log.iter()
            .map(|e| e.entry.outcome.as_str())
            .collect::<Vec<_>>(),
        ["success", "failure"],
        "newest first"
    );
    assert_eq!(log[1].entry.actor, None);
    assert_eq!(log[0].entry.remote.as_deref(), Some("192.0.2.7"));
    assert_eq!(s.audit_log(1).expect("log").len(), 1);
}

#[test]
fn a_version_1_database_keeps_its_users_working() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("v1.db");
    // a database as zoning with schema version 1 left it, with a user whose
    // token is stored as its SHA-256
    let token = format!("zt_{}", "ab".repeat(32));
    let created = "2024-01-02T03:04:05.000000Z";
    {
        let conn = rusqlite::Connection::open(&path).expect("v1");
        conn.execute_batch(crate::migrations::MIGRATIONS[0])
            .expect("schema 1");
        conn.pragma_update(None, "user_version", 1).expect("v1");
        // SHA-256 of the token, from Python's hashlib
        let hex = "a9836f40d17f7d9020fb03347de965c0d0c5cd3c013044a8f58e3b0e884f907b";
        conn.execute(
            "INSERT INTO users (name, role, token_sha256, created_at) VALUES ('lan', 'planner', ?1, ?2)",
            rusqlite::params![hex, created],
        )
        .expect("user");
    }
    let s = SqliteStore::open(&path).expect("upgrade");
    assert!(dir.path().join("v1.db.bak-v1").exists(), "backup first");
    assert_eq!(
        s.user_by_token(&token).expect("old token"),
        Some(zoning_core::store::User {
            name: "lan".into(),
            role: Role::Planner
        })
    );
    let u = &s.users().expect("users")[0];
    assert_eq!(u.created_at, created);
    assert_eq!(u.live_tokens, 1);
    // the old token expires 90 days after the upgrade
    let expiry = chrono::DateTime::parse_from_rfc3339(u.latest_expiry.as_deref().expect("expiry"))
        .expect("rfc 3339");
    let left = expiry.signed_duration_since(chrono::Utc::now());
    assert!(
        left > chrono::TimeDelta::days(89) && left <= chrono::TimeDelta::days(90),
        "{left}"
    );
    // new users work beside it
    let t = s.add_user("minh", Role::Admin).expect("new user");
    assert!(s.user_by_token(&t).expect("new").is_some());
    assert!(matches!(
        s.add_user("lan", Role::Admin),
        Err(StoreError::Conflict { .. })
    ));
}

/// The direct reading of a stored geometry gives what the `geojson` crate
/// reads from the same text, for what this store writes (holes, several
/// parts, a closing vertex missing) and for what it does not (3D positions,
/// a Polygon).
#[test]
fn a_stored_geometry_is_read_as_the_geojson_crate_reads_it() {
    let by_crate = |text: &str| {
        let g: geojson::Geometry = text.parse().ok()?;
        MultiPolygon::<f64>::try_from(&g.value).ok()
    };
    let stored = super::geometry_text(&MultiPolygon::new(vec![
        geo_types::Polygon::new(
            geo_types::LineString::from(vec![(0., 0.), (10., 0.), (10., 10.), (0., 0.)]),
            vec![geo_types::LineString::from(vec![
                (1., 1.),
                (2., 1.),
                (2., 2.),
                (1., 1.),
            ])],
        ),
        Rect::new(
            coord! { x: 2_345_678.125, y: 570_001.5 },
            coord! { x: 2_345_679.0, y: 570_002.0 },
        )
        .to_polygon(),
    ]));
    for text in [
        stored.as_str(),
        r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1]]]]}"#,
        r#"{"type":"MultiPolygon","coordinates":[]}"#,
        r#"{"type":"MultiPolygon","coordinates":[[]]}"#,
        r#"{"type":"MultiPolygon","coordinates":[[[]]]}"#,
        r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[]]}"#,
        r#"{"coordinates":[[[[0.1,0.2,3],[1,0,3],[1,1,3],[0.1,0.2,3]]]],"type":"MultiPolygon"}"#,
        r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#,
    ] {
        assert_eq!(super::geometry_from(text).ok(), by_crate(text), "{text}");
    }
}

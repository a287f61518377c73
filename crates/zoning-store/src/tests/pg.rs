//! The PostgreSQL store: a new database per test in the cluster
//! `ZONING_TEST_PG` names (`make unit` starts one with `scripts/pg.sh`), and
//! what only a shared database has to show: its triggers, If-Match across
//! connections, its PostGIS columns, announcements, and copies both ways.

use std::sync::{mpsc, Arc, Barrier};
use std::time::Duration;

use postgres::NoTls;
use zoning_core::store::{
    Changed, Expect, MarkerStore, NewMarker, Role, Status, StoreError, UserStore, View, ZoneStore,
};

use super::zone;
use crate::pg::TestDatabase;
use crate::{PgStore, Registry, SqliteStore};

/// The cluster's base URL (`postgres://USER@HOST:PORT`).
fn base() -> String {
    std::env::var("ZONING_TEST_PG").unwrap_or_else(|_| {
        panic!(
            "the PostgreSQL store tests need a cluster: run `make unit`, or \
             `scripts/pg.sh start` and set ZONING_TEST_PG to the URL it prints"
        )
    })
}

/// A new, empty database, dropped with the guard.
pub(super) fn fresh_db() -> TestDatabase {
    crate::pg::create_test_database(&base(), "zs").unwrap_or_else(|e| panic!("{e}"))
}

/// A store on a new database, and the database's guard (drop it last).
pub(super) fn fresh() -> (PgStore, TestDatabase) {
    let db = fresh_db();
    (PgStore::open(db.url()).expect("open"), db)
}

fn sql(url: &str) -> postgres::Client {
    postgres::Client::connect(url, NoTls).expect("connect")
}

#[test]
fn history_cannot_be_rewritten_even_with_sql() {
    let db = fresh_db();
    let url = db.url().to_owned();
    let s = PgStore::open(&url).expect("open");
    s.append_zone(zone("A", Status::Approved), Expect::Any)
        .expect("v1");
    s.append_markers(
        vec![NewMarker {
            number: "M1".into(),
            zone: Some("A".into()),
            grid: geo_types::Point::new(400_000.0, 2_350_000.0),
            h: None,
            survey_date: None,
            distance_m: None,
            check_status: "ok".into(),
            retired: false,
        }],
        "hoa",
        "api",
        Expect::Any,
    )
    .expect("marker");
    s.audit(&zoning_core::store::NewAuditEntry {
        action: "login".into(),
        outcome: "success".into(),
        ..Default::default()
    })
    .expect("audit");
    let mut c = sql(&url);
    for (table, column) in [
        ("zone_versions", "author"),
        ("marker_versions", "author"),
        ("audit_log", "action"),
    ] {
        for statement in [
            format!("UPDATE {table} SET {column} = 'x'"),
            format!("DELETE FROM {table}"),
            format!("TRUNCATE {table} CASCADE"),
        ] {
            let e = c.batch_execute(&statement).expect_err(&statement);
            assert!(
                e.as_db_error()
                    .is_some_and(|d| d.message().contains("never changed or deleted")),
                "{statement}: {e}"
            );
        }
    }
    assert_eq!(s.history("A").expect("history").len(), 1);
}

#[test]
fn if_match_is_atomic_across_connections() {
    let db = fresh_db();
    let url = db.url().to_owned();
    let first = PgStore::open(&url).expect("open");
    let v1 = first
        .append_zone(zone("A", Status::Approved), Expect::Absent)
        .expect("v1");
    // eight writers, two stores (as two servers), all holding v1
    let stores = [
        Arc::new(first),
        Arc::new(PgStore::open(&url).expect("open")),
    ];
    for round in 0..5 {
        let current = stores[0].latest("A").expect("latest").expect("A").id;
        let barrier = Arc::new(Barrier::new(8));
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let s = Arc::clone(&stores[i % 2]);
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    s.append_zone(zone("A", Status::Draft), Expect::Version(current))
                })
            })
            .collect();
        let outcomes: Vec<_> = writers
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .collect();
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(won, 1, "round {round}: {outcomes:?}");
        assert!(outcomes
            .iter()
            .filter_map(|o| o.as_ref().err())
            .all(|e| matches!(e, StoreError::Conflict { current: Some(c), .. } if *c != v1.id)));
    }
    let versions: Vec<i64> = stores[1]
        .history("A")
        .expect("history")
        .iter()
        .map(|v| v.version)
        .collect();
    assert_eq!(versions, vec![1, 2, 3, 4, 5, 6]);
}

#[test]
fn geometries_are_postgis_columns_in_the_legal_grid() {
    use zoning_core::crs::{GridTransform, LegalGrid};
    let db = fresh_db();
    let url = db.url().to_owned();
    let s = PgStore::open(&url).expect("open");
    // a square of 1 km in the former Bắc Ninh, in the working plane
    let square = |x: f64, y: f64| {
        geo_types::MultiPolygon::new(vec![geo_types::Rect::new(
            geo_types::coord! { x: x, y: y },
            geo_types::coord! { x: x + 1000.0, y: y + 1000.0 },
        )
        .to_polygon()])
    };
    let mut z = zone("BN", Status::Approved);
    z.grid = square(360_000.0, 2_340_000.0);
    z.properties
        .insert("grid_crs".into(), serde_json::json!("EPSG:9209"));
    s.append_zone(z.clone(), Expect::Any).expect("write");
    let mut bg = zone("BG", Status::Approved);
    bg.grid = square(400_000.0, 2_350_000.0);
    s.append_zone(bg, Expect::Any).expect("write");
    let mut c = sql(&url);
    let rows = c
        .query(
            "SELECT code, ST_SRID(geom), ST_SRID(geom_legal), ST_Area(geom_legal),
                    ST_XMin(geom_legal), ST_YMin(geom_legal)
             FROM zone_versions ORDER BY code",
            &[],
        )
        .expect("query");
    let t = GridTransform::new().expect("PROJ");
    let legal = t
        .to_legal(&z.grid, LegalGrid::Tm3_105_30)
        .expect("to EPSG:9209");
    let r = geo::BoundingRect::bounding_rect(legal.as_ref()).expect("box");
    // PostGIS's ST_Transform and zoning's PROJ pipeline agree to 1 mm
    let (bn_srid, bn_area, bn_x, bn_y): (i32, f64, f64, f64) = (
        rows[1].get(2),
        rows[1].get(3),
        rows[1].get(4),
        rows[1].get(5),
    );
    assert_eq!(bn_srid, 9209);
    assert!((bn_x - r.min().x).abs() < 1e-3, "{bn_x} {}", r.min().x);
    assert!((bn_y - r.min().y).abs() < 1e-3, "{bn_y} {}", r.min().y);
    let area = geo::Area::unsigned_area(legal.as_ref());
    assert!((bn_area - area).abs() < 1e-2, "{bn_area} {area}");
    assert_eq!(
        (rows[0].get::<_, i32>(1), rows[0].get::<_, i32>(2)),
        (9214, 9214)
    );
    // the index answers the neighbours' query as the trait's scan does
    let bbox = [399_000.0, 2_349_000.0, 400_500.0, 2_350_500.0];
    let codes = |v: Vec<zoning_core::store::ZoneVersion>| -> Vec<String> {
        v.into_iter().map(|z| z.code).collect()
    };
    assert_eq!(
        codes(s.zones_meeting(View::Planner, bbox).expect("meeting")),
        vec!["BG".to_owned()]
    );
}

#[test]
fn another_connections_writes_are_announced() {
    let db = fresh_db();
    let url = db.url().to_owned();
    let watcher = PgStore::open(&url).expect("open");
    let (tx, rx) = mpsc::channel();
    assert!(watcher
        .watch(Arc::new(move |c| {
            let _ = tx.send(c);
        }))
        .expect("watch"));
    let writer = PgStore::open(&url).expect("open");
    writer
        .append_zone(zone("KCN-X", Status::Draft), Expect::Absent)
        .expect("write");
    // a bound on the wait, not a measure: it comes at the writer's commit
    let got = rx.recv_timeout(Duration::from_secs(60)).expect("announced");
    assert_eq!(got, Changed::Zone("KCN-X".into()));
}

#[test]
fn a_registry_is_copied_both_ways_without_losing_a_version() {
    let dir = tempfile::tempdir().expect("dir");
    let a = dir.path().join("a.db");
    let original = SqliteStore::open(&a).expect("open");
    let v1 = original
        .append_zone(zone("A", Status::Approved), Expect::Absent)
        .expect("v1");
    original
        .append_zone(zone("A", Status::Draft), Expect::Version(v1.id))
        .expect("v2");
    original
        .append_zone(zone("B", Status::Approved), Expect::Absent)
        .expect("B");
    let token = original.add_user("lan", Role::Planner).expect("user");
    drop(original);
    let db = fresh_db();
    let url = db.url().to_owned();
    let (sqlite, _) = Registry::open(&a.display().to_string(), true).expect("open");
    let (pg, _) = Registry::open(&url, false).expect("open");
    let copied = crate::copy(&sqlite, &pg).expect("copy");
    assert!(copied.tables.contains(&("zone_versions".to_owned(), 3)));
    // a second copy into the same database is refused, and changes nothing
    assert!(crate::copy(&sqlite, &pg).is_err());
    let back = dir.path().join("back.db");
    let (sqlite_back, _) = Registry::open(&back.display().to_string(), false).expect("open");
    crate::copy(&pg, &sqlite_back).expect("copy back");
    for (x, y) in [(&sqlite, &pg), (&sqlite, &sqlite_back)] {
        let (x, y) = (x.store(), y.store());
        for code in ["A", "B"] {
            assert_eq!(x.history(code).expect("x"), y.history(code).expect("y"));
        }
        for view in [View::Public, View::Planner] {
            assert_eq!(
                x.zones(view, None).expect("x"),
                y.zones(view, None).expect("y")
            );
        }
        assert_eq!(
            y.user_by_token(&token).expect("token").map(|u| u.name),
            Some("lan".to_owned())
        );
    }
    // new versions follow the copied ones
    let s = pg.store();
    let latest = s.latest("A").expect("latest").expect("A");
    let v3 = s
        .append_zone(zone("A", Status::Approved), Expect::Version(latest.id))
        .expect("v3");
    assert!(v3.id > latest.id);
    assert_eq!(v3.version, 3);
}

#[test]
fn an_unreachable_database_is_said_so() {
    // nothing listens on port 9 of the loopback
    let e = PgStore::open("postgres://zoning@127.0.0.1:9/none").expect_err("refused");
    assert!(e.to_string().contains("127.0.0.1:9/none"), "{e}");
    let e = PgStore::open("postgres://[bad").expect_err("not a URL");
    assert!(e.to_string().contains("postgres://USER"), "{e}");
}

//! `zoning-store`: the registry's storage on embedded SQLite (the bundled
//! library through `rusqlite`), implementing [`zoning_core::store::Store`].
//!
//! Durability: the database runs in WAL mode with `synchronous = FULL`, so a
//! transaction is on disk (the WAL fsynced) before the call that made it
//! returns: an acknowledged write survives `kill -9` and power loss. History
//! is append-only: triggers refuse any `UPDATE` or `DELETE` of a version row.
//! Schema changes are numbered migrations (`PRAGMA user_version`); opening an
//! older database first copies it (`VACUUM INTO` `…bak-vN`) and then upgrades
//! it in one transaction.
//!
//! Accounts: a user holds tokens (API or session), each stored as its SHA-256
//! with an expiry and a revocation time, an optional Argon2id password hash
//! (made by the caller) and a `disabled_at`; the audit log is append-only like
//! the version tables (docs/security.md).
//!
//! [`PgStore`] implements the same traits on PostgreSQL + PostGIS ([`pg`]);
//! [`Registry::open`] picks one from a `--db` value (a path or a
//! `postgres://` URL) and [`copy`] moves a registry between them.
#![forbid(unsafe_code)]

mod copy;
mod error;
mod markers;
mod migrations;
pub mod pg;
mod users;
mod zones;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{SecondsFormat, Utc};
use geo_types::{MultiPolygon, Point};
use rusqlite::{params, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};
use zoning_core::store::{
    Change, MarkerVersion, NewZoneVersion, Status, Store, StoreError, StoreResult, ZoneVersion,
};

pub use copy::{copy, Copied};
pub use error::Error;
pub use pg::PgStore;

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: String,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Now, RFC 3339 UTC with microseconds (sorts as text).
pub(crate) fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub use zoning_core::store::as_of_instant;

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn geometry_text(mp: &MultiPolygon) -> String {
    geojson::Geometry::new(geojson::GeometryValue::from(mp)).to_string()
}

/// A stored geometry as this store writes it: a 2D GeoJSON `MultiPolygon`.
#[derive(serde::Deserialize)]
struct StoredMultiPolygon {
    #[serde(rename = "type")]
    kind: String,
    coordinates: Vec<Vec<Vec<[f64; 2]>>>,
}

fn geometry_from(text: &str) -> StoreResult<MultiPolygon> {
    // straight into coordinates, without a `serde_json::Value` in between
    // (the bulk of reading every zone at start-up); anything else through
    // the `geojson` crate, as before
    if let Ok(g) = serde_json::from_str::<StoredMultiPolygon>(text) {
        // an empty part or ring goes the crate's way (it refuses some)
        let full = !g.coordinates.is_empty()
            && g.coordinates
                .iter()
                .all(|p| !p.is_empty() && p.iter().all(|r| !r.is_empty()));
        if g.kind == "MultiPolygon" && full {
            let ring = |r: Vec<[f64; 2]>| {
                geo_types::LineString::from(
                    r.into_iter()
                        .map(|[x, y]| geo_types::Coord { x, y })
                        .collect::<Vec<_>>(),
                )
            };
            return Ok(MultiPolygon::new(
                g.coordinates
                    .into_iter()
                    .map(|p| {
                        let mut rings = p.into_iter().map(ring);
                        let exterior = rings.next().unwrap_or_else(|| ring(Vec::new()));
                        geo_types::Polygon::new(exterior, rings.collect())
                    })
                    .collect(),
            ));
        }
    }
    let g: geojson::Geometry = text.parse::<geojson::Geometry>().map_err(backend)?;
    MultiPolygon::try_from(&g.value).map_err(backend)
}

/// The columns of a zone row but its findings, in the order `zone_row` reads.
macro_rules! zone_columns {
    () => {
        "id, code, version, status, properties, geometry, recorded_at, author, reason, decision"
    };
}

const ZONE_COLUMNS: &str = concat!(zone_columns!(), ", findings");

/// [`ZONE_COLUMNS`] with `null` for the findings.
const ZONE_COLUMNS_NO_FINDINGS: &str = concat!(zone_columns!(), ", 'null'");

/// A zone row as read, its JSON columns (properties, geometry, findings) not
/// yet parsed: [`with_geometry`] parses them, on many threads for many rows.
pub(crate) struct ZoneRow {
    version: ZoneVersion,
    properties: String,
    geometry: String,
    findings: String,
}

fn zone_row(row: &Row<'_>) -> rusqlite::Result<ZoneRow> {
    let status: String = row.get(3)?;
    Ok(ZoneRow {
        version: ZoneVersion {
            id: row.get(0)?,
            code: row.get(1)?,
            version: row.get(2)?,
            status: match status.as_str() {
                "approved" => Status::Approved,
                "retired" => Status::Retired,
                _ => Status::Draft,
            },
            properties: serde_json::Map::new(),
            grid: MultiPolygon::new(vec![]),
            recorded_at: row.get(6)?,
            change: Change {
                author: row.get(7)?,
                reason: row.get(8)?,
                decision: row.get(9)?,
            },
            findings: serde_json::Value::Null,
        },
        properties: row.get(4)?,
        geometry: row.get(5)?,
        findings: row.get(10)?,
    })
}

/// A row read by `current_zones`: its geometry parsed, its properties left
/// as stored.
pub(crate) fn current(row: ZoneRow) -> StoreResult<zoning_core::store::CurrentZone> {
    let mut version = row.version;
    version.grid = geometry_from(&row.geometry)?;
    Ok(zoning_core::store::CurrentZone {
        version,
        properties: row.properties,
    })
}

pub(crate) fn with_geometry(row: ZoneRow) -> StoreResult<ZoneVersion> {
    let mut z = row.version;
    z.properties = serde_json::from_str(&row.properties).unwrap_or_default();
    z.findings = serde_json::from_str(&row.findings).unwrap_or(serde_json::Value::Array(vec![]));
    z.grid = geometry_from(&row.geometry)?;
    Ok(z)
}

const MARKER_COLUMNS: &str = "id, key, number, zone, x, y, h, survey_date, distance_m, check_status, batch, recorded_at, author, retired";

fn marker_row(row: &Row<'_>) -> rusqlite::Result<MarkerVersion> {
    Ok(MarkerVersion {
        id: row.get(0)?,
        key: row.get(1)?,
        number: row.get(2)?,
        zone: row.get(3)?,
        grid: Point::new(row.get(4)?, row.get(5)?),
        h: row.get(6)?,
        survey_date: row.get(7)?,
        distance_m: row.get(8)?,
        check_status: row.get(9)?,
        batch: row.get(10)?,
        recorded_at: row.get(11)?,
        author: row.get(12)?,
        retired: row.get::<_, i64>(13)? != 0,
    })
}

/// A registry as a `--db` value names it: a SQLite file or a PostgreSQL
/// database.
#[derive(Debug, Clone)]
pub enum Registry {
    /// The embedded store.
    Sqlite(Arc<SqliteStore>),
    /// PostgreSQL + PostGIS.
    Postgres(Arc<PgStore>),
}

impl Registry {
    /// Opens the registry `db` names: a `postgres://` or `postgresql://` URL
    /// is a PostgreSQL database (which must exist; its schema is made or
    /// upgraded), anything else a SQLite file (created when missing unless
    /// `must_exist`). Returns it and whether it was new.
    ///
    /// # Errors
    /// As [`SqliteStore::open`] and [`PgStore::open`]; a missing file when
    /// `must_exist`.
    pub fn open(db: &str, must_exist: bool) -> Result<(Self, bool), Error> {
        if pg::is_url(db) {
            let store = PgStore::open(db)?;
            let new = store.was_new();
            return Ok((Self::Postgres(Arc::new(store)), new));
        }
        let path = Path::new(db);
        let new = !path.exists();
        if new && must_exist {
            return Err(Error::Open {
                path: db.to_owned(),
                reason: "no such database".into(),
            });
        }
        Ok((Self::Sqlite(Arc::new(SqliteStore::open(path)?)), new))
    }

    /// The store behind the registry's traits.
    #[must_use]
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Self::Sqlite(s) => Arc::clone(s) as Arc<dyn Store>,
            Self::Postgres(s) => Arc::clone(s) as Arc<dyn Store>,
        }
    }

    /// The file, or the database's URL without its password.
    #[must_use]
    pub fn place(&self) -> String {
        match self {
            Self::Sqlite(s) => s.path.clone(),
            Self::Postgres(s) => s.place().to_owned(),
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema
    /// up to date.
    ///
    /// # Errors
    /// When the file cannot be opened, is not a zoning database, was made by
    /// a newer version, or a migration fails (the database is then unchanged).
    pub fn open(path: &Path) -> Result<Self, Error> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Open {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        }
        let conn = Connection::open(path).map_err(|e| Error::Open {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::setup(conn, path)
    }

    /// An in-memory database (tests).
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn in_memory() -> Result<Self, Error> {
        let conn = Connection::open_in_memory().map_err(|e| Error::Open {
            path: ":memory:".into(),
            reason: e.to_string(),
        })?;
        Self::setup(conn, Path::new(":memory:"))
    }

    fn setup(mut conn: Connection, path: &Path) -> Result<Self, Error> {
        let open = |e: rusqlite::Error| Error::Open {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open)?;
        migrations::run(&mut conn, path)?;
        Ok(Self {
            conn: Mutex::new(conn),
            path: path.display().to_string(),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // a panic while holding the lock leaves SQLite consistent (every write
        // is one transaction), so a poisoned lock is still usable
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn latest_in(conn: &Connection, code: &str) -> StoreResult<Option<ZoneVersion>> {
        conn.query_row(
            &format!(
                "SELECT {ZONE_COLUMNS} FROM zone_versions WHERE code = ?1 ORDER BY id DESC LIMIT 1"
            ),
            params![code],
            zone_row,
        )
        .optional()
        .map_err(backend)?
        .map(with_geometry)
        .transpose()
    }

    fn insert_zone(conn: &Connection, new: &NewZoneVersion) -> StoreResult<i64> {
        let version: i64 = conn
            .query_row(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM zone_versions WHERE code = ?1",
                params![new.code],
                |r| r.get(0),
            )
            .map_err(backend)?;
        conn.execute(
            "INSERT INTO zone_versions (code, version, status, properties, geometry, recorded_at, author, reason, decision, findings)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                new.code,
                version,
                new.status.as_str(),
                serde_json::Value::Object(new.properties.clone()).to_string(),
                geometry_text(&new.grid),
                now(),
                new.change.author,
                new.change.reason,
                new.change.decision,
                new.findings.to_string(),
            ],
        )
        .map_err(backend)?;
        Ok(conn.last_insert_rowid())
    }
}

#[cfg(test)]
mod tests;

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
#![forbid(unsafe_code)]

mod error;
mod migrations;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{SecondsFormat, Utc};
use geo_types::{MultiPolygon, Point};
use rusqlite::{params, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};
use zoning_core::store::{
    Change, Expect, MarkerVersion, NewMarker, NewZoneVersion, Role, Status, Store, StoreError,
    StoreResult, User, View, ZoneVersion,
};

pub use error::Error;

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Now, RFC 3339 UTC with microseconds (sorts as text).
fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An "as of" instant as comparable text: a date means the end of that day;
/// a timestamp with an offset is brought to UTC.
///
/// # Errors
/// When it is neither a date nor an RFC 3339 timestamp.
pub fn as_of_instant(as_of: &str) -> Result<String, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d") {
        return Ok(format!("{d}T23:59:59.999999Z"));
    }
    chrono::DateTime::parse_from_rfc3339(as_of)
        .map(|t| {
            t.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Micros, true)
        })
        .map_err(|_| {
            format!(
                "{as_of:?} is not a date (2025-12-31) or an RFC 3339 time (2025-12-31T08:00:00Z)"
            )
        })
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn geometry_text(mp: &MultiPolygon) -> String {
    geojson::Geometry::new(geojson::GeometryValue::from(mp)).to_string()
}

fn geometry_from(text: &str) -> StoreResult<MultiPolygon> {
    let g: geojson::Geometry = text.parse::<geojson::Geometry>().map_err(backend)?;
    MultiPolygon::try_from(&g.value).map_err(backend)
}

const ZONE_COLUMNS: &str =
    "id, code, version, status, properties, geometry, recorded_at, author, reason, decision, findings";

fn zone_row(row: &Row<'_>) -> rusqlite::Result<(ZoneVersion, String)> {
    let status: String = row.get(3)?;
    let properties: String = row.get(4)?;
    let findings: String = row.get(10)?;
    Ok((
        ZoneVersion {
            id: row.get(0)?,
            code: row.get(1)?,
            version: row.get(2)?,
            status: match status.as_str() {
                "approved" => Status::Approved,
                "retired" => Status::Retired,
                _ => Status::Draft,
            },
            properties: serde_json::from_str(&properties).unwrap_or_default(),
            grid: MultiPolygon::new(vec![]),
            recorded_at: row.get(6)?,
            change: Change {
                author: row.get(7)?,
                reason: row.get(8)?,
                decision: row.get(9)?,
            },
            findings: serde_json::from_str(&findings).unwrap_or(serde_json::Value::Array(vec![])),
        },
        row.get(5)?,
    ))
}

fn with_geometry((mut z, g): (ZoneVersion, String)) -> StoreResult<ZoneVersion> {
    z.grid = geometry_from(&g)?;
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

impl Store for SqliteStore {
    fn zones(&self, view: View, as_of: Option<&str>) -> StoreResult<Vec<ZoneVersion>> {
        let until = match as_of {
            Some(a) => as_of_instant(a).map_err(StoreError::Backend)?,
            None => "9999".to_owned(),
        };
        let sql = match view {
            View::Public => format!(
                "SELECT {ZONE_COLUMNS} FROM zone_versions WHERE id IN (
                   SELECT MAX(id) FROM zone_versions
                   WHERE recorded_at <= ?1 AND status IN ('approved', 'retired') GROUP BY code)
                 AND status = 'approved' ORDER BY code"
            ),
            View::Planner => format!(
                "SELECT {ZONE_COLUMNS} FROM zone_versions WHERE id IN (
                   SELECT MAX(id) FROM zone_versions WHERE recorded_at <= ?1 GROUP BY code)
                 AND status != 'retired' ORDER BY code"
            ),
        };
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
        let rows = stmt.query_map(params![until], zone_row).map_err(backend)?;
        rows.map(|r| r.map_err(backend).and_then(with_geometry))
            .collect()
    }

    fn latest(&self, code: &str) -> StoreResult<Option<ZoneVersion>> {
        Self::latest_in(&self.conn(), code)
    }

    fn history(&self, code: &str) -> StoreResult<Vec<ZoneVersion>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ZONE_COLUMNS} FROM zone_versions WHERE code = ?1 ORDER BY id"
            ))
            .map_err(backend)?;
        let rows = stmt.query_map(params![code], zone_row).map_err(backend)?;
        rows.map(|r| r.map_err(backend).and_then(with_geometry))
            .collect()
    }

    fn append_zone(&self, new: NewZoneVersion, expect: Expect) -> StoreResult<ZoneVersion> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let current = Self::latest_in(&tx, &new.code)?;
        let live = current.as_ref().filter(|c| c.status != Status::Retired);
        let ok = match expect {
            Expect::Any => true,
            Expect::Absent => live.is_none(),
            Expect::Version(v) => current.as_ref().is_some_and(|c| c.id == v),
        };
        if !ok {
            return Err(StoreError::Conflict {
                what: new.code.clone(),
                current: current.map(|c| c.id),
            });
        }
        let id = Self::insert_zone(&tx, &new)?;
        let stored = tx
            .query_row(
                &format!("SELECT {ZONE_COLUMNS} FROM zone_versions WHERE id = ?1"),
                params![id],
                zone_row,
            )
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        with_geometry(stored)
    }

    fn append_zones(&self, new: Vec<NewZoneVersion>) -> StoreResult<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        for z in &new {
            Self::insert_zone(&tx, z)?;
        }
        tx.commit().map_err(backend)?;
        Ok(new.len())
    }

    fn is_empty(&self) -> StoreResult<bool> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM zone_versions", [], |r| r.get(0))
            .map_err(backend)?;
        Ok(n == 0)
    }

    fn markers(&self, as_of: Option<&str>) -> StoreResult<Vec<MarkerVersion>> {
        let until = match as_of {
            Some(a) => as_of_instant(a).map_err(StoreError::Backend)?,
            None => "9999".to_owned(),
        };
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {MARKER_COLUMNS} FROM marker_versions WHERE id IN (
                   SELECT MAX(id) FROM marker_versions WHERE recorded_at <= ?1 GROUP BY key)
                 AND retired = 0 ORDER BY key"
            ))
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![until], marker_row)
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
    }

    fn marker_history(&self, key: &str) -> StoreResult<Vec<MarkerVersion>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {MARKER_COLUMNS} FROM marker_versions WHERE key = ?1 ORDER BY id"
            ))
            .map_err(backend)?;
        let rows = stmt.query_map(params![key], marker_row).map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
    }

    fn append_markers(
        &self,
        markers: Vec<NewMarker>,
        author: &str,
        source: &str,
        expect: Expect,
    ) -> StoreResult<i64> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        if expect != Expect::Any {
            for m in &markers {
                let key = m.key();
                let latest: Option<(i64, i64)> = tx
                    .query_row(
                        "SELECT id, retired FROM marker_versions WHERE key = ?1 ORDER BY id DESC LIMIT 1",
                        params![key],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()
                    .map_err(backend)?;
                let ok = match expect {
                    Expect::Version(v) => latest.is_some_and(|(id, _)| id == v),
                    _ => latest.is_none_or(|(_, retired)| retired != 0),
                };
                if !ok {
                    return Err(StoreError::Conflict {
                        what: format!("marker {key}"),
                        current: latest.map(|(id, _)| id),
                    });
                }
            }
        }
        let at = now();
        tx.execute(
            "INSERT INTO marker_batches (recorded_at, author, source) VALUES (?1, ?2, ?3)",
            params![at, author, source],
        )
        .map_err(backend)?;
        let batch = tx.last_insert_rowid();
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO marker_versions (key, number, zone, x, y, h, survey_date, distance_m, check_status, batch, recorded_at, author, retired)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(backend)?;
            for m in &markers {
                stmt.execute(params![
                    m.key(),
                    m.number,
                    m.zone,
                    m.grid.x(),
                    m.grid.y(),
                    m.h,
                    m.survey_date,
                    m.distance_m,
                    m.check_status,
                    batch,
                    at,
                    author,
                    i64::from(m.retired),
                ])
                .map_err(backend)?;
            }
        }
        tx.commit().map_err(backend)?;
        Ok(batch)
    }

    fn add_user(&self, name: &str, role: Role) -> StoreResult<String> {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token: String = format!("zt_{}", hex(&bytes));
        self.conn()
            .execute(
                "INSERT INTO users (name, role, token_sha256, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, role.as_str(), hash(&token), now()],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(f, _)
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    StoreError::Conflict {
                        what: format!("user {name}"),
                        current: None,
                    }
                }
                e => backend(e),
            })?;
        Ok(token)
    }

    fn user_by_token(&self, token: &str) -> StoreResult<Option<User>> {
        self.conn()
            .query_row(
                "SELECT name, role FROM users WHERE token_sha256 = ?1",
                params![hash(token)],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(backend)
            .map(|o| o.and_then(|(name, role)| Role::parse(&role).map(|role| User { name, role })))
    }
}

#[cfg(test)]
mod tests;

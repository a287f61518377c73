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
#![forbid(unsafe_code)]

mod error;
mod migrations;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use geo_types::{MultiPolygon, Point};
use rusqlite::{params, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};
use zoning_core::store::{
    AuditEntry, Change, Expect, IssuedToken, MarkerVersion, NewAuditEntry, NewMarker,
    NewZoneVersion, Role, Status, Store, StoreError, StoreResult, TokenKind, TokenRefusal, User,
    UserSummary, View, ZoneVersion,
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

    fn user_by_token(&self, token: &str) -> StoreResult<Option<User>> {
        let found: Option<TokenRow> = self
            .conn()
            .query_row(
                "SELECT u.name, u.role, u.disabled_at, t.expires_at, t.revoked_at
                 FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = ?1",
                params![hash(token)],
                |r| {
                    Ok(TokenRow {
                        name: r.get(0)?,
                        role: r.get(1)?,
                        disabled_at: r.get(2)?,
                        expires_at: r.get(3)?,
                        revoked_at: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(backend)?;
        let Some(t) = found else {
            return Ok(None);
        };
        if let Some(at) = t.revoked_at {
            return Err(StoreError::Refused(TokenRefusal::Revoked {
                user: t.name,
                at,
            }));
        }
        if let Some(at) = t.disabled_at {
            return Err(StoreError::Refused(TokenRefusal::Disabled {
                user: t.name,
                at,
            }));
        }
        if let Some(at) = t.expires_at.filter(|e| *e <= now()) {
            return Err(StoreError::Refused(TokenRefusal::Expired {
                user: t.name,
                at,
            }));
        }
        Ok(Role::parse(&t.role).map(|role| User { name: t.name, role }))
    }

    fn add_user_expiring(
        &self,
        name: &str,
        role: Role,
        ttl: Option<Duration>,
    ) -> StoreResult<IssuedToken> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let (created, expires) = lifetime(ttl)?;
        tx.execute(
            "INSERT INTO users (name, role, created_at) VALUES (?1, ?2, ?3)",
            params![name, role.as_str(), created],
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
        let id = tx.last_insert_rowid();
        let token = insert_token(&tx, id, TokenKind::Api, &created, expires.as_deref())?;
        tx.commit().map_err(backend)?;
        Ok(IssuedToken {
            token,
            user: User {
                name: name.to_owned(),
                role,
            },
            kind: TokenKind::Api,
            expires_at: expires,
        })
    }

    fn users(&self) -> StoreResult<Vec<UserSummary>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT u.name, u.role, u.created_at, u.password_hash IS NOT NULL, u.disabled_at,
                   (SELECT COUNT(*) FROM tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL
                      AND (t.expires_at IS NULL OR t.expires_at > ?1)),
                   (SELECT MAX(t.expires_at) FROM tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL
                      AND t.expires_at > ?1),
                   (SELECT COUNT(*) FROM tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL
                      AND t.expires_at IS NULL)
                 FROM users u ORDER BY u.name",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![now()], |r| {
                let role: String = r.get(1)?;
                let never = r.get::<_, i64>(7)? > 0;
                Ok(UserSummary {
                    name: r.get(0)?,
                    role: Role::parse(&role).unwrap_or(Role::Planner),
                    created_at: r.get(2)?,
                    has_password: r.get(3)?,
                    disabled_at: r.get(4)?,
                    live_tokens: usize::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                    latest_expiry: if never { None } else { r.get(6)? },
                    never_expires: never,
                })
            })
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
    }

    fn rotate_token(&self, name: &str, ttl: Option<Duration>) -> StoreResult<IssuedToken> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let user = active_user(&tx, name)?;
        let (at, expires) = lifetime(ttl)?;
        tx.execute(
            "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND kind = 'api' AND revoked_at IS NULL",
            params![user.id, at],
        )
        .map_err(backend)?;
        let token = insert_token(&tx, user.id, TokenKind::Api, &at, expires.as_deref())?;
        tx.commit().map_err(backend)?;
        Ok(IssuedToken {
            token,
            user: user.user,
            kind: TokenKind::Api,
            expires_at: expires,
        })
    }

    fn revoke_user(&self, name: &str) -> StoreResult<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let id: i64 = tx
            .query_row("SELECT id FROM users WHERE name = ?1", params![name], |r| {
                r.get(0)
            })
            .optional()
            .map_err(backend)?
            .ok_or_else(|| StoreError::NotFound(format!("user {name}")))?;
        let at = now();
        let revoked = tx
            .execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL
                   AND (expires_at IS NULL OR expires_at > ?2)",
                params![id, at],
            )
            .map_err(backend)?;
        tx.execute(
            "UPDATE users SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS NULL",
            params![id, at],
        )
        .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(revoked)
    }

    fn set_password(&self, name: &str, phc_hash: &str) -> StoreResult<()> {
        let n = self
            .conn()
            .execute(
                "UPDATE users SET password_hash = ?2 WHERE name = ?1",
                params![name, phc_hash],
            )
            .map_err(backend)?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("user {name}")));
        }
        Ok(())
    }

    fn password_hash(&self, name: &str) -> StoreResult<Option<String>> {
        self.conn()
            .query_row(
                "SELECT password_hash FROM users WHERE name = ?1",
                params![name],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(backend)
    }

    fn issue_session(&self, name: &str, ttl: Duration) -> StoreResult<IssuedToken> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let user = active_user(&tx, name)?;
        let (at, expires) = lifetime(Some(ttl))?;
        let token = insert_token(&tx, user.id, TokenKind::Session, &at, expires.as_deref())?;
        tx.commit().map_err(backend)?;
        Ok(IssuedToken {
            token,
            user: user.user,
            kind: TokenKind::Session,
            expires_at: expires,
        })
    }

    fn revoke_session(&self, token: &str) -> StoreResult<bool> {
        let n = self
            .conn()
            .execute(
                "UPDATE tokens SET revoked_at = ?2
                 WHERE token_sha256 = ?1 AND kind = 'session' AND revoked_at IS NULL",
                params![hash(token), now()],
            )
            .map_err(backend)?;
        Ok(n > 0)
    }

    fn audit(&self, entry: &NewAuditEntry) -> StoreResult<()> {
        self.conn()
            .execute(
                "INSERT INTO audit_log (at, actor, action, target, outcome, detail, remote)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    now(),
                    entry.actor,
                    entry.action,
                    entry.target,
                    entry.outcome,
                    entry.detail,
                    entry.remote
                ],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, at, actor, action, target, outcome, detail, remote
                 FROM audit_log ORDER BY id DESC LIMIT ?1",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    entry: NewAuditEntry {
                        actor: r.get(2)?,
                        action: r.get(3)?,
                        target: r.get(4)?,
                        outcome: r.get(5)?,
                        detail: r.get(6)?,
                        remote: r.get(7)?,
                    },
                })
            })
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend)).collect()
    }
}

/// A token looked up, with what decides whether it may be used.
struct TokenRow {
    name: String,
    role: String,
    disabled_at: Option<String>,
    expires_at: Option<String>,
    revoked_at: Option<String>,
}

/// A user that may hold tokens.
struct ActiveUser {
    id: i64,
    user: User,
}

/// The user named, refusing a disabled one.
fn active_user(conn: &Connection, name: &str) -> StoreResult<ActiveUser> {
    let (id, role, disabled): (i64, String, Option<String>) = conn
        .query_row(
            "SELECT id, role, disabled_at FROM users WHERE name = ?1",
            params![name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound(format!("user {name}")))?;
    if let Some(at) = disabled {
        return Err(StoreError::Refused(TokenRefusal::Disabled {
            user: name.to_owned(),
            at,
        }));
    }
    let role = Role::parse(&role).ok_or_else(|| backend(format!("user {name}: role {role}")))?;
    Ok(ActiveUser {
        id,
        user: User {
            name: name.to_owned(),
            role,
        },
    })
}

/// Now, and now + `ttl` (`None`: never), as stored.
fn lifetime(ttl: Option<Duration>) -> StoreResult<(String, Option<String>)> {
    let t = Utc::now();
    let expires = ttl
        .map(|ttl| {
            chrono::TimeDelta::from_std(ttl)
                .ok()
                .and_then(|d| t.checked_add_signed(d))
                .map(|e| e.to_rfc3339_opts(SecondsFormat::Micros, true))
                .ok_or_else(|| backend(format!("a lifetime of {ttl:?} is too long")))
        })
        .transpose()?;
    Ok((t.to_rfc3339_opts(SecondsFormat::Micros, true), expires))
}

/// Makes a token (`zt_` for API tokens, `zs_` for sessions: 256 random bits
/// in hex) and stores its hash.
fn insert_token(
    conn: &Connection,
    user_id: i64,
    kind: TokenKind,
    created_at: &str,
    expires_at: Option<&str>,
) -> StoreResult<String> {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let prefix = match kind {
        TokenKind::Api => "zt",
        TokenKind::Session => "zs",
    };
    let token = format!("{prefix}_{}", hex(&bytes));
    conn.execute(
        "INSERT INTO tokens (user_id, token_sha256, kind, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, hash(&token), kind.as_str(), created_at, expires_at],
    )
    .map_err(backend)?;
    Ok(token)
}

#[cfg(test)]
mod tests;

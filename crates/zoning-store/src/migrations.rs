//! Numbered schema migrations. Add new ones at the end; never edit one that
//! has shipped.

use std::path::Path;

use rusqlite::Connection;

use crate::error::Error;

/// The migrations, in order; `MIGRATIONS[i]` brings the schema to version `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: zones and markers, append-only, and users
    "CREATE TABLE zone_versions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        code TEXT NOT NULL,
        version INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'retired')),
        properties TEXT NOT NULL,
        geometry TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        author TEXT NOT NULL,
        reason TEXT,
        decision TEXT,
        findings TEXT NOT NULL DEFAULT '[]',
        UNIQUE (code, version)
    );
    CREATE INDEX zone_versions_code ON zone_versions (code, id);
    CREATE TRIGGER zone_versions_append_only_u BEFORE UPDATE ON zone_versions
        BEGIN SELECT RAISE(ABORT, 'zone versions are never changed; add a new version'); END;
    CREATE TRIGGER zone_versions_append_only_d BEFORE DELETE ON zone_versions
        BEGIN SELECT RAISE(ABORT, 'zone versions are never deleted; add a retired version'); END;
    CREATE TABLE marker_batches (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        recorded_at TEXT NOT NULL,
        author TEXT NOT NULL,
        source TEXT NOT NULL
    );
    CREATE TABLE marker_versions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        number TEXT NOT NULL,
        zone TEXT,
        x REAL NOT NULL,
        y REAL NOT NULL,
        h REAL,
        survey_date TEXT,
        distance_m REAL,
        check_status TEXT NOT NULL,
        batch INTEGER NOT NULL REFERENCES marker_batches (id),
        recorded_at TEXT NOT NULL,
        author TEXT NOT NULL,
        retired INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX marker_versions_key ON marker_versions (key, id);
    CREATE TRIGGER marker_versions_append_only_u BEFORE UPDATE ON marker_versions
        BEGIN SELECT RAISE(ABORT, 'marker versions are never changed'); END;
    CREATE TRIGGER marker_versions_append_only_d BEFORE DELETE ON marker_versions
        BEGIN SELECT RAISE(ABORT, 'marker versions are never deleted'); END;
    CREATE TABLE users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('planner', 'surveyor', 'admin')),
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    );",
    // 2: accounts. One row per token (API or session) with its expiry and
    // revocation; users lose their single token column and gain a password
    // (Argon2id PHC string) and `disabled_at`; an append-only audit log.
    // The tokens of existing users are kept and expire 90 days after this
    // upgrade (not after their creation, which could lock everyone out the
    // moment a new zoning opens an old database; docs/security.md).
    // SQLite cannot drop a UNIQUE column, so `users` is rebuilt.
    "CREATE TABLE users_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('planner', 'surveyor', 'admin')),
        created_at TEXT NOT NULL,
        password_hash TEXT,
        disabled_at TEXT
    );
    INSERT INTO users_v2 (id, name, role, created_at)
        SELECT id, name, role, created_at FROM users ORDER BY id;
    CREATE TEMP TABLE users_v1_tokens AS SELECT id, token_sha256, created_at FROM users;
    DROP TABLE users;
    ALTER TABLE users_v2 RENAME TO users;
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users (id),
        token_sha256 TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('api', 'session')),
        created_at TEXT NOT NULL,
        expires_at TEXT,
        revoked_at TEXT
    );
    CREATE INDEX tokens_user ON tokens (user_id, id);
    INSERT INTO tokens (user_id, token_sha256, kind, created_at, expires_at)
        SELECT id, token_sha256, 'api', created_at,
               strftime('%Y-%m-%dT%H:%M:%S', 'now', '+90 days') || '.000000Z'
        FROM temp.users_v1_tokens ORDER BY id;
    DROP TABLE temp.users_v1_tokens;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL,
        detail TEXT,
        remote TEXT
    );
    CREATE TRIGGER audit_log_append_only_u BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is never changed'); END;
    CREATE TRIGGER audit_log_append_only_d BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is never deleted from'); END;",
];

/// The schema version this program writes.
#[allow(clippy::cast_possible_wrap)] // a handful of migrations
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`LATEST`], copying it first when it already
/// holds an older schema.
pub fn run(conn: &mut Connection, path: &Path) -> Result<(), Error> {
    let p = path.display().to_string();
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| Error::Open {
            path: p.clone(),
            reason: e.to_string(),
        })?;
    if found > LATEST {
        return Err(Error::TooNew {
            path: p,
            found,
            supported: LATEST,
        });
    }
    if found == LATEST {
        return Ok(());
    }
    if found > 0 && path != Path::new(":memory:") {
        let backup = format!("{p}.bak-v{found}");
        if !Path::new(&backup).exists() {
            conn.execute("VACUUM INTO ?1", [&backup])
                .map_err(|e| Error::Migration {
                    path: p.clone(),
                    to: found + 1,
                    reason: format!("backup to {backup}: {e}"),
                })?;
        }
    }
    let tx = conn.transaction().map_err(|e| Error::Open {
        path: p.clone(),
        reason: e.to_string(),
    })?;
    for (to, sql) in (1_i64..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.execute_batch(sql)
            .and_then(|()| tx.pragma_update(None, "user_version", to))
            .map_err(|e| Error::Migration {
                path: p.clone(),
                to,
                reason: e.to_string(),
            })?;
    }
    tx.commit().map_err(|e| Error::Migration {
        path: p,
        to: LATEST,
        reason: e.to_string(),
    })
}

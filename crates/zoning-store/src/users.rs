//! Users, tokens, passwords and the audit log on SQLite (`UserStore`).

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use zoning_core::store::{
    AuditEntry, IssuedToken, NewAuditEntry, Role, StoreError, StoreResult, TokenKind, TokenRefusal,
    User, UserStore, UserSummary,
};

use super::{backend, hash, hex, now, SqliteStore};

impl UserStore for SqliteStore {
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
        token_user(t.name, &t.role, t.disabled_at, t.expires_at, t.revoked_at)
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
pub(crate) fn lifetime(ttl: Option<Duration>) -> StoreResult<(String, Option<String>)> {
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

/// Makes a token and stores its hash.
fn insert_token(
    conn: &Connection,
    user_id: i64,
    kind: TokenKind,
    created_at: &str,
    expires_at: Option<&str>,
) -> StoreResult<String> {
    let token = make_token(kind);
    conn.execute(
        "INSERT INTO tokens (user_id, token_sha256, kind, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, hash(&token), kind.as_str(), created_at, expires_at],
    )
    .map_err(backend)?;
    Ok(token)
}

/// A new token: `zt_` for API tokens, `zs_` for sessions, then 256 random
/// bits in hex.
pub(crate) fn make_token(kind: TokenKind) -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let prefix = match kind {
        TokenKind::Api => "zt",
        TokenKind::Session => "zs",
    };
    format!("{prefix}_{}", hex(&bytes))
}

/// What a token found by its hash means: its user, or why it is refused.
pub(crate) fn token_user(
    name: String,
    role: &str,
    disabled_at: Option<String>,
    expires_at: Option<String>,
    revoked_at: Option<String>,
) -> StoreResult<Option<User>> {
    if let Some(at) = revoked_at {
        return Err(StoreError::Refused(TokenRefusal::Revoked {
            user: name,
            at,
        }));
    }
    if let Some(at) = disabled_at {
        return Err(StoreError::Refused(TokenRefusal::Disabled {
            user: name,
            at,
        }));
    }
    if let Some(at) = expires_at.filter(|e| *e <= now()) {
        return Err(StoreError::Refused(TokenRefusal::Expired {
            user: name,
            at,
        }));
    }
    Ok(Role::parse(role).map(|role| User { name, role }))
}

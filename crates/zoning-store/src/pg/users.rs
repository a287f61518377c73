//! Users, tokens, passwords and the audit log on PostgreSQL (`UserStore`).

use std::time::Duration;

use postgres::error::SqlState;
use postgres::GenericClient;
use zoning_core::store::{
    AuditEntry, IssuedToken, NewAuditEntry, Role, StoreError, StoreResult, TokenKind, TokenRefusal,
    User, UserStore, UserSummary,
};

use super::{off_runtime, pg, PgStore};
use crate::users::{lifetime, make_token, token_user};
use crate::{hash, now};

/// A user that may hold tokens.
struct ActiveUser {
    id: i64,
    user: User,
}

/// The user named, refusing a disabled one.
fn active_user(c: &mut impl GenericClient, name: &str) -> StoreResult<ActiveUser> {
    let row = c
        .query_opt(
            "SELECT id, role, disabled_at FROM users WHERE name = $1",
            &[&name],
        )
        .map_err(pg)?
        .ok_or_else(|| StoreError::NotFound(format!("user {name}")))?;
    let (id, role, disabled): (i64, String, Option<String>) = (row.get(0), row.get(1), row.get(2));
    if let Some(at) = disabled {
        return Err(StoreError::Refused(TokenRefusal::Disabled {
            user: name.to_owned(),
            at,
        }));
    }
    let role = Role::parse(&role)
        .ok_or_else(|| StoreError::Backend(format!("user {name}: role {role}")))?;
    Ok(ActiveUser {
        id,
        user: User {
            name: name.to_owned(),
            role,
        },
    })
}

fn insert_token(
    c: &mut impl GenericClient,
    user_id: i64,
    kind: TokenKind,
    created_at: &str,
    expires_at: Option<&str>,
) -> StoreResult<String> {
    let token = make_token(kind);
    c.execute(
        "INSERT INTO tokens (user_id, token_sha256, kind, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &user_id,
            &hash(&token),
            &kind.as_str(),
            &created_at,
            &expires_at,
        ],
    )
    .map_err(pg)?;
    Ok(token)
}

impl UserStore for PgStore {
    fn user_by_token(&self, token: &str) -> StoreResult<Option<User>> {
        off_runtime(|| {
            let Some(r) = self
                .client()?
                .query_opt(
                    "SELECT u.name, u.role, u.disabled_at, t.expires_at, t.revoked_at
                     FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = $1",
                    &[&hash(token)],
                )
                .map_err(pg)?
            else {
                return Ok(None);
            };
            let role: String = r.get(1);
            token_user(r.get(0), &role, r.get(2), r.get(3), r.get(4))
        })
    }

    fn add_user_expiring(
        &self,
        name: &str,
        role: Role,
        ttl: Option<Duration>,
    ) -> StoreResult<IssuedToken> {
        off_runtime(|| {
            let mut client = self.client()?;
            let mut tx = client.transaction().map_err(pg)?;
            let (created, expires) = lifetime(ttl)?;
            let id: i64 = tx
                .query_one(
                    "INSERT INTO users (name, role, created_at) VALUES ($1, $2, $3) RETURNING id",
                    &[&name, &role.as_str(), &created],
                )
                .map_err(|e| {
                    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                        StoreError::Conflict {
                            what: format!("user {name}"),
                            current: None,
                        }
                    } else {
                        pg(e)
                    }
                })?
                .get(0);
            let token = insert_token(&mut tx, id, TokenKind::Api, &created, expires.as_deref())?;
            tx.commit().map_err(pg)?;
            Ok(IssuedToken {
                token,
                user: User {
                    name: name.to_owned(),
                    role,
                },
                kind: TokenKind::Api,
                expires_at: expires,
            })
        })
    }

    fn users(&self) -> StoreResult<Vec<UserSummary>> {
        off_runtime(|| {
            let rows = self
                .client()?
                .query(
                    "SELECT u.name, u.role, u.created_at, u.password_hash IS NOT NULL, u.disabled_at,
                       (SELECT COUNT(*) FROM tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL
                          AND (t.expires_at IS NULL OR t.expires_at > $1)),
                       (SELECT MAX(t.expires_at) FROM tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL
                          AND t.expires_at > $1),
                       (SELECT COUNT(*) FROM tokens t WHERE t.user_id = u.id AND t.revoked_at IS NULL
                          AND t.expires_at IS NULL)
                     FROM users u ORDER BY u.name",
                    &[&now()],
                )
                .map_err(pg)?;
            Ok(rows
                .iter()
                .map(|r| {
                    let role: String = r.get(1);
                    let never = r.get::<_, i64>(7) > 0;
                    UserSummary {
                        name: r.get(0),
                        role: Role::parse(&role).unwrap_or(Role::Planner),
                        created_at: r.get(2),
                        has_password: r.get(3),
                        disabled_at: r.get(4),
                        live_tokens: usize::try_from(r.get::<_, i64>(5)).unwrap_or(0),
                        latest_expiry: if never { None } else { r.get(6) },
                        never_expires: never,
                    }
                })
                .collect())
        })
    }

    fn rotate_token(&self, name: &str, ttl: Option<Duration>) -> StoreResult<IssuedToken> {
        off_runtime(|| {
            let mut client = self.client()?;
            let mut tx = client.transaction().map_err(pg)?;
            let user = active_user(&mut tx, name)?;
            let (at, expires) = lifetime(ttl)?;
            tx.execute(
                "UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND kind = 'api' AND revoked_at IS NULL",
                &[&user.id, &at],
            )
            .map_err(pg)?;
            let token = insert_token(&mut tx, user.id, TokenKind::Api, &at, expires.as_deref())?;
            tx.commit().map_err(pg)?;
            Ok(IssuedToken {
                token,
                user: user.user,
                kind: TokenKind::Api,
                expires_at: expires,
            })
        })
    }

    fn revoke_user(&self, name: &str) -> StoreResult<usize> {
        off_runtime(|| {
            let mut client = self.client()?;
            let mut tx = client.transaction().map_err(pg)?;
            let id: i64 = tx
                .query_opt("SELECT id FROM users WHERE name = $1", &[&name])
                .map_err(pg)?
                .ok_or_else(|| StoreError::NotFound(format!("user {name}")))?
                .get(0);
            let at = now();
            let revoked = tx
                .execute(
                    "UPDATE tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL
                       AND (expires_at IS NULL OR expires_at > $2)",
                    &[&id, &at],
                )
                .map_err(pg)?;
            tx.execute(
                "UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL",
                &[&id, &at],
            )
            .map_err(pg)?;
            tx.commit().map_err(pg)?;
            Ok(usize::try_from(revoked).unwrap_or(usize::MAX))
        })
    }

    fn set_password(&self, name: &str, phc_hash: &str) -> StoreResult<()> {
        off_runtime(|| {
            let n = self
                .client()?
                .execute(
                    "UPDATE users SET password_hash = $2 WHERE name = $1",
                    &[&name, &phc_hash],
                )
                .map_err(pg)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("user {name}")));
            }
            Ok(())
        })
    }

    fn password_hash(&self, name: &str) -> StoreResult<Option<String>> {
        off_runtime(|| {
            Ok(self
                .client()?
                .query_opt("SELECT password_hash FROM users WHERE name = $1", &[&name])
                .map_err(pg)?
                .and_then(|r| r.get::<_, Option<String>>(0)))
        })
    }

    fn issue_session(&self, name: &str, ttl: Duration) -> StoreResult<IssuedToken> {
        off_runtime(|| {
            let mut client = self.client()?;
            let mut tx = client.transaction().map_err(pg)?;
            let user = active_user(&mut tx, name)?;
            let (at, expires) = lifetime(Some(ttl))?;
            let token = insert_token(
                &mut tx,
                user.id,
                TokenKind::Session,
                &at,
                expires.as_deref(),
            )?;
            tx.commit().map_err(pg)?;
            Ok(IssuedToken {
                token,
                user: user.user,
                kind: TokenKind::Session,
                expires_at: expires,
            })
        })
    }

    fn revoke_session(&self, token: &str) -> StoreResult<bool> {
        off_runtime(|| {
            let n = self
                .client()?
                .execute(
                    "UPDATE tokens SET revoked_at = $2
                     WHERE token_sha256 = $1 AND kind = 'session' AND revoked_at IS NULL",
                    &[&hash(token), &now()],
                )
                .map_err(pg)?;
            Ok(n > 0)
        })
    }

    fn audit(&self, entry: &NewAuditEntry) -> StoreResult<()> {
        off_runtime(|| {
            self.client()?
                .execute(
                    "INSERT INTO audit_log (at, actor, action, target, outcome, detail, remote)
                     VALUES (zoning_now(), $1, $2, $3, $4, $5, $6)",
                    &[
                        &entry.actor,
                        &entry.action,
                        &entry.target,
                        &entry.outcome,
                        &entry.detail,
                        &entry.remote,
                    ],
                )
                .map_err(pg)?;
            Ok(())
        })
    }

    fn audit_log(&self, limit: usize) -> StoreResult<Vec<AuditEntry>> {
        off_runtime(|| {
            let rows = self
                .client()?
                .query(
                    "SELECT id, at, actor, action, target, outcome, detail, remote
                     FROM audit_log ORDER BY id DESC LIMIT $1",
                    &[&i64::try_from(limit).unwrap_or(i64::MAX)],
                )
                .map_err(pg)?;
            Ok(rows
                .iter()
                .map(|r| AuditEntry {
                    id: r.get(0),
                    at: r.get(1),
                    entry: NewAuditEntry {
                        actor: r.get(2),
                        action: r.get(3),
                        target: r.get(4),
                        outcome: r.get(5),
                        detail: r.get(6),
                        remote: r.get(7),
                    },
                })
                .collect())
        })
    }
}

//! Bearer tokens, roles, passwords and the audit trail of access. Anyone may
//! read approved data; writes need a live token whose role allows them (`401`
//! without one or with an unknown, expired or revoked one, `403` with the
//! wrong role). Refusals are recorded in the audit log (docs/security.md).

use std::sync::OnceLock;

use actix_web::web;
use actix_web::HttpRequest;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use zoning_core::store::{NewAuditEntry, Role, StoreError, User};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The client's address (the TCP peer; a proxy in front is not looked
/// through), as recorded in the audit log and keyed by the sign-in limit.
#[must_use]
pub fn remote(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// Records an event in the audit log on a blocking thread. A failure to
/// record is logged, and does not change the answer to the request.
pub async fn record(state: &web::Data<AppState>, entry: NewAuditEntry) {
    // what a caller sends is cut short: the log is append-only, for ever
    let cut = |s: Option<String>| {
        s.map(|s| {
            if s.chars().count() > AUDIT_FIELD_CHARS {
                let mut t: String = s.chars().take(AUDIT_FIELD_CHARS).collect();
                t.push('…');
                t
            } else {
                s
            }
        })
    };
    let entry = NewAuditEntry {
        target: cut(entry.target),
        detail: cut(entry.detail),
        remote: cut(entry.remote),
        actor: cut(entry.actor),
        ..entry
    };
    let store = state.store.clone();
    let action = entry.action.clone();
    match web::block(move || store.audit(&entry)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(%action, error = %e, "the audit log could not be written"),
        Err(e) => tracing::error!(%action, error = %e, "the audit log could not be written"),
    }
}

/// The longest text of an audit field; longer ones are cut (with `…`).
pub const AUDIT_FIELD_CHARS: usize = 200;

/// The bearer token of a request, if it carries an `Authorization` header.
///
/// # Errors
/// `401` for a header that is not `Bearer <token>`.
pub fn bearer(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| Some(t.to_owned()))
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })
}

/// The user of a request, if it carries a valid bearer token.
///
/// # Errors
/// `401` for a malformed, unknown, expired or revoked token (a wrong token is
/// never silently treated as anonymous); each is recorded in the audit log.
pub async fn user(req: &HttpRequest, state: &web::Data<AppState>) -> ApiResult<Option<User>> {
    let Some(token) = bearer(req)? else {
        return Ok(None);
    };
    let store = state.store.clone();
    match web::block(move || store.user_by_token(&token)).await? {
        Ok(Some(u)) => Ok(Some(u)),
        Ok(None) => {
            record(
                state,
                NewAuditEntry {
                    action: "token".into(),
                    outcome: "refused".into(),
                    detail: Some(format!("unknown token ({} {})", req.method(), req.path())),
                    remote: remote(req),
                    ..NewAuditEntry::default()
                },
            )
            .await;
            Err(ApiError::Unauthorized(
                "the token is not known; sign in (POST /login) or ask an administrator for one (`zoning user add`)".into(),
            ))
        }
        Err(StoreError::Refused(r)) => {
            record(
                state,
                NewAuditEntry {
                    actor: None,
                    action: "token".into(),
                    target: Some(r.user().to_owned()),
                    outcome: "refused".into(),
                    detail: Some(format!("{r} ({} {})", req.method(), req.path())),
                    remote: remote(req),
                },
            )
            .await;
            Err(StoreError::Refused(r).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The user, who must hold one of `roles`.
///
/// # Errors
/// `401` without a token, `403` with another role (recorded in the audit log).
pub async fn require(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    roles: &[Role],
    what: &str,
) -> ApiResult<User> {
    let u = user(req, state).await?.ok_or_else(|| {
        ApiError::Unauthorized(format!(
            "{what} needs a bearer token (role {})",
            names(roles)
        ))
    })?;
    if roles.contains(&u.role) {
        Ok(u)
    } else {
        let detail = format!(
            "{what} needs the role {}; {} has the role {}",
            names(roles),
            u.name,
            u.role.as_str()
        );
        record(
            state,
            NewAuditEntry {
                actor: Some(u.name.clone()),
                action: "authorize".into(),
                target: Some(format!("{} {}", req.method(), req.path())),
                outcome: "refused".into(),
                detail: Some(detail.clone()),
                remote: remote(req),
            },
        )
        .await;
        Err(ApiError::Forbidden(detail))
    }
}

fn names(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The PHC string of a password: Argon2id with the crate's default parameters
/// and a random salt. Slow by design: call it on a blocking thread.
///
/// # Errors
/// When the system's random source fails.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("the password could not be hashed: {e}"))
}

/// Whether `password` matches a PHC string (`false` for one that cannot be
/// read). Slow by design: call it on a blocking thread.
#[must_use]
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash of a password nobody knows, made with the same parameters as real
/// ones: a sign-in for a name that does not exist is verified against it, so
/// that it takes as long as one with a wrong password.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        use rand::Rng;
        let password: String = rand::thread_rng()
            .sample_iter(&rand::distributions::Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        hash_password(&password).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_against_the_reference_implementation() {
        // made by Debian's `argon2` (the reference C implementation):
        // echo -n "correct horse battery staple" | argon2 zoning-test-salt -id -t 2 -k 19456 -p 1 -e
        let reference = "$argon2id$v=19$m=19456,t=2,p=1$em9uaW5nLXRlc3Qtc2FsdA$k763S14Y4kTy3UBHEuIVa4uSbAwU0mTegVAqI4oMqYQ";
        assert!(verify_password("correct horse battery staple", reference));
        assert!(!verify_password("correct horse battery staplE", reference));
        assert!(!verify_password(
            "correct horse battery staple",
            "not a hash"
        ));
        // ours are Argon2id with the same (default) parameters, salted
        let ours = hash_password("correct horse battery staple").expect("hash");
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        assert_ne!(
            ours,
            hash_password("correct horse battery staple").expect("hash")
        );
        assert!(verify_password("correct horse battery staple", &ours));
        assert!(dummy_hash().starts_with("$argon2id$"));
    }
}

//! `POST /login` (a name and password for a session token) and `POST /logout`
//! (revoking it). Failed sign-ins are limited per client address and per
//! name; every sign-in, failed or not, is recorded in the audit log.

use std::time::Instant;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;
use zoning_core::store::{NewAuditEntry, StoreError};

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::limiter::Slot;
use crate::state::AppState;

/// The largest body of `POST /login`, bytes.
pub const MAX_LOGIN_BYTES: usize = 4096;
/// The longest user name, characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The body of `POST /login`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The user's name.
    pub name: String,
    /// The password set with `zoning user password`.
    pub password: String,
}

/// The name and password of a sign-in, refused when oversized or empty.
fn parse(body: &[u8]) -> ApiResult<(String, String)> {
    if body.len() > MAX_LOGIN_BYTES {
        return Err(ApiError::TooLarge(format!(
            "a sign-in is at most {MAX_LOGIN_BYTES} bytes"
        )));
    }
    let r: LoginRequest = serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(format!(
            "the body must be JSON {{\"name\": \"…\", \"password\": \"…\"}}: {e}"
        ))
    })?;
    let name = r.name.trim().to_owned();
    if name.is_empty() || r.password.is_empty() {
        return Err(ApiError::BadRequest(
            "signing in needs a name and a password".into(),
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::BadRequest(format!(
            "a user name has at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok((name, r.password))
}

/// Verifies a password on a blocking thread, with a slot among the few
/// verifications allowed at once; `None` when none is free.
async fn verify(
    state: &web::Data<AppState>,
    name: &str,
    password: String,
) -> ApiResult<Option<bool>> {
    let store = state.store.clone();
    let n = name.to_owned();
    let stored = web::block(move || store.password_hash(&n)).await??;
    let st = state.clone();
    Ok(web::block(move || {
        // Argon2 takes 19 MiB and tens of ms: only a few at once
        let _slot = Slot::take(&st.verifications, st.config.login_max_concurrent)?;
        // made on the first sign-in of any kind, so that only the very first
        // is slower, whoever it is for
        let dummy = auth::dummy_hash();
        let known = stored.is_some();
        let phc = stored.as_deref().unwrap_or(dummy);
        Some(auth::verify_password(&password, phc) && known)
    })
    .await?)
}

/// `POST /login`: `{"name", "password"}` → `200 {"token", "expires_at",
/// "role", "name"}` with a session token; `401` for a wrong name or password
/// (the same answer for both), `429` with `Retry-After` after too many
/// failures.
pub async fn post_login(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let remote = auth::remote(&req);
    let (name, password) = parse(&body)?;
    let audit = |outcome: &str, actor: Option<&str>, detail: &str| NewAuditEntry {
        actor: actor.map(str::to_owned),
        action: "login".into(),
        target: Some(name.clone()),
        outcome: outcome.into(),
        detail: Some(detail.into()),
        remote: remote.clone(),
    };
    let keys = [
        format!("address:{}", remote.as_deref().unwrap_or("unknown")),
        format!("name:{name}"),
    ];
    // the attempt counts before it is verified, so that a burst cannot pass
    let attempt = Instant::now();
    if let Err(wait) = state.logins.reserve(&keys, attempt) {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let secs = secs.max(1);
        auth::record(
            &state,
            audit("refused", None, "too many failed sign-ins; rate limited"),
        )
        .await;
        return Err(ApiError::TooManyRequests(
            format!(
                "too many failed sign-ins from this address or for this name; try again in {secs} s"
            ),
            secs,
        ));
    }
    let ok = verify(&state, &name, password).await?;
    let Some(ok) = ok else {
        state.logins.release(&keys, attempt);
        return Err(ApiError::TooManyRequests(
            "the service is checking other sign-ins; try again in a second".into(),
            1,
        ));
    };
    if !ok {
        auth::record(&state, audit("failure", None, "wrong name or password")).await;
        return Err(ApiError::Unauthorized(
            "wrong name or password (an administrator sets passwords with `zoning user password`)"
                .into(),
        ));
    }
    let store = state.store.clone();
    let n = name.clone();
    let ttl = state.config.session_ttl();
    let issued = match web::block(move || store.issue_session(&n, ttl)).await? {
        Ok(t) => t,
        Err(StoreError::Refused(refusal)) => {
            auth::record(&state, audit("refused", None, &refusal.to_string())).await;
            return Err(StoreError::Refused(refusal).into());
        }
        Err(e) => return Err(e.into()),
    };
    state.logins.release(&keys, attempt);
    state.logins.succeeded(&keys[1]);
    auth::record(
        &state,
        audit(
            "success",
            Some(&name),
            &format!(
                "session until {}",
                issued.expires_at.as_deref().unwrap_or("-")
            ),
        ),
    )
    .await;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "token": issued.token,
            "expires_at": issued.expires_at,
            "role": issued.user.role.as_str(),
            "name": issued.user.name,
        })))
}

/// `POST /logout`: revokes the session token presented; `204`.
pub async fn post_logout(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let user = auth::user(&req, &state).await?.ok_or_else(|| {
        ApiError::Unauthorized("signing out needs the session token as a bearer token".into())
    })?;
    let token = auth::bearer(&req)?.unwrap_or_default();
    let store = state.store.clone();
    let revoked = web::block(move || store.revoke_session(&token)).await??;
    if !revoked {
        return Err(ApiError::BadRequest(
            "this is an API token, not a session from POST /login: it is not signed out; an administrator revokes it (`zoning user rotate` or `zoning user revoke`)".into(),
        ));
    }
    auth::record(
        &state,
        NewAuditEntry {
            actor: Some(user.name.clone()),
            action: "logout".into(),
            target: Some(user.name),
            outcome: "success".into(),
            detail: None,
            remote: auth::remote(&req),
        },
    )
    .await;
    Ok(HttpResponse::NoContent().finish())
}

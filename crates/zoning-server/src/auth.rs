//! Bearer tokens and roles. Anyone may read approved data; writes need a
//! token whose role allows them (`401` without one, `403` with the wrong role).

use actix_web::web;
use actix_web::HttpRequest;
use zoning_core::store::{Role, User};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The user of a request, if it carries a valid bearer token.
///
/// # Errors
/// `401` for a malformed or unknown token (a wrong token is never silently
/// treated as anonymous).
pub async fn user(req: &HttpRequest, state: &web::Data<AppState>) -> ApiResult<Option<User>> {
    let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })?
        .to_owned();
    let store = state.store.clone();
    let found = web::block(move || store.user_by_token(&token)).await??;
    found.map(Some).ok_or_else(|| {
        ApiError::Unauthorized(
            "the token is not known; ask an administrator for one (`zoning user add`)".into(),
        )
    })
}

/// The user, who must hold one of `roles`.
///
/// # Errors
/// `401` without a token, `403` with another role.
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
        Err(ApiError::Forbidden(format!(
            "{what} needs the role {}; {} has the role {}",
            names(roles),
            u.name,
            u.role.as_str()
        )))
    }
}

fn names(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

//! The service's errors, answered as `application/problem+json` (RFC 9457).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use zoning_core::store::{StoreError, TokenRefusal};

/// Everything a request can end in other than success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no (valid) bearer token.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the token's role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409: the request conflicts with the registry's state (with findings).
    #[error("{0}")]
    Conflict(String, Option<serde_json::Value>),
    /// 412: `If-Match` is stale.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 428: `If-Match` is required.
    #[error("{0}")]
    PreconditionRequired(String),
    /// 413.
    #[error("{0}")]
    TooLarge(String),
    /// 415.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed but not a valid zone or marker.
    #[error("{0}")]
    Unprocessable(String),
    /// 429: too many requests of this kind at once; try again after the
    /// seconds given (`Retry-After`).
    #[error("{0}")]
    TooManyRequests(String, u64),
    /// 503: the service cannot answer now; try again after the seconds given.
    #[error("{0}")]
    Unavailable(String, u64),
    /// 500: logged with its detail, answered generically.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    fn title(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "Bad request",
            Self::Unauthorized(_) => "Authentication required",
            Self::Forbidden(_) => "Not allowed",
            Self::NotFound(_) => "Not found",
            Self::Conflict(..) => "Conflict",
            Self::PreconditionFailed(_) => "Stale version",
            Self::PreconditionRequired(_) => "If-Match required",
            Self::TooLarge(_) => "Request too large",
            Self::UnsupportedMediaType(_) => "Unsupported media type",
            Self::Unprocessable(_) => "Invalid feature",
            Self::TooManyRequests(..) => "Too many requests",
            Self::Unavailable(..) => "Service unavailable",
            Self::Internal(_) => "Internal error",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Self::NotFound(format!("{what} not found")),
            StoreError::Conflict { what, .. } => Self::PreconditionFailed(format!(
                "{what} has changed since you read it; fetch it again (its ETag) and repeat the change"
            )),
            StoreError::Backend(detail) => Self::Internal(detail),
            StoreError::Unavailable(detail) => {
                // the detail names the database, its host, port and role: the
                // log has it, the answer (anyone may read it) does not
                tracing::warn!(%detail, "the database cannot be reached");
                Self::Unavailable(
                    "the registry's database cannot be reached now; try again in a few seconds"
                        .to_owned(),
                    5,
                )
            }
            StoreError::Refused(r) => Self::Unauthorized(match r {
                TokenRefusal::Disabled { .. } => format!(
                    "{r}; an administrator must add the user again (`zoning user add`)"
                ),
                TokenRefusal::Expired { .. } | TokenRefusal::Revoked { .. } => format!(
                    "{r}; sign in again (POST /login) or ask an administrator for a new token (`zoning user rotate`)"
                ),
            }),
        }
    }
}

impl From<zoning_core::Error> for ApiError {
    fn from(e: zoning_core::Error) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(e.to_string())
    }
}

/// The body of a problem response.
#[must_use]
pub fn problem(status: StatusCode, title: &str, detail: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")))
        .body(json!({ "type": "about:blank", "title": title, "status": status.as_u16(), "detail": detail }).to_string())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(..) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(..) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let detail = match self {
            Self::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "the server failed; the problem was logged and no data was changed".to_owned()
            }
            other => other.to_string(),
        };
        let mut body = json!({ "type": "about:blank", "title": self.title(), "status": status.as_u16(), "detail": detail });
        match self {
            // an object adds its members to the problem; anything else is the findings
            Self::Conflict(_, Some(serde_json::Value::Object(extra))) => {
                for (k, v) in extra {
                    body[k] = v.clone();
                }
            }
            Self::Conflict(_, Some(findings)) => body["findings"] = findings.clone(),
            _ => {}
        }
        let mut r = HttpResponse::build(status);
        r.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Self::TooManyRequests(_, secs) | Self::Unavailable(_, secs) = self {
            r.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if matches!(self, Self::Unauthorized(_)) {
            r.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"zoning\""),
            ));
        }
        r.body(body.to_string())
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

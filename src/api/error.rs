//! [`ApiError`]: everything a handler can fail with, and the only code that knows how Eloqua
//! writes errors. The status table below is §3.4 of the contract, in one `match`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::AuthError;
use crate::domain::failure::Failure;
use crate::store::StoreError;

/// The first wait a 503 suggests: a busy server usually has a slot again within a second, and
/// clients grow the delay from there.
const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 1;

/// A failed request, rendered in Eloqua's shapes.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with `{"failures":[{"field","constraint","value"}]}`.
    #[error("validation failed")]
    Validation(Vec<Failure>),
    /// 401: missing or wrong credentials.
    #[error("not authenticated")]
    Unauthorized,
    /// 403: authenticated, but the user may not use the API.
    #[error("forbidden")]
    Forbidden,
    /// 404: unknown route or id (including another site's id).
    #[error("not found")]
    NotFound,
    /// 405: the path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 408: the request body arrived too slowly, or the request took too long (which of the
    /// two).
    #[error("request timeout: {0}")]
    RequestTimeout(&'static str),
    /// 409 with what conflicted.
    #[error("conflict: {0}")]
    Conflict(String),
    /// 413: the site's staging quota is exhausted.
    #[error("storage exceeded")]
    StorageExceeded,
    /// 429: too many failed sign-ins; retry after this many seconds.
    #[error("too many requests")]
    TooManyRequests(u64),
    /// 503: the store is busy or unreachable, too many requests are in flight, or every
    /// password check slot is taken; clients retry with back-off (`Retry-After` says when).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// An OAuth 2.0 token-endpoint error (RFC 6749 §5.2 body).
    #[error("oauth error {error}")]
    OAuth {
        /// 400 or 401.
        status: StatusCode,
        /// `invalid_request`, `invalid_client`, `invalid_grant`, `unsupported_grant_type`.
        error: &'static str,
        /// Human explanation.
        description: String,
    },
    /// 500: a bug or broken store; details go to the log only.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 400 naming one field.
    pub fn invalid(field: &str, constraint: impl Into<String>, value: Option<String>) -> Self {
        Self::Validation(vec![Failure::new(field, constraint, value)])
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::StorageExceeded => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::OAuth { status, .. } => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Oracle's status text, followed by our detail where it helps the client.
    fn message(&self) -> String {
        match self {
            Self::Validation(_) => "There was a validation error.".into(),
            Self::Unauthorized => "You are not authorized to make this request.".into(),
            Self::Forbidden => "Forbidden: this user does not have API access.".into(),
            Self::NotFound => "The requested resource was not found.".into(),
            Self::MethodNotAllowed => {
                "The requested method is not supported on this resource.".into()
            }
            Self::RequestTimeout(why) => format!("Request Timeout: {why}."),
            Self::Conflict(why) => format!("There was a conflict. {why}"),
            Self::StorageExceeded => "Storage space exceeded.".into(),
            Self::TooManyRequests(_) => {
                "Too Many Requests: too many failed sign-ins; retry later.".into()
            }
            Self::Unavailable(_) => "Service Unavailable. Retry with a growing delay.".into(),
            Self::OAuth { description, .. } => description.clone(),
            Self::Internal(_) => "The service has encountered an error.".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::Internal(err) => tracing::error!(error = ?err, "request failed"),
            Self::Unavailable(why) => tracing::warn!(reason = %why, "service unavailable"),
            _ => tracing::debug!(status = status.as_u16(), "request refused"),
        }
        let body = match &self {
            Self::Validation(failures) => json!(FailuresBody {
                failures: failures.iter().map(FailureDto::from).collect(),
            }),
            Self::OAuth {
                error, description, ..
            } => json!(OAuthErrorBody {
                error,
                error_description: description.clone(),
            }),
            other => json!(ErrorMessage(other.message())),
        };
        let mut response = (status, axum::Json(body)).into_response();
        let retry_after = match &self {
            Self::TooManyRequests(wait) => Some(*wait),
            Self::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER_SECONDS),
            _ => None,
        };
        if let Some(Ok(value)) = retry_after.map(|wait| HeaderValue::from_str(&wait.to_string())) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Eloqua\""),
            );
        }
        response
    }
}

/// The body of every 400: one entry per problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailuresBody {
    /// Every problem found, in request order.
    pub failures: Vec<FailureDto>,
}

/// One problem of a refused request.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailureDto {
    /// The JSON path (`syncActions[1].destination`), parameter or header it concerns.
    #[schema(example = "name")]
    field: String,
    /// What is wrong.
    constraint: String,
    /// The offending value, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

impl From<&Failure> for FailureDto {
    fn from(failure: &Failure) -> Self {
        Self {
            field: failure.field.clone(),
            constraint: failure.constraint.clone(),
            value: failure.value.clone(),
        }
    }
}

/// Every status other than 400 (and the OAuth endpoints' errors): Oracle's status text as a
/// JSON string.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = "The requested resource was not found.")]
pub struct ErrorMessage(String);

/// An OAuth 2.0 token-endpoint error (RFC 6749 §5.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `invalid_grant` or `unsupported_grant_type`.
    #[schema(example = "invalid_grant")]
    error: &'static str,
    /// Human explanation.
    error_description: String,
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict { constraint } => {
                Self::Conflict(format!("The {constraint} rule was broken."))
            }
            StoreError::Unavailable(why) => Self::Unavailable(why),
            StoreError::Other(e) => Self::Internal(e),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Unauthenticated => Self::Unauthorized,
            AuthError::Throttled(wait) => Self::TooManyRequests(wait),
            AuthError::Busy => Self::Unavailable("password checks at capacity".into()),
            AuthError::Store(e) => e.into(),
        }
    }
}

impl From<Vec<Failure>> for ApiError {
    fn from(failures: Vec<Failure>) -> Self {
        Self::Validation(failures)
    }
}

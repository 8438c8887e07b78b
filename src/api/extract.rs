//! Extractors whose rejections are [`ApiError`]s: the caller, JSON bodies, paging parameters
//! and path ids.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::state::AppState;
use crate::domain::query::{ListQuery, QueryField, RawListParams};
use crate::domain::site::Principal;

/// The authenticated caller (Basic or Bearer); 401 without valid credentials, 403 without
/// API access.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = authenticate(parts, state).await?;
        if !principal.user.api_access {
            return Err(ApiError::Forbidden);
        }
        Ok(Self(principal))
    }
}

/// Authenticates the request's `Authorization` header, without the permission check.
///
/// # Errors
/// 401 when the header is missing or its credentials are wrong.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<Principal, ApiError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthorized)?;
    let from = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    Ok(state.auth.header(value, from).await?)
}

/// A JSON request body as a `serde_json::Value`, after checking `Content-Type`.
#[derive(Debug)]
pub struct JsonBody(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        require_json_content_type(req.headers())?;
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::invalid(
                "body",
                format!("Could not read the body: {}", e.body_text()),
                None,
            )
        })?;
        parse_json(&bytes).map(Self)
    }
}

/// 400 unless the request says its body is JSON (`application/json`, any parameters).
///
/// # Errors
/// A failure naming `Content-Type`.
pub fn require_json_content_type(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let is_json = value
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "Content-Type",
            "Must be application/json.",
            Some(value.unwrap_or("(missing)").to_owned()),
        ))
    }
}

/// Parses JSON text, reporting where it is malformed.
///
/// # Errors
/// A failure naming `body` with serde's line and column.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid("body", format!("There was a parsing error: {e}."), None))
}

/// Converts a parsed body into a typed request, naming the problem on failure.
///
/// # Errors
/// A failure naming `body` with serde's explanation (which names the property).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| {
        ApiError::invalid(
            "body",
            format!("There was a serialization error: {e}."),
            None,
        )
    })
}

/// `limit`, `offset`, `orderBy`, `q`, `totalResults` as received.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawParams {
    limit: Option<String>,
    offset: Option<String>,
    order_by: Option<String>,
    q: Option<String>,
    total_results: Option<String>,
}

/// The collection parameters of a Bulk list endpoint, before typing by resource.
#[derive(Debug, Default)]
pub struct ListParams(pub RawListParams);

impl ListParams {
    /// Types the parameters for resource fields `F`, with `limit` up to `max_limit`.
    ///
    /// # Errors
    /// 400 naming each bad parameter.
    pub fn query<F: QueryField>(&self, max_limit: u32) -> Result<ListQuery<F>, ApiError> {
        self.0.parse(max_limit).map_err(ApiError::Validation)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(raw) = Query::<RawParams>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid("query", e.body_text(), None))?;
        Ok(Self(RawListParams {
            limit: raw.limit,
            offset: raw.offset,
            order_by: raw.order_by,
            q: raw.q,
            total_results: raw.total_results,
        }))
    }
}

/// A path id: a positive integer, or 404 (an id that cannot exist names no resource).
///
/// # Errors
/// [`ApiError::NotFound`] for anything else, including overflow.
pub fn parse_id(text: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::NotFound)
}

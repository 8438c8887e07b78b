//! Reading a token-endpoint request: the client is authenticated from the `Authorization`
//! header *before* the body is read, so a wrong client is refused at once and a client that
//! sends its body slowly must first prove it is a registered client. A client that puts its
//! id and secret in the body instead is checked once the body is in.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::oauth;
use crate::api::error::ApiError;
use crate::api::state::AppState;
use crate::auth::digest;

/// A token request is a few short fields; anything longer is not one.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The fields of `/auth/oauth2/token` and `/auth/oauth2/revoke` requests.
#[derive(Debug, Default, Deserialize)]
pub(super) struct TokenRequest {
    pub grant_type: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// The token to revoke (`/auth/oauth2/revoke`).
    pub token: Option<String>,
    #[serde(rename = "scope")]
    _scope: Option<String>,
    #[serde(rename = "token_type_hint")]
    _token_type_hint: Option<String>,
}

/// The authenticated client id and the parsed body of `request`.
///
/// # Errors
/// 401 `invalid_client` for a wrong or missing client (without reading the body when the
/// header names the client); 400 `invalid_request` for a body that is not a token request.
pub(super) async fn read_authenticated(
    state: &AppState,
    request: Request,
) -> Result<(String, TokenRequest), ApiError> {
    let (parts, body) = request.into_parts();
    let header_client = match client_in_header(&parts.headers) {
        Some((id, secret)) => Some(verify_client(state, id, &secret).await?),
        None => None,
    };
    let parsed = parse(&parts.headers, body).await?;
    let client_id = match header_client {
        Some(id) => id,
        None => {
            let (id, secret) = parsed
                .client_id
                .clone()
                .zip(parsed.client_secret.clone())
                .ok_or_else(invalid_client)?;
            verify_client(state, id, &secret).await?
        }
    };
    Ok((client_id, parsed))
}

fn invalid_client() -> ApiError {
    oauth(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Client authentication failed.",
    )
}

/// `Authorization: Basic base64(client_id:client_secret)`, when present and well formed.
fn client_in_header(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

async fn verify_client(state: &AppState, id: String, secret: &str) -> Result<String, ApiError> {
    let client = state
        .store
        .oauth_client(&id)
        .await?
        .ok_or_else(invalid_client)?;
    if bool::from(
        client
            .secret_hash
            .as_bytes()
            .ct_eq(digest(secret).as_bytes()),
    ) {
        Ok(id)
    } else {
        Err(invalid_client())
    }
}

/// The body as JSON (Eloqua's documentation) or a URL-encoded form (OAuth libraries).
async fn parse(headers: &HeaderMap, body: Body) -> Result<TokenRequest, ApiError> {
    let malformed = |why: String| {
        oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Malformed token request: {why}."),
        )
    };
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            malformed(format!(
                "the body could not be read whole within {MAX_BODY_BYTES} bytes"
            ))
        })?;
    match mime.as_str() {
        "application/json" => serde_json::from_slice(&bytes).map_err(|e| e.to_string()),
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes(&bytes).map_err(|e| e.to_string())
        }
        _ => Err("the body must be application/json or application/x-www-form-urlencoded".into()),
    }
    .map_err(malformed)
}

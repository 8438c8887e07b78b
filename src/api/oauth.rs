//! `POST /auth/oauth2/token`: OAuth 2.0 resource-owner password and refresh-token grants.
//! The client authenticates with Basic `client_id:client_secret` (or both in the body);
//! the body is JSON, as Eloqua documents it, or a URL-encoded form, as OAuth libraries send it.

use axum::Router;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::error::{ApiError, ErrorMessage, OAuthErrorBody};
use super::openapi::schemas::{
    Empty, RevokeRequest, TokenRequest as TokenRequestDoc, TokenResponse,
};
use super::state::AppState;
use crate::auth::{AuthError, digest, random_token};
use crate::domain::site::{Principal, TokenKind};
use crate::store::NewToken;

/// Lifetime of an access token: Eloqua's 8 hours.
pub const ACCESS_TOKEN_SECONDS: u64 = 8 * 3600;
/// Lifetime of a refresh token.
pub const REFRESH_TOKEN_SECONDS: u64 = 30 * 24 * 3600;

/// The token route.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oauth2/token", post(token))
        .route("/auth/oauth2/revoke", post(revoke))
}

#[derive(Debug, Default, Deserialize)]
struct TokenRequest {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    refresh_token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// The token to revoke (`/auth/oauth2/revoke`).
    token: Option<String>,
    #[serde(rename = "scope")]
    _scope: Option<String>,
    #[serde(rename = "token_type_hint")]
    _token_type_hint: Option<String>,
}

/// `POST /auth/oauth2/revoke` (RFC 7009): forgets an access or refresh token issued to the
/// calling client. Unknown tokens answer 200 too, so the answer tells an attacker nothing.
#[utoipa::path(
    post,
    path = "/auth/oauth2/revoke",
    operation_id = "revokeToken",
    tag = "oauth",
    security(("basic" = []), ()),
    request_body(content(
        (RevokeRequest = "application/json"),
        (RevokeRequest = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Revoked (also for an unknown token)", body = Empty),
        (status = 400, description = "A malformed request", body = OAuthErrorBody),
        (status = 401, description = "Client authentication failed", body = OAuthErrorBody),
    )
)]
async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let request = parse_request(&headers, &body)?;
    let client_id = authenticate_client(&state, &headers, &request).await?;
    let token = request.token.as_deref().ok_or_else(|| {
        oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required.",
        )
    })?;
    let hash = digest(token.trim());
    let now = state.clock.now();
    for kind in [TokenKind::Access, TokenKind::Refresh] {
        if let Some(grant) = state.store.token_grant(&hash, kind, now).await? {
            if grant.client_id == client_id {
                state.store.revoke_token(&hash).await?;
                tracing::info!(
                    user_id = grant.principal.user.id,
                    client_id,
                    "revoked an OAuth token"
                );
            }
        }
    }
    Ok(axum::Json(json!({})))
}

fn oauth(status: StatusCode, error: &'static str, description: &str) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        description: description.to_owned(),
    }
}

/// Issues a token pair (password and refresh_token grants).
#[utoipa::path(
    post,
    path = "/auth/oauth2/token",
    operation_id = "issueToken",
    tag = "oauth",
    security(("basic" = []), ()),
    request_body(content(
        (TokenRequestDoc = "application/json"),
        (TokenRequestDoc = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "A token pair", body = TokenResponse),
        (status = 400, description = "A malformed request, an unsupported grant or a bad grant", body = OAuthErrorBody),
        (status = 401, description = "Client authentication failed", body = OAuthErrorBody),
        (status = 429, description = "Too many failed sign-ins; see Retry-After", body = ErrorMessage),
    )
)]
async fn token(
    State(state): State<AppState>,
    client: Option<axum::Extension<super::client_addr::ClientAddr>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let request = parse_request(&headers, &body)?;
    let client_id = authenticate_client(&state, &headers, &request).await?;
    let from = client.map(|client| client.0.0);
    let principal = match request.grant_type.as_deref() {
        Some("password") => {
            let (Some(login), Some(password)) = (&request.username, &request.password) else {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "username and password are required.",
                ));
            };
            state
                .auth
                .login(login, password, from)
                .await
                .map_err(|e| match e {
                    AuthError::Unauthenticated => oauth(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "The username or password is incorrect.",
                    ),
                    other => other.into(),
                })?
        }
        Some("refresh_token") => {
            let refresh = request.refresh_token.as_deref().ok_or_else(|| {
                oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required.",
                )
            })?;
            let hash = digest(refresh);
            let grant = state
                .store
                .token_grant(&hash, TokenKind::Refresh, state.clock.now())
                .await?;
            let grant = grant.filter(|g| g.client_id == client_id).ok_or_else(|| {
                oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token is unknown, expired or revoked.",
                )
            })?;
            // Refresh tokens are single-use: the new pair replaces the old one.
            state.store.revoke_token(&hash).await?;
            grant.principal
        }
        Some(_) => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Supported grants: password, refresh_token.",
            ));
        }
        None => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required.",
            ));
        }
    };
    issue(&state, &principal, &client_id).await
}

fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let parsed = match mime.as_str() {
        "application/json" => serde_json::from_slice(body).map_err(|e| e.to_string()),
        "application/x-www-form-urlencoded" => serde_urlencoded_form(body),
        _ => Err("the body must be application/json or application/x-www-form-urlencoded".into()),
    };
    parsed.map_err(|why| {
        oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Malformed token request: {why}."),
        )
    })
}

fn serde_urlencoded_form(body: &[u8]) -> Result<TokenRequest, String> {
    serde_urlencoded::from_bytes(body).map_err(|e| e.to_string())
}

async fn authenticate_client(
    state: &AppState,
    headers: &HeaderMap,
    request: &TokenRequest,
) -> Result<String, ApiError> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            text.split_once(':')
                .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
        });
    let body_pair = request.client_id.clone().zip(request.client_secret.clone());
    let invalid = || {
        oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        )
    };
    let (client_id, secret) = from_header.or(body_pair).ok_or_else(invalid)?;
    let client = state
        .store
        .oauth_client(&client_id)
        .await?
        .ok_or_else(invalid)?;
    if !constant_time_eq(client.secret_hash.as_bytes(), digest(&secret).as_bytes()) {
        return Err(invalid());
    }
    Ok(client_id)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn issue(
    state: &AppState,
    principal: &Principal,
    client_id: &str,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let (access, refresh) = (random_token(), random_token());
    let now = state.clock.now();
    for (text, kind, seconds) in [
        (&access, TokenKind::Access, ACCESS_TOKEN_SECONDS),
        (&refresh, TokenKind::Refresh, REFRESH_TOKEN_SECONDS),
    ] {
        state
            .store
            .insert_token(NewToken {
                token_hash: digest(text),
                kind,
                user_id: principal.user.id,
                client_id: client_id.to_owned(),
                expires_at: now.plus_seconds(seconds),
            })
            .await?;
    }
    tracing::info!(
        user_id = principal.user.id,
        client_id,
        "issued OAuth tokens"
    );
    Ok(axum::Json(json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": ACCESS_TOKEN_SECONDS,
        "refresh_token": refresh,
    })))
}

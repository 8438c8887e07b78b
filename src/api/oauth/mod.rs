//! `POST /auth/oauth2/token`: OAuth 2.0 resource-owner password and refresh-token grants.
//! The client authenticates with Basic `client_id:client_secret` (or both in the body);
//! the body is JSON, as Eloqua documents it, or a URL-encoded form, as OAuth libraries send it.

mod request;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::json;

use request::read_authenticated;

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

/// `POST /auth/oauth2/revoke` (RFC 7009): forgets an access or refresh token issued to the
/// calling client; a refresh token takes the access tokens of its grant with it. Unknown tokens answer 200 too, so the answer tells an attacker nothing.
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
    request: Request,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let (client_id, request) = read_authenticated(&state, request).await?;
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
        (status = 503, description = "Every password check is busy; see Retry-After", body = ErrorMessage),
    )
)]
async fn token(
    State(state): State<AppState>,
    client: Option<axum::Extension<super::client_addr::ClientAddr>>,
    request: Request,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let (client_id, request) = read_authenticated(&state, request).await?;
    let from = client.map(|client| client.0.limit_key());
    let (principal, grant_id) = match request.grant_type.as_deref() {
        Some("password") => {
            let (Some(login), Some(password)) = (&request.username, &request.password) else {
                return Err(oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "username and password are required.",
                ));
            };
            let principal = state
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
                })?;
            (principal, random_token())
        }
        Some("refresh_token") => {
            let refresh = request.refresh_token.as_deref().ok_or_else(|| {
                oauth(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required.",
                )
            })?;
            // Deleted as it is taken: of concurrent refreshes of one token, only one wins.
            let grant = state
                .store
                .redeem_refresh_token(&digest(refresh), &client_id, state.clock.now())
                .await?
                .ok_or_else(|| {
                    oauth(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "The refresh token is unknown, expired or revoked.",
                    )
                })?;
            // The new pair stays in the grant, so revoking its refresh token later revokes
            // the access tokens issued before it too.
            (grant.principal, grant.grant_id)
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
    issue(&state, &principal, &client_id, grant_id).await
}

/// Issues an access and a refresh token in grant `grant_id`.
async fn issue(
    state: &AppState,
    principal: &Principal,
    client_id: &str,
    grant_id: String,
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
                grant_id: grant_id.clone(),
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

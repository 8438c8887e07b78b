//! `GET /id`: base-URL discovery (§2.3), pointing every URL at this server.

use axum::Router;
use axum::extract::State;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::error::{ApiError, ErrorMessage};
use super::extract::authenticate;
use super::openapi::schemas::IdentityAnswer;
use super::state::AppState;

/// The discovery route.
pub fn router() -> Router<AppState> {
    Router::new().route("/id", get(identify))
}

/// Base-URL discovery. Bad or missing credentials answer 200 with `"Not authenticated."`.
#[utoipa::path(
    get,
    path = "/id",
    operation_id = "identify",
    tag = "meta",
    security(("basic" = []), ("bearer" = []), ()),
    responses(
        (status = 200, description = "The caller and the API URLs, or \"Not authenticated.\"", body = IdentityAnswer),
        (status = 403, description = "The user has no API access", body = ErrorMessage),
        (status = 429, description = "Too many failed sign-ins; see Retry-After", body = ErrorMessage),
    )
)]
async fn identify(State(state): State<AppState>, parts: Parts) -> Result<Response, ApiError> {
    let principal = match authenticate(&parts, &state).await {
        Ok(principal) => principal,
        // Eloqua's documented quirk: bad credentials are a 200 whose body is a JSON string.
        Err(ApiError::Unauthorized) => return Ok(axum::Json("Not authenticated.").into_response()),
        Err(other) => return Err(other),
    };
    if !principal.user.api_access {
        return Err(ApiError::Forbidden);
    }
    let base = state.public_url.as_ref();
    let user = &principal.user;
    let display = user
        .display_name
        .clone()
        .unwrap_or_else(|| user.username.clone());
    let (first, last) = display.split_once(' ').unwrap_or((display.as_str(), ""));
    let mut user_json = serde_json::Map::new();
    user_json.insert("id".into(), json!(user.id));
    user_json.insert("username".into(), json!(user.username));
    user_json.insert("displayName".into(), json!(display));
    user_json.insert("firstName".into(), json!(first));
    // Eloqua always sends every user property, as a string; clients read them unguarded.
    user_json.insert("lastName".into(), json!(last));
    user_json.insert(
        "emailAddress".into(),
        json!(user.email_address.as_deref().unwrap_or("")),
    );
    let body = json!({
        "site": { "id": principal.site.id, "name": principal.site.name },
        "user": user_json,
        "urls": {
            "base": base,
            "apis": {
                "soap": {
                    "standard": format!("{base}/API/{{version}}/Service.svc"),
                    "dataTransfer": format!("{base}/API/{{version}}/DataTransferService.svc"),
                    "email": format!("{base}/API/{{version}}/EmailService.svc"),
                    "externalAction": format!("{base}/API/{{version}}/ExternalActionService.svc"),
                },
                "rest": {
                    "standard": format!("{base}/API/REST/{{version}}/"),
                    "bulk": format!("{base}/API/Bulk/{{version}}/"),
                },
            },
        },
    });
    Ok(axum::Json(body).into_response())
}

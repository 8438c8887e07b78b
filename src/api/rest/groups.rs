//! REST 1.0 email groups (`POST /assets/email/group`, `GET/PUT/DELETE
//! /assets/email/group/{id}`, `GET /assets/email/groups`) and a contact's subscription to one
//! (`GET/PUT /data/contact/{id}/email/group/{groupId}/subscription`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::RawPage;
use super::lists::name_query;
use super::{Elements, RestPage, deleted, flag, flag_text, object, required_text, text, unix};
use crate::api::error::{ErrorMessage, FailuresBody};
use crate::api::extract::{Caller, JsonBody, parse_id};
use crate::api::openapi::schemas;
use crate::api::{ApiError, ApiResult, AppState};
use crate::domain::asset::{EmailGroup, EmailGroupInput, Subscription};

/// Longest group name or display name.
const MAX_NAME: usize = 100;
/// Longest description.
const MAX_DESCRIPTION: usize = 2000;

/// Email group and subscription routes, relative to `/api/rest/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/email/group", post(create))
        .route(
            "/assets/email/group/{id}",
            get(read).put(replace).delete(remove),
        )
        .route("/assets/email/groups", get(list))
        .route(
            "/data/contact/{id}/email/group/{group_id}/subscription",
            get(read_subscription).put(set_subscription),
        )
}

/// An email group as Eloqua's REST 1.0 API writes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RestEmailGroup)]
#[serde(rename_all = "camelCase")]
pub struct EmailGroupDto {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    created_at: String,
    created_by: String,
    depth: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    updated_at: String,
    updated_by: String,
    is_visible_in_public_subscription_list: &'static str,
    /// Emails in the group: Loquat has no emails, so always empty.
    email_ids: Vec<String>,
}

impl From<EmailGroup> for EmailGroupDto {
    fn from(group: EmailGroup) -> Self {
        Self {
            kind: "EmailGroup",
            id: group.id.to_string(),
            created_at: unix(group.audit.created_at),
            created_by: group.audit.created_by,
            depth: "complete",
            name: group.name,
            description: group.description,
            display_name: group.display_name,
            updated_at: unix(group.audit.updated_at),
            updated_by: group.audit.updated_by,
            is_visible_in_public_subscription_list: flag_text(
                group.is_visible_in_public_subscription_list,
            ),
            email_ids: Vec::new(),
        }
    }
}

/// A contact's subscription to one group.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionDto {
    #[serde(rename = "type")]
    kind: &'static str,
    contact_id: String,
    email_group: GroupRefDto,
    is_subscribed: &'static str,
}

/// The group inside a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupRefDto {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    name: String,
}

impl SubscriptionDto {
    fn new(subscription: &Subscription, group: EmailGroup) -> Self {
        Self {
            kind: "EmailGroupSubscription",
            contact_id: subscription.contact_id.to_string(),
            email_group: GroupRefDto {
                kind: "EmailGroup",
                id: group.id.to_string(),
                name: group.name,
            },
            is_subscribed: flag_text(subscription.is_subscribed),
        }
    }
}

/// Eloqua's REST 1.0 create answers 201 Created with the new group.
/// Creates one.
#[utoipa::path(
    post,
    path = "/api/REST/1.0/assets/email/group",
    operation_id = "createRestEmailGroup",
    tag = "REST email groups",
    request_body(content = schemas::EmailGroupInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = EmailGroupDto),
        (status = 400, description = "A bad property, malformed JSON or wrong Content-Type", body = FailuresBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let input = group_input(body)?;
    let group = state
        .store
        .create_group(who.site.id, &who.user.username, input)
        .await?;
    tracing::info!(group_id = group.id, "created email group");
    Ok((StatusCode::CREATED, axum::Json(EmailGroupDto::from(group))).into_response())
}

/// Reads one.
#[utoipa::path(
    get,
    path = "/api/REST/1.0/assets/email/group/{id}",
    operation_id = "getRestEmailGroup",
    tag = "REST email groups",
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "Found", body = EmailGroupDto),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let group = state.store.get_group(who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(EmailGroupDto::from(group)).into_response())
}

/// A full replace of the group's writable properties.
/// Replaces one.
#[utoipa::path(
    put,
    path = "/api/REST/1.0/assets/email/group/{id}",
    operation_id = "replaceRestEmailGroup",
    tag = "REST email groups",
    params(("id" = i64, Path, description = "Id")),
    request_body(content = schemas::EmailGroupInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = EmailGroupDto),
        (status = 400, description = "A bad property, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn replace(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let id = parse_id(&id)?;
    // An unknown group is a 404 even when the body is also wrong.
    state.store.get_group(who.site.id, id).await?;
    let input = group_input(body)?;
    let group = state
        .store
        .update_group(who.site.id, id, &who.user.username, input)
        .await?;
    tracing::info!(group_id = id, "replaced email group");
    Ok(axum::Json(EmailGroupDto::from(group)).into_response())
}

/// Deletes one.
#[utoipa::path(
    delete,
    path = "/api/REST/1.0/assets/email/group/{id}",
    operation_id = "deleteRestEmailGroup",
    tag = "REST email groups",
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "Deleted (an empty body, as Eloqua answers)"),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = parse_id(&id)?;
    state.store.delete_group(who.site.id, id).await?;
    tracing::info!(group_id = id, "deleted email group");
    Ok(deleted())
}

/// Lists (or searches) them.
#[utoipa::path(
    get,
    path = "/api/REST/1.0/assets/email/groups",
    operation_id = "listRestEmailGroups",
    tag = "REST email groups",
    params(RawPage),
    responses(
        (status = 200, description = "A page", body = Elements<EmailGroupDto>),
        (status = 400, description = "A bad page, count or search", body = FailuresBody),
    )
)]
async fn list(State(state): State<AppState>, Caller(who): Caller, page: RestPage) -> ApiResult {
    let query = name_query(&page)?;
    let found = state.store.list_groups(who.site.id, &query).await?;
    let total = found.total.unwrap_or_default();
    let elements = found.items.into_iter().map(EmailGroupDto::from).collect();
    Ok(axum::Json(Elements::new(elements, &page, total)).into_response())
}

/// Contacts never set count as subscribed, as in Eloqua.
/// A contact's subscription to a group (never set counts as subscribed).
#[utoipa::path(
    get,
    path = "/api/REST/1.0/data/contact/{id}/email/group/{group_id}/subscription",
    operation_id = "getSubscription",
    tag = "REST email groups",
    params(("id" = i64, Path, description = "Contact id"), ("group_id" = i64, Path, description = "Email group id")),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionDto),
        (status = 404, description = "No such contact or group", body = ErrorMessage),
    )
)]
async fn read_subscription(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((contact_id, group_id)): Path<(String, String)>,
) -> ApiResult {
    let (contact_id, group_id) = (parse_id(&contact_id)?, parse_id(&group_id)?);
    let subscription = state
        .store
        .get_subscription(who.site.id, contact_id, group_id)
        .await?;
    let group = state.store.get_group(who.site.id, group_id).await?;
    Ok(axum::Json(SubscriptionDto::new(&subscription, group)).into_response())
}

/// Subscribes or unsubscribes a contact.
#[utoipa::path(
    put,
    path = "/api/REST/1.0/data/contact/{id}/email/group/{group_id}/subscription",
    operation_id = "setSubscription",
    tag = "REST email groups",
    params(("id" = i64, Path, description = "Contact id"), ("group_id" = i64, Path, description = "Email group id")),
    request_body(content = schemas::SubscriptionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionDto),
        (status = 400, description = "A bad isSubscribed, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 404, description = "No such contact or group", body = ErrorMessage),
    )
)]
async fn set_subscription(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((contact_id, group_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let site_id = who.site.id;
    let (contact_id, group_id) = (parse_id(&contact_id)?, parse_id(&group_id)?);
    // Unknown contact or group is a 404 even when the body is also wrong.
    state.store.get_contact(site_id, contact_id).await?;
    let group = state.store.get_group(site_id, group_id).await?;
    let subscribed = flag(&object(body)?, "isSubscribed")?
        .ok_or_else(|| ApiError::invalid("isSubscribed", "Required: true or false.", None))?;
    let subscription = state
        .store
        .set_subscription(site_id, contact_id, group_id, subscribed)
        .await?;
    tracing::info!(
        contact_id,
        group_id,
        subscribed,
        "set email group subscription"
    );
    Ok(axum::Json(SubscriptionDto::new(&subscription, group)).into_response())
}

/// Reads a group body; unknown properties (including `emailIds`) are ignored.
fn group_input(body: Value) -> Result<EmailGroupInput, ApiError> {
    let obj = object(body)?;
    Ok(EmailGroupInput {
        name: required_text(&obj, "name", MAX_NAME)?,
        display_name: text(&obj, "displayName", MAX_NAME)?,
        description: text(&obj, "description", MAX_DESCRIPTION)?,
        is_visible_in_public_subscription_list: flag(&obj, "isVisibleInPublicSubscriptionList")?
            .unwrap_or(false),
    })
}

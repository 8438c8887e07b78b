//! REST 1.0 email groups (`POST /assets/email/group`, `GET/PUT/DELETE
//! /assets/email/group/{id}`, `GET /assets/email/groups`) and a contact's subscription to one
//! (`GET/PUT /data/contact/{id}/email/group/{groupId}/subscription`).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::lists::name_query;
use super::resource::{Resource, create, list, read, remove, replace};
use super::{RestPage, flag, flag_text, object, required_text, text, unix};
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
        .route("/assets/email/group", post(create::<Groups>))
        .route(
            "/assets/email/group/{id}",
            get(read::<Groups>)
                .put(replace::<Groups>)
                .delete(remove::<Groups>),
        )
        .route("/assets/email/groups", get(list::<Groups>))
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

/// Email groups (`/assets/email/group`).
pub struct Groups;

impl Resource for Groups {
    type Input = EmailGroupInput;
    type Item = EmailGroup;
    type Dto = EmailGroupDto;
    type InputSchema = schemas::EmailGroupInput;

    const PATH: &'static str = "/assets/email/group";
    const COLLECTION: &'static str = "/assets/email/groups";
    const OPERATION: &'static str = "RestEmailGroup";
    const LIST_OPERATION: &'static str = "listRestEmailGroups";
    const TAG: &'static str = "REST email groups";
    const NOUN: &'static str = "email group";
    const REPLACES: &'static str = "A full replace of the group's writable properties.";
    const CONFLICT: Option<&'static str> = None;

    /// Unknown properties (including `emailIds`) are ignored.
    fn input(body: Value) -> Result<EmailGroupInput, ApiError> {
        let obj = object(body)?;
        Ok(EmailGroupInput {
            name: required_text(&obj, "name", MAX_NAME)?,
            display_name: text(&obj, "displayName", MAX_NAME)?,
            description: text(&obj, "description", MAX_DESCRIPTION)?,
            is_visible_in_public_subscription_list: flag(
                &obj,
                "isVisibleInPublicSubscriptionList",
            )?
            .unwrap_or(false),
        })
    }

    async fn save(
        state: &AppState,
        site_id: i64,
        id: Option<i64>,
        by: &str,
        input: &EmailGroupInput,
    ) -> Result<EmailGroup, ApiError> {
        let store = &state.store;
        Ok(match id {
            None => store.create_group(site_id, by, input.clone()).await?,
            Some(id) => store.update_group(site_id, id, by, input.clone()).await?,
        })
    }

    async fn get(state: &AppState, site_id: i64, id: i64) -> Result<EmailGroup, ApiError> {
        Ok(state.store.get_group(site_id, id).await?)
    }

    async fn delete(state: &AppState, site_id: i64, id: i64) -> Result<(), ApiError> {
        Ok(state.store.delete_group(site_id, id).await?)
    }

    async fn page(
        state: &AppState,
        site_id: i64,
        page: &RestPage,
    ) -> Result<(Vec<EmailGroup>, u64), ApiError> {
        let found = state.store.list_groups(site_id, &name_query(page)?).await?;
        Ok((found.items, found.total.unwrap_or_default()))
    }

    fn dto(group: EmailGroup, _site_id: i64, _input: Option<&EmailGroupInput>) -> EmailGroupDto {
        EmailGroupDto::from(group)
    }

    fn id(item: &EmailGroup) -> i64 {
        item.id
    }
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

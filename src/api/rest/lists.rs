//! REST 1.0 contact lists: `POST /assets/contact/list`, `GET/PUT/DELETE
//! /assets/contact/list/{id}` and `GET /assets/contact/lists`.
//!
//! Membership changes ride on the list object (`membershipAdditions`, `membershipDeletions`),
//! as in Eloqua. They are all-or-nothing: one unknown contact id refuses the whole request.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::RawPage;
use super::{Elements, RestPage, deleted, ids, object, required_text, text, unix, unknown_contact};
use crate::api::error::{ErrorMessage, FailuresBody};
use crate::api::extract::{Caller, JsonBody, parse_id};
use crate::api::openapi::schemas;
use crate::api::{ApiError, ApiResult, AppState};
use crate::domain::asset::{ContactList, ContactListInput};
use crate::domain::fields::ContainerField;
use crate::domain::query::{Condition, ListQuery, Op, Operand};
use crate::store::StoreError;

/// Longest list name.
const MAX_NAME: usize = 100;
/// Longest description.
const MAX_DESCRIPTION: usize = 2000;

/// Contact list routes, relative to `/api/rest/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/contact/list", post(create))
        .route(
            "/assets/contact/list/{id}",
            get(read).put(replace).delete(remove),
        )
        .route("/assets/contact/lists", get(list))
}

/// A contact list as Eloqua's REST 1.0 API writes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RestContactList)]
#[serde(rename_all = "camelCase")]
pub struct ContactListDto {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    created_at: String,
    created_by: String,
    depth: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    updated_at: String,
    updated_by: String,
    count: i64,
    data_lookup_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    membership_additions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    membership_deletions: Vec<String>,
    scope: String,
}

impl ContactListDto {
    /// The list, echoing the membership changes of the request that produced it.
    fn new(list: ContactList, site_id: i64, input: Option<&ContactListInput>) -> Self {
        let echo = |ids: &[i64]| ids.iter().map(i64::to_string).collect();
        Self {
            kind: "ContactList",
            id: list.id.to_string(),
            created_at: unix(list.audit.created_at),
            created_by: list.audit.created_by,
            depth: "complete",
            name: list.name,
            description: list.description,
            updated_at: unix(list.audit.updated_at),
            updated_by: list.audit.updated_by,
            count: list.count,
            data_lookup_id: data_lookup_id(site_id, list.id),
            membership_additions: input
                .map(|i| echo(&i.membership_additions))
                .unwrap_or_default(),
            membership_deletions: input
                .map(|i| echo(&i.membership_deletions))
                .unwrap_or_default(),
            scope: list.scope,
        }
    }
}

/// A stable 32-hex-digit id for the list, the same on every read (Eloqua's is a GUID).
fn data_lookup_id(site_id: i64, list_id: i64) -> String {
    let digest = Sha256::digest(format!("loquat/contact-list/{site_id}/{list_id}"));
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Eloqua's REST 1.0 create answers 201 Created with the new list.
/// Creates one.
#[utoipa::path(
    post,
    path = "/api/REST/1.0/assets/contact/list",
    operation_id = "createRestContactList",
    tag = "REST contact lists",
    request_body(content = schemas::ContactListInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = ContactListDto),
        (status = 400, description = "A bad property, malformed JSON or wrong Content-Type", body = FailuresBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let site_id = who.site.id;
    let input = list_input(body)?;
    let list = match state
        .store
        .create_list(site_id, &who.user.username, input.clone())
        .await
    {
        // Nothing else can be missing when creating: an added contact is unknown.
        Err(StoreError::NotFound) => {
            return Err(unknown_member(&state, site_id, &input).await);
        }
        other => other?,
    };
    tracing::info!(
        list_id = list.id,
        added = input.membership_additions.len(),
        "created contact list"
    );
    Ok((
        StatusCode::CREATED,
        axum::Json(ContactListDto::new(list, site_id, Some(&input))),
    )
        .into_response())
}

/// Reads one.
#[utoipa::path(
    get,
    path = "/api/REST/1.0/assets/contact/list/{id}",
    operation_id = "getRestContactList",
    tag = "REST contact lists",
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "Found", body = ContactListDto),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let list = state.store.get_list(who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(ContactListDto::new(list, who.site.id, None)).into_response())
}

/// Replaces name and description (scope only when given) and applies membership changes.
/// Replaces one.
#[utoipa::path(
    put,
    path = "/api/REST/1.0/assets/contact/list/{id}",
    operation_id = "replaceRestContactList",
    tag = "REST contact lists",
    params(("id" = i64, Path, description = "Id")),
    request_body(content = schemas::ContactListInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = ContactListDto),
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
    let (site_id, id) = (who.site.id, parse_id(&id)?);
    // An unknown list is a 404 even when the body is also wrong.
    state.store.get_list(site_id, id).await?;
    let input = list_input(body)?;
    let list = match state
        .store
        .update_list(site_id, id, &who.user.username, input.clone())
        .await
    {
        Err(StoreError::NotFound) => {
            // Either the list went away meanwhile (404) or a contact id is unknown (400).
            state.store.get_list(site_id, id).await?;
            return Err(unknown_member(&state, site_id, &input).await);
        }
        other => other?,
    };
    tracing::info!(
        list_id = id,
        added = input.membership_additions.len(),
        removed = input.membership_deletions.len(),
        "updated contact list"
    );
    Ok(axum::Json(ContactListDto::new(list, site_id, Some(&input))).into_response())
}

/// Deletes one.
#[utoipa::path(
    delete,
    path = "/api/REST/1.0/assets/contact/list/{id}",
    operation_id = "deleteRestContactList",
    tag = "REST contact lists",
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
    state.store.delete_list(who.site.id, id).await?;
    tracing::info!(list_id = id, "deleted contact list");
    Ok(deleted())
}

/// Lists (or searches) them.
#[utoipa::path(
    get,
    path = "/api/REST/1.0/assets/contact/lists",
    operation_id = "listRestContactLists",
    tag = "REST contact lists",
    params(RawPage),
    responses(
        (status = 200, description = "A page", body = Elements<ContactListDto>),
        (status = 400, description = "A bad page, count or search", body = FailuresBody),
    )
)]
async fn list(State(state): State<AppState>, Caller(who): Caller, page: RestPage) -> ApiResult {
    let query = name_query(&page)?;
    let found = state.store.list_lists(who.site.id, &query).await?;
    let total = found.total.unwrap_or_default();
    let elements = found
        .items
        .into_iter()
        .map(|l| ContactListDto::new(l, who.site.id, None))
        .collect();
    Ok(axum::Json(Elements::new(elements, &page, total)).into_response())
}

/// The Bulk-style query behind a REST page: `search` on `name`, in id order.
///
/// # Errors
/// 400 naming `search` when it names another property.
pub fn name_query(page: &RestPage) -> Result<ListQuery<ContainerField>, ApiError> {
    let mut query = ListQuery::all();
    if let Some(pattern) = page.pattern(&["name"])? {
        query.conditions.push(Condition {
            field: ContainerField::Name,
            op: Op::Eq,
            operand: Operand::Text(pattern),
        });
    }
    query.limit = u32::try_from(page.count).unwrap_or(u32::MAX);
    query.offset = page.offset();
    Ok(query)
}

/// Reads a list body; unknown properties are ignored, wrong types name the property.
fn list_input(body: Value) -> Result<ContactListInput, ApiError> {
    let obj = object(body)?;
    let scope = text(&obj, "scope", 10)?;
    if let Some(scope) = &scope {
        if scope != "local" && scope != "global" {
            return Err(ApiError::invalid(
                "scope",
                "Must be local or global.",
                Some(scope.clone()),
            ));
        }
    }
    Ok(ContactListInput {
        name: required_text(&obj, "name", MAX_NAME)?,
        description: text(&obj, "description", MAX_DESCRIPTION)?,
        scope,
        membership_additions: ids(&obj, "membershipAdditions")?,
        membership_deletions: ids(&obj, "membershipDeletions")?,
    })
}

/// The 400 naming the first membership id that is not one of the site's contacts.
async fn unknown_member(state: &AppState, site_id: i64, input: &ContactListInput) -> ApiError {
    let fields = [
        ("membershipAdditions", input.membership_additions.as_slice()),
        ("membershipDeletions", input.membership_deletions.as_slice()),
    ];
    unknown_contact(state.store.as_ref(), site_id, &fields).await
}

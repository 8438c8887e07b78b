//! Contact sync action definitions (§4): create, read, list, replace, delete, and the global
//! `GET /syncActions` list.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ErrorMessage, FailuresBody};
use super::extract::{Caller, JsonBody, ListParams, RawParams, parse_id};
use super::openapi::schemas::{SyncActionDefinitionInput, SyncActionItem};
use super::wire::Envelope;
use super::{ApiError, ApiResult, AppState, no_content};
use crate::domain::appcloud::InstanceKind;
use crate::domain::definition::{
    ContainerRef, SyncAction, SyncActionDefinition, validate_contact_definition,
};
use crate::domain::failure::Failure;
use crate::domain::fields::DefinitionField;
use crate::domain::query::MAX_PAGE;
use crate::store::{DefinitionRecord, StoreError};

/// Routes under the Bulk prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts/syncActions", get(list).post(create))
        .route(
            "/contacts/syncActions/{id}",
            get(read).put(replace).delete(remove),
        )
        .route("/syncActions", get(list_all))
}

/// A definition as Eloqua writes it (property order of §3.2).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionDto {
    name: String,
    /// The identifier column and its markup.
    #[schema(value_type = Object)]
    fields: serde_json::Map<String, serde_json::Value>,
    identifier_field_name: String,
    #[schema(value_type = Vec<SyncActionItem>)]
    sync_actions: Vec<serde_json::Value>,
    is_sync_triggered_on_import: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    auto_delete_duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kb_used: Option<i64>,
    uri: String,
    created_by: String,
    created_at: String,
    updated_by: String,
    updated_at: String,
}

impl From<DefinitionRecord> for DefinitionDto {
    fn from(record: DefinitionRecord) -> Self {
        let def = record.definition;
        let mut fields = serde_json::Map::new();
        fields.insert(def.field_column.clone(), def.identifier.markup().into());
        Self {
            name: def.name,
            fields,
            identifier_field_name: def.field_column,
            sync_actions: def.sync_actions.iter().map(|a| a.to_json()).collect(),
            is_sync_triggered_on_import: def.is_sync_triggered_on_import,
            auto_delete_duration: def.auto_delete_duration.map(|d| d.as_str().to_owned()),
            // Eloqua omits kbUsed while nothing is staged.
            kb_used: (record.kb_used > 0).then_some(record.kb_used),
            uri: format!("/contacts/syncActions/{}", record.id),
            created_by: record.audit.created_by,
            created_at: record.audit.created_at.to_string(),
            updated_by: record.audit.updated_by,
            updated_at: record.audit.updated_at.to_string(),
        }
    }
}

/// Creates a contact sync action definition.
#[utoipa::path(
    post,
    path = "/api/bulk/2.0/contacts/syncActions",
    operation_id = "createSyncActionDefinition",
    tag = "sync actions",
    request_body(content = SyncActionDefinitionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = DefinitionDto),
        (status = 400, description = "A broken rule, malformed JSON or wrong Content-Type", body = FailuresBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let definition = validate(&state, who.site.id, &body).await?;
    let record = state
        .store
        .create_definition(who.site.id, &who.user.username, &definition)
        .await?;
    tracing::info!(
        definition_id = record.id,
        actions = definition.sync_actions.len(),
        "created sync action definition"
    );
    Ok((StatusCode::CREATED, axum::Json(DefinitionDto::from(record))).into_response())
}

/// Reads a definition.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/syncActions/{id}",
    operation_id = "getSyncActionDefinition",
    tag = "sync actions",
    params(("id" = i64, Path, description = "Definition id")),
    responses(
        (status = 200, description = "The definition", body = DefinitionDto),
        (status = 404, description = "No such definition", body = ErrorMessage),
    )
)]
async fn read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let record = state
        .store
        .get_definition(who.site.id, parse_id(&id)?)
        .await?;
    Ok(axum::Json(DefinitionDto::from(record)).into_response())
}

/// Replaces a definition (every writable property must be sent).
#[utoipa::path(
    put,
    path = "/api/bulk/2.0/contacts/syncActions/{id}",
    operation_id = "replaceSyncActionDefinition",
    tag = "sync actions",
    params(("id" = i64, Path, description = "Definition id")),
    request_body(content = SyncActionDefinitionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The replaced definition", body = DefinitionDto),
        (status = 400, description = "A broken rule, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 404, description = "No such definition", body = ErrorMessage),
    )
)]
async fn replace(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let id = parse_id(&id)?;
    // An unknown id is a 404 even when the body is also wrong.
    state.store.get_definition(who.site.id, id).await?;
    let definition = validate(&state, who.site.id, &body).await?;
    let record = state
        .store
        .replace_definition(who.site.id, id, &who.user.username, &definition)
        .await?;
    tracing::info!(definition_id = id, "replaced sync action definition");
    Ok(axum::Json(DefinitionDto::from(record)).into_response())
}

/// Deletes a definition and its staged data.
#[utoipa::path(
    delete,
    path = "/api/bulk/2.0/contacts/syncActions/{id}",
    operation_id = "deleteSyncActionDefinition",
    tag = "sync actions",
    params(("id" = i64, Path, description = "Definition id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such definition", body = ErrorMessage),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = parse_id(&id)?;
    state.store.delete_definition(who.site.id, id).await?;
    tracing::info!(definition_id = id, "deleted sync action definition");
    Ok(no_content())
}

/// Lists contact sync action definitions.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/syncActions",
    operation_id = "listSyncActionDefinitions",
    tag = "sync actions",
    params(RawParams),
    responses(
        (status = 200, description = "A page of definitions", body = Envelope<DefinitionDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
    )
)]
async fn list(State(state): State<AppState>, Caller(who): Caller, params: ListParams) -> ApiResult {
    let query = params.query::<DefinitionField>(MAX_PAGE)?;
    let page = state.store.list_definitions(who.site.id, &query).await?;
    Ok(axum::Json(Envelope::from_page(page, &query, DefinitionDto::from)).into_response())
}

/// Lists sync action definitions of every entity type (contacts only, here).
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/syncActions",
    operation_id = "listAllSyncActionDefinitions",
    tag = "sync actions",
    params(RawParams),
    responses(
        (status = 200, description = "A page of definitions", body = Envelope<DefinitionDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
    )
)]
async fn list_all(state: State<AppState>, caller: Caller, params: ListParams) -> ApiResult {
    list(state, caller, params).await
}

/// Checks the body against every rule, then that each destination names something that exists.
async fn validate(
    state: &AppState,
    site_id: i64,
    body: &serde_json::Value,
) -> Result<SyncActionDefinition, ApiError> {
    let definition = validate_contact_definition(body)?;
    let failures = missing_destinations(state, site_id, &definition.sync_actions).await?;
    if failures.is_empty() {
        Ok(definition)
    } else {
        Err(ApiError::Validation(failures))
    }
}

/// A failure for each action whose destination names nothing of the site.
pub(super) async fn missing_destinations(
    state: &AppState,
    site_id: i64,
    actions: &[SyncAction],
) -> Result<Vec<Failure>, ApiError> {
    let mut failures = Vec::new();
    for (index, action) in actions.iter().enumerate() {
        let Some(reference) = action.destination.container() else {
            continue;
        };
        if let Some(why) = missing_reference(state, site_id, &reference).await? {
            failures.push(Failure::new(
                format!("syncActions[{index}].destination"),
                why,
                Some(action.destination_markup.clone()),
            ));
        }
    }
    Ok(failures)
}

/// Why `reference` names nothing usable, or `None` when it exists.
pub(super) async fn missing_reference(
    state: &AppState,
    site_id: i64,
    reference: &ContainerRef,
) -> Result<Option<String>, ApiError> {
    let store = &state.store;
    let found = match reference {
        ContainerRef::ContactList(id) => absent(
            store.get_list(site_id, to_i64(*id)).await,
            format!("There was a missing reference: contact list {id} does not exist."),
        )?,
        ContainerRef::EmailGroup(id) => absent(
            store.get_group(site_id, to_i64(*id)).await,
            format!("There was a missing reference: email group {id} does not exist."),
        )?,
        ContainerRef::AppCloudInstance {
            kind,
            instance,
            execution,
        } => {
            let missing = format!(
                "There was a missing reference: service instance {} does not exist.",
                instance.as_str()
            );
            match store.get_instance(site_id, instance).await {
                Err(StoreError::NotFound) => Some(missing),
                Err(e) => return Err(e.into()),
                Ok(found) if found.kind != *kind => Some(format!(
                    "Service instance {} is a {} service, not a {} service.",
                    instance.as_str(),
                    found.kind.as_str(),
                    kind_name(*kind)
                )),
                Ok(_) => match execution {
                    Some(execution) => absent(
                        store
                            .get_execution(site_id, instance, to_i64(*execution))
                            .await,
                        format!(
                            "There was a missing reference: execution {execution} of service instance {} does not exist.",
                            instance.as_str()
                        ),
                    )?,
                    None => None,
                },
            }
        }
    };
    Ok(found)
}

fn kind_name(kind: InstanceKind) -> &'static str {
    kind.as_str()
}

fn to_i64(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

fn absent<T>(result: Result<T, StoreError>, why: String) -> Result<Option<String>, ApiError> {
    match result {
        Ok(_) => Ok(None),
        Err(StoreError::NotFound) => Ok(Some(why)),
        Err(e) => Err(e.into()),
    }
}

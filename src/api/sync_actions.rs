//! Sync action definitions (§4) as a definition [`Kind`], and the global `GET /syncActions`
//! list; the checks that what a destination names exists, shared with imports and exports.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use super::data::{Staging, stage_error, trigger};
use super::definitions::{self, Kind, Record};
use super::extract::{Caller, ListParams};
use super::openapi::schemas::{SyncActionDefinitionInput, SyncActionItem};
use super::{ApiError, ApiResult, AppState};
use crate::domain::appcloud::InstanceKind;
use crate::domain::definition::{
    ContainerRef, SyncAction, SyncActionDefinition, validate_sync_action_definition,
};
use crate::domain::failure::Failure;
use crate::domain::record_type::RecordType;
use crate::domain::site::Principal;
use crate::domain::staging::MAX_FILES;
use crate::store::{Staged, StoreError, Upload};
use crate::upload::Format;
use axum::body::Bytes;

/// Routes under the Bulk prefix besides those of [`definitions::router`].
pub fn router() -> Router<AppState> {
    Router::new().route("/syncActions", get(list_all))
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

impl DefinitionDto {
    fn new(record: Record<SyncActions>, uri: String) -> Self {
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
            uri,
            created_by: record.audit.created_by,
            created_at: record.audit.created_at.to_string(),
            updated_by: record.audit.updated_by,
            updated_at: record.audit.updated_at.to_string(),
        }
    }
}

/// Sync action definitions (`/contacts/syncActions`).
pub struct SyncActions;

impl Kind for SyncActions {
    type Definition = SyncActionDefinition;
    type Dto = DefinitionDto;
    type Schema = DefinitionDto;
    type Input = SyncActionDefinitionInput;

    const NOUN: &'static str = "sync action definition";
    const OPERATION: &'static str = "SyncAction";
    const TAG: &'static str = "sync actions";
    const STAGES_DATA: bool = true;

    /// Every rule, then that each destination names something that exists.
    async fn validate(
        state: &AppState,
        record_type: &'static RecordType,
        site_id: i64,
        body: &serde_json::Value,
    ) -> Result<SyncActionDefinition, ApiError> {
        let definition = validate_sync_action_definition(record_type, body)?;
        let failures = missing_destinations(state, site_id, &definition.sync_actions).await?;
        definitions::checked(definition, failures)
    }

    type Stored = crate::store::SyncActions;

    fn dto(record: Record<Self>, uri: String) -> DefinitionDto {
        DefinitionDto::new(record, uri)
    }
}

impl Staging for SyncActions {
    const BUSY: &'static str = "A sync of this definition is pending or active.";

    async fn stage(
        state: &AppState,
        who: &Principal,
        record: Record<Self>,
        format: Format,
        body: Bytes,
    ) -> Result<Staged, ApiError> {
        let (id, record_type, definition) = (record.id, record.record_type, record.definition);
        let upload = Upload {
            definition_id: id,
            format,
            body,
            column: definition.field_column,
            max_files: MAX_FILES,
            site_quota_bytes: state.staging_quota_bytes,
            trigger: trigger(definition.is_sync_triggered_on_import, who, record_type),
        };
        state
            .store
            .stage_file(who.site.id, upload)
            .await
            .map_err(stage_error)
    }
}

/// Lists sync action definitions of every record type, each with its own URI; documented as
/// a copy of the contacts list (`openapi::copy_operation`).
async fn list_all(state: State<AppState>, caller: Caller, params: ListParams) -> ApiResult {
    definitions::list_of::<SyncActions>(state, caller, params, None).await
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
        ContainerRef::AccountList(id) => absent(
            store.get_account_list(site_id, to_i64(*id)).await,
            format!("There was a missing reference: account list {id} does not exist."),
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

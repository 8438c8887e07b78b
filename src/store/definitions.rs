//! Sync action definitions.

use async_trait::async_trait;

use super::{Page, StoreResult};
use crate::domain::asset::Audit;
use crate::domain::definition::{Identifier, SyncAction, SyncActionDefinition};
use crate::domain::duration::IsoDuration;
use crate::domain::fields::DefinitionField;
use crate::domain::query::ListQuery;

/// A stored sync action definition.
pub type DefinitionRecord = DefinitionRecordOf<SyncActionDefinition>;

/// A stored definition of any kind with what the server adds to it.
#[derive(Debug, Clone)]
pub struct DefinitionRecordOf<D> {
    /// Store id (`/contacts/syncActions/{id}`, `/contacts/imports/{id}`).
    pub id: i64,
    /// The validated definition.
    pub definition: D,
    /// KB of staged data.
    pub kb_used: i64,
    /// Creation and change.
    pub audit: Audit,
}

/// Persistence of sync action definitions.
#[async_trait]
pub trait DefinitionStore: Send + Sync {
    /// Stores a new contact sync action definition.
    async fn create_definition(
        &self,
        site_id: i64,
        by: &str,
        definition: &SyncActionDefinition,
    ) -> StoreResult<DefinitionRecord>;
    /// One definition.
    async fn get_definition(&self, site_id: i64, id: i64) -> StoreResult<DefinitionRecord>;
    /// Replaces a definition (PUT).
    async fn replace_definition(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        definition: &SyncActionDefinition,
    ) -> StoreResult<DefinitionRecord>;
    /// Deletes a definition.
    async fn delete_definition(&self, site_id: i64, id: i64) -> StoreResult<()>;
    /// A page of definitions.
    async fn list_definitions(
        &self,
        site_id: i64,
        query: &ListQuery<DefinitionField>,
    ) -> StoreResult<Page<DefinitionRecord>>;
}

/// The stored form of a definition's actions: the JSON array the client sent (validated).
pub(crate) fn encode_actions(definition: &SyncActionDefinition) -> String {
    let actions: Vec<serde_json::Value> = definition
        .sync_actions
        .iter()
        .map(SyncAction::to_json)
        .collect();
    serde_json::Value::Array(actions).to_string()
}

/// Rebuilds a definition from its stored columns; backends share it so they agree exactly.
///
/// # Errors
/// When stored text no longer parses (a corrupt row).
pub(crate) fn decode_definition(
    name: String,
    field_column: String,
    field_statement: &str,
    actions_json: &str,
    is_sync_triggered_on_import: bool,
    auto_delete_duration: Option<String>,
) -> Result<SyncActionDefinition, String> {
    let identifier = Identifier::from_markup(field_statement)
        .ok_or_else(|| format!("stored identifier statement {field_statement:?}"))?;
    let actions: Vec<serde_json::Value> =
        serde_json::from_str(actions_json).map_err(|e| format!("stored actions: {e}"))?;
    let sync_actions = actions
        .iter()
        .map(|a| SyncAction::from_stored_json(a).map_err(|e| format!("stored action: {e:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let auto_delete_duration = auto_delete_duration
        .map(|text| IsoDuration::parse(&text).map_err(|e| format!("stored duration: {e:?}")))
        .transpose()?;
    Ok(SyncActionDefinition {
        name,
        field_column,
        identifier,
        sync_actions,
        is_sync_triggered_on_import,
        auto_delete_duration,
    })
}

//! The kinds of definition there are today: how each is stored (see [`super::StoredKind`]).

use super::{DefinitionStore, FIRST_OWN, StoredKind};
use crate::domain::definition::{
    ExportDefinition, Identifier, ImportDefinition, SyncAction, SyncActionDefinition,
    validate_export_definition_of, validate_import_definition,
};
use crate::domain::duration::IsoDuration;
use crate::domain::record_type::{CONTACTS, RecordType};
use crate::domain::sync::SyncKind;
use crate::store::sql_text::{SqlValue, StoredRow};
use crate::store::{Store, StoreResult};

/// Sync action definitions (`/contacts/syncActions`).
pub struct SyncActions;
/// Import definitions (`/contacts/imports`).
pub struct Imports;
/// Export definitions (`/contacts/exports`).
pub struct Exports;

impl StoredKind for SyncActions {
    fn of(store: &dyn Store) -> &dyn DefinitionStore<Self> {
        store
    }

    type Definition = SyncActionDefinition;
    const TABLE: &'static str = "sync_action_definitions";
    const STAGED_FILES: Option<&'static str> = Some("staged_files");
    const SYNC: SyncKind = SyncKind::SyncAction;
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "field_column",
        "field_statement",
        "identifier_field_name",
        "sync_actions",
        "is_sync_triggered_on_import",
        "auto_delete_duration",
        "auto_delete_seconds",
    ];
    const READ: &'static str = "d.name, d.field_column, d.field_statement, d.sync_actions,
        d.is_sync_triggered_on_import, d.auto_delete_duration";

    fn encode(definition: &SyncActionDefinition) -> Vec<SqlValue> {
        let duration = definition.auto_delete_duration.as_ref();
        let text = |s: &str| SqlValue::Text(Some(s.to_owned()));
        vec![
            text(&definition.name),
            text(&definition.field_column),
            text(definition.identifier.markup()),
            text(&definition.field_column),
            SqlValue::Text(Some(encode_actions(definition))),
            SqlValue::Flag(definition.is_sync_triggered_on_import),
            SqlValue::Text(duration.map(|d| d.as_str().to_owned())),
            SqlValue::Int(duration.map(|d| seconds(d.seconds()))),
        ]
    }

    fn record_type(definition: &SyncActionDefinition) -> &'static RecordType {
        definition.identifier.record_type()
    }

    fn decode(row: &dyn StoredRow) -> StoreResult<Result<SyncActionDefinition, String>> {
        let at = |i: usize| FIRST_OWN + i;
        let Some(record_type) = stored_record_type(row)? else {
            return Ok(Err("unknown record type".to_owned()));
        };
        Ok(decode_definition(
            record_type,
            row.text(at(0))?,
            row.text(at(1))?,
            &row.text(at(2))?,
            &row.text(at(3))?,
            row.flag(at(4))?,
            row.opt_text(at(5))?,
        ))
    }
}

impl StoredKind for Imports {
    fn of(store: &dyn Store) -> &dyn DefinitionStore<Self> {
        store
    }

    type Definition = ImportDefinition;
    const TABLE: &'static str = "import_definitions";
    const STAGED_FILES: Option<&'static str> = Some("import_files");
    const SYNC: SyncKind = SyncKind::Import;
    const COLUMNS: &'static [&'static str] = &["name", "body", "auto_delete_seconds"];
    const READ: &'static str = "d.body";

    fn encode(definition: &ImportDefinition) -> Vec<SqlValue> {
        let duration = definition.auto_delete_duration.as_ref();
        body_columns(&definition.name, definition.to_json(), duration)
    }

    fn record_type(_: &ImportDefinition) -> &'static RecordType {
        &CONTACTS
    }

    fn decode(row: &dyn StoredRow) -> StoreResult<Result<ImportDefinition, String>> {
        from_body(row, |json| {
            validate_import_definition(json).map_err(|f| format!("{f:?}"))
        })
    }
}

impl StoredKind for Exports {
    fn of(store: &dyn Store) -> &dyn DefinitionStore<Self> {
        store
    }

    type Definition = ExportDefinition;
    const TABLE: &'static str = "export_definitions";
    // An export stages nothing: it reads contacts when it runs.
    const STAGED_FILES: Option<&'static str> = None;
    const SYNC: SyncKind = SyncKind::Export;
    const COLUMNS: &'static [&'static str] = &["name", "body", "auto_delete_seconds"];
    const READ: &'static str = "d.body";

    fn encode(definition: &ExportDefinition) -> Vec<SqlValue> {
        let duration = definition.auto_delete_duration.as_ref();
        body_columns(&definition.name, definition.to_json(), duration)
    }

    fn record_type(definition: &ExportDefinition) -> &'static RecordType {
        definition.record_type
    }

    fn decode(row: &dyn StoredRow) -> StoreResult<Result<ExportDefinition, String>> {
        let Some(record_type) = stored_record_type(row)? else {
            return Ok(Err("unknown record type".to_owned()));
        };
        from_body(row, |json| {
            validate_export_definition_of(record_type, json).map_err(|f| format!("{f:?}"))
        })
    }
}

/// The staged-files table of the definitions a sync of `kind` runs.
pub(crate) fn staged_files(kind: SyncKind) -> Option<&'static str> {
    match kind {
        SyncKind::SyncAction => SyncActions::STAGED_FILES,
        SyncKind::Import => Imports::STAGED_FILES,
        SyncKind::Export => Exports::STAGED_FILES,
    }
}

/// The record type a stored definition belongs to; `None` for a segment this build does
/// not know.
fn stored_record_type(row: &dyn StoredRow) -> StoreResult<Option<&'static RecordType>> {
    Ok(RecordType::by_segment(&row.text(super::RECORD_TYPE)?))
}

/// A duration in seconds as a `BIGINT`.
fn seconds(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

/// The columns of a kind stored as its JSON body: name, body, and auto-delete seconds.
fn body_columns(
    name: &str,
    body: serde_json::Value,
    auto_delete: Option<&IsoDuration>,
) -> Vec<SqlValue> {
    vec![
        SqlValue::Text(Some(name.to_owned())),
        SqlValue::Text(Some(body.to_string())),
        SqlValue::Int(auto_delete.map(|d| seconds(d.seconds()))),
    ]
}

/// Validates a stored JSON body again, as the client's was.
fn from_body<D>(
    row: &dyn StoredRow,
    validate: impl FnOnce(&serde_json::Value) -> Result<D, String>,
) -> StoreResult<Result<D, String>> {
    let body = row.text(FIRST_OWN)?;
    Ok(serde_json::from_str(&body)
        .map_err(|e| e.to_string())
        .and_then(|json| validate(&json)))
}

/// The stored form of a definition's actions: the JSON array the client sent (validated).
fn encode_actions(definition: &SyncActionDefinition) -> String {
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
fn decode_definition(
    record_type: &RecordType,
    name: String,
    field_column: String,
    field_statement: &str,
    actions_json: &str,
    is_sync_triggered_on_import: bool,
    auto_delete_duration: Option<String>,
) -> Result<SyncActionDefinition, String> {
    let identifier = Identifier::from_markup(record_type, field_statement)
        .ok_or_else(|| format!("stored identifier statement {field_statement:?}"))?;
    let actions: Vec<serde_json::Value> =
        serde_json::from_str(actions_json).map_err(|e| format!("stored actions: {e}"))?;
    let sync_actions = actions
        .iter()
        .map(|a| {
            SyncAction::from_stored_json(record_type, a)
                .map_err(|e| format!("stored action: {e:?}"))
        })
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

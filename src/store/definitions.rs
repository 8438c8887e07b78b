//! Definitions of every kind, described once for both backends.
//!
//! Sync action, import and export definitions are stored alike: one table per kind with the
//! site, the definition's own columns, and the audit columns; some kinds also stage uploads in
//! a table of files that a sync takes over. A [`DefinitionKind`] describes one kind:
//! - its table and, when it stages data, its staged-files table (whose bytes make `kb_used`);
//! - the [`SyncKind`] of its syncs;
//! - the columns a definition is written to and [`DefinitionKind::encode`] giving their values;
//! - the columns read back and [`DefinitionKind::decode`] rebuilding the definition from them.
//!
//! From a description, this module writes every statement (create, get, replace, delete, list
//! and the check before creating a sync) in `$n` placeholders, and [`record`] decodes a row;
//! each backend runs them with one generic function per operation (`sqlite::definitions`,
//! `postgres::definitions`), and the store traits' methods are one call each, generated for
//! both backends by the macros of [`super::kind_stores`].
//!
//! A new kind (accounts, custom objects, …) is a migration for its table on both backends, one
//! more [`DefinitionKind`] here, a [`SyncKind`] variant, and one macro in
//! [`super::kind_stores`] naming its store trait's methods.

use async_trait::async_trait;

use super::listing::Listing;
use super::sql_text::{SqlValue, StoredRow};
use super::{Page, StoreError, StoreResult};
use crate::domain::asset::Audit;
use crate::domain::clock::Timestamp;
use crate::domain::definition::{
    ExportDefinition, Identifier, ImportDefinition, SyncAction, SyncActionDefinition,
    validate_export_definition, validate_import_definition,
};
use crate::domain::duration::IsoDuration;
use crate::domain::fields::DefinitionField;
use crate::domain::query::ListQuery;
use crate::domain::sync::SyncKind;

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

/// How one kind of definition is stored (see the module docs).
pub(crate) trait DefinitionKind: Send + Sync + 'static {
    /// The validated definition.
    type Definition: Clone + Send + Sync + 'static;
    /// Its table (aliased `d` when read).
    const TABLE: &'static str;
    /// The table of its staged files (`definition_id`, `sync_id`, `bytes`), if it stages any.
    const STAGED_FILES: Option<&'static str>;
    /// What its syncs are.
    const SYNC: SyncKind;
    /// The columns [`Self::encode`] gives values for, in order.
    const COLUMNS: &'static [&'static str];
    /// The columns [`Self::decode`] reads, from [`FIRST_OWN`] on.
    const READ: &'static str;
    /// The values of [`Self::COLUMNS`].
    fn encode(definition: &Self::Definition) -> Vec<SqlValue>;
    /// Rebuilds a definition from [`Self::READ`]; an error names what no longer parses.
    fn decode(row: &dyn StoredRow) -> StoreResult<Result<Self::Definition, String>>;
}

/// A stored definition of kind `K`.
pub(crate) type Record<K> = DefinitionRecordOf<<K as DefinitionKind>::Definition>;

/// The index of a kind's first own column in [`select`]'s rows.
pub(crate) const FIRST_OWN: usize = 6;

/// Sync action definitions (`/contacts/syncActions`).
pub(crate) struct SyncActions;
/// Import definitions (`/contacts/imports`).
pub(crate) struct Imports;
/// Export definitions (`/contacts/exports`).
pub(crate) struct Exports;

impl DefinitionKind for SyncActions {
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

    fn decode(row: &dyn StoredRow) -> StoreResult<Result<SyncActionDefinition, String>> {
        let at = |i: usize| FIRST_OWN + i;
        Ok(decode_definition(
            row.text(at(0))?,
            row.text(at(1))?,
            &row.text(at(2))?,
            &row.text(at(3))?,
            row.flag(at(4))?,
            row.opt_text(at(5))?,
        ))
    }
}

impl DefinitionKind for Imports {
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

    fn decode(row: &dyn StoredRow) -> StoreResult<Result<ImportDefinition, String>> {
        from_body(row, |json| {
            validate_import_definition(json).map_err(|f| format!("{f:?}"))
        })
    }
}

impl DefinitionKind for Exports {
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

    fn decode(row: &dyn StoredRow) -> StoreResult<Result<ExportDefinition, String>> {
        from_body(row, |json| {
            validate_export_definition(json).map_err(|f| format!("{f:?}"))
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

/// `SELECT` of kind `K`'s definitions: id, audit, `kb_used`, then the kind's own columns.
/// `kb_used` counts the bytes of files still staged or owned by a sync that has not ended
/// (a sum is cast back to an integer before the division: PostgreSQL sums to NUMERIC).
pub(crate) fn select<K: DefinitionKind>() -> String {
    let kb_used = match K::STAGED_FILES {
        Some(files) => format!(
            "(SELECT (CAST(COALESCE(SUM(f.bytes), 0) AS BIGINT) + 1023) / 1024 FROM {files} f
              WHERE f.definition_id = d.id AND (f.sync_id IS NULL
              OR f.sync_id IN (SELECT id FROM syncs WHERE status IN ('pending', 'active'))))"
        ),
        None => "CAST(0 AS BIGINT)".to_owned(),
    };
    format!(
        "SELECT d.id, d.created_by, d.created_at, d.updated_by, d.updated_at, {kb_used}, {}
         FROM {} d",
        K::READ,
        K::TABLE
    )
}

/// One definition of a site: `$1` site, `$2` id.
pub(crate) fn load_sql<K: DefinitionKind>() -> String {
    format!("{} WHERE d.site_id = $1 AND d.id = $2", select::<K>())
}

/// A new definition returning its id: `$1` site, the kind's columns, then who and when.
pub(crate) fn insert_sql<K: DefinitionKind>() -> String {
    let n = K::COLUMNS.len();
    let marks: Vec<String> = (2..n + 2).map(|i| format!("${i}")).collect();
    let (by, at) = (n + 2, n + 3);
    format!(
        "INSERT INTO {} (site_id, {}, created_by, created_at, updated_by, updated_at)
         VALUES ($1, {}, ${by}, ${at}, ${by}, ${at}) RETURNING id",
        K::TABLE,
        K::COLUMNS.join(", "),
        marks.join(", ")
    )
}

/// A definition replaced: `$1` site, `$2` id, the kind's columns, then who and when.
pub(crate) fn update_sql<K: DefinitionKind>() -> String {
    let n = K::COLUMNS.len();
    let sets: Vec<String> = K::COLUMNS
        .iter()
        .enumerate()
        .map(|(i, column)| format!("{column} = ${}", i + 3))
        .collect();
    format!(
        "UPDATE {} SET {}, updated_by = ${}, updated_at = ${} WHERE site_id = $1 AND id = $2",
        K::TABLE,
        sets.join(", "),
        n + 3,
        n + 4
    )
}

/// Deletes a definition of a site (`$1`, `$2`) with all its staged files, including those a
/// pending or active sync took: files first, so a trigger removes their rows; the syncs stay
/// and report the definition gone. The last statement's count tells whether it existed.
pub(crate) fn delete_sql<K: DefinitionKind>() -> Vec<String> {
    let definition = format!("DELETE FROM {} WHERE site_id = $1 AND id = $2", K::TABLE);
    let files = K::STAGED_FILES.map(|files| {
        format!(
            "DELETE FROM {files} WHERE definition_id IN
             (SELECT id FROM {} WHERE site_id = $1 AND id = $2)",
            K::TABLE
        )
    });
    files.into_iter().chain([definition]).collect()
}

/// Whether definition `$2` of site `$1` exists (before a sync of it is created).
pub(crate) fn exists_sql<K: DefinitionKind>() -> String {
    format!("SELECT 1 FROM {} WHERE site_id = $1 AND id = $2", K::TABLE)
}

/// Discarding definition `$1`'s unsynced staged files: a query finding a pending or active
/// sync of it (which makes the discard a conflict), then the delete. `None` for a kind that
/// stages nothing.
pub(crate) fn discard_sql<K: DefinitionKind>() -> Option<[String; 2]> {
    K::STAGED_FILES.map(|files| {
        [
            format!(
                "SELECT 1 FROM syncs WHERE kind = '{}' AND definition_id = $1
                 AND status IN ('pending', 'active') LIMIT 1",
                K::SYNC.as_str()
            ),
            format!("DELETE FROM {files} WHERE definition_id = $1 AND sync_id IS NULL"),
        ]
    })
}

/// Gives the staged files of definition `$2` not yet taken to sync `$1`.
pub(crate) fn claim_files_sql(files: &str) -> String {
    format!("UPDATE {files} SET sync_id = $1 WHERE definition_id = $2 AND sync_id IS NULL")
}

/// The listing of kind `K` over `select` (from [`select`], in the backend's placeholders).
pub(crate) fn listing(select: &str) -> Listing<'_, DefinitionField> {
    Listing {
        select,
        column,
        site_column: "d.site_id",
        id_column: "d.id",
    }
}

/// The column a definition query field reads.
fn column(field: DefinitionField) -> &'static str {
    match field {
        DefinitionField::Name => "d.name",
        DefinitionField::CreatedAt => "d.created_at",
        DefinitionField::UpdatedAt => "d.updated_at",
        DefinitionField::CreatedBy => "d.created_by",
        DefinitionField::UpdatedBy => "d.updated_by",
        DefinitionField::Id => "d.id",
    }
}

/// A row of [`select`] as a record; a definition that no longer parses is a corrupt row.
pub(crate) fn record<K: DefinitionKind>(row: &dyn StoredRow) -> StoreResult<Record<K>> {
    let id = row.int(0)?;
    let definition = K::decode(row)?
        .map_err(|e| StoreError::Other(anyhow::anyhow!("stored {} {id}: {e}", K::TABLE)))?;
    Ok(DefinitionRecordOf {
        id,
        definition,
        kb_used: row.int(5)?,
        audit: Audit {
            created_by: row.text(1)?,
            created_at: Timestamp::from_nanos(row.int(2)?),
            updated_by: row.text(3)?,
            updated_at: Timestamp::from_nanos(row.int(4)?),
        },
    })
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

//! Export definitions and the data their syncs snapshot.

use async_trait::async_trait;

use super::{DefinitionRecordOf, StoreError, StoreResult, SyncJob};
use crate::domain::contact_fields::{FieldType, RecordField, Storage};
use crate::domain::definition::{ExportDefinition, FieldTarget};
use crate::domain::record_type::{ACCOUNTS, CONTACTS, RecordType};
use crate::store::sql_text::Backend;

/// A stored export definition.
pub type ExportRecord = DefinitionRecordOf<ExportDefinition>;

/// One page of an export sync's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPage {
    /// Column names, in the definition's order when the sync ran.
    pub fields: Vec<String>,
    /// Rows, each a JSON array of values (strings or null) in `fields` order.
    pub rows: Vec<String>,
    /// Rows the sync exported.
    pub total: u64,
}

/// Persistence of export definitions and exported data.
#[async_trait]
pub trait ExportStore: Send + Sync {
    /// Prepares an export sync's (re-)run: forgets earlier data, records the column names.
    async fn begin_export(
        &self,
        job: &SyncJob,
        definition: &ExportDefinition,
        retention_seconds: u64,
    ) -> StoreResult<()>;
    /// Appends up to `limit` matching records (of the definition's record type) with ids above
    /// `after`; returns how many and the last record id. `Conflict { constraint: "export_filter" }` when the filter names a field
    /// the site no longer has.
    async fn export_batch(
        &self,
        job: &SyncJob,
        definition: &ExportDefinition,
        after: i64,
        limit: u64,
    ) -> StoreResult<(u64, i64)>;
    /// A page of an export sync's data; `NotFound` when it has none (another kind of sync,
    /// not yet run, or deleted).
    async fn export_page(
        &self,
        site_id: i64,
        sync_id: i64,
        offset: u64,
        limit: u32,
    ) -> StoreResult<ExportPage>;
    /// Deletes an export sync's data.
    async fn delete_export_data(&self, site_id: i64, sync_id: i64) -> StoreResult<()>;
}

/// The stored column names of an export's data: the definition's, in its order, as JSON.
pub(crate) fn column_names(definition: &ExportDefinition) -> StoreResult<String> {
    let names: Vec<&str> = definition.fields.iter().map(|f| f.name.as_str()).collect();
    serde_json::to_string(&names).map_err(|e| StoreError::Other(e.into()))
}

/// The SQL reading one exported column of record `c` of `record_type` (every value as text),
/// the same on both backends but for timestamps: a flag is tested by `CASE WHEN`, which SQLite's 0/1 and
/// PostgreSQL's booleans both answer; a timestamp is written as Eloqua's exports write system
/// dates, `YYYY-MM-DD HH:MM:SS.fff` in UTC.
pub(crate) fn value_expression(
    backend: Backend,
    record_type: &RecordType,
    target: &FieldTarget,
    custom: &[RecordField],
) -> String {
    let time = |column: &str| match backend {
        Backend::Sqlite => {
            format!("strftime('%Y-%m-%d %H:%M:%f', c.{column} / 1000000 / 1000.0, 'unixepoch')")
        }
        Backend::Postgres => format!(
            "to_char(to_timestamp(c.{column} / 1000000 / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')"
        ),
    };
    match target {
        FieldTarget::CreatedAt => time("created_at"),
        FieldTarget::UpdatedAt => time("updated_at"),
        FieldTarget::Id => "CAST(c.id AS TEXT)".to_owned(),
        FieldTarget::IsSubscribed => {
            "CASE WHEN c.is_subscribed THEN 'true' ELSE 'false' END".to_owned()
        }
        FieldTarget::IsBounced => "CASE WHEN c.is_bounced THEN 'true' ELSE 'false' END".to_owned(),
        // No format preference is recorded: every contact has none.
        FieldTarget::EmailFormat => "''".to_owned(),
        // A standard field of an activity's contact (the definition's checks refuse others).
        FieldTarget::ContactField(name) => match CONTACTS.fields.standard(name) {
            Some(RecordField {
                storage: Storage::Column(column),
                ..
            }) => format!("(SELECT ct.{column} FROM contacts ct WHERE ct.id = c.contact_id)"),
            _ => "NULL".to_owned(),
        },
        // A standard field of the linked account (the definition's checks refuse others).
        FieldTarget::AccountField(name) => match ACCOUNTS.fields.standard(name) {
            Some(RecordField {
                storage: Storage::Column(column),
                ..
            }) => format!("(SELECT a.{column} FROM accounts a WHERE a.id = c.account_id)"),
            _ => "NULL".to_owned(),
        },
        FieldTarget::Field(name) => match record_type.fields.standard(name) {
            // Numbers are exported as text like every other value.
            Some(RecordField {
                storage: Storage::Column(column),
                data_type: FieldType::Numeric,
                ..
            }) => format!("CAST(c.{column} AS TEXT)"),
            Some(RecordField {
                storage: Storage::Column(column),
                ..
            }) => format!("c.{column}"),
            Some(RecordField {
                storage: Storage::Timestamp(column),
                ..
            }) => time(column),
            _ => match custom
                .iter()
                .find(|f| f.internal_name.eq_ignore_ascii_case(name))
            {
                // The id is the store's own integer, never client text.
                Some(field) => format!(
                    "(SELECT v.value FROM {} v WHERE v.field_id = {} AND v.{} = c.id)",
                    record_type.tables.custom_values, field.id, record_type.tables.record_key
                ),
                None => "NULL".to_owned(),
            },
        },
    }
}

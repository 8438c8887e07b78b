//! Contact import definitions and their staged uploads.

use async_trait::async_trait;

use super::{DefinitionRecordOf, NewSync, StageError, Staged, StoreResult, SyncFile, SyncJob};
use crate::domain::definition::ImportDefinition;
use crate::domain::definition::UpdateRule;
use crate::domain::import_plan::{ColumnTarget, ImportColumn, ImportPlan, ImportReject};
use crate::upload::Format;

/// A stored import definition.
pub type ImportRecord = DefinitionRecordOf<ImportDefinition>;

/// One upload to an import definition.
#[derive(Debug, Clone)]
pub struct ImportUpload {
    /// The import definition.
    pub definition_id: i64,
    /// JSON or CSV.
    pub format: Format,
    /// The body, already UTF-8.
    pub body: bytes::Bytes,
    /// The definition's columns, in its order.
    pub columns: Vec<String>,
    /// Files a definition may hold before a sync.
    pub max_files: u32,
    /// Bytes a site may keep staged.
    pub site_quota_bytes: u64,
    /// How long the rows are kept unsynced (the definition's `dataRetentionDuration`).
    pub retention_seconds: u64,
    /// When set, the upload also creates a pending sync.
    pub trigger: Option<NewSync>,
}

/// What one import batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Contacts created.
    pub created: u64,
    /// Contacts updated.
    pub updated: u64,
    /// Contacts each sync action applied to.
    pub per_action: Vec<u64>,
    /// Rejects written, by reason.
    pub rejected: Vec<(ImportReject, u64)>,
}

/// Persistence of import definitions and their staging.
#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Decodes and stages one upload atomically.
    async fn stage_import(&self, site_id: i64, upload: ImportUpload) -> Result<Staged, StageError>;
    /// Prepares an import sync's (re-)run and lists its files in upload order.
    async fn begin_import(&self, job: &SyncJob) -> StoreResult<Vec<SyncFile>>;
    /// Applies the plan to rows `seq_from..seq_to` of one file in one transaction.
    async fn apply_import_batch(
        &self,
        job: &SyncJob,
        plan: &ImportPlan,
        file: &SyncFile,
        seq_from: u64,
        seq_to: u64,
    ) -> StoreResult<ImportCounts>;
}

/// The new value of a contact column under the column's update rule, the same on both
/// backends: `current` is the column itself, `value` the backend's reading of the staged
/// value, and `flag` its reading of that value as a boolean (NULL when it is none).
pub(crate) fn rule_expression(
    column: &ImportColumn,
    (current, site): (&str, &str),
    value: &str,
    flag: &str,
) -> String {
    match (&column.target, column.rule) {
        // A value naming no account leaves the link as it is.
        (ColumnTarget::AccountLink(by), _) => {
            format!("COALESCE({}, {current})", account_lookup(by, value, site))
        }
        (ColumnTarget::IsSubscribed | ColumnTarget::IsBounced, _) => {
            format!("COALESCE({flag}, {current})")
        }
        // The email address is never emptied.
        (ColumnTarget::Standard("email_address"), UpdateRule::IfExistingIsNull) => {
            current.to_owned()
        }
        (ColumnTarget::Standard("email_address"), _) => {
            format!("COALESCE(NULLIF(trim({value}), ''), {current})")
        }
        (_, UpdateRule::IfNewIsNotNull) => format!("COALESCE(NULLIF({value}, ''), {current})"),
        (_, UpdateRule::IfExistingIsNull) => format!("COALESCE({current}, NULLIF({value}, ''))"),
        // Always (and per-field rules already resolved): an absent value leaves the field alone.
        _ => format!("CASE WHEN {value} IS NULL THEN {current} ELSE NULLIF({value}, '') END"),
    }
}

/// The id of the account of site `site` whose column `by` holds `value` (the lowest id when
/// several do), NULL when none does.
pub(crate) fn account_lookup(by: &str, value: &str, site: &str) -> String {
    format!(
        "(SELECT a.id FROM accounts a WHERE a.site_id = {site} AND a.{by} = NULLIF(trim({value}), '') ORDER BY a.id LIMIT 1)"
    )
}

/// The contacts table column an import column writes, if it writes one.
pub(crate) fn contact_column(target: &ColumnTarget) -> Option<&'static str> {
    match target {
        ColumnTarget::AccountLink(_) => Some("account_id"),
        ColumnTarget::Standard(column) => Some(column),
        ColumnTarget::IsSubscribed => Some("is_subscribed"),
        ColumnTarget::IsBounced => Some("is_bounced"),
        _ => None,
    }
}

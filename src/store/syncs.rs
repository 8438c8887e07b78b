//! Staging, syncs, their logs and rejects, and the engine's side of a sync.

use async_trait::async_trait;

use super::listing::Listing;
use super::{Page, StoreError, StoreResult};
use crate::domain::clock::Timestamp;
use crate::domain::fields::{NoField, SyncField};
use crate::domain::plan::{ApplyPlan, RejectReason};
use crate::domain::query::ListQuery;
use crate::domain::record_type::RecordType;
use crate::domain::sync::{StoredLog, StoredReject, SyncLog, SyncRecord, SyncStatus};
use crate::upload::{DecodeError, Format};

/// One upload to stage as a file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The definition staged to.
    pub definition_id: i64,
    /// JSON or CSV.
    pub format: Format,
    /// The body, already UTF-8.
    pub body: bytes::Bytes,
    /// The definition's identifier column.
    pub column: String,
    /// Files a definition may hold before a sync (Eloqua: 500).
    pub max_files: u32,
    /// Bytes a site may keep staged.
    pub site_quota_bytes: u64,
    /// When set, the upload also creates a pending sync owning the staged files.
    pub trigger: Option<NewSync>,
}

/// A sync to create.
#[derive(Debug, Clone)]
pub struct NewSync {
    /// The record type of the definition (the one its `syncedInstanceUri` names).
    pub record_type: &'static RecordType,
    /// Creator's login name.
    pub created_by: String,
    /// Where to POST the sync when it ends.
    pub callback_url: Option<String>,
}

/// What staging an upload produced.
#[derive(Debug, Clone)]
pub struct Staged {
    /// The new file's id.
    pub file_id: i64,
    /// Rows in it.
    pub rows: u64,
    /// The sync the upload triggered.
    pub sync: Option<SyncRecord>,
}

/// Why an upload was not staged (nothing was written in every case).
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The body is not valid JSON/CSV rows.
    #[error("malformed upload: {0}")]
    Malformed(DecodeError),
    /// The definition already holds the maximum number of files.
    #[error("too many files staged")]
    TooManyFiles,
    /// The site's staging quota would be exceeded.
    #[error("staging quota exceeded")]
    QuotaExceeded,
    /// The store failed (or the definition does not exist: `NotFound`).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a definition holds staged before its next sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagedFiles {
    /// The definition.
    pub definition_id: i64,
    /// Its record type.
    pub record_type: &'static RecordType,
    /// Files not yet owned by a sync.
    pub files: u64,
    /// Rows in those files.
    pub rows: u64,
}

/// A sync the engine has claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncJob {
    /// The sync.
    pub sync_id: i64,
    /// What it syncs.
    pub kind: crate::domain::sync::SyncKind,
    /// Its site.
    pub site_id: i64,
    /// The definition it syncs.
    pub definition_id: i64,
    /// The record type of that definition (the one its `syncedInstanceUri` names).
    pub record_type: &'static RecordType,
    /// Which claim of the sync this is (1 for the first). Every write of the run names it, and
    /// the store refuses it once another claim has taken the sync over (a fencing token).
    pub attempt: i64,
}

/// The record type a definition's stored segment names (contacts for one this build does
/// not know).
pub(crate) fn record_type_or_contacts(segment: &str) -> &'static RecordType {
    RecordType::by_segment(segment).unwrap_or(&crate::domain::record_type::CONTACTS)
}

/// The record type a stored `syncedInstanceUri` names (contacts for one this build cannot
/// read: the metrics label is all that depends on it).
pub(crate) fn job_record_type(synced_instance_uri: &str) -> &'static RecordType {
    RecordType::parse_definition_uri(synced_instance_uri).map_or(
        &crate::domain::record_type::CONTACTS,
        |(record_type, ..)| record_type,
    )
}

/// The name the store gives a write refused because the sync was claimed again meanwhile.
pub const LEASE_LOST: &str = "sync_lease_lost";

/// One staged file of a sync, with where its rows start in the sync's record numbering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncFile {
    /// File id.
    pub file_id: i64,
    /// Rows in the file.
    pub rows: u64,
    /// Rows of the sync's earlier files (record index of row `seq` is `offset + seq + 1`).
    pub offset: u64,
    /// Columns of the file that are not the identifier.
    pub ignored_columns: Vec<String>,
}

/// Rows `from..to` of one staged file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRange {
    /// The file.
    pub file: SyncFile,
    /// First row (0-based).
    pub from: u64,
    /// One past the last row.
    pub to: u64,
}

/// Splits and groups the rows of `files` into batches of at most `batch_rows` rows, in
/// upload order: a big file spans several batches, small files share one.
pub fn batches(files: &[SyncFile], batch_rows: u64) -> Vec<Vec<RowRange>> {
    let batch_rows = batch_rows.max(1);
    let mut groups: Vec<Vec<RowRange>> = Vec::new();
    let mut room = 0;
    for file in files {
        let mut from = 0;
        while from < file.rows {
            if room == 0 {
                groups.push(Vec::new());
                room = batch_rows;
            }
            let to = (from + room).min(file.rows);
            if let Some(group) = groups.last_mut() {
                group.push(RowRange {
                    file: file.clone(),
                    from,
                    to,
                });
            }
            room -= to - from;
            from = to;
        }
    }
    groups
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchCounts {
    /// Matched contacts per planned action.
    pub per_action: Vec<u64>,
    /// Rejects written, by reason.
    pub rejected: Vec<(RejectReason, u64)>,
    /// Email addresses recorded for the first time (email address imports only).
    pub created: u64,
    /// Email addresses recorded before (email address imports only).
    pub updated: u64,
}

/// SQL true when `column`'s text is no email address: rows an email address import rejects
/// (ELQ-00002) rather than records. Deliberately loose, as Eloqua is: something, `@`,
/// something, and no space.
pub(crate) fn invalid_address(column: &str) -> String {
    format!("NOT ({column} LIKE '%_@_%' AND {column} NOT LIKE '% %')")
}

/// What the retention sweeper removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Unsynced files past their retention.
    pub expired_files: u64,
    /// Definitions whose `autoDeleteDuration` elapsed.
    pub deleted_definitions: u64,
}

/// A callback still owed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCallback {
    /// The sync to report.
    pub sync: SyncRecord,
    /// Its site (callbacks in flight are capped per site).
    pub site_id: i64,
    /// Attempts made so far.
    pub attempts: u32,
}

/// Persistence of staging and syncs.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Decodes and stages one upload atomically: all rows or nothing.
    async fn stage_file(&self, site_id: i64, upload: Upload) -> Result<Staged, StageError>;
    /// One sync.
    async fn get_sync(&self, site_id: i64, id: i64) -> StoreResult<SyncRecord>;
    /// A page of syncs.
    async fn list_syncs(
        &self,
        site_id: i64,
        query: &ListQuery<SyncField>,
    ) -> StoreResult<Page<SyncRecord>>;
    /// A page of a sync's log lines, in order.
    async fn sync_logs(
        &self,
        site_id: i64,
        id: i64,
        query: &ListQuery<NoField>,
    ) -> StoreResult<Page<StoredLog>>;
    /// A page of a sync's rejects by record index, with the identifier column they belong to.
    async fn sync_rejects(
        &self,
        site_id: i64,
        id: i64,
        query: &ListQuery<NoField>,
    ) -> StoreResult<(String, Page<StoredReject>)>;
    /// Files and rows staged for each of `definition_ids` and not yet owned by a sync (what
    /// counts toward the 500-file limit), in id order; ids naming no definition of the site
    /// are left out.
    async fn staged_files(
        &self,
        site_id: i64,
        definition_ids: &[i64],
    ) -> StoreResult<Vec<StagedFiles>>;

    /// Puts syncs left active by a stopped process back to pending; returns how many. Only a
    /// store with one node does this at start; a shared store leaves it to claims.
    async fn recover_interrupted(&self) -> StoreResult<u64>;
    /// Claims the oldest claimable sync for `node` until `lease_until`: a pending sync whose
    /// definition has no active or earlier pending sync (pending → active), or an active sync
    /// whose lease expired before `now` (its node stopped or stalled). A shared store also
    /// claims an active sync whose node it knows to be dead, lease or not. Each claim
    /// increments `attempt`.
    async fn claim_sync(
        &self,
        now: Timestamp,
        node: &str,
        lease_until: Timestamp,
    ) -> StoreResult<Option<SyncJob>>;
    /// Extends the lease of a running sync; `false` when the job no longer holds it (or, on a
    /// shared store, the node can no longer vouch for being the one that claimed it).
    async fn renew_lease(&self, job: &SyncJob, lease_until: Timestamp) -> StoreResult<bool>;
    /// Gives a claimed sync back (active → pending) so that it is claimed again, by this node
    /// or another; does nothing when the job no longer holds it.
    async fn release_sync(&self, job: &SyncJob) -> StoreResult<()>;
    /// The writes below fail with `Conflict { constraint: LEASE_LOST }` when `job` no longer
    /// holds its sync.
    ///
    /// Prepares a (re-)run: forgets rejects of an earlier attempt, records the identifier
    /// column, and lists the sync's files in upload order.
    async fn begin_apply(&self, job: &SyncJob, column: &str) -> StoreResult<Vec<SyncFile>>;
    /// Applies the plan to some row ranges (`file`, `seq_from..seq_to`) in one transaction,
    /// so many small files cost one commit.
    async fn apply_batches(
        &self,
        job: &SyncJob,
        plan: &ApplyPlan,
        ranges: &[RowRange],
    ) -> StoreResult<BatchCounts>;
    /// Applies an `updateAll` action to every member of its execution; returns the count.
    async fn apply_update_all(
        &self,
        job: &SyncJob,
        plan: &ApplyPlan,
        action: usize,
    ) -> StoreResult<u64>;
    /// Ends a sync: writes its logs and terminal status together (replacing logs of an earlier
    /// attempt), releases its staged rows, and queues its callback.
    async fn finish_sync(
        &self,
        job: &SyncJob,
        status: SyncStatus,
        logs: Vec<SyncLog>,
        now: Timestamp,
    ) -> StoreResult<SyncRecord>;
    /// Expires unsynced files older than `retention_seconds` and deletes definitions whose
    /// `autoDeleteDuration` has elapsed.
    async fn sweep(&self, now: Timestamp, retention_seconds: u64) -> StoreResult<SweepReport>;
    /// Callbacks due at `now`, oldest first: at most `per_site` of each site, `limit` in all.
    async fn due_callbacks(
        &self,
        now: Timestamp,
        per_site: u32,
        limit: u32,
    ) -> StoreResult<Vec<DueCallback>>;
    /// Takes a callback for delivery if it is still due at `now`: it is not due again before
    /// `until` (a delivery that never records its attempt, because its node stopped, is
    /// retried then). False when it was not due: another delivery took it, or it is done.
    async fn claim_callback(
        &self,
        sync_id: i64,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool>;
    /// Records a callback attempt: `next_at` for a retry, or `None` when done (or given up).
    async fn callback_attempted(&self, sync_id: i64, next_at: Option<Timestamp>)
    -> StoreResult<()>;

    /// How many syncs of every site are in each status (statuses with none are left out): one
    /// grouped count over the status index, read at each metrics scrape so that every node
    /// sharing the store reports the same numbers.
    async fn sync_counts(&self) -> StoreResult<Vec<(SyncStatus, u64)>>;
    /// Rows of every site staged and not yet released (sync-action and import uploads, whether
    /// or not a sync owns them yet): a sum over the staged files, one row per upload.
    async fn staged_rows(&self) -> StoreResult<u64>;
}

/// The columns every backend reads a sync from, in order (`syncs` aliased `s`).
pub(crate) const SYNC_SELECT: &str =
    "SELECT s.id, s.definition_id, s.synced_instance_uri, s.callback_url, s.status,
    s.created_by, s.created_at, s.started_at, s.ended_at, s.kind FROM syncs s";

/// The listing of a site's syncs.
pub(crate) fn sync_listing() -> Listing<'static, SyncField> {
    Listing {
        select: SYNC_SELECT,
        column: sync_column,
        site_column: "s.site_id",
        id_column: "s.id",
        scope: None,
    }
}

/// The column a sync query field reads.
fn sync_column(field: SyncField) -> &'static str {
    match field {
        SyncField::Status => "s.status",
        SyncField::SyncedInstanceUri => "s.synced_instance_uri",
        SyncField::CreatedAt => "s.created_at",
        SyncField::SyncStartedAt => "s.started_at",
        SyncField::SyncEndedAt => "s.ended_at",
        SyncField::CreatedBy => "s.created_by",
        SyncField::Id => "s.id",
    }
}

/// Rows released per statement (per transaction on SQLite) when a sync ends.
pub(crate) const RELEASE_ROWS: i64 = 200_000;

/// File ids grouped so each group holds about [`RELEASE_ROWS`] rows (a bigger file alone):
/// `files` are `(id, rows)` pairs in release order.
pub(crate) fn release_groups(files: &[(i64, i64)]) -> Vec<Vec<i64>> {
    let mut groups: Vec<Vec<i64>> = Vec::new();
    let mut rows = RELEASE_ROWS;
    for (id, count) in files {
        if rows + count > RELEASE_ROWS {
            groups.push(Vec::new());
            rows = 0;
        }
        rows += count;
        if let Some(group) = groups.last_mut() {
            group.push(*id);
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::{SyncFile, batches};

    fn file(file_id: i64, rows: u64) -> SyncFile {
        SyncFile {
            file_id,
            rows,
            offset: 0,
            ignored_columns: Vec::new(),
        }
    }

    #[test]
    fn small_files_share_a_batch_and_big_ones_are_split_in_order() {
        let files = [file(1, 3), file(2, 4), file(3, 10), file(4, 0), file(5, 1)];
        let groups: Vec<Vec<(i64, u64, u64)>> = batches(&files, 5)
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .map(|r| (r.file.file_id, r.from, r.to))
                    .collect()
            })
            .collect();
        assert_eq!(
            groups,
            vec![
                vec![(1, 0, 3), (2, 0, 2)],
                vec![(2, 2, 4), (3, 0, 3)],
                vec![(3, 3, 8)],
                vec![(3, 8, 10), (5, 0, 1)],
            ]
        );
        assert!(batches(&[], 5).is_empty());
    }
}

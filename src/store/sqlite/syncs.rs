//! Syncs, logs and rejects on SQLite, and the [`SyncStore`] implementation (the engine's
//! statements live in `apply.rs`).

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::{SqliteStore, apply, batch, effects, error, staging};
use crate::domain::clock::Timestamp;
use crate::domain::fields::{NoField, SyncField};
use crate::domain::plan::ApplyPlan;
use crate::domain::query::ListQuery;
use crate::domain::sync::{
    Severity, StoredLog, StoredReject, SyncKind, SyncLog, SyncRecord, SyncStatus,
};
use crate::store::SyncStore;
use crate::store::definitions::{claim_files_sql, staged_files};
use crate::store::sql_text::{self, Backend};
use crate::store::syncs::{record_type_or_contacts, release_groups, sync_listing};
use crate::store::{
    BatchCounts, DueCallback, NewSync, Page, RowRange, StageError, Staged, StagedFiles,
    StoreResult, SweepReport, SyncFile, SyncJob, Upload,
};

pub(super) use crate::store::syncs::SYNC_SELECT;

pub(super) fn sync_from(row: &Row<'_>) -> rusqlite::Result<SyncRecord> {
    let status: String = row.get(4)?;
    Ok(SyncRecord {
        id: row.get(0)?,
        definition_id: row.get(1)?,
        synced_instance_uri: row.get(2)?,
        callback_url: row.get(3)?,
        status: SyncStatus::parse(&status).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Text,
                format!("status {status:?}").into(),
            )
        })?,
        created_by: row.get(5)?,
        created_at: Timestamp::from_nanos(row.get(6)?),
        started_at: row.get::<_, Option<i64>>(7)?.map(Timestamp::from_nanos),
        ended_at: row.get::<_, Option<i64>>(8)?.map(Timestamp::from_nanos),
        kind: SyncKind::parse(&row.get::<_, String>(9)?).unwrap_or(SyncKind::SyncAction),
    })
}

pub(super) fn load_sync(conn: &Connection, site_id: i64, id: i64) -> StoreResult<SyncRecord> {
    conn.query_row(
        &format!("{SYNC_SELECT} WHERE s.site_id = ?1 AND s.id = ?2"),
        params![site_id, id],
        sync_from,
    )
    .map_err(error::map)
}

/// Inserts a pending sync that takes ownership of the definition's staged files.
pub(super) fn insert_sync(
    tx: &Transaction<'_>,
    site_id: i64,
    kind: SyncKind,
    definition_id: i64,
    new: &NewSync,
    now: Timestamp,
) -> StoreResult<i64> {
    tx.execute(
        "INSERT INTO syncs (site_id, kind, definition_id, synced_instance_uri, callback_url, status, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7)",
        params![site_id, kind.as_str(), definition_id, new.record_type.definition_uri(kind, definition_id), new.callback_url, new.created_by, now.as_nanos()],
    )?;
    let id = tx.last_insert_rowid();
    if let Some(files) = staged_files(kind) {
        let claim = Backend::Sqlite.placeholders(&claim_files_sql(files));
        tx.execute(&claim, params![id, definition_id])?;
    }
    Ok(id)
}

fn page_of<T>(
    conn: &Connection,
    count_sql: &str,
    rows_sql: &str,
    sync_id: i64,
    query: &ListQuery<NoField>,
    map: impl Fn(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Page<T>> {
    let fetch = i64::from(query.limit) + i64::from(!query.total_results);
    let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare(rows_sql)?;
    let items = stmt
        .query_map(params![sync_id, fetch, offset], map)?
        .collect::<rusqlite::Result<Vec<T>>>()?;
    let total = if query.total_results {
        let total: i64 = conn.query_row(count_sql, [sync_id], |r| r.get(0))?;
        Some(u64::try_from(total).unwrap_or(0))
    } else {
        None
    };
    Ok(Page::assemble(items, query.limit, query.offset, total))
}

#[async_trait::async_trait]
impl SyncStore for SqliteStore {
    async fn stage_file(&self, site_id: i64, upload: Upload) -> Result<Staged, StageError> {
        let now = self.now();
        self.write_with(move |tx| staging::stage(tx, site_id, &upload, now))
            .await
    }

    async fn get_sync(&self, site_id: i64, id: i64) -> StoreResult<SyncRecord> {
        self.read(move |conn| load_sync(conn, site_id, id)).await
    }

    async fn list_syncs(
        &self,
        site_id: i64,
        query: &ListQuery<SyncField>,
    ) -> StoreResult<Page<SyncRecord>> {
        self.list_page(sync_listing(), site_id, query, sync_from)
            .await
    }

    async fn sync_logs(
        &self,
        site_id: i64,
        id: i64,
        query: &ListQuery<NoField>,
    ) -> StoreResult<Page<StoredLog>> {
        let query = query.clone();
        self.read(move |conn| {
            load_sync(conn, site_id, id)?;
            page_of(
                conn,
                "SELECT COUNT(*) FROM sync_logs WHERE sync_id = ?1",
                "SELECT severity, status_code, message, count, created_at FROM sync_logs WHERE sync_id = ?1 ORDER BY seq LIMIT ?2 OFFSET ?3",
                id,
                &query,
                |r| {
                    let severity: String = r.get(0)?;
                    Ok(StoredLog {
                        severity: Severity::parse(&severity).unwrap_or(Severity::Information),
                        status_code: r.get(1)?,
                        message: r.get(2)?,
                        count: u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                        created_at: Timestamp::from_nanos(r.get(4)?),
                    })
                },
            )
        })
        .await
    }

    async fn sync_rejects(
        &self,
        site_id: i64,
        id: i64,
        query: &ListQuery<NoField>,
    ) -> StoreResult<(String, Page<StoredReject>)> {
        let query = query.clone();
        self.read(move |conn| {
            load_sync(conn, site_id, id)?;
            let column: Option<String> = conn.query_row("SELECT field_column FROM syncs WHERE id = ?1", [id], |r| r.get(0))?;
            let page = page_of(
                conn,
                "SELECT COUNT(*) FROM sync_rejects WHERE sync_id = ?1",
                "SELECT record_index, status_code, value, field_values, invalid_fields FROM sync_rejects WHERE sync_id = ?1 ORDER BY record_index LIMIT ?2 OFFSET ?3",
                id,
                &query,
                |r| {
                    Ok(StoredReject {
                        record_index: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        status_code: r.get(1)?,
                        value: r.get(2)?,
                        field_values: r.get(3)?,
                        invalid_fields: r.get(4)?,
                    })
                },
            )?;
            Ok((column.unwrap_or_default(), page))
        })
        .await
    }

    async fn staged_files(
        &self,
        site_id: i64,
        definition_ids: &[i64],
    ) -> StoreResult<Vec<StagedFiles>> {
        let mut ids = definition_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        self.read(move |conn| {
            let mut query = conn.prepare_cached(
                "SELECT d.record_type, COUNT(f.id), COALESCE(SUM(f.row_count), 0)
                 FROM sync_action_definitions d
                 LEFT JOIN staged_files f ON f.definition_id = d.id AND f.sync_id IS NULL
                 WHERE d.site_id = ?1 AND d.id = ?2 GROUP BY d.id",
            )?;
            let mut found = Vec::with_capacity(ids.len());
            for definition_id in ids {
                let row = query
                    .query_row(params![site_id, definition_id], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, i64>(2)?,
                        ))
                    })
                    .optional()?;
                if let Some((segment, files, rows)) = row {
                    let count = |n: i64| u64::try_from(n).unwrap_or(0);
                    found.push(StagedFiles {
                        definition_id,
                        record_type: record_type_or_contacts(&segment),
                        files: count(files),
                        rows: count(rows),
                    });
                }
            }
            Ok(found)
        })
        .await
    }

    async fn recover_interrupted(&self) -> StoreResult<u64> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE syncs SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL
                     WHERE status = 'active'",
                [],
            )?;
            Ok(n as u64)
        })
        .await
    }

    async fn claim_sync(
        &self,
        now: Timestamp,
        node: &str,
        lease_until: Timestamp,
    ) -> StoreResult<Option<SyncJob>> {
        let node = node.to_owned();
        self.write(move |tx| apply::claim(tx, now, &node, lease_until))
            .await
    }

    async fn renew_lease(&self, job: &SyncJob, lease_until: Timestamp) -> StoreResult<bool> {
        let job = job.clone();
        self.write(move |tx| apply::renew(tx, &job, lease_until))
            .await
    }

    async fn release_sync(&self, job: &SyncJob) -> StoreResult<()> {
        let job = job.clone();
        self.write(move |tx| apply::release(tx, &job)).await
    }

    async fn begin_apply(&self, job: &SyncJob, column: &str) -> StoreResult<Vec<SyncFile>> {
        let (job, column) = (job.clone(), column.to_owned());
        self.write(move |tx| apply::begin(tx, &job, &column)).await
    }

    async fn apply_batches(
        &self,
        job: &SyncJob,
        plan: &ApplyPlan,
        ranges: &[RowRange],
    ) -> StoreResult<BatchCounts> {
        let (job, plan, ranges, now) = (job.clone(), plan.clone(), ranges.to_vec(), self.now());
        self.write(move |tx| {
            apply::hold(tx, &job)?;
            let mut total = BatchCounts {
                per_action: vec![0; plan.actions.len()],
                rejected: Vec::new(),
                created: 0,
                updated: 0,
            };
            for range in &ranges {
                let counts =
                    batch::batch(tx, &job, &plan, &range.file, (range.from, range.to), now)?;
                for (sum, count) in total.per_action.iter_mut().zip(&counts.per_action) {
                    *sum += count;
                }
                total.rejected.extend(counts.rejected);
                total.created += counts.created;
                total.updated += counts.updated;
            }
            Ok(total)
        })
        .await
    }

    async fn apply_update_all(
        &self,
        job: &SyncJob,
        plan: &ApplyPlan,
        action: usize,
    ) -> StoreResult<u64> {
        let (job, plan, now) = (job.clone(), plan.clone(), self.now());
        self.write(move |tx| {
            apply::hold(tx, &job)?;
            effects::update_all(tx, &job, &plan, action, now)
        })
        .await
    }

    async fn finish_sync(
        &self,
        job: &SyncJob,
        status: SyncStatus,
        logs: Vec<SyncLog>,
        now: Timestamp,
    ) -> StoreResult<SyncRecord> {
        let (sync_id, held) = (job.sync_id, job.clone());
        let sync = self
            .write(move |tx| apply::finish(tx, &held, status, &logs, now))
            .await?;
        // Staged rows are released after the terminal commit, a bounded number of rows per
        // transaction, so the writer is never held for long (nor queued for once per file);
        // the sweeper finishes the job if the process stops here.
        for table in ["staged_files", "import_files"] {
            let files: Vec<(i64, i64)> = self
                .read(move |conn| {
                    let sql =
                        format!("SELECT id, row_count FROM {table} WHERE sync_id = ?1 ORDER BY id");
                    let mut stmt = conn.prepare(&sql)?;
                    let rows = stmt.query_map([sync_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    rows.collect::<rusqlite::Result<_>>().map_err(error::map)
                })
                .await?;
            for group in release_groups(&files) {
                self.write(move |tx| {
                    let mut delete =
                        tx.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?;
                    for id in &group {
                        delete.execute([id])?;
                    }
                    Ok(())
                })
                .await?;
            }
        }
        Ok(sync)
    }

    async fn sweep(&self, now: Timestamp, retention_seconds: u64) -> StoreResult<SweepReport> {
        self.write(move |tx| apply::sweep(tx, now, retention_seconds))
            .await
    }

    async fn due_callbacks(
        &self,
        now: Timestamp,
        per_site: u32,
        limit: u32,
    ) -> StoreResult<Vec<DueCallback>> {
        self.read(move |conn| {
            let sql = sql_text::due_callbacks(SYNC_SELECT, '?');
            let mut stmt = conn.prepare_cached(&sql)?;
            let due = stmt
                .query_map(params![now.as_nanos(), limit, per_site], |r| {
                    let attempts: i64 = r.get(10)?;
                    Ok(DueCallback {
                        sync: sync_from(r)?,
                        site_id: r.get(11)?,
                        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(due)
        })
        .await
    }

    async fn claim_callback(
        &self,
        sync_id: i64,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool> {
        self.write(move |tx| {
            let claimed = tx.execute(
                &sql_text::claim_callback('?'),
                params![sync_id, now.as_nanos(), until.as_nanos()],
            )?;
            Ok(claimed == 1)
        })
        .await
    }

    async fn callback_attempted(
        &self,
        sync_id: i64,
        next_at: Option<Timestamp>,
    ) -> StoreResult<()> {
        self.write(move |tx| {
            match next_at {
                Some(at) => tx.execute(
                    "UPDATE sync_callbacks SET attempts = attempts + 1, next_at = ?2 WHERE sync_id = ?1",
                    params![sync_id, at.as_nanos()],
                ),
                None => tx.execute("DELETE FROM sync_callbacks WHERE sync_id = ?1", [sync_id]),
            }?;
            Ok(())
        })
        .await
    }

    async fn sync_counts(&self) -> StoreResult<Vec<(SyncStatus, u64)>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare_cached("SELECT status, COUNT(*) FROM syncs GROUP BY status")?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows
                .into_iter()
                .filter_map(|(status, n)| {
                    Some((SyncStatus::parse(&status)?, u64::try_from(n).unwrap_or(0)))
                })
                .collect())
        })
        .await
    }

    async fn staged_rows(&self) -> StoreResult<u64> {
        self.read(|conn| {
            let rows: i64 = conn.query_row(
                "SELECT (SELECT COALESCE(SUM(row_count), 0) FROM staged_files)
                          + (SELECT COALESCE(SUM(row_count), 0) FROM import_files)",
                [],
                |r| r.get(0),
            )?;
            Ok(u64::try_from(rows).unwrap_or(0))
        })
        .await
    }
}

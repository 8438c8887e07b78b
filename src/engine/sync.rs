//! Running one claimed sync: load the definition, apply its plan to every staged row in
//! batches, then write logs and the terminal status together.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::{Engine, Outcome};
use crate::domain::plan::{ApplyPlan, Tally};
use crate::store::{StoreError, SyncActions, SyncJob, batches, definitions};

/// Applies `job`; returns `Interrupted` if shutdown came between two batches.
pub(super) async fn process(
    engine: &Engine,
    job: &SyncJob,
    shutdown: &CancellationToken,
) -> Result<Outcome, StoreError> {
    let started = Instant::now();
    let store = &engine.store;
    let found = definitions::<SyncActions>(&**store)
        .get_definition(job.site_id, job.definition_id)
        .await;
    let Some(record) = engine.definition_of(job, started, found).await? else {
        return Ok(Outcome::Worked);
    };
    let plan = ApplyPlan::of(&record.definition);
    let files = store
        .begin_apply(job, &record.definition.field_column)
        .await?;
    let mut tally = Tally {
        per_action: vec![0; plan.actions.len()],
        ..Tally::default()
    };
    for file in &files {
        tally.rows += file.rows;
        tally
            .ignored_columns
            .extend(file.ignored_columns.iter().cloned());
    }
    for group in batches(&files, engine.settings.batch_rows) {
        if shutdown.is_cancelled() {
            tracing::info!(
                sync_id = job.sync_id,
                "stopping between batches; the sync resumes on restart"
            );
            return Ok(Outcome::Interrupted);
        }
        let counts = store.apply_batches(job, &plan, &group).await?;
        for (total, count) in tally.per_action.iter_mut().zip(&counts.per_action) {
            *total += count;
        }
        tally.created += counts.created;
        tally.updated += counts.updated;
        for (reason, count) in counts.rejected {
            tally.reject(reason, count);
        }
    }
    for (index, action) in plan.actions.iter().enumerate() {
        if action.update_all {
            tally.per_action[index] = store.apply_update_all(job, &plan, index).await?;
        }
    }
    let status = tally.outcome();
    let logs = tally.logs(job.sync_id, &plan);
    store
        .finish_sync(job, status, logs, engine.clock.now())
        .await?;
    engine.finished(job, status, started, tally.rows);
    tracing::info!(sync_id = job.sync_id, rows = tally.rows, rejected = tally.total_rejected(), status = %status, "sync finished");
    Ok(Outcome::Worked)
}

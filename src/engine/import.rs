//! Running one claimed import sync: apply the import plan to every staged row in batches,
//! then write logs and the terminal status together.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::{Engine, Outcome};
use crate::domain::import_plan::{ImportPlan, ImportTally};
use crate::domain::record_type::CONTACTS;
use crate::store::{Imports, StoreError, SyncJob, definitions};

/// Sync batches per import transaction. New contacts' addresses land all over the email
/// index, so every commit writes most of its pages again whatever the batch's size: fewer,
/// larger transactions write each page fewer times (the cost is a longer wait for uploads
/// queued behind one).
const IMPORT_BATCHES: u64 = 4;

/// Applies the import sync `job`; `Interrupted` if shutdown came between two batches.
pub(super) async fn process(
    engine: &Engine,
    job: &SyncJob,
    shutdown: &CancellationToken,
) -> Result<Outcome, StoreError> {
    let started = Instant::now();
    let store = &engine.store;
    let found = definitions::<Imports>(&**store)
        .get_definition(job.site_id, job.definition_id)
        .await;
    let Some(record) = engine.definition_of(job, started, found).await? else {
        return Ok(Outcome::Worked);
    };
    let custom = store.list_custom_fields(job.site_id, &CONTACTS).await?;
    let plan = ImportPlan::of(&record.definition, &custom);
    let files = store.begin_import(job).await?;
    let mut tally = ImportTally {
        per_action: vec![0; plan.actions.len()],
        ..ImportTally::default()
    };
    for file in &files {
        tally.rows += file.rows;
        tally
            .ignored_columns
            .extend(file.ignored_columns.iter().cloned());
        let mut from = 0;
        while from < file.rows {
            if shutdown.is_cancelled() {
                return Ok(Outcome::Interrupted);
            }
            let to = (from + engine.settings.batch_rows * IMPORT_BATCHES).min(file.rows);
            let counts = store.apply_import_batch(job, &plan, file, from, to).await?;
            tally.created += counts.created;
            tally.updated += counts.updated;
            for (total, count) in tally.per_action.iter_mut().zip(&counts.per_action) {
                *total += count;
            }
            for (reason, count) in counts.rejected {
                tally.reject(reason, count);
            }
            from = to;
        }
    }
    let status = tally.outcome();
    store
        .finish_sync(
            job,
            status,
            tally.logs(job.sync_id, &plan),
            engine.clock.now(),
        )
        .await?;
    engine.finished(job, status, started, tally.rows);
    tracing::info!(sync_id = job.sync_id, rows = tally.rows, created = tally.created, updated = tally.updated, status = %status, "import finished");
    Ok(Outcome::Worked)
}

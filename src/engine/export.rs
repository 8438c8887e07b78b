//! Running one claimed export sync: snapshot the matching contacts batch by batch, then log
//! ELQ-00102 and end in success.

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::{Engine, Outcome};
use crate::domain::elq;
use crate::domain::plan::final_line;
use crate::domain::sync::{Severity, SyncLog, SyncStatus};
use crate::store::{Exports, StoreError, SyncJob, definitions};

/// Exports for `job`; `Interrupted` if shutdown came between two batches.
pub(super) async fn process(
    engine: &Engine,
    job: &SyncJob,
    shutdown: &CancellationToken,
) -> Result<Outcome, StoreError> {
    let started = Instant::now();
    let store = &engine.store;
    let found = definitions::<Exports>(&**store)
        .get_definition(job.site_id, job.definition_id)
        .await;
    let Some(record) = engine.definition_of(job, started, found).await? else {
        return Ok(Outcome::Worked);
    };
    let definition = record.definition;
    store
        .begin_export(
            job,
            &definition,
            definition.data_retention_duration.seconds(),
        )
        .await?;
    let max = definition.row_limit();
    let (mut exported, mut after) = (0u64, 0i64);
    while exported < max {
        if shutdown.is_cancelled() {
            return Ok(Outcome::Interrupted);
        }
        let limit = engine.settings.batch_rows.min(max - exported);
        let (added, last) = match store.export_batch(job, &definition, after, limit).await {
            Ok(batch) => batch,
            Err(StoreError::Conflict { .. }) => {
                let message = elq::EXPORT_FAILED.message.to_owned();
                let logs = vec![
                    SyncLog {
                        severity: Severity::Error,
                        status_code: elq::EXPORT_FAILED.code,
                        message,
                        count: 0,
                    },
                    final_line(job.sync_id, SyncStatus::Error),
                ];
                store
                    .finish_sync(job, SyncStatus::Error, logs, engine.clock.now())
                    .await?;
                engine.finished(job, SyncStatus::Error, started, exported);
                return Ok(Outcome::Worked);
            }
            Err(other) => return Err(other),
        };
        exported += added;
        after = last;
        if added < limit {
            break;
        }
    }
    let logs = vec![
        SyncLog {
            severity: Severity::Information,
            status_code: elq::EXPORTED.code,
            message: elq::EXPORTED.message.into(),
            count: exported,
        },
        final_line(job.sync_id, SyncStatus::Success),
    ];
    store
        .finish_sync(job, SyncStatus::Success, logs, engine.clock.now())
        .await?;
    engine.finished(job, SyncStatus::Success, started, exported);
    tracing::info!(sync_id = job.sync_id, rows = exported, "export finished");
    Ok(Outcome::Worked)
}

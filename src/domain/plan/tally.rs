//! What a sync did, added up over its batches, and the log it ends with: one tally for sync
//! action syncs and import syncs, which log the same lines but for their own reasons and counts.

use std::collections::BTreeSet;

use super::PlannedAction;
use crate::domain::elq::{self, Code};
use crate::domain::sync::{Severity, SyncLog, SyncStatus};

/// What a sync did, added up over its batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tallied<R> {
    /// Rows staged for the sync.
    pub rows: u64,
    /// Columns uploaded but not in the definition.
    pub ignored_columns: BTreeSet<String>,
    /// Contacts created (imports), or email addresses recorded for the first time (email
    /// address imports).
    pub created: u64,
    /// Contacts updated (imports), or email addresses recorded before (email address imports).
    pub updated: u64,
    /// Matched contacts per action (same order as the plan).
    pub per_action: Vec<u64>,
    /// Rejects per reason, each reason once.
    pub rejected: Vec<(R, u64)>,
}

impl<R> Default for Tallied<R> {
    fn default() -> Self {
        Self {
            rows: 0,
            ignored_columns: BTreeSet::new(),
            created: 0,
            updated: 0,
            per_action: Vec::new(),
            rejected: Vec::new(),
        }
    }
}

/// How a kind of sync logs its tally.
pub(crate) struct LogShape<'p, R> {
    /// The first line's code, counting the rows staged.
    pub staged: Code,
    /// Whether the sync logs ELQ-00124 instead of its work when no rows were staged.
    pub needs_rows: bool,
    /// Counts logged before the actions' (an import's contacts created and updated).
    pub counts: &'p [(Code, u64)],
    /// The actions, whose counts follow.
    pub actions: &'p [PlannedAction],
    /// Every reject reason, in log order.
    pub reasons: &'p [R],
    /// The code written on a reject for each reason.
    pub code: &'p dyn Fn(R) -> Code,
}

impl<R: Copy + PartialEq> Tallied<R> {
    /// Adds `count` rejects for `reason`.
    pub fn reject(&mut self, reason: R, count: u64) {
        match self.rejected.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, total)) => *total += count,
            None => self.rejected.push((reason, count)),
        }
    }

    /// All rejects.
    pub fn total_rejected(&self) -> u64 {
        self.rejected.iter().map(|(_, count)| count).sum()
    }

    /// The outcome: `warning` when anything was rejected, `success` otherwise.
    pub fn outcome(&self) -> SyncStatus {
        if self.total_rejected() > 0 {
            SyncStatus::Warning
        } else {
            SyncStatus::Success
        }
    }

    /// The log of a sync that ran, ending with ELQ-00101.
    pub(crate) fn log(&self, sync_id: i64, shape: &LogShape<'_, R>) -> Vec<SyncLog> {
        let line = |severity, code: Code, message: String, count| SyncLog {
            severity,
            status_code: code.code,
            message,
            count,
        };
        let info =
            |code: Code, count| line(Severity::Information, code, code.message.into(), count);
        let mut logs = vec![info(shape.staged, self.rows)];
        for (message, count) in elq::ignored_fields(&self.ignored_columns) {
            logs.push(line(Severity::Warning, elq::FIELD_IGNORED, message, count));
        }
        if self.rows == 0 && shape.needs_rows {
            logs.push(info(elq::NO_DATA, 0));
        } else {
            logs.extend(shape.counts.iter().map(|(code, count)| info(*code, *count)));
            for (action, count) in shape.actions.iter().zip(&self.per_action) {
                let message = action.message.clone();
                logs.push(line(Severity::Information, action.code, message, *count));
            }
        }
        for reason in shape.reasons {
            let count = self.rejected.iter().find(|(r, _)| r == reason);
            if let Some((_, count @ 1..)) = count {
                let code = log_code((shape.code)(*reason));
                logs.push(line(Severity::Warning, code, code.message.into(), *count));
            }
        }
        if self.total_rejected() > 0 {
            let code = elq::TOTAL_REJECTED;
            let total = self.total_rejected();
            logs.push(line(Severity::Warning, code, code.message.into(), total));
        }
        logs.push(final_line(sync_id, self.outcome()));
        logs
    }
}

/// The code of the log line counting rejects written with `code`: rows matching no contact
/// are counted under ELQ-00034, every other reason under its own code.
fn log_code(code: Code) -> Code {
    if code.code == elq::CONTACT_DOES_NOT_EXIST.code {
        elq::UNMATCHED
    } else {
        code
    }
}

/// ELQ-00101 for `status`.
pub fn final_line(sync_id: i64, status: SyncStatus) -> SyncLog {
    SyncLog {
        severity: Severity::Information,
        status_code: elq::SYNC_PROCESSED.code,
        message: elq::SYNC_PROCESSED
            .fill(&[("syncId", &sync_id.to_string()), ("status", status.title())]),
        count: 0,
    }
}

//! Syncs: the status machine (`pending → active → success | warning | error`) and the records
//! a sync leaves behind (logs and rejects).

use std::fmt;

use super::clock::Timestamp;

/// Where a sync is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncStatus {
    /// Queued.
    Pending,
    /// Being processed.
    Active,
    /// Done without problems.
    Success,
    /// Done, but some records were rejected (details in logs and rejects).
    Warning,
    /// Could not run (details in logs). Oracle's API spells it `error`, not `errored`.
    Error,
}

impl SyncStatus {
    /// Every status.
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Active,
        Self::Success,
        Self::Warning,
        Self::Error,
    ];

    /// The wire and stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Success => "success",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    /// Parses the wire spelling (exact, lowercase).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the sync has finished.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Success | Self::Warning | Self::Error)
    }

    /// Whether a sync may move from `self` to `next`. A terminal sync never changes; an active
    /// sync may go back to pending only when its worker died and it is being recovered.
    pub fn can_become(self, next: Self) -> bool {
        matches!(
            (self, next),
            (Self::Pending, Self::Active)
                | (Self::Active, Self::Pending)
                | (Self::Pending | Self::Active, Self::Error)
                | (Self::Active, Self::Success | Self::Warning)
        )
    }

    /// `Success`, `Warning`, `Error`: the capitalised form ELQ-00101's message uses.
    pub fn title(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Active => "Active",
            Self::Success => "Success",
            Self::Warning => "Warning",
            Self::Error => "Error",
        }
    }
}

impl fmt::Display for SyncStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of definition a sync syncs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncKind {
    /// `/contacts/syncActions/{id}`, `/accounts/syncActions/{id}`, …
    SyncAction,
    /// `/contacts/imports/{id}`, …
    Import,
    /// `/contacts/exports/{id}`, …
    Export,
}

impl SyncKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::SyncAction, Self::Import, Self::Export];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SyncAction => "syncAction",
            Self::Import => "import",
            Self::Export => "export",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The `syncProductType` Eloqua names this kind by in its logs.
    pub fn product(self) -> &'static str {
        match self {
            Self::SyncAction => "SyncAction",
            Self::Import => "Import",
            Self::Export => "Export",
        }
    }

    /// The definition collection's segment after its record type's (`/contacts/imports`).
    pub fn segment(self) -> &'static str {
        match self {
            Self::SyncAction => "syncActions",
            Self::Import => "imports",
            Self::Export => "exports",
        }
    }
}

/// A sync as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRecord {
    /// Store id (`/syncs/{id}`).
    pub id: i64,
    /// What kind of definition it syncs.
    pub kind: SyncKind,
    /// The definition it syncs.
    pub definition_id: i64,
    /// `/contacts/syncActions/{id}`.
    pub synced_instance_uri: String,
    /// Where to POST the sync when it ends.
    pub callback_url: Option<String>,
    /// Life-cycle position.
    pub status: SyncStatus,
    /// Creator's login name.
    pub created_by: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// When processing started.
    pub started_at: Option<Timestamp>,
    /// When it reached a terminal status.
    pub ended_at: Option<Timestamp>,
}

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `information`
    Information,
    /// `warning`
    Warning,
    /// `error`
    Error,
}

impl Severity {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Information => "information",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }

    /// Parses the wire spelling.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Information, Self::Warning, Self::Error]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// One line of a sync's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncLog {
    /// How bad it is.
    pub severity: Severity,
    /// `ELQ-nnnnn`.
    pub status_code: &'static str,
    /// Human text with placeholders filled in.
    pub message: String,
    /// Records the line refers to (0 for informational lines).
    pub count: u64,
}

/// A stored log line as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLog {
    /// The line.
    pub severity: Severity,
    /// `ELQ-nnnnn`.
    pub status_code: String,
    /// Human text.
    pub message: String,
    /// Records the line refers to.
    pub count: u64,
    /// When it was written.
    pub created_at: Timestamp,
}

/// A rejected row as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReject {
    /// 1-based position across the sync's files in upload order.
    pub record_index: u64,
    /// `ELQ-nnnnn`.
    pub status_code: String,
    /// The identifier column's value as uploaded (`None` when the row lacked it).
    pub value: Option<String>,
    /// The whole row as a JSON object, for imports.
    pub field_values: Option<String>,
    /// The columns at fault as a JSON array, for imports.
    pub invalid_fields: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::SyncStatus::{self, *};

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        let allowed = [
            (Pending, Active),
            (Active, Pending),
            (Pending, Error),
            (Active, Error),
            (Active, Success),
            (Active, Warning),
        ];
        for from in SyncStatus::ALL {
            for to in SyncStatus::ALL {
                assert_eq!(
                    from.can_become(to),
                    allowed.contains(&(from, to)),
                    "{from} → {to}"
                );
            }
        }
    }

    #[test]
    fn names_each_kind_as_eloqua_logs_it() {
        use super::SyncKind;
        let products = SyncKind::ALL.map(SyncKind::product);
        assert_eq!(products, ["SyncAction", "Import", "Export"]);
    }

    #[test]
    fn spells_error_not_errored() {
        assert_eq!(Error.as_str(), "error");
        assert_eq!(SyncStatus::parse("errored"), None);
        assert!(Success.is_terminal() && !Active.is_terminal());
    }
}

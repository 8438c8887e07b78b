//! AppCloud service instances (action, decision, feeder) and their executions: what
//! `{{ActionInstance(…).Execution[…]}}` and friends point at.

use super::clock::Timestamp;
use super::markup::InstanceId;

/// The three kinds of AppCloud service a sync action can report to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstanceKind {
    /// An action service (`ActionInstance`).
    Action,
    /// A decision service (`DecisionInstance`).
    Decision,
    /// A feeder service (`FeederInstance`).
    Feeder,
}

impl InstanceKind {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Action => "action",
            Self::Decision => "decision",
            Self::Feeder => "feeder",
        }
    }

    /// Parses the wire spelling (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "action" => Some(Self::Action),
            "decision" => Some(Self::Decision),
            "feeder" => Some(Self::Feeder),
            _ => None,
        }
    }
}

/// One service instance placed on a canvas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceInstance {
    /// The GUID, 32 lowercase hex digits.
    pub instance: InstanceId,
    /// Action, decision or feeder.
    pub kind: InstanceKind,
    /// Optional label.
    pub name: Option<String>,
    /// Creator's login name.
    pub created_by: String,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A batch of contacts handed to an action or decision instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    /// Store id (`Execution[id]`).
    pub id: i64,
    /// The instance it belongs to.
    pub instance: InstanceId,
    /// Number of member records.
    pub member_count: i64,
    /// Creator's login name.
    pub created_by: String,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A contact in an execution (or a feeder instance) and its status there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The contact.
    pub contact_id: i64,
    /// Its status: `pending`, `active`, `complete`, `errored`, `yes`, `no`.
    pub status: String,
    /// Last change.
    pub updated_at: Timestamp,
}

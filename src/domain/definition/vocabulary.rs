//! The wire words of a sync action: action kinds and member statuses.

use std::fmt;
use std::str::FromStr;

/// A wire word (action or status) that is not one of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not a known {kind}")]
pub struct UnknownValue {
    /// What was being parsed, e.g. `"action"`.
    pub kind: &'static str,
    /// The text that did not match.
    pub value: String,
}

/// What a sync action does to its destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// `add`: put the contact on a contact list.
    Add,
    /// `remove`: take the contact off a contact list.
    Remove,
    /// `setStatus`: set a subscription or AppCloud member status.
    SetStatus,
}

impl ActionKind {
    /// Every action, in the order messages list them.
    pub const ALL: [ActionKind; 3] = [Self::Add, Self::Remove, Self::SetStatus];

    /// The wire name, exactly as Eloqua spells it (`setStatus` is camelCase).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
            Self::SetStatus => "setStatus",
        }
    }
}

/// A status a contact sync action can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberStatus {
    /// `subscribed` (email group or global subscription).
    Subscribed,
    /// `unsubscribed` (email group or global subscription).
    Unsubscribed,
    /// `active` (AppCloud action step).
    Active,
    /// `complete` (AppCloud action or feeder step).
    Complete,
    /// `errored` (AppCloud action or decision step).
    Errored,
    /// `yes` (AppCloud decision).
    Yes,
    /// `no` (AppCloud decision).
    No,
    /// `bounced` (an email address's bounceback, email address imports only).
    Bounced,
}

impl MemberStatus {
    /// Every status, in the order messages list them.
    pub const ALL: [MemberStatus; 8] = [
        Self::Subscribed,
        Self::Unsubscribed,
        Self::Active,
        Self::Complete,
        Self::Errored,
        Self::Yes,
        Self::No,
        Self::Bounced,
    ];

    /// Statuses in Eloqua's enum that no sync action may set (spec §5.5).
    pub const REFUSED: [&'static str; 3] = ["pending", "invalid", "permission"];

    /// The lowercase wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subscribed => "subscribed",
            Self::Unsubscribed => "unsubscribed",
            Self::Active => "active",
            Self::Complete => "complete",
            Self::Errored => "errored",
            Self::Yes => "yes",
            Self::No => "no",
            Self::Bounced => "bounced",
        }
    }
}

/// `FromStr` and `Display` for a wire word type with `ALL` and `as_str`: parsing matches the
/// wire name exactly (Eloqua's enums are case-sensitive), printing writes it.
macro_rules! wire_words {
    ($type:ty, $kind:literal) => {
        impl FromStr for $type {
            type Err = UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|word| word.as_str() == s)
                    .ok_or_else(|| UnknownValue {
                        kind: $kind,
                        value: s.to_owned(),
                    })
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_words!(ActionKind, "action");
wire_words!(MemberStatus, "status");

/// Joins wire words as "a, b or c" for messages.
pub(super) fn one_of(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

//! Contact lists and email groups: the containers list and subscription actions name.

use super::clock::Timestamp;

/// Who made or last changed a record, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// Login name of the creator.
    pub created_by: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Login name of the last editor.
    pub updated_by: String,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A contact list (`{{ContactList[id]}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactList {
    /// Store id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// `local` or `global`, as Eloqua's REST API reports it.
    pub scope: String,
    /// Current number of members.
    pub count: i64,
    /// Creation and change.
    pub audit: Audit,
}

/// Writable properties of a contact list, with membership changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactListInput {
    /// Name (required).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// `local` (default) or `global`.
    pub scope: Option<String>,
    /// Contact ids to add.
    pub membership_additions: Vec<i64>,
    /// Contact ids to remove.
    pub membership_deletions: Vec<i64>,
}

/// An email group (`{{EmailGroup[id]}}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailGroup {
    /// Store id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Name shown on subscription pages.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Shown on the public subscription list.
    pub is_visible_in_public_subscription_list: bool,
    /// Creation and change.
    pub audit: Audit,
}

/// Writable properties of an email group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailGroupInput {
    /// Name (required).
    pub name: String,
    /// Name shown on subscription pages.
    pub display_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Shown on the public subscription list.
    pub is_visible_in_public_subscription_list: bool,
}

/// A contact's subscription to one email group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The contact.
    pub contact_id: i64,
    /// The group.
    pub group_id: i64,
    /// Subscribed (true), unsubscribed (false); contacts never set count as subscribed.
    pub is_subscribed: bool,
}

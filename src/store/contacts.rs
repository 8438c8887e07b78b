//! Contacts, contact lists, email groups and AppCloud instances: the records and containers
//! sync actions point at.

use async_trait::async_trait;

use super::listing::Listing;
use super::{Page, StoreResult};
use crate::domain::appcloud::{Execution, InstanceKind, Member, ServiceInstance};
use crate::domain::asset::{
    ContactList, ContactListInput, EmailGroup, EmailGroupInput, Subscription,
};
use crate::domain::contact::{Contact, ContactInput};
use crate::domain::fields::ContainerField;
use crate::domain::markup::InstanceId;
use crate::domain::query::ListQuery;
use crate::domain::record_type::{ACCOUNTS, RecordType};

/// A search of contacts as Eloqua's REST API pages it (`page` from 1, `count` per page).
#[derive(Debug, Clone, Default)]
pub struct ContactSearch {
    /// Email address pattern, `*` as wildcard, compared without regard to case.
    pub email: Option<String>,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub count: u64,
}

/// Persistence of contacts.
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Creates a contact.
    ///
    /// # Errors
    /// `Conflict { constraint: "contacts_email" }` when the site has that address (any case).
    async fn create_contact(&self, site_id: i64, input: ContactInput) -> StoreResult<Contact>;
    /// One contact.
    async fn get_contact(&self, site_id: i64, id: i64) -> StoreResult<Contact>;
    /// Replaces a contact's writable properties.
    async fn update_contact(
        &self,
        site_id: i64,
        id: i64,
        input: ContactInput,
    ) -> StoreResult<Contact>;
    /// Deletes a contact with its memberships and subscriptions.
    async fn delete_contact(&self, site_id: i64, id: i64) -> StoreResult<()>;
    /// A page of contacts by id, with the total number of matches.
    async fn search_contacts(
        &self,
        site_id: i64,
        search: ContactSearch,
    ) -> StoreResult<(Vec<Contact>, u64)>;
}

/// Set subscriptions of one email group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionCounts {
    /// The group.
    pub group_id: i64,
    /// Contacts set to subscribed.
    pub subscribed: u64,
    /// Contacts set to unsubscribed.
    pub unsubscribed: u64,
}

/// Persistence of contact lists, email groups and subscriptions.
#[async_trait]
pub trait AssetStore: Send + Sync {
    /// Creates a contact list (with any initial members).
    ///
    /// # Errors
    /// `NotFound` when an added contact is not the site's.
    async fn create_list(
        &self,
        site_id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList>;
    /// One contact list.
    async fn get_list(&self, site_id: i64, id: i64) -> StoreResult<ContactList>;
    /// Renames a list and applies membership additions and deletions.
    async fn update_list(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList>;
    /// Ids of the list's members, ascending, from `after` on.
    async fn list_members(
        &self,
        site_id: i64,
        id: i64,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<i64>>;
    /// Creates an email group.
    async fn create_group(
        &self,
        site_id: i64,
        by: &str,
        input: EmailGroupInput,
    ) -> StoreResult<EmailGroup>;
    /// One email group.
    async fn get_group(&self, site_id: i64, id: i64) -> StoreResult<EmailGroup>;
    /// Replaces an email group's writable properties.
    async fn update_group(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        input: EmailGroupInput,
    ) -> StoreResult<EmailGroup>;
    /// How many contacts' subscriptions to each of `group_ids` were set to subscribed and to
    /// unsubscribed (contacts never set, who read as subscribed, are not counted), in id
    /// order; ids naming no group of the site are left out.
    async fn subscription_counts(
        &self,
        site_id: i64,
        group_ids: &[i64],
    ) -> StoreResult<Vec<SubscriptionCounts>>;
    /// A contact's subscription to a group (subscribed unless set otherwise).
    async fn get_subscription(
        &self,
        site_id: i64,
        contact_id: i64,
        group_id: i64,
    ) -> StoreResult<Subscription>;
    /// Sets a contact's subscription to a group.
    async fn set_subscription(
        &self,
        site_id: i64,
        contact_id: i64,
        group_id: i64,
        subscribed: bool,
    ) -> StoreResult<Subscription>;
}

/// Deleting and listing contact lists and email groups: the same calls on every backend,
/// generated for each by `store::asset_methods::asset_listings`.
#[async_trait]
pub trait AssetListings: Send + Sync {
    /// Deletes a list.
    async fn delete_list(&self, site_id: i64, id: i64) -> StoreResult<()>;
    /// A page of lists.
    async fn list_lists(
        &self,
        site_id: i64,
        query: &ListQuery<ContainerField>,
    ) -> StoreResult<Page<ContactList>>;
    /// Deletes an email group.
    async fn delete_group(&self, site_id: i64, id: i64) -> StoreResult<()>;
    /// A page of email groups.
    async fn list_groups(
        &self,
        site_id: i64,
        query: &ListQuery<ContainerField>,
    ) -> StoreResult<Page<EmailGroup>>;
}

/// Persistence of AppCloud service instances, executions and their members.
#[async_trait]
pub trait AppCloudStore: Send + Sync {
    /// Registers a service instance.
    ///
    /// # Errors
    /// `Conflict { constraint: "appcloud_instances_guid" }` when the site has that GUID.
    async fn create_instance(
        &self,
        site_id: i64,
        by: &str,
        instance: &InstanceId,
        kind: InstanceKind,
        name: Option<String>,
    ) -> StoreResult<ServiceInstance>;
    /// One instance.
    async fn get_instance(
        &self,
        site_id: i64,
        instance: &InstanceId,
    ) -> StoreResult<ServiceInstance>;
    /// All instances of the site, oldest first.
    async fn list_instances(&self, site_id: i64) -> StoreResult<Vec<ServiceInstance>>;
    /// Deletes an instance with its executions.
    async fn delete_instance(&self, site_id: i64, instance: &InstanceId) -> StoreResult<()>;
    /// Creates an execution of an action or decision instance holding `contact_ids` as `pending`.
    async fn create_execution(
        &self,
        site_id: i64,
        by: &str,
        instance: &InstanceId,
        contact_ids: &[i64],
    ) -> StoreResult<Execution>;
    /// One execution of an instance.
    async fn get_execution(
        &self,
        site_id: i64,
        instance: &InstanceId,
        execution_id: i64,
    ) -> StoreResult<Execution>;
    /// The executions of an instance, oldest first.
    async fn list_executions(
        &self,
        site_id: i64,
        instance: &InstanceId,
    ) -> StoreResult<Vec<Execution>>;
    /// Members of an execution (`execution_id` 0 for a feeder instance), by contact id.
    async fn list_members_of(
        &self,
        site_id: i64,
        instance: &InstanceId,
        execution_id: i64,
    ) -> StoreResult<Vec<Member>>;
    /// Puts contacts into an execution or feeder instance (or changes their status).
    async fn set_members(
        &self,
        site_id: i64,
        instance: &InstanceId,
        execution_id: i64,
        contact_ids: &[i64],
        status: &str,
    ) -> StoreResult<()>;
}

/// The tables of one kind of list (contact lists, account lists), which share their shape:
/// the statements on lists are written once over this.
#[derive(Debug)]
pub(crate) struct ListTables {
    /// The lists (aliased `l` in `select`).
    pub lists: &'static str,
    /// Their members: `list_id` and the member column.
    pub members: &'static str,
    /// The member column (`contact_id`).
    pub member: &'static str,
    /// The table members come from (`contacts`).
    pub records: &'static str,
    /// What every backend reads a list from: its columns with the member count.
    pub select: &'static str,
}

impl ListTables {
    /// The lists of `record_type`'s records (only contacts and accounts have lists).
    pub(crate) fn of(record_type: &RecordType) -> &'static ListTables {
        if record_type == &ACCOUNTS {
            &ACCOUNT_LISTS
        } else {
            &CONTACT_LISTS
        }
    }
}

/// Contact lists.
pub(crate) const CONTACT_LISTS: ListTables = ListTables {
    lists: "contact_lists",
    members: "contact_list_members",
    member: "contact_id",
    records: "contacts",
    select: "SELECT l.id, l.name, l.description, l.scope,
    (SELECT COUNT(*) FROM contact_list_members m WHERE m.list_id = l.id),
    l.created_by, l.created_at, l.updated_by, l.updated_at FROM contact_lists l",
};

/// Account lists.
pub(crate) const ACCOUNT_LISTS: ListTables = ListTables {
    lists: "account_lists",
    members: "account_list_members",
    member: "account_id",
    records: "accounts",
    select: "SELECT l.id, l.name, l.description, l.scope,
    (SELECT COUNT(*) FROM account_list_members m WHERE m.list_id = l.id),
    l.created_by, l.created_at, l.updated_by, l.updated_at FROM account_lists l",
};

/// What every backend reads an email group from (`email_groups` aliased `g`).
pub(crate) const GROUP_SELECT: &str = "SELECT g.id, g.name, g.display_name, g.description,
    g.is_visible_in_public_subscription_list, g.created_by, g.created_at, g.updated_by, g.updated_at
    FROM email_groups g";

/// The listing of a site's lists of one kind.
pub(crate) fn list_listing(tables: &'static ListTables) -> Listing<'static, ContainerField> {
    Listing {
        select: tables.select,
        column: |field| match field {
            ContainerField::Name => "l.name",
            ContainerField::CreatedAt => "l.created_at",
            ContainerField::UpdatedAt => "l.updated_at",
            ContainerField::Id => "l.id",
        },
        site_column: "l.site_id",
        id_column: "l.id",
        scope: None,
    }
}

/// The listing of a site's email groups.
pub(crate) fn group_listing() -> Listing<'static, ContainerField> {
    Listing {
        select: GROUP_SELECT,
        column: |field| match field {
            ContainerField::Name => "g.name",
            ContainerField::CreatedAt => "g.created_at",
            ContainerField::UpdatedAt => "g.updated_at",
            ContainerField::Id => "g.id",
        },
        site_column: "g.site_id",
        id_column: "g.id",
        scope: None,
    }
}

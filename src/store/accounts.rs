//! Accounts.

use async_trait::async_trait;

use super::{Page, StoreResult};
use crate::domain::account::{Account, AccountInput};
use crate::domain::asset::{ContactList as AccountList, ContactListInput as AccountListInput};
use crate::domain::fields::ContainerField;
use crate::domain::query::ListQuery;

/// A page of accounts and how many match.
pub type AccountPage = (Vec<Account>, u64);

/// Persistence of accounts.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account.
    async fn create_account(&self, site_id: i64, input: &AccountInput) -> StoreResult<Account>;
    /// One account of the site.
    async fn get_account(&self, site_id: i64, id: i64) -> StoreResult<Account>;
    /// Replaces an account's values.
    async fn update_account(
        &self,
        site_id: i64,
        id: i64,
        input: &AccountInput,
    ) -> StoreResult<Account>;
    /// Deletes an account (its custom values go with it).
    async fn delete_account(&self, site_id: i64, id: i64) -> StoreResult<()>;
    /// The site's accounts whose company name matches `pattern` (`*` a wildcard, ignoring
    /// case), `limit` from `offset`, by id.
    async fn search_accounts(
        &self,
        site_id: i64,
        pattern: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<AccountPage>;
}

/// Persistence of account lists (`{{AccountList[id]}}`), which have the shape of contact
/// lists: the same properties, members by account id.
#[async_trait]
pub trait AccountListStore: Send + Sync {
    /// Creates an account list with its first members (`NotFound` if one is not the site's).
    async fn create_account_list(
        &self,
        site_id: i64,
        by: &str,
        input: AccountListInput,
    ) -> StoreResult<AccountList>;
    /// One account list of the site, with its member count.
    async fn get_account_list(&self, site_id: i64, id: i64) -> StoreResult<AccountList>;
    /// Replaces an account list's properties and applies its membership changes.
    async fn update_account_list(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        input: AccountListInput,
    ) -> StoreResult<AccountList>;
    /// Deletes an account list (its memberships go with it).
    async fn delete_account_list(&self, site_id: i64, id: i64) -> StoreResult<()>;
    /// A page of the site's account lists.
    async fn list_account_lists(
        &self,
        site_id: i64,
        query: &ListQuery<ContainerField>,
    ) -> StoreResult<Page<AccountList>>;
}

/// `SELECT id, created_at, updated_at, <columns> FROM accounts`, the same on both backends.
pub(crate) fn select_sql() -> String {
    format!(
        "SELECT id, created_at, updated_at, {} FROM accounts",
        crate::domain::account::columns().join(", ")
    )
}

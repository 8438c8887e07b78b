//! Accounts.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::account::{Account, AccountInput};

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

/// `SELECT id, created_at, updated_at, <columns> FROM accounts`, the same on both backends.
pub(crate) fn select_sql() -> String {
    format!(
        "SELECT id, created_at, updated_at, {} FROM accounts",
        crate::domain::account::columns().join(", ")
    )
}

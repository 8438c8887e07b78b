//! Account lists, managed through Loquat's admin API (`POST /api/loquat/1.0/accounts/list`,
//! `GET/PUT/DELETE …/accounts/list/{id}`, `GET …/accounts/lists`): Eloqua reads them through
//! the Bulk API (`/accounts/lists`) but publishes no endpoint that creates them. The bodies
//! and the HTTP life are REST 1.0 contact lists' (`membershipAdditions`, `membershipDeletions`
//! of account ids), served by [`Lists`].

use axum::Router;
use axum::routing::{get, post};

use super::AppState;
use super::rest::lists::{ListKind, Lists};
use super::rest::resource::{create, list, read, remove, replace};
use crate::domain::asset::{ContactList, ContactListInput};
use crate::domain::fields::ContainerField;
use crate::domain::query::ListQuery;
use crate::store::{Page, StoreResult};

/// Account list routes, relative to `/api/loquat/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/list", post(create::<Lists<AccountLists>>))
        .route(
            "/accounts/list/{id}",
            get(read::<Lists<AccountLists>>)
                .put(replace::<Lists<AccountLists>>)
                .delete(remove::<Lists<AccountLists>>),
        )
        .route("/accounts/lists", get(list::<Lists<AccountLists>>))
}

/// Account lists (`/accounts/list`).
pub struct AccountLists;

impl ListKind for AccountLists {
    const PREFIX: &'static str = "/api/loquat/1.0";
    const PATH: &'static str = "/accounts/list";
    const COLLECTION: &'static str = "/accounts/lists";
    const OPERATION: &'static str = "AdminAccountList";
    const LIST_OPERATION: &'static str = "listAdminAccountLists";
    const TAG: &'static str = "Loquat account lists";
    const NOUN: &'static str = "account list";
    const TYPE: &'static str = "AccountList";
    const MEMBER: &'static str = "account";

    async fn create(
        state: &AppState,
        site_id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList> {
        state.store.create_account_list(site_id, by, input).await
    }

    async fn update(
        state: &AppState,
        site_id: i64,
        id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList> {
        state
            .store
            .update_account_list(site_id, id, by, input)
            .await
    }

    async fn get(state: &AppState, site_id: i64, id: i64) -> StoreResult<ContactList> {
        state.store.get_account_list(site_id, id).await
    }

    async fn delete(state: &AppState, site_id: i64, id: i64) -> StoreResult<()> {
        state.store.delete_account_list(site_id, id).await
    }

    async fn page(
        state: &AppState,
        site_id: i64,
        query: &ListQuery<ContainerField>,
    ) -> StoreResult<Page<ContactList>> {
        state.store.list_account_lists(site_id, query).await
    }

    async fn member(state: &AppState, site_id: i64, id: i64) -> StoreResult<()> {
        state.store.get_account(site_id, id).await.map(|_| ())
    }
}

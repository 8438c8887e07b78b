//! Account lists, managed through Loquat's admin API (`POST /api/loquat/1.0/accounts/list`,
//! `GET/PUT/DELETE …/accounts/list/{id}`, `GET …/accounts/lists`): Eloqua reads them through
//! the Bulk API (`/accounts/lists`) but publishes no endpoint that creates them. The bodies
//! are REST 1.0 contact lists' (`membershipAdditions`, `membershipDeletions` of account ids).

use axum::Router;
use axum::routing::{get, post};
use serde_json::Value;

use super::rest::RestPage;
use super::rest::lists::{ContactListDto, list_input, name_query};
use super::rest::resource::{Resource, create, list, read, remove, replace};
use super::{ApiError, AppState};
use crate::api::openapi::schemas;
use crate::domain::asset::{ContactList, ContactListInput};
use crate::store::StoreError;

/// Account list routes, relative to `/api/loquat/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts/list", post(create::<AccountLists>))
        .route(
            "/accounts/list/{id}",
            get(read::<AccountLists>)
                .put(replace::<AccountLists>)
                .delete(remove::<AccountLists>),
        )
        .route("/accounts/lists", get(list::<AccountLists>))
}

/// Account lists (`/accounts/list`).
pub struct AccountLists;

impl Resource for AccountLists {
    type Input = ContactListInput;
    type Item = ContactList;
    type Dto = ContactListDto;
    type InputSchema = schemas::ContactListInput;

    const PREFIX: &'static str = "/api/loquat/1.0";
    const PATH: &'static str = "/accounts/list";
    const COLLECTION: &'static str = "/accounts/lists";
    const OPERATION: &'static str = "AdminAccountList";
    const LIST_OPERATION: &'static str = "listAdminAccountLists";
    const TAG: &'static str = "Loquat account lists";
    const NOUN: &'static str = "account list";
    const REPLACES: &'static str =
        "Replaces name and description and applies membership changes (account ids).";
    const CONFLICT: Option<&'static str> = None;

    fn input(body: Value) -> Result<ContactListInput, ApiError> {
        list_input(body)
    }

    async fn save(
        state: &AppState,
        site_id: i64,
        id: Option<i64>,
        by: &str,
        input: &ContactListInput,
    ) -> Result<ContactList, ApiError> {
        let store = &state.store;
        let saved = match id {
            None => store.create_account_list(site_id, by, input.clone()).await,
            Some(id) => {
                store
                    .update_account_list(site_id, id, by, input.clone())
                    .await
            }
        };
        match saved {
            Err(StoreError::NotFound) => {
                // A replaced list that went away meanwhile is a 404; otherwise an added or
                // removed account is unknown (400).
                if let Some(id) = id {
                    store.get_account_list(site_id, id).await?;
                }
                Err(unknown_account(state, site_id, input).await)
            }
            other => Ok(other?),
        }
    }

    async fn get(state: &AppState, site_id: i64, id: i64) -> Result<ContactList, ApiError> {
        Ok(state.store.get_account_list(site_id, id).await?)
    }

    async fn delete(state: &AppState, site_id: i64, id: i64) -> Result<(), ApiError> {
        Ok(state.store.delete_account_list(site_id, id).await?)
    }

    async fn page(
        state: &AppState,
        site_id: i64,
        page: &RestPage,
    ) -> Result<(Vec<ContactList>, u64), ApiError> {
        let found = state
            .store
            .list_account_lists(site_id, &name_query(page)?)
            .await?;
        Ok((found.items, found.total.unwrap_or_default()))
    }

    fn dto(list: ContactList, site_id: i64, input: Option<&ContactListInput>) -> ContactListDto {
        ContactListDto::of("AccountList", list, site_id, input)
    }

    fn id(item: &ContactList) -> i64 {
        item.id
    }

    fn membership(input: &ContactListInput) -> Option<(usize, usize)> {
        let (added, removed) = (&input.membership_additions, &input.membership_deletions);
        Some((added.len(), removed.len()))
    }
}

/// The 400 naming the first membership id that is not one of the site's accounts.
async fn unknown_account(state: &AppState, site_id: i64, input: &ContactListInput) -> ApiError {
    for (field, ids) in [
        ("membershipAdditions", &input.membership_additions),
        ("membershipDeletions", &input.membership_deletions),
    ] {
        for id in ids {
            match state.store.get_account(site_id, *id).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    let why =
                        format!("There was a missing reference: account {id} does not exist.");
                    return ApiError::invalid(field, why, Some(id.to_string()));
                }
                Err(other) => return other.into(),
            }
        }
    }
    ApiError::NotFound
}

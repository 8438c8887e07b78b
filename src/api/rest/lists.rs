//! REST 1.0 contact lists: `POST /assets/contact/list`, `GET/PUT/DELETE
//! /assets/contact/list/{id}` and `GET /assets/contact/lists`.
//!
//! Membership changes ride on the list object (`membershipAdditions`, `membershipDeletions`),
//! as in Eloqua. They are all-or-nothing: one unknown contact id refuses the whole request.
//! The same HTTP life serves account lists in the admin API ([`ListKind`]).

use std::future::Future;
use std::marker::PhantomData;

use axum::Router;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::resource::{Resource, create, list, read, remove, replace};
use super::{RestPage, ids, object, required_text, text, unix};
use crate::api::openapi::schemas;
use crate::api::{ApiError, AppState};
use crate::domain::asset::{ContactList, ContactListInput};
use crate::domain::fields::ContainerField;
use crate::domain::query::{Condition, ListQuery, Op, Operand};
use crate::store::{Page, StoreError, StoreResult};

/// Longest list name.
const MAX_NAME: usize = 100;
/// Longest description.
const MAX_DESCRIPTION: usize = 2000;

/// Contact list routes, relative to `/api/rest/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/contact/list", post(create::<Lists<ContactLists>>))
        .route(
            "/assets/contact/list/{id}",
            get(read::<Lists<ContactLists>>)
                .put(replace::<Lists<ContactLists>>)
                .delete(remove::<Lists<ContactLists>>),
        )
        .route("/assets/contact/lists", get(list::<Lists<ContactLists>>))
}

/// A contact list as Eloqua's REST 1.0 API writes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RestContactList)]
#[serde(rename_all = "camelCase")]
pub struct ContactListDto {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    created_at: String,
    created_by: String,
    depth: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    updated_at: String,
    updated_by: String,
    count: i64,
    data_lookup_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    membership_additions: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    membership_deletions: Vec<String>,
    scope: String,
}

impl ContactListDto {
    /// A list of type `kind` (`ContactList`, `AccountList`), which share their shape, echoing
    /// the membership changes of the request that produced it.
    pub(crate) fn of(
        kind: &'static str,
        list: ContactList,
        site_id: i64,
        input: Option<&ContactListInput>,
    ) -> Self {
        let echo = |ids: &[i64]| ids.iter().map(i64::to_string).collect();
        Self {
            kind,
            id: list.id.to_string(),
            created_at: unix(list.audit.created_at),
            created_by: list.audit.created_by,
            depth: "complete",
            name: list.name,
            description: list.description,
            updated_at: unix(list.audit.updated_at),
            updated_by: list.audit.updated_by,
            count: list.count,
            data_lookup_id: data_lookup_id(kind, site_id, list.id),
            membership_additions: input
                .map(|i| echo(&i.membership_additions))
                .unwrap_or_default(),
            membership_deletions: input
                .map(|i| echo(&i.membership_deletions))
                .unwrap_or_default(),
            scope: list.scope,
        }
    }
}

/// A stable 32-hex-digit id for the list, the same on every read (Eloqua's is a GUID).
fn data_lookup_id(kind: &str, site_id: i64, list_id: i64) -> String {
    let digest = Sha256::digest(match kind {
        "ContactList" => format!("loquat/contact-list/{site_id}/{list_id}"),
        _ => format!("loquat/{kind}/{site_id}/{list_id}"),
    });
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// What differs between the kinds of list served in REST 1.0 contact lists' shape (contact
/// lists here, account lists in the admin API): where they live, what they are called, and
/// the store calls on them. Their HTTP life is [`Lists`], written once.
pub trait ListKind: Send + Sync + 'static {
    /// The API's prefix as the document writes it.
    const PREFIX: &'static str;
    /// The path of one list, without `/{id}`.
    const PATH: &'static str;
    /// The path of the collection.
    const COLLECTION: &'static str;
    /// The operation id stem.
    const OPERATION: &'static str;
    /// The operation id of the collection's `GET`.
    const LIST_OPERATION: &'static str;
    /// The document's tag.
    const TAG: &'static str;
    /// How logs and the document name one.
    const NOUN: &'static str;
    /// `type` on the wire (`ContactList`).
    const TYPE: &'static str;
    /// What a member id names (`contact`).
    const MEMBER: &'static str;

    /// Stores a new list.
    fn create(
        state: &AppState,
        site_id: i64,
        by: &str,
        input: ContactListInput,
    ) -> impl Future<Output = StoreResult<ContactList>> + Send;
    /// Replaces list `id`.
    fn update(
        state: &AppState,
        site_id: i64,
        id: i64,
        by: &str,
        input: ContactListInput,
    ) -> impl Future<Output = StoreResult<ContactList>> + Send;
    /// One list.
    fn get(
        state: &AppState,
        site_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<ContactList>> + Send;
    /// Deletes a list.
    fn delete(
        state: &AppState,
        site_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A page of the site's lists.
    fn page(
        state: &AppState,
        site_id: i64,
        query: &ListQuery<ContainerField>,
    ) -> impl Future<Output = StoreResult<Page<ContactList>>> + Send;
    /// `Ok` when `id` names a member the site has (a contact, an account).
    fn member(
        state: &AppState,
        site_id: i64,
        id: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Contact lists (`/assets/contact/list`).
pub struct ContactLists;

impl ListKind for ContactLists {
    const PREFIX: &'static str = "/api/REST/1.0";
    const PATH: &'static str = "/assets/contact/list";
    const COLLECTION: &'static str = "/assets/contact/lists";
    const OPERATION: &'static str = "RestContactList";
    const LIST_OPERATION: &'static str = "listRestContactLists";
    const TAG: &'static str = "REST contact lists";
    const NOUN: &'static str = "contact list";
    const TYPE: &'static str = "ContactList";
    const MEMBER: &'static str = "contact";

    async fn create(
        state: &AppState,
        site_id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList> {
        state.store.create_list(site_id, by, input).await
    }

    async fn update(
        state: &AppState,
        site_id: i64,
        id: i64,
        by: &str,
        input: ContactListInput,
    ) -> StoreResult<ContactList> {
        state.store.update_list(site_id, id, by, input).await
    }

    async fn get(state: &AppState, site_id: i64, id: i64) -> StoreResult<ContactList> {
        state.store.get_list(site_id, id).await
    }

    async fn delete(state: &AppState, site_id: i64, id: i64) -> StoreResult<()> {
        state.store.delete_list(site_id, id).await
    }

    async fn page(
        state: &AppState,
        site_id: i64,
        query: &ListQuery<ContainerField>,
    ) -> StoreResult<Page<ContactList>> {
        state.store.list_lists(site_id, query).await
    }

    async fn member(state: &AppState, site_id: i64, id: i64) -> StoreResult<()> {
        state.store.get_contact(site_id, id).await.map(|_| ())
    }
}

/// Lists of kind `K` over HTTP.
pub struct Lists<K>(PhantomData<K>);

impl<K: ListKind> Resource for Lists<K> {
    type Input = ContactListInput;
    type Item = ContactList;
    type Dto = ContactListDto;
    type InputSchema = schemas::ContactListInput;

    const PREFIX: &'static str = K::PREFIX;
    const PATH: &'static str = K::PATH;
    const COLLECTION: &'static str = K::COLLECTION;
    const OPERATION: &'static str = K::OPERATION;
    const LIST_OPERATION: &'static str = K::LIST_OPERATION;
    const TAG: &'static str = K::TAG;
    const NOUN: &'static str = K::NOUN;
    const REPLACES: &'static str =
        "Replaces name and description (scope only when given) and applies membership changes.";
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
        let saved = match id {
            None => K::create(state, site_id, by, input.clone()).await,
            Some(id) => K::update(state, site_id, id, by, input.clone()).await,
        };
        match saved {
            Err(StoreError::NotFound) => {
                // A replaced list that went away meanwhile is a 404; otherwise an added or
                // removed member is unknown (400).
                if let Some(id) = id {
                    K::get(state, site_id, id).await?;
                }
                Err(unknown_member::<K>(state, site_id, input).await)
            }
            other => Ok(other?),
        }
    }

    async fn get(state: &AppState, site_id: i64, id: i64) -> Result<ContactList, ApiError> {
        Ok(K::get(state, site_id, id).await?)
    }

    async fn delete(state: &AppState, site_id: i64, id: i64) -> Result<(), ApiError> {
        Ok(K::delete(state, site_id, id).await?)
    }

    async fn page(
        state: &AppState,
        site_id: i64,
        page: &RestPage,
    ) -> Result<(Vec<ContactList>, u64), ApiError> {
        let found = K::page(state, site_id, &name_query(page)?).await?;
        Ok((found.items, found.total.unwrap_or_default()))
    }

    fn dto(list: ContactList, site_id: i64, input: Option<&ContactListInput>) -> ContactListDto {
        ContactListDto::of(K::TYPE, list, site_id, input)
    }

    fn id(item: &ContactList) -> i64 {
        item.id
    }

    fn membership(input: &ContactListInput) -> Option<(usize, usize)> {
        let (added, removed) = (&input.membership_additions, &input.membership_deletions);
        Some((added.len(), removed.len()))
    }
}

/// The Bulk-style query behind a REST page: `search` on `name`, in id order.
///
/// # Errors
/// 400 naming `search` when it names another property.
pub fn name_query(page: &RestPage) -> Result<ListQuery<ContainerField>, ApiError> {
    let mut query = ListQuery::all();
    if let Some(pattern) = page.pattern(&["name"])? {
        query.conditions.push(Condition {
            field: ContainerField::Name,
            op: Op::Eq,
            operand: Operand::Text(pattern),
        });
    }
    query.limit = u32::try_from(page.count).unwrap_or(u32::MAX);
    query.offset = page.offset();
    Ok(query)
}

/// Reads a list body; unknown properties are ignored, wrong types name the property.
pub(crate) fn list_input(body: Value) -> Result<ContactListInput, ApiError> {
    let obj = object(body)?;
    let scope = text(&obj, "scope", 10)?;
    if let Some(scope) = &scope {
        if scope != "local" && scope != "global" {
            return Err(ApiError::invalid(
                "scope",
                "Must be local or global.",
                Some(scope.clone()),
            ));
        }
    }
    Ok(ContactListInput {
        name: required_text(&obj, "name", MAX_NAME)?,
        description: text(&obj, "description", MAX_DESCRIPTION)?,
        scope,
        membership_additions: ids(&obj, "membershipAdditions")?,
        membership_deletions: ids(&obj, "membershipDeletions")?,
    })
}

/// The 400 naming the first membership id that names no member of the site.
async fn unknown_member<K: ListKind>(
    state: &AppState,
    site_id: i64,
    input: &ContactListInput,
) -> ApiError {
    for (field, ids) in [
        ("membershipAdditions", &input.membership_additions),
        ("membershipDeletions", &input.membership_deletions),
    ] {
        for id in ids {
            match K::member(state, site_id, *id).await {
                Ok(()) => {}
                Err(StoreError::NotFound) => {
                    let why = format!(
                        "There was a missing reference: {} {id} does not exist.",
                        K::MEMBER
                    );
                    return ApiError::invalid(field, why, Some(id.to_string()));
                }
                Err(other) => return other.into(),
            }
        }
    }
    // Every member exists now (a concurrent change); report what the store reported.
    ApiError::NotFound
}

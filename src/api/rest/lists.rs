//! REST 1.0 contact lists: `POST /assets/contact/list`, `GET/PUT/DELETE
//! /assets/contact/list/{id}` and `GET /assets/contact/lists`.
//!
//! Membership changes ride on the list object (`membershipAdditions`, `membershipDeletions`),
//! as in Eloqua. They are all-or-nothing: one unknown contact id refuses the whole request.

use axum::Router;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::resource::{Resource, create, list, read, remove, replace};
use super::{RestPage, ids, object, required_text, text, unix, unknown_contact};
use crate::api::openapi::schemas;
use crate::api::{ApiError, AppState};
use crate::domain::asset::{ContactList, ContactListInput};
use crate::domain::fields::ContainerField;
use crate::domain::query::{Condition, ListQuery, Op, Operand};
use crate::store::StoreError;

/// Longest list name.
const MAX_NAME: usize = 100;
/// Longest description.
const MAX_DESCRIPTION: usize = 2000;

/// Contact list routes, relative to `/api/rest/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/contact/list", post(create::<Lists>))
        .route(
            "/assets/contact/list/{id}",
            get(read::<Lists>)
                .put(replace::<Lists>)
                .delete(remove::<Lists>),
        )
        .route("/assets/contact/lists", get(list::<Lists>))
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
    /// The list, echoing the membership changes of the request that produced it.
    fn new(list: ContactList, site_id: i64, input: Option<&ContactListInput>) -> Self {
        Self::of("ContactList", list, site_id, input)
    }

    /// A list of type `kind` (`ContactList`, `AccountList`), which share their shape.
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

/// Contact lists (`/assets/contact/list`).
pub struct Lists;

impl Resource for Lists {
    type Input = ContactListInput;
    type Item = ContactList;
    type Dto = ContactListDto;
    type InputSchema = schemas::ContactListInput;

    const PATH: &'static str = "/assets/contact/list";
    const COLLECTION: &'static str = "/assets/contact/lists";
    const OPERATION: &'static str = "RestContactList";
    const LIST_OPERATION: &'static str = "listRestContactLists";
    const TAG: &'static str = "REST contact lists";
    const NOUN: &'static str = "contact list";
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
            None => state.store.create_list(site_id, by, input.clone()).await,
            Some(id) => {
                state
                    .store
                    .update_list(site_id, id, by, input.clone())
                    .await
            }
        };
        match saved {
            Err(StoreError::NotFound) => {
                // A replaced list that went away meanwhile is a 404; otherwise an added or
                // removed contact is unknown (400).
                if let Some(id) = id {
                    state.store.get_list(site_id, id).await?;
                }
                Err(unknown_member(state, site_id, input).await)
            }
            other => Ok(other?),
        }
    }

    async fn get(state: &AppState, site_id: i64, id: i64) -> Result<ContactList, ApiError> {
        Ok(state.store.get_list(site_id, id).await?)
    }

    async fn delete(state: &AppState, site_id: i64, id: i64) -> Result<(), ApiError> {
        Ok(state.store.delete_list(site_id, id).await?)
    }

    async fn page(
        state: &AppState,
        site_id: i64,
        page: &RestPage,
    ) -> Result<(Vec<ContactList>, u64), ApiError> {
        let found = state.store.list_lists(site_id, &name_query(page)?).await?;
        Ok((found.items, found.total.unwrap_or_default()))
    }

    fn dto(list: ContactList, site_id: i64, input: Option<&ContactListInput>) -> ContactListDto {
        ContactListDto::new(list, site_id, input)
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

/// The 400 naming the first membership id that is not one of the site's contacts.
async fn unknown_member(state: &AppState, site_id: i64, input: &ContactListInput) -> ApiError {
    let fields = [
        ("membershipAdditions", input.membership_additions.as_slice()),
        ("membershipDeletions", input.membership_deletions.as_slice()),
    ];
    unknown_contact(state.store.as_ref(), site_id, &fields).await
}

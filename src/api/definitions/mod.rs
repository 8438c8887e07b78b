//! The create, read, replace, delete and list handlers every definition kind shares (sync
//! actions, imports, exports), written once over a [`Kind`] and mounted under each record type
//! that offers the kind (`/contacts/syncActions`, `/contacts/imports`, …).
//!
//! The route table stays literal (`tests/api/routes.rs` reads it from the source): a record
//! type adds two routes per kind to [`router`] and a [`Records`] type.
//!
//! A kind brings its store calls, its validation, its wire form and the words of its
//! documentation; [`document`] builds its OpenAPI operations from the same description.

pub mod document;

use std::future::Future;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use super::exports::Exports;
use super::extract::{Caller, JsonBody, ListParams, parse_id};
use super::imports::Imports;
use super::sync_actions::SyncActions;
use super::wire::Envelope;
use super::{ApiError, ApiResult, AppState, no_content};
use crate::domain::asset::Audit;
use crate::domain::contact_fields::RecordField;
use crate::domain::fields::DefinitionField;
use crate::domain::query::MAX_PAGE;
use crate::domain::record_type::{ACCOUNTS, ACTIVITIES, CONTACTS, EMAIL_ADDRESSES, RecordType};
use crate::store::{DefinitionRecordOf, StoredKind, definitions};

/// A stored definition of kind `K`.
pub type Record<K> = DefinitionRecordOf<<K as Kind>::Definition>;

/// What differs between definition kinds: the rest of a definition's HTTP life is shared.
pub trait Kind: Send + Sync + 'static {
    /// The validated definition.
    type Definition: Send + Sync + 'static;
    /// How the store keeps it (its [`StoredKind::SYNC`] is the kind's path segment and name).
    type Stored: StoredKind<Definition = Self::Definition>;
    /// Its wire form.
    type Dto: Serialize + Send;
    /// The documented schema of the wire form.
    type Schema: ToSchema;
    /// The documented schema of a request body.
    type Input: ToSchema;

    /// How logs and the document name one ("import definition").
    const NOUN: &'static str;
    /// The operation id stem (`Import`: `createImportDefinition`, `uploadImportData`).
    const OPERATION: &'static str;
    /// The document's tag.
    const TAG: &'static str;
    /// Whether definitions hold staged data (deleted with them).
    const STAGES_DATA: bool;

    /// Checks a body against every rule, then what it names against the site.
    fn validate(
        state: &AppState,
        record_type: &'static RecordType,
        site_id: i64,
        body: &serde_json::Value,
    ) -> impl Future<Output = Result<Self::Definition, ApiError>> + Send;
    /// The wire form of a stored definition whose URI is `uri`.
    fn dto(record: Record<Self>, uri: String) -> Self::Dto;
}

/// The wire form of a stored definition, its URI under its record type.
pub fn dto<K: Kind>(record: Record<K>) -> K::Dto {
    let uri = record
        .record_type
        .definition_uri(K::Stored::SYNC, record.id);
    K::dto(record, uri)
}

/// Definition `id` of kind `K` under `R`'s routes: 404 when the site has none, or when it
/// belongs to another record type (`/accounts/syncActions/5` of a contact definition).
pub async fn load<R: Records, K: Kind>(
    state: &AppState,
    site_id: i64,
    id: i64,
) -> Result<Record<K>, ApiError> {
    let record = definitions::<K::Stored>(&*state.store)
        .get_definition(site_id, id)
        .await?;
    if record.record_type != R::TYPE {
        return Err(crate::store::StoreError::NotFound.into());
    }
    Ok(record)
}

/// `body` (a definition's own properties) followed by what the server adds: `kbUsed` while
/// something is staged, `uri`, and the audit properties.
pub fn stored_json(
    mut body: serde_json::Value,
    kb_used: Option<i64>,
    uri: String,
    audit: Audit,
) -> serde_json::Value {
    if let Some(object) = body.as_object_mut() {
        if let Some(kb_used) = kb_used.filter(|kb| *kb > 0) {
            object.insert("kbUsed".into(), kb_used.into());
        }
        object.insert("uri".into(), uri.into());
        object.insert("createdBy".into(), audit.created_by.into());
        object.insert("createdAt".into(), audit.created_at.to_string().into());
        object.insert("updatedBy".into(), audit.updated_by.into());
        object.insert("updatedAt".into(), audit.updated_at.to_string().into());
    }
    body
}

/// A record type as a type, so the shared handlers mount per record type
/// (`list::<Contacts, Imports>`).
pub trait Records: Send + Sync + 'static {
    /// Its description.
    const TYPE: &'static RecordType;
}

/// Contacts ([`CONTACTS`]).
pub struct Contacts;

impl Records for Contacts {
    const TYPE: &'static RecordType = &CONTACTS;
}

/// Accounts ([`ACCOUNTS`]).
pub struct Accounts;

impl Records for Accounts {
    const TYPE: &'static RecordType = &ACCOUNTS;
}

/// Activities ([`ACTIVITIES`]), exported only.
pub struct Activities;

impl Records for Activities {
    const TYPE: &'static RecordType = &ACTIVITIES;
}

/// Email addresses ([`EMAIL_ADDRESSES`]), whose sync action definitions Eloqua serves as
/// `/emailAddresses/imports`.
pub struct EmailAddresses;

impl Records for EmailAddresses {
    const TYPE: &'static RecordType = &EMAIL_ADDRESSES;
}

/// Every definition route under the Bulk prefix: per record type, each kind its description
/// lists (the document is built from the descriptions; `tests/api/openapi.rs` checks they
/// agree with this table).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/contacts/syncActions",
            get(list::<Contacts, SyncActions>).post(create::<Contacts, SyncActions>),
        )
        .route(
            "/contacts/syncActions/{id}",
            get(read::<Contacts, SyncActions>)
                .put(replace::<Contacts, SyncActions>)
                .delete(remove::<Contacts, SyncActions>),
        )
        .route(
            "/accounts/syncActions",
            get(list::<Accounts, SyncActions>).post(create::<Accounts, SyncActions>),
        )
        .route(
            "/accounts/syncActions/{id}",
            get(read::<Accounts, SyncActions>)
                .put(replace::<Accounts, SyncActions>)
                .delete(remove::<Accounts, SyncActions>),
        )
        .route(
            "/accounts/exports",
            get(list::<Accounts, Exports>).post(create::<Accounts, Exports>),
        )
        .route(
            "/accounts/exports/{id}",
            get(read::<Accounts, Exports>)
                .put(replace::<Accounts, Exports>)
                .delete(remove::<Accounts, Exports>),
        )
        .route(
            "/activities/exports",
            get(list::<Activities, Exports>).post(create::<Activities, Exports>),
        )
        .route(
            "/activities/exports/{id}",
            get(read::<Activities, Exports>)
                .put(replace::<Activities, Exports>)
                .delete(remove::<Activities, Exports>),
        )
        .route(
            "/emailAddresses/imports",
            get(list::<EmailAddresses, SyncActions>).post(create::<EmailAddresses, SyncActions>),
        )
        .route(
            "/emailAddresses/imports/{id}",
            get(read::<EmailAddresses, SyncActions>)
                .put(replace::<EmailAddresses, SyncActions>)
                .delete(remove::<EmailAddresses, SyncActions>),
        )
        .route(
            "/contacts/imports",
            get(list::<Contacts, Imports>).post(create::<Contacts, Imports>),
        )
        .route(
            "/contacts/imports/{id}",
            get(read::<Contacts, Imports>)
                .put(replace::<Contacts, Imports>)
                .delete(remove::<Contacts, Imports>),
        )
        .route(
            "/contacts/exports",
            get(list::<Contacts, Exports>).post(create::<Contacts, Exports>),
        )
        .route(
            "/contacts/exports/{id}",
            get(read::<Contacts, Exports>)
                .put(replace::<Contacts, Exports>)
                .delete(remove::<Contacts, Exports>),
        )
}

async fn create<R: Records, K: Kind>(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let definition = K::validate(&state, R::TYPE, who.site.id, &body).await?;
    let by = &who.user.username;
    let record = definitions::<K::Stored>(&*state.store)
        .create_definition(who.site.id, by, &definition)
        .await?;
    tracing::info!(
        definition_id = record.id,
        kind = K::NOUN,
        "created definition"
    );
    let body = dto::<K>(record);
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

async fn read<R: Records, K: Kind>(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let record = load::<R, K>(&state, who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(dto::<K>(record)).into_response())
}

async fn replace<R: Records, K: Kind>(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let id = parse_id(&id)?;
    // An unknown id is a 404 even when the body is also wrong.
    load::<R, K>(&state, who.site.id, id).await?;
    let definition = K::validate(&state, R::TYPE, who.site.id, &body).await?;
    let by = &who.user.username;
    let record = definitions::<K::Stored>(&*state.store)
        .replace_definition(who.site.id, id, by, &definition)
        .await?;
    tracing::info!(definition_id = id, kind = K::NOUN, "replaced definition");
    Ok(axum::Json(dto::<K>(record)).into_response())
}

async fn remove<R: Records, K: Kind>(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = parse_id(&id)?;
    load::<R, K>(&state, who.site.id, id).await?;
    definitions::<K::Stored>(&*state.store)
        .delete_definition(who.site.id, id)
        .await?;
    tracing::info!(definition_id = id, kind = K::NOUN, "deleted definition");
    Ok(no_content())
}

/// A page of `R`'s definitions of kind `K`.
async fn list<R: Records, K: Kind>(
    state: State<AppState>,
    caller: Caller,
    params: ListParams,
) -> ApiResult {
    list_of::<K>(state, caller, params, Some(R::TYPE)).await
}

/// A page of definitions of kind `K` of `record_type`, or of every record type.
pub async fn list_of<K: Kind>(
    State(state): State<AppState>,
    Caller(who): Caller,
    params: ListParams,
    record_type: Option<&'static RecordType>,
) -> ApiResult {
    let query = params.query::<DefinitionField>(MAX_PAGE)?;
    let page = definitions::<K::Stored>(&*state.store)
        .list_definitions(who.site.id, record_type, &query)
        .await?;
    let envelope = Envelope::from_page(page, &query, dto::<K>);
    Ok(axum::Json(envelope).into_response())
}

/// Whether the site has a field of `record_type` named `name`: a standard one or one of the
/// site's `custom` fields.
pub fn site_has_field(record_type: &RecordType, name: &str, custom: &[RecordField]) -> bool {
    record_type.fields.standard(name).is_some()
        || custom
            .iter()
            .any(|c| c.internal_name.eq_ignore_ascii_case(name))
}

/// Collects the failures of a validation: the definition when there are none.
pub fn checked<D>(
    definition: D,
    failures: Vec<crate::domain::failure::Failure>,
) -> Result<D, ApiError> {
    if failures.is_empty() {
        Ok(definition)
    } else {
        Err(ApiError::Validation(failures))
    }
}

//! REST 1.0 contacts: `POST /data/contact`, `GET/PUT/DELETE /data/contact/{id}` and the search
//! `GET /data/contacts?search=C_EmailAddress=*@example.com&page=1&count=100`.
//!
//! Loquat stores the standard fields only; `ContactIDExt` travels in `fieldValues` under
//! [`CONTACT_ID_EXT_FIELD_ID`], the id the Bulk field catalogue (`/contacts/fields`) also uses.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::RawPage;
use super::{Elements, RestPage, deleted, flag, flag_text, object, plain, text, unix};
use crate::api::error::{ErrorMessage, FailuresBody};
use crate::api::extract::{Caller, JsonBody, parse_id};
use crate::api::openapi::schemas;
use crate::api::{ApiError, ApiResult, AppState};
use crate::domain::contact::{Contact, ContactInput, is_valid_email};
use crate::store::{ContactSearch, StoreError};

/// Field id of `ContactIDExt` in `fieldValues`, as in the field catalogue
/// (`domain::contact_fields`).
pub const CONTACT_ID_EXT_FIELD_ID: &str = "100100";

/// Longest email address Eloqua stores.
const MAX_EMAIL: usize = 400;
/// Longest name or `ContactIDExt` Loquat accepts.
const MAX_TEXT: usize = 100;

/// Contact routes, relative to `/api/rest/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/data/contact", post(create))
        .route("/data/contact/{id}", get(read).put(replace).delete(remove))
        .route("/data/contacts", get(search))
}

/// A contact as Eloqua's REST 1.0 API writes it at `depth=complete`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactDto {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    created_at: String,
    updated_at: String,
    depth: &'static str,
    name: String,
    email_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    is_subscribed: &'static str,
    is_bounceback: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    field_values: Vec<FieldValueDto>,
}

/// One entry of `fieldValues`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldValueDto {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'static str,
    value: String,
}

impl From<Contact> for ContactDto {
    fn from(contact: Contact) -> Self {
        let field_values = contact
            .contact_id_ext
            .map(|value| FieldValueDto {
                kind: "FieldValue",
                id: CONTACT_ID_EXT_FIELD_ID,
                value,
            })
            .into_iter()
            .collect();
        Self {
            kind: "Contact",
            id: contact.id.to_string(),
            created_at: unix(contact.created_at),
            updated_at: unix(contact.updated_at),
            depth: "complete",
            name: contact.email_address.clone(),
            email_address: contact.email_address,
            first_name: contact.first_name,
            last_name: contact.last_name,
            is_subscribed: flag_text(contact.is_subscribed),
            is_bounceback: flag_text(contact.is_bounced),
            field_values,
        }
    }
}

/// Eloqua's REST 1.0 create answers 201 Created with the new contact.
/// Creates one.
#[utoipa::path(
    post,
    path = "/api/REST/1.0/data/contact",
    operation_id = "createContact",
    tag = "REST contacts",
    request_body(content = schemas::ContactInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = ContactDto),
        (status = 400, description = "A bad property, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 409, description = "Another contact has this email address", body = ErrorMessage),
    )
)]
async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let input = contact_input(body)?;
    let contact = state
        .store
        .create_contact(who.site.id, input)
        .await
        .map_err(email_conflict)?;
    tracing::info!(contact_id = contact.id, "created contact");
    Ok((StatusCode::CREATED, axum::Json(ContactDto::from(contact))).into_response())
}

/// Reads one.
#[utoipa::path(
    get,
    path = "/api/REST/1.0/data/contact/{id}",
    operation_id = "getContact",
    tag = "REST contacts",
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "Found", body = ContactDto),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let contact = state.store.get_contact(who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(ContactDto::from(contact)).into_response())
}

/// A full replace: properties left out go back to their defaults.
/// Replaces one.
#[utoipa::path(
    put,
    path = "/api/REST/1.0/data/contact/{id}",
    operation_id = "replaceContact",
    tag = "REST contacts",
    params(("id" = i64, Path, description = "Id")),
    request_body(content = schemas::ContactInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = ContactDto),
        (status = 400, description = "A bad property, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 404, description = "Not found", body = ErrorMessage),
        (status = 409, description = "Another contact has this email address", body = ErrorMessage),
    )
)]
async fn replace(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let id = parse_id(&id)?;
    // An unknown id is a 404 even when the body is also wrong.
    state.store.get_contact(who.site.id, id).await?;
    let input = contact_input(body)?;
    let contact = state
        .store
        .update_contact(who.site.id, id, input)
        .await
        .map_err(email_conflict)?;
    tracing::info!(contact_id = id, "replaced contact");
    Ok(axum::Json(ContactDto::from(contact)).into_response())
}

/// Deletes one.
#[utoipa::path(
    delete,
    path = "/api/REST/1.0/data/contact/{id}",
    operation_id = "deleteContact",
    tag = "REST contacts",
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "Deleted (an empty body, as Eloqua answers)"),
        (status = 404, description = "Not found", body = ErrorMessage),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = parse_id(&id)?;
    state.store.delete_contact(who.site.id, id).await?;
    tracing::info!(contact_id = id, "deleted contact");
    Ok(deleted())
}

/// Lists (or searches) them.
#[utoipa::path(
    get,
    path = "/api/REST/1.0/data/contacts",
    operation_id = "searchContacts",
    tag = "REST contacts",
    params(RawPage),
    responses(
        (status = 200, description = "A page", body = Elements<ContactDto>),
        (status = 400, description = "A bad page, count or search", body = FailuresBody),
    )
)]
async fn search(State(state): State<AppState>, Caller(who): Caller, page: RestPage) -> ApiResult {
    let email = page.pattern(&["C_EmailAddress", "emailAddress"])?;
    let query = ContactSearch {
        email,
        page: page.page,
        count: page.count,
    };
    let (contacts, total) = state.store.search_contacts(who.site.id, query).await?;
    let elements = contacts.into_iter().map(ContactDto::from).collect();
    Ok(axum::Json(Elements::new(elements, &page, total)).into_response())
}

/// The one conflict a contact write can meet: the address is taken (in any case).
fn email_conflict(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict {
            constraint: "contacts_email",
        } => ApiError::Conflict("A contact with this email address already exists.".into()),
        other => other.into(),
    }
}

/// Reads a contact body; unknown properties are ignored, wrong types name the property.
fn contact_input(body: Value) -> Result<ContactInput, ApiError> {
    let obj = object(body)?;
    let email = text(&obj, "emailAddress", MAX_EMAIL)?.ok_or_else(|| {
        ApiError::invalid(
            "emailAddress",
            "Required: the contact's email address.",
            None,
        )
    })?;
    if !is_valid_email(&email) {
        return Err(ApiError::invalid(
            "emailAddress",
            "Must be a valid email address.",
            Some(email),
        ));
    }
    Ok(ContactInput {
        email_address: email,
        contact_id_ext: contact_id_ext(&obj)?,
        first_name: text(&obj, "firstName", MAX_TEXT)?,
        last_name: text(&obj, "lastName", MAX_TEXT)?,
        is_subscribed: flag(&obj, "isSubscribed")?.unwrap_or(true),
        is_bounced: flag(&obj, "isBounceback")?.unwrap_or(false),
    })
}

/// `ContactIDExt` from `fieldValues`; other field ids are refused rather than silently dropped.
fn contact_id_ext(obj: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    let entries = match obj.get("fieldValues") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            return Err(ApiError::invalid(
                "fieldValues",
                "Must be an array.",
                Some(other.to_string()),
            ));
        }
    };
    let mut found = None;
    for (index, entry) in entries.iter().enumerate() {
        let Value::Object(entry) = entry else {
            let field = format!("fieldValues[{index}]");
            return Err(ApiError::invalid(
                &field,
                "Must be an object.",
                Some(entry.to_string()),
            ));
        };
        let id = entry.get("id").map(plain).unwrap_or_default();
        if id != CONTACT_ID_EXT_FIELD_ID {
            let field = format!("fieldValues[{index}].id");
            let why = format!(
                "Only field {CONTACT_ID_EXT_FIELD_ID} (ContactIDExt) is set through fieldValues; \
                 use emailAddress, firstName and lastName for the others."
            );
            return Err(ApiError::invalid(&field, why, Some(id)));
        }
        found = text(entry, "value", MAX_TEXT).map_err(|_| {
            let field = format!("fieldValues[{index}].value");
            ApiError::invalid(
                &field,
                format!("Must be a string of at most {MAX_TEXT} characters."),
                None,
            )
        })?;
    }
    Ok(found)
}

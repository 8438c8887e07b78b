//! REST 1.0 contacts: `POST /data/contact`, `GET/PUT/DELETE /data/contact/{id}` and the search
//! `GET /data/contacts?search=C_EmailAddress=*@example.com&page=1&count=100`.
//!
//! Loquat stores the standard fields only; `ContactIDExt` travels in `fieldValues` under
//! [`CONTACT_ID_EXT_FIELD_ID`], the id the Bulk field catalogue (`/contacts/fields`) also uses.

use axum::Router;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::resource::{Resource, create, list, read, remove, replace};
use super::{RestPage, flag, flag_text, object, plain, text, unix};
use crate::api::openapi::schemas;
use crate::api::{ApiError, AppState};
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
        .route("/data/contact", post(create::<Contacts>))
        .route(
            "/data/contact/{id}",
            get(read::<Contacts>)
                .put(replace::<Contacts>)
                .delete(remove::<Contacts>),
        )
        .route("/data/contacts", get(list::<Contacts>))
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
    id: String,
    value: String,
}

impl FieldValueDto {
    /// The value of field `id`.
    pub fn new(id: i64, value: String) -> Self {
        Self {
            kind: "FieldValue",
            id: id.to_string(),
            value,
        }
    }
}

impl From<Contact> for ContactDto {
    fn from(contact: Contact) -> Self {
        let field_values = contact
            .contact_id_ext
            .map(|value| FieldValueDto {
                kind: "FieldValue",
                id: CONTACT_ID_EXT_FIELD_ID.to_owned(),
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

/// Contacts (`/data/contact`).
pub struct Contacts;

impl Resource for Contacts {
    type Input = ContactInput;
    type Item = Contact;
    type Dto = ContactDto;
    type InputSchema = schemas::ContactInput;

    const PATH: &'static str = "/data/contact";
    const COLLECTION: &'static str = "/data/contacts";
    const OPERATION: &'static str = "Contact";
    const LIST_OPERATION: &'static str = "searchContacts";
    const TAG: &'static str = "REST contacts";
    const NOUN: &'static str = "contact";
    const REPLACES: &'static str = "A full replace: properties left out go back to their defaults.";
    const CONFLICT: Option<&'static str> = Some("Another contact has this email address");

    fn input(body: Value) -> Result<ContactInput, ApiError> {
        contact_input(body)
    }

    async fn save(
        state: &AppState,
        site_id: i64,
        id: Option<i64>,
        _by: &str,
        input: &ContactInput,
    ) -> Result<Contact, ApiError> {
        let saved = match id {
            None => state.store.create_contact(site_id, input.clone()).await,
            Some(id) => state.store.update_contact(site_id, id, input.clone()).await,
        };
        saved.map_err(email_conflict)
    }

    async fn get(state: &AppState, site_id: i64, id: i64) -> Result<Contact, ApiError> {
        Ok(state.store.get_contact(site_id, id).await?)
    }

    async fn delete(state: &AppState, site_id: i64, id: i64) -> Result<(), ApiError> {
        Ok(state.store.delete_contact(site_id, id).await?)
    }

    /// `search` on the email address.
    async fn page(
        state: &AppState,
        site_id: i64,
        page: &RestPage,
    ) -> Result<(Vec<Contact>, u64), ApiError> {
        let query = ContactSearch {
            email: page.pattern(&["C_EmailAddress", "emailAddress"])?,
            page: page.page,
            count: page.count,
        };
        Ok(state.store.search_contacts(site_id, query).await?)
    }

    fn dto(contact: Contact, _site_id: i64, _input: Option<&ContactInput>) -> ContactDto {
        ContactDto::from(contact)
    }

    fn id(item: &Contact) -> i64 {
        item.id
    }
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

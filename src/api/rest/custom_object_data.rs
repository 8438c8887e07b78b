//! REST 2.0 custom object data (`POST /data/customObject/{parentId}/instance`, `GET/PUT/DELETE
//! …/instance/{id}`, `GET …/instances`): the records of a custom object, for tests and tools
//! that arrange or read them one at a time.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::Required;
use utoipa::openapi::path::{HttpMethod, Parameter, ParameterBuilder, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use super::contacts::FieldValueDto;
use super::{Elements, RawPage, RestPage, deleted, object, plain, unix};
use crate::api::extract::{Caller, JsonBody, parse_id};
use crate::api::openapi::build::{self, Operation};
use crate::api::openapi::schemas;
use crate::api::{ApiError, ApiResult, AppState};
use crate::domain::clock::Timestamp;
use crate::domain::contact_fields::FieldType;
use crate::domain::custom_object::{CustomObject, CustomObjectRecord, CustomObjectRecordInput};
use crate::store::StoreError;

/// Longest text value; large text takes more.
const MAX_TEXT: usize = 250;
/// Longest large-text value.
const MAX_LARGE_TEXT: usize = 32_000;

/// Custom object data routes, relative to `/api/rest/2.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/data/customObject/{parent_id}/instance", post(create))
        .route(
            "/data/customObject/{parent_id}/instance/{id}",
            get(read).put(replace).delete(remove),
        )
        .route("/data/customObject/{parent_id}/instances", get(list))
}

/// A record as the REST 2.0 API writes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RestCustomObjectData)]
#[serde(rename_all = "camelCase")]
pub struct RecordDto {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    created_at: String,
    created_by: String,
    updated_at: String,
    updated_by: String,
    depth: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    field_values: Vec<FieldValueDto>,
}

impl RecordDto {
    fn new(record: CustomObjectRecord, object: &CustomObject) -> Self {
        let value_of = |field: Option<i64>| {
            field.and_then(|id| {
                record
                    .values
                    .iter()
                    .find(|(f, _)| *f == id)
                    .map(|(_, v)| v.clone())
            })
        };
        Self {
            kind: "CustomObjectData",
            id: record.id.to_string(),
            created_at: unix(record.audit.created_at),
            created_by: record.audit.created_by.clone(),
            updated_at: unix(record.audit.updated_at),
            updated_by: record.audit.updated_by.clone(),
            depth: "complete",
            contact_id: record.contact_id.map(|id| id.to_string()),
            unique_code: value_of(object.unique_code_field_id),
            name: value_of(object.display_name_field_id),
            field_values: record
                .values
                .iter()
                .map(|(id, value)| FieldValueDto::new(*id, value.clone()))
                .collect(),
        }
    }
}

/// The value of `field` as stored: numbers as written, dates as Unix seconds (Eloqua's form;
/// an ISO date is converted), text within its length.
fn field_value(field: FieldType, value: &str) -> Option<String> {
    let value = value.trim();
    match field {
        FieldType::Numeric => value
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|_| value.to_owned()),
        FieldType::Date => match value.parse::<i64>() {
            Ok(seconds) => Some(seconds.to_string()),
            Err(_) => Timestamp::parse_lenient(value)
                .map(|at| at.as_nanos().div_euclid(1_000_000_000).to_string()),
        },
        FieldType::LargeText => (value.chars().count() <= MAX_LARGE_TEXT).then(|| value.to_owned()),
        FieldType::Text | FieldType::EmailAddress => {
            (value.chars().count() <= MAX_TEXT).then(|| value.to_owned())
        }
    }
}

/// Reads a record body against `object`'s fields; unknown properties are ignored.
fn record_input(body: Value, custom: &CustomObject) -> Result<CustomObjectRecordInput, ApiError> {
    let obj = object(body)?;
    let contact_id = match obj.get("contactId") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            plain(value)
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| {
                    ApiError::invalid("contactId", "Must be a contact id.", Some(plain(value)))
                })?,
        ),
    };
    Ok(CustomObjectRecordInput {
        contact_id,
        values: field_values(&obj, custom)?,
    })
}

fn field_values(
    obj: &Map<String, Value>,
    object: &CustomObject,
) -> Result<Vec<(i64, String)>, ApiError> {
    let entries = match obj.get("fieldValues") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            return Err(ApiError::invalid(
                "fieldValues",
                "Must be an array.",
                Some(plain(other)),
            ));
        }
    };
    let mut values: Vec<(i64, String)> = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let place = format!("fieldValues[{index}]");
        let Value::Object(entry) = entry else {
            return Err(ApiError::invalid(
                &place,
                "Must be an object.",
                Some(plain(entry)),
            ));
        };
        let id = entry.get("id").map(plain).unwrap_or_default();
        let field = object
            .fields
            .iter()
            .find(|f| f.id.to_string() == id.trim())
            .ok_or_else(|| {
                ApiError::invalid(
                    &format!("{place}.id"),
                    "Must be the id of one of the custom object's fields.",
                    Some(id.clone()),
                )
            })?;
        let raw = match entry.get("value") {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if s.trim().is_empty() => continue,
            Some(value) => plain(value),
        };
        let value = field_value(field.data_type, &raw).ok_or_else(|| {
            ApiError::invalid(
                &format!("{place}.value"),
                format!("Must be a {} value.", field.data_type.as_str()),
                Some(raw.clone()),
            )
        })?;
        values.retain(|(f, _)| *f != field.id);
        values.push((field.id, value));
    }
    values.sort_unstable();
    Ok(values)
}

/// The site's custom object `parent_id`, or 404.
async fn parent(state: &AppState, site_id: i64, parent_id: &str) -> Result<CustomObject, ApiError> {
    Ok(state
        .store
        .get_custom_object(site_id, parse_id(parent_id)?)
        .await?)
}

/// A write's `NotFound`: the record went away (404) or the contact is not the site's (400).
async fn refused(
    state: &AppState,
    site_id: i64,
    input: &CustomObjectRecordInput,
    err: StoreError,
) -> ApiError {
    match (err, input.contact_id) {
        (StoreError::NotFound, Some(contact)) => {
            match state.store.get_contact(site_id, contact).await {
                Err(StoreError::NotFound) => ApiError::invalid(
                    "contactId",
                    format!("There was a missing reference: contact {contact} does not exist."),
                    Some(contact.to_string()),
                ),
                _ => ApiError::NotFound,
            }
        }
        (other, _) => other.into(),
    }
}

async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(parent_id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let site_id = who.site.id;
    let object = parent(&state, site_id, &parent_id).await?;
    let input = record_input(body, &object)?;
    let saved = state
        .store
        .create_record(site_id, object.id, &who.user.username, &input)
        .await;
    let record = match saved {
        Ok(record) => record,
        Err(e) => return Err(refused(&state, site_id, &input, e).await),
    };
    tracing::info!(
        id = record.id,
        object_id = object.id,
        "created custom object record"
    );
    Ok((
        StatusCode::CREATED,
        axum::Json(RecordDto::new(record, &object)),
    )
        .into_response())
}

async fn read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((parent_id, id)): Path<(String, String)>,
) -> ApiResult {
    let object = parent(&state, who.site.id, &parent_id).await?;
    let record = state
        .store
        .get_record(who.site.id, object.id, parse_id(&id)?)
        .await?;
    Ok(axum::Json(RecordDto::new(record, &object)).into_response())
}

async fn replace(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((parent_id, id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let site_id = who.site.id;
    let object = parent(&state, site_id, &parent_id).await?;
    let id = parse_id(&id)?;
    // An unknown record is a 404 even when the body is also wrong.
    state.store.get_record(site_id, object.id, id).await?;
    let input = record_input(body, &object)?;
    let saved = state
        .store
        .update_record(site_id, object.id, id, &who.user.username, &input)
        .await;
    let record = match saved {
        Ok(record) => record,
        Err(e) => return Err(refused(&state, site_id, &input, e).await),
    };
    tracing::info!(id, object_id = object.id, "replaced custom object record");
    Ok(axum::Json(RecordDto::new(record, &object)).into_response())
}

async fn remove(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((parent_id, id)): Path<(String, String)>,
) -> ApiResult {
    let object = parent(&state, who.site.id, &parent_id).await?;
    let id = parse_id(&id)?;
    state
        .store
        .delete_record(who.site.id, object.id, id)
        .await?;
    tracing::info!(id, object_id = object.id, "deleted custom object record");
    Ok(deleted())
}

async fn list(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(parent_id): Path<String>,
    page: RestPage,
) -> ApiResult {
    let object = parent(&state, who.site.id, &parent_id).await?;
    let (records, total) = state
        .store
        .list_records(who.site.id, object.id, page.offset(), page.count)
        .await?;
    let elements = records
        .into_iter()
        .map(|record| RecordDto::new(record, &object))
        .collect();
    Ok(axum::Json(Elements::new(elements, &page, total)).into_response())
}

fn path_parameter(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .description(Some(description))
        .required(Required::True)
        .schema(Some(<i64 as utoipa::PartialSchema>::schema()))
        .build()
}

/// Adds the five operations to the document.
pub fn document(document: &mut Document) {
    let dto = build::schema::<RecordDto>(document);
    let elements = build::generic::<Elements<RecordDto>, RecordDto>(document);
    let input = build::schema::<schemas::CustomObjectDataInput>(document);
    let (failures, message) = (Some("FailuresBody".to_owned()), Some("ErrorMessage".into()));
    let bad_page = ("400", "A bad page or count", failures.clone());
    let broken = (
        "400",
        "A bad property, malformed JSON or wrong Content-Type",
        failures,
    );
    let missing = ("404", "No such custom object or record", message);
    let base = "/api/REST/2.0/data/customObject/{parent_id}";
    let item = format!("{base}/instance/{{id}}");
    let parent_id = path_parameter("parent_id", "Custom object id");
    let both = vec![parent_id.clone(), path_parameter("id", "Record id")];
    let tag = "REST custom object data";
    let operations = [
        Operation {
            parameters: vec![parent_id.clone()],
            body: vec![("application/json", input.clone())],
            responses: vec![
                ("201", "Created", Some(dto.clone())),
                broken.clone(),
                missing.clone(),
            ],
            ..Operation::new(
                HttpMethod::Post,
                format!("{base}/instance"),
                "createCustomObjectData",
                tag,
                "Creates a record of the custom object: 201 Created with it.",
            )
        },
        Operation {
            parameters: both.clone(),
            responses: vec![("200", "Found", Some(dto.clone())), missing.clone()],
            ..Operation::new(
                HttpMethod::Get,
                &item,
                "getCustomObjectData",
                tag,
                "Reads one record.",
            )
        },
        Operation {
            parameters: both.clone(),
            body: vec![("application/json", input)],
            responses: vec![("200", "Replaced", Some(dto)), broken, missing.clone()],
            ..Operation::new(
                HttpMethod::Put,
                &item,
                "updateCustomObjectData",
                tag,
                "Replaces a record's contact link and values.",
            )
        },
        Operation {
            parameters: both,
            responses: vec![("200", "Deleted (empty body)", None), missing.clone()],
            ..Operation::new(
                HttpMethod::Delete,
                &item,
                "deleteCustomObjectData",
                tag,
                "Deletes a record.",
            )
        },
        Operation {
            parameters: [parent_id]
                .into_iter()
                .chain(RawPage::into_params(|| Some(ParameterIn::Query)))
                .collect(),
            responses: vec![("200", "A page", Some(elements)), bad_page, missing],
            ..Operation::new(
                HttpMethod::Get,
                format!("{base}/instances"),
                "listCustomObjectData",
                tag,
                "Lists the custom object's records by id, paged by page and count.",
            )
        },
    ];
    for operation in operations {
        operation.add_to(document);
    }
}

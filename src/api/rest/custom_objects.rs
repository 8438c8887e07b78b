//! REST 2.0 custom object definitions (`POST /assets/customObject`, `GET/PUT/DELETE
//! /assets/customObject/{id}`, `GET /assets/customObjects`), the way Eloqua's asset API
//! defines them; the Bulk API reads them back (`/customObjects`, `api/custom_objects.rs`).

use axum::Router;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::resource::{Resource, create, list, read, remove, replace};
use super::{RestPage, object, plain, required_text, text, unix};
use crate::api::openapi::schemas;
use crate::api::{ApiError, AppState};
use crate::domain::contact_fields::FieldType;
use crate::domain::custom_object::{
    CustomObject, CustomObjectField, CustomObjectFieldInput, CustomObjectInput, FIELD_TYPES,
};
use crate::domain::failure::Failure;

/// Longest object or field name.
const MAX_NAME: usize = 100;
/// Longest description.
const MAX_DESCRIPTION: usize = 2000;
/// Most fields one custom object holds (Eloqua allows 250).
const MAX_FIELDS: usize = 250;

/// Custom object routes, relative to `/api/rest/2.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/customObject", post(create::<CustomObjects>))
        .route(
            "/assets/customObject/{id}",
            get(read::<CustomObjects>)
                .put(replace::<CustomObjects>)
                .delete(remove::<CustomObjects>),
        )
        .route("/assets/customObjects", get(list::<CustomObjects>))
}

/// A custom object field as the REST 2.0 API writes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RestCustomObjectField)]
#[serde(rename_all = "camelCase")]
pub struct FieldDto {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    depth: &'static str,
    name: String,
    internal_name: String,
    data_type: &'static str,
    display_type: &'static str,
}

impl From<CustomObjectField> for FieldDto {
    fn from(field: CustomObjectField) -> Self {
        Self {
            kind: "CustomObjectField",
            id: field.id.to_string(),
            depth: "complete",
            name: field.name,
            internal_name: field.internal_name,
            data_type: field.data_type.as_str(),
            display_type: if field.data_type == FieldType::LargeText {
                "textArea"
            } else {
                "text"
            },
        }
    }
}

/// A custom object as the REST 2.0 API writes it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = RestCustomObject)]
#[serde(rename_all = "camelCase")]
pub struct CustomObjectDto {
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
    fields: Vec<FieldDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_code_field_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_address_field_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name_field_id: Option<String>,
}

impl From<CustomObject> for CustomObjectDto {
    fn from(object: CustomObject) -> Self {
        let id = |field: Option<i64>| field.map(|id| id.to_string());
        Self {
            kind: "CustomObject",
            id: object.id.to_string(),
            created_at: unix(object.audit.created_at),
            created_by: object.audit.created_by,
            depth: "complete",
            name: object.name,
            description: object.description,
            updated_at: unix(object.audit.updated_at),
            updated_by: object.audit.updated_by,
            fields: object.fields.into_iter().map(FieldDto::from).collect(),
            unique_code_field_id: id(object.unique_code_field_id),
            email_address_field_id: id(object.email_address_field_id),
            display_name_field_id: id(object.display_name_field_id),
        }
    }
}

/// An id property written as a number or a string of digits (negative for a placeholder).
fn id_value(obj: &Map<String, Value>, name: &str) -> Result<Option<i64>, ApiError> {
    let parsed = match obj.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        Some(_) => None,
    };
    match parsed {
        Some(id) if id != 0 => Ok(Some(id)),
        _ => Err(ApiError::invalid(
            name,
            "Must be a field id (a negative one names a field added by the same request).",
            obj.get(name).map(plain),
        )),
    }
}

/// `fields[n]`: its id, name and data type; failures name their place in the array.
fn field_input(index: usize, value: &Value) -> Result<CustomObjectFieldInput, ApiError> {
    let place = format!("fields[{index}]");
    let within = |e: ApiError| match e {
        ApiError::Validation(failures) => ApiError::Validation(
            failures
                .into_iter()
                .map(|f| Failure {
                    field: format!("{place}.{}", f.field),
                    ..f
                })
                .collect(),
        ),
        other => other,
    };
    let Value::Object(obj) = value else {
        return Err(ApiError::invalid(
            &place,
            "Must be a JSON object.",
            Some(plain(value)),
        ));
    };
    let name = required_text(obj, "name", MAX_NAME).map_err(within)?;
    let id = id_value(obj, "id").map_err(within)?;
    let names: Vec<&str> = FIELD_TYPES.iter().map(|t| t.as_str()).collect();
    let data_type = text(obj, "dataType", 20)
        .map_err(within)?
        .and_then(|t| FieldType::parse(&t))
        .filter(|t| FIELD_TYPES.contains(t))
        .ok_or_else(|| {
            ApiError::invalid(
                &format!("{place}.dataType"),
                format!("Required: one of {}.", names.join(", ")),
                obj.get("dataType").map(plain),
            )
        })?;
    Ok(CustomObjectFieldInput {
        id,
        name,
        data_type,
    })
}

/// Checks the ids an input names: positive field ids must be fields of `existing` (none on
/// a new object), each placeholder names one new field, and each reference names a field
/// the object will have.
fn check_ids(input: &CustomObjectInput, existing: Option<&CustomObject>) -> Result<(), ApiError> {
    let mut seen = Vec::new();
    for (index, field) in input.fields.iter().enumerate() {
        let Some(id) = field.id else { continue };
        let known = id < 0 || existing.is_some_and(|o| o.fields.iter().any(|f| f.id == id));
        if !known || seen.contains(&id) {
            return Err(ApiError::invalid(
                &format!("fields[{index}].id"),
                "Must name a field of this custom object once, or be a negative placeholder for a new field.",
                Some(id.to_string()),
            ));
        }
        seen.push(id);
    }
    for (name, reference) in [
        ("uniqueCodeFieldId", input.unique_code_field_id),
        ("emailAddressFieldId", input.email_address_field_id),
        ("displayNameFieldId", input.display_name_field_id),
    ] {
        if let Some(id) = reference.filter(|id| !seen.contains(id)) {
            return Err(ApiError::invalid(
                name,
                "Must name one of the fields in `fields`.",
                Some(id.to_string()),
            ));
        }
    }
    Ok(())
}

/// Custom objects (`/assets/customObject`).
pub struct CustomObjects;

impl Resource for CustomObjects {
    type Input = CustomObjectInput;
    type Item = CustomObject;
    type Dto = CustomObjectDto;
    type InputSchema = schemas::CustomObjectInput;

    const PREFIX: &'static str = "/api/REST/2.0";
    const PATH: &'static str = "/assets/customObject";
    const COLLECTION: &'static str = "/assets/customObjects";
    const OPERATION: &'static str = "RestCustomObject";
    const LIST_OPERATION: &'static str = "listRestCustomObjects";
    const TAG: &'static str = "REST custom objects";
    const NOUN: &'static str = "custom object";
    const REPLACES: &'static str =
        "A full replace: fields left out are deleted, fields with an id are kept under it.";
    const CONFLICT: Option<&'static str> = None;

    /// Unknown properties are ignored.
    fn input(body: Value) -> Result<CustomObjectInput, ApiError> {
        let obj = object(body)?;
        let fields = match obj.get("fields") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if items.len() <= MAX_FIELDS => items
                .iter()
                .enumerate()
                .map(|(index, item)| field_input(index, item))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(ApiError::invalid(
                    "fields",
                    format!("Must be an array of at most {MAX_FIELDS} fields."),
                    Some(plain(other)),
                ));
            }
        };
        Ok(CustomObjectInput {
            name: required_text(&obj, "name", MAX_NAME)?,
            description: text(&obj, "description", MAX_DESCRIPTION)?,
            fields,
            unique_code_field_id: id_value(&obj, "uniqueCodeFieldId")?,
            email_address_field_id: id_value(&obj, "emailAddressFieldId")?,
            display_name_field_id: id_value(&obj, "displayNameFieldId")?,
        })
    }

    async fn save(
        state: &AppState,
        site_id: i64,
        id: Option<i64>,
        by: &str,
        input: &CustomObjectInput,
    ) -> Result<CustomObject, ApiError> {
        let store = &state.store;
        Ok(match id {
            None => {
                check_ids(input, None)?;
                let (_, held) = store.list_custom_objects(site_id, None, 0, 0).await?;
                if held >= crate::domain::custom_object::MAX_CUSTOM_OBJECTS {
                    return Err(ApiError::invalid(
                        "name",
                        format!(
                            "The site has {held} custom objects, the most one site may have \
                             ({}); delete one first.",
                            crate::domain::custom_object::MAX_CUSTOM_OBJECTS
                        ),
                        Some(input.name.clone()),
                    ));
                }
                store.create_custom_object(site_id, by, input).await?
            }
            Some(id) => {
                let existing = store.get_custom_object(site_id, id).await?;
                check_ids(input, Some(&existing))?;
                store.update_custom_object(site_id, id, by, input).await?
            }
        })
    }

    async fn get(state: &AppState, site_id: i64, id: i64) -> Result<CustomObject, ApiError> {
        Ok(state.store.get_custom_object(site_id, id).await?)
    }

    async fn delete(state: &AppState, site_id: i64, id: i64) -> Result<(), ApiError> {
        Ok(state.store.delete_custom_object(site_id, id).await?)
    }

    async fn page(
        state: &AppState,
        site_id: i64,
        page: &RestPage,
    ) -> Result<(Vec<CustomObject>, u64), ApiError> {
        let pattern = page.pattern(&["name"])?;
        Ok(state
            .store
            .list_custom_objects(site_id, pattern.as_deref(), page.offset(), page.count)
            .await?)
    }

    fn dto(
        object: CustomObject,
        _site_id: i64,
        _input: Option<&CustomObjectInput>,
    ) -> CustomObjectDto {
        CustomObjectDto::from(object)
    }

    fn id(item: &CustomObject) -> i64 {
        item.id
    }
}

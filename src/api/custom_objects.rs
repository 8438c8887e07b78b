//! Bulk 2.0 custom object lookups: `/customObjects[/{id}]` and each object's field catalogue
//! `/customObjects/{id}/fields[/{fieldId}]` (statements `{{CustomObject[9].Field[147]}}`), read
//! from the definitions the REST 2.0 asset API keeps (`rest/custom_objects.rs`).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use utoipa::PartialSchema;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::Required;
use utoipa::openapi::path::{HttpMethod, ParameterBuilder, ParameterIn};

use super::containers::{
    CatalogueField, Catalogued, Collection, FieldDto, NoFilter, catalogue_page,
};
use super::extract::{Caller, ListParams, parse_id};
use super::openapi::build::{self, Operation, id_parameter, list_parameters};
use super::wire::Envelope;
use super::{ApiError, ApiResult, AppState};
use crate::domain::custom_object::{CustomObject, CustomObjectField};
use crate::domain::query::{ListQuery, MAX_PAGE};
use crate::store::Page;

/// Routes under the Bulk prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/customObjects",
            get(super::containers::list::<CustomObjects>),
        )
        .route(
            "/customObjects/{id}",
            get(super::containers::read::<CustomObjects>),
        )
        .route("/customObjects/{id}/fields", get(list_fields))
        .route("/customObjects/{id}/fields/{field_id}", get(read_field))
}

/// A custom object as the Bulk API writes it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkCustomObjectDto {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_field_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_address_field_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name_field_uri: Option<String>,
    uri: String,
    created_by: String,
    created_at: String,
    updated_by: String,
    updated_at: String,
}

impl From<CustomObject> for BulkCustomObjectDto {
    fn from(object: CustomObject) -> Self {
        let uri = format!("/customObjects/{}", object.id);
        let field_uri = |field: Option<i64>| field.map(|id| format!("{uri}/fields/{id}"));
        Self {
            name: object.name,
            description: object.description,
            unique_field_uri: field_uri(object.unique_code_field_id),
            email_address_field_uri: field_uri(object.email_address_field_id),
            display_name_field_uri: field_uri(object.display_name_field_id),
            created_by: object.audit.created_by,
            created_at: object.audit.created_at.to_string(),
            updated_by: object.audit.updated_by,
            updated_at: object.audit.updated_at.to_string(),
            uri,
        }
    }
}

impl Catalogued for CustomObject {
    /// Objects have only a name to filter and sort on.
    fn property(&self, _: CatalogueField) -> &str {
        &self.name
    }
}

/// The custom objects (`/customObjects`).
pub struct CustomObjects;

impl Collection for CustomObjects {
    type Field = CatalogueField;
    type Item = CustomObject;
    type Dto = BulkCustomObjectDto;
    const PATH: &'static str = "/customObjects";
    const OPERATION: &'static str = "CustomObject";
    const NOUN: &'static str = "custom object";
    type Filter = NoFilter;

    async fn page(
        state: &AppState,
        site_id: i64,
        query: &ListQuery<CatalogueField>,
        _: &NoFilter,
    ) -> Result<Page<CustomObject>, ApiError> {
        // A site has few custom objects (Eloqua allows a few hundred): page them here.
        let (all, _) = state
            .store
            .list_custom_objects(site_id, None, 0, u64::MAX)
            .await?;
        Ok(catalogue_page(all, query))
    }

    async fn one(state: &AppState, site_id: i64, id: i64) -> Result<CustomObject, ApiError> {
        Ok(state.store.get_custom_object(site_id, id).await?)
    }
}

/// One field of one custom object, with the object's times (fields have none of their own).
struct ObjectField {
    object_id: i64,
    field: CustomObjectField,
    times: (String, String),
}

impl Catalogued for ObjectField {
    fn property(&self, of: CatalogueField) -> &str {
        match of {
            CatalogueField::Name => &self.field.name,
            CatalogueField::InternalName => &self.field.internal_name,
            CatalogueField::DataType => self.field.data_type.as_str(),
        }
    }
}

impl From<ObjectField> for FieldDto {
    fn from(
        ObjectField {
            object_id,
            field,
            times,
        }: ObjectField,
    ) -> Self {
        let (statement, uri) = (
            field.statement(object_id),
            format!("/customObjects/{object_id}/fields/{}", field.id),
        );
        let data_type = field.data_type.as_str();
        FieldDto::plain(
            (field.name, field.internal_name, data_type),
            statement,
            uri,
            times,
        )
    }
}

/// The fields of custom object `id` of the site.
async fn fields_of(state: &AppState, site_id: i64, id: &str) -> Result<Vec<ObjectField>, ApiError> {
    let object = state
        .store
        .get_custom_object(site_id, parse_id(id)?)
        .await?;
    let times = (
        object.audit.created_at.to_string(),
        object.audit.updated_at.to_string(),
    );
    Ok(object
        .fields
        .into_iter()
        .map(|field| ObjectField {
            object_id: object.id,
            field,
            times: times.clone(),
        })
        .collect())
}

/// `GET /customObjects/{id}/fields`: a page of the object's fields.
async fn list_fields(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> ApiResult {
    let fields = fields_of(&state, who.site.id, &id).await?;
    let query = params.query::<CatalogueField>(MAX_PAGE)?;
    let page = catalogue_page(fields, &query);
    Ok(axum::Json(Envelope::from_page(page, &query, FieldDto::from)).into_response())
}

/// `GET /customObjects/{id}/fields/{fieldId}`.
async fn read_field(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path((id, field_id)): Path<(String, String)>,
) -> ApiResult {
    let field_id = parse_id(&field_id)?;
    let field = fields_of(&state, who.site.id, &id)
        .await?
        .into_iter()
        .find(|f| f.field.id == field_id)
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(FieldDto::from(field)).into_response())
}

/// Adds the custom object operations to the document.
pub fn document(document: &mut Document) {
    super::containers::add::<CustomObjects>(document);
    let field = build::schema::<FieldDto>(document);
    let envelope = build::envelope::<FieldDto>(document);
    let path = "/api/bulk/2.0/customObjects/{id}/fields";
    let object_id = id_parameter("Custom object id");
    let list = Operation {
        parameters: [object_id.clone()]
            .into_iter()
            .chain(list_parameters())
            .collect(),
        responses: vec![
            ("200", "A page", Some(envelope)),
            (
                "400",
                "A bad limit, offset, orderBy, q or totalResults",
                Some("FailuresBody".into()),
            ),
            ("404", "No such custom object", Some("ErrorMessage".into())),
        ],
        ..Operation::new(
            HttpMethod::Get,
            path,
            "listCustomObjectFields",
            "containers",
            "Lists a custom object's fields.",
        )
    };
    let field_id = ParameterBuilder::new()
        .name("field_id")
        .parameter_in(ParameterIn::Path)
        .description(Some("Field id"))
        .required(Required::True)
        .schema(Some(i64::schema()))
        .build();
    let read = Operation {
        parameters: vec![object_id, field_id],
        responses: vec![
            ("200", "Found", Some(field)),
            (
                "404",
                "No such custom object or field",
                Some("ErrorMessage".into()),
            ),
        ],
        ..Operation::new(
            HttpMethod::Get,
            format!("{path}/{{field_id}}"),
            "getCustomObjectField",
            "containers",
            "Reads a field of a custom object.",
        )
    };
    list.add_to(document);
    read.add_to(document);
}

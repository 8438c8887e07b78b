//! The activity field catalogue (`/activities/fields?activityType=T`): each activity type's
//! fields as Oracle's activity field reference names them, paged like the record types'
//! catalogues (`containers.rs`).

use serde::{Deserialize, Serialize};
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::{PartialSchema, ToSchema};

use super::containers::{BUILT_IN, CatalogueField, Catalogued, Collection, catalogue_page};
use super::{ApiError, AppState};
use crate::domain::activity::{ActivityField, ActivityType};
use crate::domain::query::ListQuery;
use crate::store::Page;

/// An activity field as the Bulk API writes it, with the types that have it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityFieldDto {
    name: &'static str,
    internal_name: &'static str,
    data_type: &'static str,
    has_read_only_constraint: bool,
    has_not_null_constraint: bool,
    has_uniqueness_constraint: bool,
    statement: &'static str,
    activity_types: Vec<&'static str>,
    uri: String,
    created_at: &'static str,
    updated_at: &'static str,
}

impl From<&'static ActivityField> for ActivityFieldDto {
    fn from(field: &'static ActivityField) -> Self {
        Self {
            name: field.name,
            internal_name: field.internal_name,
            data_type: field.data_type.as_str(),
            has_read_only_constraint: true,
            has_not_null_constraint: false,
            has_uniqueness_constraint: false,
            statement: field.statement,
            activity_types: field
                .activity_types()
                .into_iter()
                .map(ActivityType::as_str)
                .collect(),
            uri: format!("/activities/fields/{}", field.id),
            created_at: BUILT_IN,
            updated_at: BUILT_IN,
        }
    }
}

impl Catalogued for &'static ActivityField {
    fn property(&self, of: CatalogueField) -> &str {
        match of {
            CatalogueField::Name => self.name,
            CatalogueField::InternalName => self.internal_name,
            CatalogueField::DataType => self.data_type.as_str(),
        }
    }
}

/// `activityType`, which the list requires.
#[derive(Debug, Deserialize)]
pub struct ActivityFilter {
    #[serde(rename = "activityType")]
    activity_type: Option<String>,
}

impl ActivityFilter {
    /// The named type; 400 when it is missing or not one of Eloqua's.
    fn activity_type(&self) -> Result<ActivityType, ApiError> {
        let names: Vec<&str> = ActivityType::ALL.iter().map(|t| t.as_str()).collect();
        let expected = format!("Must be one of: {}.", names.join(", "));
        let text = self
            .activity_type
            .as_deref()
            .ok_or_else(|| ApiError::invalid("activityType", expected.clone(), None))?;
        ActivityType::parse(text)
            .ok_or_else(|| ApiError::invalid("activityType", expected, Some(text.to_owned())))
    }
}

/// The activity field catalogue (`/activities/fields`).
pub struct ActivityFields;

impl Collection for ActivityFields {
    type Field = CatalogueField;
    type Item = &'static ActivityField;
    type Dto = ActivityFieldDto;
    const PATH: &'static str = "/activities/fields";
    const OPERATION: &'static str = "ActivityField";
    const NOUN: &'static str = "activity field";
    type Filter = ActivityFilter;

    async fn page(
        _: &AppState,
        _: i64,
        query: &ListQuery<CatalogueField>,
        filter: &ActivityFilter,
    ) -> Result<Page<&'static ActivityField>, ApiError> {
        Ok(catalogue_page(filter.activity_type()?.fields(), query))
    }

    async fn one(_: &AppState, _: i64, id: i64) -> Result<&'static ActivityField, ApiError> {
        ActivityField::by_id(id).ok_or(ApiError::NotFound)
    }

    fn filter_parameters() -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("activityType")
                .parameter_in(ParameterIn::Query)
                .description(Some(
                    "The activity type whose fields to list: EmailOpen, EmailClickthrough, \
                     EmailSend, Subscribe, Unsubscribe, Bounceback, WebVisit, PageView or FormSubmit.",
                ))
                .required(Required::True)
                .schema(Some(String::schema()))
                .build(),
        ]
    }
}

//! The create, read, replace, delete and list handlers of a REST resource (contacts,
//! contact lists, email groups; REST 2.0 custom objects), written once over a [`Resource`], with their OpenAPI
//! operations built from the same description.

use std::future::Future;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::path::{HttpMethod, ParameterIn};
use utoipa::{IntoParams, ToSchema};

use super::{Elements, RawPage, RestPage, deleted};
use crate::api::extract::{Caller, JsonBody, parse_id};
use crate::api::openapi::build::{self, Operation, id_parameter};
use crate::api::{ApiError, ApiResult, AppState};

/// What differs between REST 1.0 resources; the rest of their HTTP life is shared.
pub trait Resource: Send + Sync + 'static {
    /// The writable properties a body carries.
    type Input: Send + Sync;
    /// One item as stored.
    type Item: Send;
    /// One item on the wire.
    type Dto: Serialize + ToSchema;
    /// The documented schema of a request body.
    type InputSchema: ToSchema;

    /// The API's prefix as the document writes it (`/api/REST/2.0` for the asset API's
    /// newer resources).
    const PREFIX: &'static str = "/api/REST/1.0";
    /// The path of one item under the REST prefix, without `/{id}` (`/assets/email/group`).
    const PATH: &'static str;
    /// The path of the collection (`/assets/email/groups`).
    const COLLECTION: &'static str;
    /// The operation id stem (`RestEmailGroup`: `createRestEmailGroup`, …).
    const OPERATION: &'static str;
    /// The operation id of the collection's `GET` (`listRestEmailGroups`).
    const LIST_OPERATION: &'static str;
    /// The document's tag.
    const TAG: &'static str;
    /// How logs and the document name one ("email group").
    const NOUN: &'static str;
    /// What a replace does to properties left out (the `PUT` summary).
    const REPLACES: &'static str;
    /// The 409 a write can answer, when it can.
    const CONFLICT: Option<&'static str>;

    /// Reads a body; unknown properties are ignored, wrong types name the property.
    ///
    /// # Errors
    /// 400 naming the offending property.
    fn input(body: Value) -> Result<Self::Input, ApiError>;
    /// Stores a new item (`id` is `None`) or replaces the writable properties of item `id`.
    fn save(
        state: &AppState,
        site_id: i64,
        id: Option<i64>,
        by: &str,
        input: &Self::Input,
    ) -> impl Future<Output = Result<Self::Item, ApiError>> + Send;
    /// One item.
    fn get(
        state: &AppState,
        site_id: i64,
        id: i64,
    ) -> impl Future<Output = Result<Self::Item, ApiError>> + Send;
    /// Deletes an item.
    fn delete(
        state: &AppState,
        site_id: i64,
        id: i64,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// One page of the site's items (searched as `page` says), with the number of matches.
    fn page(
        state: &AppState,
        site_id: i64,
        page: &RestPage,
    ) -> impl Future<Output = Result<(Vec<Self::Item>, u64), ApiError>> + Send;
    /// The wire form, echoing what the request that produced it asked for when it matters.
    fn dto(item: Self::Item, site_id: i64, input: Option<&Self::Input>) -> Self::Dto;
    /// An item's id, for logs.
    fn id(item: &Self::Item) -> i64;
    /// How many members a write adds and removes, for logs, when the resource has members.
    fn membership(_input: &Self::Input) -> Option<(usize, usize)> {
        None
    }
}

/// `POST`: 201 Created with the new item, as Eloqua's REST 1.0 answers.
pub async fn create<R: Resource>(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let site_id = who.site.id;
    let input = R::input(body)?;
    let item = R::save(&state, site_id, None, &who.user.username, &input).await?;
    let (id, membership) = (R::id(&item), R::membership(&input));
    let dto = R::dto(item, site_id, Some(&input));
    tracing::info!(
        id,
        resource = R::NOUN,
        added = membership.map(|(added, _)| added),
        "created resource"
    );
    Ok((StatusCode::CREATED, axum::Json(dto)).into_response())
}

/// `GET` one item.
pub async fn read<R: Resource>(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let item = R::get(&state, who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(R::dto(item, who.site.id, None)).into_response())
}

/// `PUT` one item.
pub async fn replace<R: Resource>(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let (site_id, id) = (who.site.id, parse_id(&id)?);
    // An unknown id is a 404 even when the body is also wrong.
    R::get(&state, site_id, id).await?;
    let input = R::input(body)?;
    let item = R::save(&state, site_id, Some(id), &who.user.username, &input).await?;
    let membership = R::membership(&input);
    tracing::info!(
        id,
        resource = R::NOUN,
        added = membership.map(|(added, _)| added),
        removed = membership.map(|(_, removed)| removed),
        "replaced resource"
    );
    Ok(axum::Json(R::dto(item, site_id, Some(&input))).into_response())
}

/// `DELETE` one item: 200 with an empty body, as Eloqua answers.
pub async fn remove<R: Resource>(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = parse_id(&id)?;
    R::delete(&state, who.site.id, id).await?;
    tracing::info!(id, resource = R::NOUN, "deleted resource");
    Ok(deleted())
}

/// `GET` the collection: a page, searched as `page` says.
pub async fn list<R: Resource>(
    State(state): State<AppState>,
    Caller(who): Caller,
    page: RestPage,
) -> ApiResult {
    let site_id = who.site.id;
    let (items, total) = R::page(&state, site_id, &page).await?;
    let elements = items
        .into_iter()
        .map(|item| R::dto(item, site_id, None))
        .collect();
    Ok(axum::Json(Elements::new(elements, &page, total)).into_response())
}

/// Adds the five operations of `R` to the document.
pub fn document<R: Resource>(document: &mut Document) {
    let dto = build::schema::<R::Dto>(document);
    let elements = build::generic::<Elements<R::Dto>, R::Dto>(document);
    let input = build::schema::<R::InputSchema>(document);
    let (failures, message) = (Some("FailuresBody".to_owned()), Some("ErrorMessage".into()));
    let broken = (
        "400",
        "A bad property, malformed JSON or wrong Content-Type",
        failures.clone(),
    );
    let missing = ("404", "Not found", message.clone());
    let conflict = R::CONFLICT.map(|why| ("409", why, message));
    let item = format!("{}{}/{{id}}", R::PREFIX, R::PATH);
    let operation = |method, path: &str, id: String, summary: String| {
        Operation::new(method, path, id, R::TAG, summary)
    };
    let operations = [
        Operation {
            body: vec![("application/json", input.clone())],
            responses: [("201", "Created", Some(dto.clone())), broken.clone()]
                .into_iter()
                .chain(conflict.clone())
                .collect(),
            ..operation(
                HttpMethod::Post,
                &format!("{}{}", R::PREFIX, R::PATH),
                format!("create{}", R::OPERATION),
                format!(
                    "Creates {} {}: 201 Created with it, as Eloqua's REST 1.0 answers.",
                    build::article(R::NOUN),
                    R::NOUN
                ),
            )
        },
        Operation {
            parameters: vec![id_parameter("Id")],
            responses: vec![("200", "Found", Some(dto.clone())), missing.clone()],
            ..operation(
                HttpMethod::Get,
                &item,
                format!("get{}", R::OPERATION),
                "Reads one.".into(),
            )
        },
        Operation {
            parameters: vec![id_parameter("Id")],
            body: vec![("application/json", input)],
            responses: [("200", "Replaced", Some(dto)), broken, missing.clone()]
                .into_iter()
                .chain(conflict)
                .collect(),
            ..operation(
                HttpMethod::Put,
                &item,
                format!("replace{}", R::OPERATION),
                R::REPLACES.into(),
            )
        },
        Operation {
            parameters: vec![id_parameter("Id")],
            responses: vec![
                ("200", "Deleted (an empty body, as Eloqua answers)", None),
                missing,
            ],
            ..operation(
                HttpMethod::Delete,
                &item,
                format!("delete{}", R::OPERATION),
                "Deletes one.".into(),
            )
        },
        Operation {
            parameters: RawPage::into_params(|| Some(ParameterIn::Query)),
            responses: vec![
                ("200", "A page", Some(elements)),
                ("400", "A bad page, count or search", failures),
            ],
            ..operation(
                HttpMethod::Get,
                &format!("{}{}", R::PREFIX, R::COLLECTION),
                R::LIST_OPERATION.into(),
                "Lists (or searches) them.".into(),
            )
        },
    ];
    for operation in operations {
        operation.add_to(document);
    }
}

//! Contact export definitions (`/contacts/exports`), and the data export syncs produce
//! (`GET`/`DELETE /syncs/{id}/data`, JSON or, with `Accept: text/csv`, CSV).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use super::error::{ErrorMessage, FailuresBody};
use super::extract::{Caller, JsonBody, ListParams, RawParams, parse_id};
use super::openapi::schemas::{ExportDefinitionDto, ExportDefinitionInput};
use super::sync_actions::missing_reference;
use super::wire::Envelope;
use super::{ApiError, ApiResult, AppState, no_content};
use crate::domain::appcloud::InstanceKind;
use crate::domain::contact_fields::{ContactField, standard_field};
use crate::domain::definition::{
    ContainerRef, ExportDefinition, FieldTarget, validate_export_definition,
};
use crate::domain::failure::Failure;
use crate::domain::fields::{DefinitionField, NoField};
use crate::domain::filter::{FieldRef, Filter, Membership};
use crate::domain::query::MAX_PAGE;
use crate::domain::spreadsheet::CsvCells;
use crate::store::{ExportRecord, StoreError};

/// Largest page of `GET /syncs/{id}/data` (and its default is 1000).
pub const MAX_DATA_PAGE: u32 = 50_000;

/// Routes under the Bulk prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts/exports", get(list).post(create))
        .route(
            "/contacts/exports/{id}",
            get(read).put(replace).delete(remove),
        )
}

pub(super) fn dto(record: ExportRecord) -> serde_json::Value {
    let mut body = record.definition.to_json();
    if let Some(object) = body.as_object_mut() {
        object.insert(
            "uri".into(),
            format!("/contacts/exports/{}", record.id).into(),
        );
        object.insert("createdBy".into(), record.audit.created_by.into());
        object.insert(
            "createdAt".into(),
            record.audit.created_at.to_string().into(),
        );
        object.insert("updatedBy".into(), record.audit.updated_by.into());
        object.insert(
            "updatedAt".into(),
            record.audit.updated_at.to_string().into(),
        );
    }
    body
}

/// Creates a contact export definition.
#[utoipa::path(
    post,
    path = "/api/bulk/2.0/contacts/exports",
    operation_id = "createExportDefinition",
    tag = "exports",
    request_body(content = ExportDefinitionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = ExportDefinitionDto),
        (status = 400, description = "A broken rule, malformed JSON or wrong Content-Type", body = FailuresBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let definition = validate(&state, who.site.id, &body).await?;
    let record = state
        .store
        .create_export(who.site.id, &who.user.username, &definition)
        .await?;
    tracing::info!(
        export_id = record.id,
        fields = definition.fields.len(),
        "created export definition"
    );
    Ok((StatusCode::CREATED, axum::Json(dto(record))).into_response())
}

/// Reads an export definition.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/exports/{id}",
    operation_id = "getExportDefinition",
    tag = "exports",
    params(("id" = i64, Path, description = "Export definition id")),
    responses(
        (status = 200, description = "The definition", body = ExportDefinitionDto),
        (status = 404, description = "No such definition", body = ErrorMessage),
    )
)]
async fn read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    Ok(axum::Json(dto(state
        .store
        .get_export(who.site.id, parse_id(&id)?)
        .await?))
    .into_response())
}

/// Replaces an export definition.
#[utoipa::path(
    put,
    path = "/api/bulk/2.0/contacts/exports/{id}",
    operation_id = "replaceExportDefinition",
    tag = "exports",
    params(("id" = i64, Path, description = "Export definition id")),
    request_body(content = ExportDefinitionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The replaced definition", body = ExportDefinitionDto),
        (status = 400, description = "A broken rule, malformed JSON or wrong Content-Type", body = FailuresBody),
        (status = 404, description = "No such definition", body = ErrorMessage),
    )
)]
async fn replace(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let id = parse_id(&id)?;
    state.store.get_export(who.site.id, id).await?;
    let definition = validate(&state, who.site.id, &body).await?;
    let record = state
        .store
        .replace_export(who.site.id, id, &who.user.username, &definition)
        .await?;
    Ok(axum::Json(dto(record)).into_response())
}

/// Deletes an export definition.
#[utoipa::path(
    delete,
    path = "/api/bulk/2.0/contacts/exports/{id}",
    operation_id = "deleteExportDefinition",
    tag = "exports",
    params(("id" = i64, Path, description = "Export definition id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such definition", body = ErrorMessage),
    )
)]
async fn remove(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    state
        .store
        .delete_export(who.site.id, parse_id(&id)?)
        .await?;
    Ok(no_content())
}

/// Lists contact export definitions.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/exports",
    operation_id = "listExportDefinitions",
    tag = "exports",
    params(RawParams),
    responses(
        (status = 200, description = "A page of definitions", body = Envelope<ExportDefinitionDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
    )
)]
async fn list(State(state): State<AppState>, Caller(who): Caller, params: ListParams) -> ApiResult {
    let query = params.query::<DefinitionField>(MAX_PAGE)?;
    let page = state.store.list_exports(who.site.id, &query).await?;
    Ok(axum::Json(Envelope::from_page(page, &query, dto)).into_response())
}

fn known(name: &str, custom: &[ContactField]) -> bool {
    standard_field(name).is_some()
        || custom
            .iter()
            .any(|c| c.internal_name.eq_ignore_ascii_case(name))
}

/// Every rule, then that each field (in `fields` and in the filter) exists for the site.
async fn validate(
    state: &AppState,
    site_id: i64,
    body: &serde_json::Value,
) -> Result<ExportDefinition, ApiError> {
    let definition = validate_export_definition(body)?;
    let custom = state.store.list_custom_fields(site_id).await?;
    let mut failures: Vec<Failure> = definition
        .fields
        .iter()
        .filter_map(|field| match &field.target {
            FieldTarget::Field(name) if !known(name, &custom) => Some(Failure::new(
                format!("fields.{}", field.name),
                format!("There was a missing reference: the site has no contact field {name}."),
                Some(field.statement.clone()),
            )),
            _ => None,
        })
        .collect();
    if let Some((text, filter)) = &definition.filter {
        let mut problems = Vec::new();
        let mut references = Vec::new();
        filter_problems(filter, &custom, &mut problems, &mut references);
        for reference in references {
            if let Some(why) = missing_reference(state, site_id, &reference).await? {
                problems.push(why);
            }
        }
        failures.extend(
            problems
                .into_iter()
                .map(|why| Failure::new("filter", why, Some(text.clone()))),
        );
    }
    if failures.is_empty() {
        Ok(definition)
    } else {
        Err(ApiError::Validation(failures))
    }
}

/// What in a parsed filter this server cannot evaluate for the site, and the lists and
/// AppCloud executions it names (checked against the store by the caller, as destinations are).
fn filter_problems(
    filter: &Filter,
    custom: &[ContactField],
    problems: &mut Vec<String>,
    references: &mut Vec<ContainerRef>,
) {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            filter_problems(a, custom, problems, references);
            filter_problems(b, custom, problems, references);
        }
        Filter::Not(inner) => filter_problems(inner, custom, problems, references),
        Filter::Exists(Membership::ContactList(id)) => {
            references.push(ContainerRef::ContactList(*id))
        }
        Filter::Exists(Membership::ContactSegment(_) | Membership::ContactFilter(_)) => {
            problems.push("Loquat has no contact segments or shared filters; use EXISTS('{{ContactList[id]}}').".into());
        }
        Filter::Status {
            instance,
            kind,
            execution,
            value,
            ..
        } => {
            let allowed: &[&str] = match kind {
                InstanceKind::Decision => &["pending", "yes", "no", "errored"],
                _ => &["pending", "active", "complete", "errored"],
            };
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(value)) {
                problems.push(format!(
                    "A {} step member's status is one of {}, not '{value}'.",
                    kind.as_str(),
                    allowed.join(", ")
                ));
            }
            references.push(ContainerRef::AppCloudInstance {
                kind: *kind,
                instance: instance.clone(),
                execution: Some(*execution),
            });
        }
        Filter::Compare {
            field: FieldRef::Field(name),
            ..
        } if !known(name, custom) => {
            problems.push(format!(
                "There was a missing reference: the site has no contact field {name}."
            ));
        }
        Filter::Compare { .. } => {}
    }
}

/// `GET /syncs/{id}/data`: a page of an export sync's rows, as JSON or CSV.
pub(super) async fn data_page(
    state: &AppState,
    site_id: i64,
    sync_id: i64,
    headers: &HeaderMap,
    params: &ListParams,
) -> ApiResult {
    let query = params.query::<NoField>(MAX_DATA_PAGE)?;
    let page = state
        .store
        .export_page(site_id, sync_id, query.offset, query.limit)
        .await
        .map_err(not_export)?;
    let rows: Vec<Vec<Option<String>>> = page
        .rows
        .iter()
        .map(|row| serde_json::from_str(row).map_err(|e| ApiError::Internal(e.into())))
        .collect::<Result<_, _>>()?;
    let has_more = query.offset.saturating_add(rows.len() as u64) < page.total;
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("text/csv"));
    if wants_csv {
        return csv_response(state.csv_cells, &page.fields, &rows);
    }
    let items: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|row| {
            let object: serde_json::Map<String, serde_json::Value> = page
                .fields
                .iter()
                .cloned()
                .zip(row.into_iter().map(|v| v.unwrap_or_default().into()))
                .collect();
            serde_json::Value::Object(object)
        })
        .collect();
    let mut body = serde_json::Map::new();
    body.insert("count".into(), items.len().into());
    body.insert("items".into(), items.into());
    if query.total_results {
        body.insert("totalResults".into(), page.total.into());
    }
    body.insert("limit".into(), query.limit.into());
    body.insert("offset".into(), query.offset.into());
    body.insert("hasMore".into(), has_more.into());
    Ok(axum::Json(serde_json::Value::Object(body)).into_response())
}

fn csv_response(cells: CsvCells, fields: &[String], rows: &[Vec<Option<String>>]) -> ApiResult {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(64 * (rows.len() + 1)));
    let failed = |e: csv::Error| ApiError::Internal(e.into());
    writer
        .write_record(fields.iter().map(|f| cells.cell_bytes(f)))
        .map_err(failed)?;
    for row in rows {
        writer
            .write_record(
                row.iter()
                    .map(|v| cells.cell_bytes(v.as_deref().unwrap_or(""))),
            )
            .map_err(failed)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

/// `DELETE /syncs/{id}/data`.
pub(super) async fn delete_data(state: &AppState, site_id: i64, sync_id: i64) -> ApiResult {
    state
        .store
        .delete_export_data(site_id, sync_id)
        .await
        .map_err(not_export)?;
    Ok(no_content())
}

/// A sync without export data: 400 as Eloqua answers for import and sync action syncs.
fn not_export(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::invalid(
            "syncedInstanceUri",
            "Data can only be retrieved for export syncs that have finished and whose data was not deleted.",
            None,
        ),
        other => other.into(),
    }
}

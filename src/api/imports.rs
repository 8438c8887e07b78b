//! Contact import definitions (`/contacts/imports`): create, read, list, replace, delete, and
//! their data (`…/{id}/data`), staged as for sync actions.

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use super::data::{read_upload, stage_error, staged_response};
use super::error::{ErrorMessage, FailuresBody};
use super::extract::{Caller, JsonBody, ListParams, RawParams, parse_id};
use super::openapi::schemas::{CsvText, ImportDefinitionDto, ImportDefinitionInput, UploadRows};
use super::sync_actions::missing_destinations;
use super::wire::Envelope;
use super::wire::SyncDto;
use super::{ApiError, ApiResult, AppState, no_content};
use crate::domain::contact_fields::standard_field;
use crate::domain::definition::{FieldTarget, ImportDefinition, validate_import_definition};
use crate::domain::failure::Failure;
use crate::domain::fields::DefinitionField;
use crate::domain::query::MAX_PAGE;
use crate::domain::staging::MAX_FILES;
use crate::store::{ImportRecord, ImportUpload, NewSync, StoreError};

/// Routes under the Bulk prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts/imports", get(list).post(create))
        .route(
            "/contacts/imports/{id}",
            get(read).put(replace).delete(remove),
        )
        .route("/contacts/imports/{id}/data", post(upload).delete(discard))
}

/// An import definition as Eloqua writes it: the definition's properties, then `kbUsed`
/// (while something is staged), `uri` and the audit properties.
pub(super) fn dto(record: ImportRecord) -> serde_json::Value {
    let mut body = record.definition.to_json();
    if let Some(object) = body.as_object_mut() {
        if record.kb_used > 0 {
            object.insert("kbUsed".into(), record.kb_used.into());
        }
        object.insert(
            "uri".into(),
            format!("/contacts/imports/{}", record.id).into(),
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

/// Creates a contact import definition.
#[utoipa::path(
    post,
    path = "/api/bulk/2.0/contacts/imports",
    operation_id = "createImportDefinition",
    tag = "imports",
    request_body(content = ImportDefinitionInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created", body = ImportDefinitionDto),
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
        .create_import(who.site.id, &who.user.username, &definition)
        .await?;
    tracing::info!(
        import_id = record.id,
        fields = definition.fields.len(),
        "created import definition"
    );
    Ok((StatusCode::CREATED, axum::Json(dto(record))).into_response())
}

/// Reads an import definition.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/imports/{id}",
    operation_id = "getImportDefinition",
    tag = "imports",
    params(("id" = i64, Path, description = "Import definition id")),
    responses(
        (status = 200, description = "The definition", body = ImportDefinitionDto),
        (status = 404, description = "No such definition", body = ErrorMessage),
    )
)]
async fn read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let record = state.store.get_import(who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(dto(record)).into_response())
}

/// Replaces an import definition.
#[utoipa::path(
    put,
    path = "/api/bulk/2.0/contacts/imports/{id}",
    operation_id = "replaceImportDefinition",
    tag = "imports",
    params(("id" = i64, Path, description = "Import definition id")),
    request_body(content = ImportDefinitionInput, content_type = "application/json"),
    responses(
        (status = 200, description = "The replaced definition", body = ImportDefinitionDto),
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
    state.store.get_import(who.site.id, id).await?;
    let definition = validate(&state, who.site.id, &body).await?;
    let record = state
        .store
        .replace_import(who.site.id, id, &who.user.username, &definition)
        .await?;
    Ok(axum::Json(dto(record)).into_response())
}

/// Deletes an import definition and its staged data.
#[utoipa::path(
    delete,
    path = "/api/bulk/2.0/contacts/imports/{id}",
    operation_id = "deleteImportDefinition",
    tag = "imports",
    params(("id" = i64, Path, description = "Import definition id")),
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
        .delete_import(who.site.id, parse_id(&id)?)
        .await?;
    Ok(no_content())
}

/// Lists contact import definitions.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/imports",
    operation_id = "listImportDefinitions",
    tag = "imports",
    params(RawParams),
    responses(
        (status = 200, description = "A page of definitions", body = Envelope<ImportDefinitionDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
    )
)]
async fn list(State(state): State<AppState>, Caller(who): Caller, params: ListParams) -> ApiResult {
    let query = params.query::<DefinitionField>(MAX_PAGE)?;
    let page = state.store.list_imports(who.site.id, &query).await?;
    Ok(axum::Json(Envelope::from_page(page, &query, dto)).into_response())
}

/// Every rule, then that each mapped field and each destination exists for the site.
async fn validate(
    state: &AppState,
    site_id: i64,
    body: &serde_json::Value,
) -> Result<ImportDefinition, ApiError> {
    let definition = validate_import_definition(body)?;
    let custom = state.store.list_custom_fields(site_id).await?;
    let mut failures: Vec<Failure> = definition
        .fields
        .iter()
        .filter_map(|field| match &field.target {
            FieldTarget::Field(name)
                if standard_field(name).is_none()
                    && !custom
                        .iter()
                        .any(|c| c.internal_name.eq_ignore_ascii_case(name)) =>
            {
                Some(Failure::new(
                    format!("fields.{}", field.column),
                    format!("There was a missing reference: the site has no contact field {name}."),
                    Some(field.statement.clone()),
                ))
            }
            _ => None,
        })
        .collect();
    failures.extend(missing_destinations(state, site_id, &definition.sync_actions).await?);
    if failures.is_empty() {
        Ok(definition)
    } else {
        Err(ApiError::Validation(failures))
    }
}

/// Stages one file of rows for an import.
#[utoipa::path(
    post,
    path = "/api/bulk/2.0/contacts/imports/{id}/data",
    operation_id = "uploadImportData",
    tag = "imports",
    params(("id" = i64, Path, description = "Import definition id")),
    request_body(content(
        (UploadRows = "application/json"),
        (CsvText = "text/csv"),
    )),
    responses(
        (status = 201, description = "Staged; the definition's isSyncTriggeredOnImport created this sync", body = SyncDto),
        (status = 204, description = "Staged"),
        (status = 400, description = "Malformed body, wrong Content-Type or charset, or 500 files already staged", body = FailuresBody),
        (status = 404, description = "No such definition, or a body over 32 MB", body = ErrorMessage),
        (status = 413, description = "The site's staging quota is exhausted", body = ErrorMessage),
    )
)]
async fn upload(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult {
    let id = parse_id(&id)?;
    let (format, body) = read_upload(request).await?;
    let definition = state.store.get_import(who.site.id, id).await?.definition;
    let upload = ImportUpload {
        definition_id: id,
        format,
        body,
        columns: definition.fields.iter().map(|f| f.column.clone()).collect(),
        max_files: MAX_FILES,
        site_quota_bytes: state.staging_quota_bytes,
        retention_seconds: definition.data_retention_duration.seconds(),
        trigger: definition.is_sync_triggered_on_import.then(|| NewSync {
            created_by: who.user.username.clone(),
            callback_url: None,
        }),
    };
    let size = upload.body.len();
    let staged = state
        .store
        .stage_import(who.site.id, upload)
        .await
        .map_err(stage_error)?;
    state.metrics.upload(
        crate::domain::sync::SyncKind::Import,
        size as u64,
        staged.rows,
    );
    tracing::info!(
        import_id = id,
        file_id = staged.file_id,
        rows = staged.rows,
        bytes = size,
        "staged import upload"
    );
    Ok(staged_response(&state, staged.sync))
}

/// Discards what is staged for an import.
#[utoipa::path(
    delete,
    path = "/api/bulk/2.0/contacts/imports/{id}/data",
    operation_id = "deleteImportData",
    tag = "imports",
    params(("id" = i64, Path, description = "Import definition id")),
    responses(
        (status = 204, description = "Discarded"),
        (status = 404, description = "No such definition", body = ErrorMessage),
        (status = 409, description = "A sync of the import is pending or active", body = ErrorMessage),
    )
)]
async fn discard(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    state
        .store
        .discard_import_data(who.site.id, parse_id(&id)?)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                ApiError::Conflict("A sync of this import is pending or active.".into())
            }
            other => other.into(),
        })?;
    Ok(no_content())
}

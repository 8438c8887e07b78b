//! Contact import definitions (`/contacts/imports`) as a definition [`Kind`], and their data
//! (`…/{id}/data`), staged as for sync actions.

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::routing::post;

use super::data::{read_upload, stage_error, staged_response};
use super::definitions::{self, Kind, Record};
use super::error::{ErrorMessage, FailuresBody};
use super::extract::{Caller, parse_id};
use super::openapi::schemas::{CsvText, ImportDefinitionDto, ImportDefinitionInput, UploadRows};
use super::sync_actions::missing_destinations;
use super::wire::SyncDto;
use super::{ApiError, ApiResult, AppState, no_content};
use crate::domain::definition::{FieldTarget, ImportDefinition, validate_import_definition};
use crate::domain::failure::Failure;
use crate::domain::record_type::{DefinitionKind, RecordType};
use crate::domain::staging::MAX_FILES;
use crate::store::{ImportUpload, NewSync, StoreError};

/// Routes under the Bulk prefix besides those of [`definitions::router`].
pub fn router() -> Router<AppState> {
    Router::new().route("/contacts/imports/{id}/data", post(upload).delete(discard))
}

/// Import definitions (`/contacts/imports`).
pub struct Imports;

impl Kind for Imports {
    type Definition = ImportDefinition;
    type Dto = serde_json::Value;
    type Schema = ImportDefinitionDto;
    type Input = ImportDefinitionInput;

    const KIND: DefinitionKind = DefinitionKind::Imports;
    const NOUN: &'static str = "import definition";
    const OPERATION: &'static str = "ImportDefinition";
    const TAG: &'static str = "imports";
    const STAGES_DATA: bool = true;

    /// Every rule, then that each mapped field and each destination exists for the site.
    async fn validate(
        state: &AppState,
        record_type: &'static RecordType,
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
                    if !definitions::site_has_field(record_type, name, &custom) =>
                {
                    Some(Failure::new(
                        format!("fields.{}", field.column),
                        record_type.missing_field(name),
                        Some(field.statement.clone()),
                    ))
                }
                _ => None,
            })
            .collect();
        failures.extend(missing_destinations(state, site_id, &definition.sync_actions).await?);
        definitions::checked(definition, failures)
    }

    definitions::store_calls!(
        create_import,
        get_import,
        replace_import,
        delete_import,
        list_imports
    );

    /// The definition's properties, then `kbUsed` (while something is staged), `uri` and the
    /// audit properties.
    fn dto(record: Record<Self>, uri: String) -> serde_json::Value {
        definitions::stored_json(
            record.definition.to_json(),
            Some(record.kb_used),
            uri,
            record.audit,
        )
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

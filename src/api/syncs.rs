//! Syncs (§7): create, read, list, and a sync's logs and rejects.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ErrorMessage, FailuresBody};
use super::exports;
use super::extract::{Caller, JsonBody, ListParams, RawParams, parse_id};
use super::openapi::schemas::{CsvText, DataParams, ExportDataPage, SyncInput};
use super::wire::{Envelope, SyncDto};
use super::{ApiError, ApiResult, AppState};
use crate::domain::fields::{NoField, SyncField};
use crate::domain::query::MAX_PAGE;
use crate::domain::record_type::RecordType;
use crate::domain::sync::{StoredReject, SyncKind};
use crate::store::{NewSync, StoreError};

/// Routes under the Bulk prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/syncs", get(list).post(create))
        .route("/syncs/{id}", get(read))
        .route("/syncs/{id}/logs", get(logs))
        .route("/syncs/{id}/rejects", get(rejects))
        .route("/syncs/{id}/data", get(data).delete(delete_data))
}

/// Creates a sync of a sync action, import or export definition.
#[utoipa::path(
    post,
    path = "/api/bulk/2.0/syncs",
    operation_id = "createSync",
    tag = "syncs",
    request_body(content = SyncInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created, pending", body = SyncDto),
        (status = 400, description = "No such definition, a bad callbackUrl, malformed JSON or wrong Content-Type", body = FailuresBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let object = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("body", "Must be a JSON object.", None))?;
    let uri = match object.get("syncedInstanceUri") {
        Some(serde_json::Value::String(uri)) => uri.clone(),
        Some(other) => {
            return Err(ApiError::invalid(
                "syncedInstanceUri",
                "Must be a string.",
                Some(other.to_string()),
            ));
        }
        None => return Err(ApiError::invalid("syncedInstanceUri", "Is required.", None)),
    };
    let callback_url = match object.get("callbackUrl") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(url)) if url.is_empty() => None,
        Some(serde_json::Value::String(url)) => {
            state.callbacks.check(url).map_err(|why| {
                // A URL with user info carries a password: it is not echoed back (or logged).
                let echo = (!url.contains('@')).then(|| url.clone());
                ApiError::invalid("callbackUrl", why, echo)
            })?;
            Some(url.clone())
        }
        Some(other) => {
            return Err(ApiError::invalid(
                "callbackUrl",
                "Must be a string.",
                Some(other.to_string()),
            ));
        }
    };
    let missing = || {
        ApiError::invalid(
            "syncedInstanceUri",
            "There was a missing reference: no sync action, import or export definition has this uri.",
            Some(uri.clone()),
        )
    };
    let (record_type, kind, definition_id) =
        RecordType::parse_definition_uri(&uri).ok_or_else(missing)?;
    let new = NewSync {
        record_type,
        created_by: who.user.username.clone(),
        callback_url,
    };
    let created =
        crate::store::create_sync(&*state.store, kind, who.site.id, definition_id, new).await;
    let sync = created.map_err(|e| match e {
        StoreError::NotFound => missing(),
        other => other.into(),
    })?;
    state.engine.notify_one();
    tracing::info!(sync_id = sync.id, definition_id, "created sync");
    Ok((StatusCode::CREATED, axum::Json(SyncDto::from(sync))).into_response())
}

/// Reads a sync.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/syncs/{id}",
    operation_id = "getSync",
    tag = "syncs",
    params(("id" = i64, Path, description = "Sync id")),
    responses(
        (status = 200, description = "The sync", body = SyncDto),
        (status = 404, description = "No such sync", body = ErrorMessage),
    )
)]
async fn read(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let sync = state.store.get_sync(who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(SyncDto::from(sync)).into_response())
}

/// Lists syncs.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/syncs",
    operation_id = "listSyncs",
    tag = "syncs",
    params(RawParams),
    responses(
        (status = 200, description = "A page of syncs", body = Envelope<SyncDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
    )
)]
async fn list(State(state): State<AppState>, Caller(who): Caller, params: ListParams) -> ApiResult {
    let query = params.query::<SyncField>(MAX_PAGE)?;
    let page = state.store.list_syncs(who.site.id, &query).await?;
    Ok(axum::Json(Envelope::from_page(page, &query, SyncDto::from)).into_response())
}

/// A log line as Eloqua writes it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LogDto {
    sync_uri: String,
    count: u64,
    /// `information`, `warning` or `error`.
    severity: &'static str,
    status_code: String,
    message: String,
    created_at: String,
}

/// A sync's log lines.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/syncs/{id}/logs",
    operation_id = "listSyncLogs",
    tag = "syncs",
    params(("id" = i64, Path, description = "Sync id"), RawParams),
    responses(
        (status = 200, description = "A page of log lines", body = Envelope<LogDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
        (status = 404, description = "No such sync", body = ErrorMessage),
    )
)]
async fn logs(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> ApiResult {
    let id = parse_id(&id)?;
    let query = params.query::<NoField>(MAX_PAGE)?;
    let page = state.store.sync_logs(who.site.id, id, &query).await?;
    let uri = format!("/syncs/{id}");
    let envelope = Envelope::from_page(page, &query, |log| LogDto {
        sync_uri: uri.clone(),
        count: log.count,
        severity: log.severity.as_str(),
        status_code: log.status_code,
        message: log.message,
        created_at: log.created_at.to_string(),
    });
    Ok(axum::Json(envelope).into_response())
}

/// A rejected row as Eloqua writes it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct RejectDto {
    #[schema(value_type = Object)]
    field_values: serde_json::Map<String, serde_json::Value>,
    message: &'static str,
    status_code: String,
    record_index: u64,
    invalid_fields: Vec<String>,
}

/// A sync's rejected rows.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/syncs/{id}/rejects",
    operation_id = "listSyncRejects",
    tag = "syncs",
    params(("id" = i64, Path, description = "Sync id"), RawParams),
    responses(
        (status = 200, description = "A page of rejects", body = Envelope<RejectDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
        (status = 404, description = "No such sync", body = ErrorMessage),
    )
)]
async fn rejects(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    params: ListParams,
) -> ApiResult {
    let query = params.query::<NoField>(MAX_PAGE)?;
    let (column, page) = state
        .store
        .sync_rejects(who.site.id, parse_id(&id)?, &query)
        .await?;
    let envelope = Envelope::from_page(page, &query, |reject| reject_dto(reject, &column));
    Ok(axum::Json(envelope).into_response())
}

/// A reject as Eloqua writes it: imports keep the whole row, sync actions the identifier.
fn reject_dto(reject: StoredReject, column: &str) -> RejectDto {
    let message = match reject.status_code.as_str() {
        // Eloqua's per-row text for ELQ-00002 is singular (captured from production).
        "ELQ-00002" => "Invalid email address.",
        code => crate::domain::elq::message(code).unwrap_or("Rejected."),
    };
    let field_values = match reject
        .field_values
        .as_deref()
        .map(serde_json::from_str::<serde_json::Value>)
    {
        Some(Ok(serde_json::Value::Object(row))) => {
            row.into_iter().filter(|(_, v)| !v.is_null()).collect()
        }
        _ => reject
            .value
            .map(|value| (column.to_owned(), value.into()))
            .into_iter()
            .collect(),
    };
    let invalid_fields = reject
        .invalid_fields
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_else(|| vec![column.to_owned()]);
    RejectDto {
        field_values,
        message,
        status_code: reject.status_code,
        record_index: reject.record_index,
        invalid_fields,
    }
}

/// `GET /syncs/{id}/data`: an export sync's rows; any other sync is a 400, as in Eloqua.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/syncs/{id}/data",
    operation_id = "getSyncData",
    tag = "syncs",
    params(
        ("id" = i64, Path, description = "Sync id"),
        DataParams,
        ("Accept" = Option<String>, Header, description = "`text/csv` for CSV; JSON otherwise"),
    ),
    responses(
        (status = 200, description = "A page of the export's rows", content(
            (ExportDataPage = "application/json"),
            (CsvText = "text/csv"),
        )),
        (status = 400, description = "Not an export sync, its data was deleted, or a bad limit/offset/totalResults", body = FailuresBody),
        (status = 404, description = "No such sync", body = ErrorMessage),
    )
)]
async fn data(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    params: ListParams,
) -> ApiResult {
    let sync = state.store.get_sync(who.site.id, parse_id(&id)?).await?;
    if sync.kind != SyncKind::Export {
        return Err(not_an_export());
    }
    exports::data_page(&state, who.site.id, sync.id, &headers, &params).await
}

/// `DELETE /syncs/{id}/data`: removes an export sync's rows.
#[utoipa::path(
    delete,
    path = "/api/bulk/2.0/syncs/{id}/data",
    operation_id = "deleteSyncData",
    tag = "syncs",
    params(("id" = i64, Path, description = "Sync id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not an export sync, or its data was already deleted", body = FailuresBody),
        (status = 404, description = "No such sync", body = ErrorMessage),
    )
)]
async fn delete_data(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let sync = state.store.get_sync(who.site.id, parse_id(&id)?).await?;
    if sync.kind != SyncKind::Export {
        return Err(not_an_export());
    }
    exports::delete_data(&state, who.site.id, sync.id).await
}

fn not_an_export() -> ApiError {
    ApiError::invalid(
        "syncedInstanceUri",
        "Data can only be retrieved for export syncs; this sync is an import or sync action sync.",
        None,
    )
}

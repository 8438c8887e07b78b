//! Staging (§6): `POST …/{id}/data` of a sync action or import definition stages one file of
//! rows (JSON or CSV); `DELETE …/data` discards what is staged. The handlers are written once
//! over a [`Staging`] kind.
//!
//! The body is read into one buffer sized from `Content-Length` and capped at 32 MB (beyond
//! it Eloqua answers 404, and so do we), then decoded row by row straight into the store's
//! staging transaction: memory per upload is the body plus a fixed buffer.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use http_body_util::BodyExt;

use std::future::Future;

use super::definitions::{Accounts, Contacts, EmailAddresses, Kind, Record, Records, load};
use super::extract::{Caller, parse_id};
use super::imports::Imports;
use super::sync_actions::SyncActions;
use super::wire::SyncDto;
use super::{ApiError, ApiResult, AppState, no_content};
use crate::domain::record_type::RecordType;
use crate::domain::site::Principal;
use crate::domain::staging::{MAX_FILES, MAX_UPLOAD_BYTES};
use crate::store::{NewSync, StageError, Staged, StoreError, StoredKind, definitions};
use crate::upload::{Format, to_utf8};

/// Routes under the Bulk prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/contacts/syncActions/{id}/data",
            post(upload::<Contacts, SyncActions>).delete(discard::<Contacts, SyncActions>),
        )
        .route(
            "/accounts/syncActions/{id}/data",
            post(upload::<Accounts, SyncActions>).delete(discard::<Accounts, SyncActions>),
        )
        .route(
            "/emailAddresses/imports/{id}/data",
            post(upload::<EmailAddresses, SyncActions>)
                .delete(discard::<EmailAddresses, SyncActions>),
        )
        .route(
            "/contacts/imports/{id}/data",
            post(upload::<Contacts, Imports>).delete(discard::<Contacts, Imports>),
        )
}

/// A definition kind whose definitions stage data (`…/{id}/data`).
pub trait Staging: Kind {
    /// The 409 message when a sync of the definition is pending or active.
    const BUSY: &'static str;

    /// Stages one file of rows for the stored definition `record`.
    fn stage(
        state: &AppState,
        who: &Principal,
        record: Record<Self>,
        format: Format,
        body: Bytes,
    ) -> impl Future<Output = Result<Staged, ApiError>> + Send;
}

/// The sync an upload creates when the definition's `isSyncTriggeredOnImport` is set.
pub(super) fn trigger(
    is_sync_triggered_on_import: bool,
    who: &Principal,
    record_type: &'static RecordType,
) -> Option<NewSync> {
    is_sync_triggered_on_import.then(|| NewSync {
        record_type,
        created_by: who.user.username.clone(),
        callback_url: None,
    })
}

/// Stages one file of rows: 201 with the sync it triggered, else 204.
async fn upload<R: Records, K: Staging>(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    request: Request,
) -> ApiResult {
    let id = parse_id(&id)?;
    let (format, body) = read_upload(request).await?;
    let size = body.len();
    let record = load::<R, K>(&state, who.site.id, id).await?;
    let staged = K::stage(&state, &who, record, format, body).await?;
    state
        .metrics
        .upload(K::Stored::SYNC, R::TYPE, size as u64, staged.rows);
    tracing::info!(
        definition_id = id,
        kind = K::NOUN,
        file_id = staged.file_id,
        rows = staged.rows,
        bytes = size,
        "staged upload"
    );
    Ok(staged_response(&state, staged.sync))
}

/// Discards what is staged: 204, or 409 while a sync of the definition is pending or active.
async fn discard<R: Records, K: Staging>(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = parse_id(&id)?;
    load::<R, K>(&state, who.site.id, id).await?;
    definitions::<K::Stored>(&*state.store)
        .discard_staged(who.site.id, id)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => ApiError::Conflict(K::BUSY.into()),
            other => other.into(),
        })?;
    tracing::info!(definition_id = id, kind = K::NOUN, "discarded staged data");
    Ok(no_content())
}

/// 201 with the sync an upload triggered, else 204.
pub(super) fn staged_response(
    state: &AppState,
    sync: Option<crate::domain::sync::SyncRecord>,
) -> axum::response::Response {
    match sync {
        Some(sync) => {
            state.engine.notify_one();
            (StatusCode::CREATED, axum::Json(SyncDto::from(sync))).into_response()
        }
        None => no_content(),
    }
}

/// Reads an upload's body and format, converted to UTF-8.
///
/// # Errors
/// 400 for a wrong content type or charset, 404 past 32 MB.
pub(super) async fn read_upload(request: Request) -> Result<(Format, Bytes), ApiError> {
    let (parts, body) = request.into_parts();
    let (format, charset) = content_type(&parts.headers)?;
    let bytes = read_body(&parts.headers, body).await?;
    let utf8 = to_utf8(&bytes, charset.as_deref())
        .map_err(|e| ApiError::invalid("body", format!("There was a parsing error: {e}."), None))?;
    let body = match utf8 {
        std::borrow::Cow::Borrowed(_) => bytes.clone(),
        std::borrow::Cow::Owned(converted) => Bytes::from(converted),
    };
    Ok((format, body))
}

/// Eloqua's answers to an upload that was not staged.
pub(super) fn stage_error(error: StageError) -> ApiError {
    match error {
        StageError::Malformed(e) => {
            ApiError::invalid("body", format!("There was a parsing error: {e}."), None)
        }
        StageError::TooManyFiles => ApiError::invalid(
            "data",
            format!(
                "There was a validation error: {MAX_FILES} files are staged; sync them before uploading more."
            ),
            None,
        ),
        StageError::QuotaExceeded => ApiError::StorageExceeded,
        StageError::Store(e) => e.into(),
    }
}

/// The format and charset an upload declares; anything but JSON or CSV is a 400.
fn content_type(headers: &HeaderMap) -> Result<(Format, Option<String>), ApiError> {
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = value.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned());
    let format = match mime.as_str() {
        "application/json" => Format::Json,
        "text/csv" => Format::Csv,
        _ => {
            let shown = if value.is_empty() {
                "(missing)".to_owned()
            } else {
                value.to_owned()
            };
            return Err(ApiError::invalid(
                "Content-Type",
                "Must be application/json or text/csv.",
                Some(shown),
            ));
        }
    };
    Ok((format, charset))
}

/// Reads the whole body into one buffer; more than 32 MB is Eloqua's 404.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_UPLOAD_BYTES as u64) {
        return Err(ApiError::NotFound);
    }
    let capacity = declared.map_or(64 * 1024, |n| {
        usize::try_from(n).unwrap_or(MAX_UPLOAD_BYTES)
    });
    let mut buffer = Vec::with_capacity(capacity);
    let mut body = body;
    while let Some(frame) = body.frame().await {
        // A body past its deadline fails here too; `deadline::enforce` then answers 408
        // whatever this says, and nothing has been staged yet.
        let frame = frame.map_err(|e| {
            ApiError::invalid("body", format!("Could not read the body: {e}."), None)
        })?;
        if let Ok(chunk) = frame.into_data() {
            if buffer.len() + chunk.len() > MAX_UPLOAD_BYTES {
                return Err(ApiError::NotFound);
            }
            buffer.extend_from_slice(&chunk);
        }
    }
    Ok(Bytes::from(buffer))
}

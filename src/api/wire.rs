//! Shapes shared by every Bulk response: the collection envelope.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::query::ListQuery;
use crate::store::Page;

/// Eloqua's collection envelope, properties in Eloqua's order; `totalResults` is omitted
/// when the client asked for `totalResults=false`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    /// The page.
    pub items: Vec<T>,
    /// Every match, when counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_results: Option<u64>,
    /// Effective limit.
    pub limit: u32,
    /// Effective offset.
    pub offset: u64,
    /// `items.len()`.
    pub count: usize,
    /// Whether another page follows.
    pub has_more: bool,
}

impl<T> Envelope<T> {
    /// Wraps a store page, converting each item to its wire form.
    pub fn from_page<S, F>(
        page: Page<S>,
        query: &ListQuery<F>,
        convert: impl FnMut(S) -> T,
    ) -> Self {
        let items: Vec<T> = page.items.into_iter().map(convert).collect();
        Self {
            count: items.len(),
            items,
            total_results: page.total,
            limit: query.limit,
            offset: query.offset,
            has_more: page.has_more,
        }
    }
}

/// A sync as Eloqua writes it: `syncedInstanceUri, callbackUrl, syncStartedAt, syncEndedAt,
/// status, createdAt, createdBy, uri`, absent values omitted.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncDto {
    synced_instance_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    callback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sync_started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sync_ended_at: Option<String>,
    /// `pending`, `active`, `success`, `warning` or `error`.
    #[schema(example = "success")]
    status: &'static str,
    created_at: String,
    created_by: String,
    uri: String,
}

/// A sync as `GET /syncs/{id}` shows it: the body of its callback.
pub fn sync_json(sync: crate::domain::sync::SyncRecord) -> serde_json::Value {
    serde_json::to_value(SyncDto::from(sync)).unwrap_or_default()
}

impl From<crate::domain::sync::SyncRecord> for SyncDto {
    fn from(sync: crate::domain::sync::SyncRecord) -> Self {
        Self {
            synced_instance_uri: sync.synced_instance_uri,
            callback_url: sync.callback_url,
            sync_started_at: sync.started_at.map(|t| t.to_string()),
            sync_ended_at: sync.ended_at.map(|t| t.to_string()),
            status: sync.status.as_str(),
            created_at: sync.created_at.to_string(),
            created_by: sync.created_by,
            uri: format!("/syncs/{}", sync.id),
        }
    }
}

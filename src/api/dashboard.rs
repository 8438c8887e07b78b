//! Loquat's own read-only counts, under `/api/loquat/1.0`, for what Eloqua's API does not
//! report: files staged per sync action definition (Eloqua gives only `kbUsed`, yet refuses
//! the 501st file), set subscriptions per email group (Bulk email groups carry no count) and
//! records per custom object.
//!
//! Both take the ids of a page the client already read from the Bulk API (`?ids=1,2,3`), so a
//! call costs one bounded query whatever the size of the site; ids of other sites and ids that
//! name nothing are left out of the answer, exactly as if they did not exist.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use std::future::Future;

use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::path::{HttpMethod, ParameterIn};

use super::appcloud::Items;
use super::extract::Caller;
use super::openapi::build::{self, Operation};
use super::{ApiError, ApiResult, AppState};
use crate::domain::query::MAX_PAGE;
use crate::domain::sync::SyncKind;

/// Routes with their full paths (merged beside the other `/api/loquat/1.0` routes).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/loquat/1.0/contacts/syncActions/staged",
            get(counts::<Staged>),
        )
        .route(
            "/api/loquat/1.0/emailGroups/subscriptions",
            get(counts::<Subscriptions>),
        )
        .route(
            "/api/loquat/1.0/customObjects/records",
            get(counts::<CustomObjectRecords>),
        )
}

/// One count endpoint: the ids of a page in, one item per id naming something of the site out.
pub trait Count: Send + Sync + 'static {
    /// One item.
    type Dto: Serialize + ToSchema + Send;
    /// The full path.
    const PATH: &'static str;
    /// `operationId`.
    const OPERATION: &'static str;
    /// The document's summary.
    const SUMMARY: &'static str;
    /// What the 200 answer holds.
    const FOUND: &'static str;

    /// The items of the ids that name something of the site, by id.
    fn count(
        state: &AppState,
        site_id: i64,
        ids: &[i64],
    ) -> impl Future<Output = Result<Vec<Self::Dto>, ApiError>> + Send;
}

/// `GET …?ids=`: `{"items":[…]}`.
async fn counts<C: Count>(
    State(state): State<AppState>,
    Caller(who): Caller,
    query: Result<Query<IdsParam>, QueryRejection>,
) -> ApiResult {
    let ids = ids_of(query)?;
    let items = C::count(&state, who.site.id, &ids).await?;
    Ok(axum::Json(Items { items }).into_response())
}

/// Adds the operation of every count endpoint to the document.
pub fn document(document: &mut Document) {
    add::<Staged>(document);
    add::<Subscriptions>(document);
    add::<CustomObjectRecords>(document);
}

fn add<C: Count>(document: &mut Document) {
    let items = build::generic::<Items<C::Dto>, C::Dto>(document);
    let failures = Some("FailuresBody".to_owned());
    Operation {
        parameters: IdsParam::into_params(|| Some(ParameterIn::Query)),
        responses: vec![
            ("200", C::FOUND, Some(items)),
            ("400", "`ids` missing or malformed", failures),
        ],
        ..Operation::new(HttpMethod::Get, C::PATH, C::OPERATION, "loquat", C::SUMMARY)
    }
    .add_to(document);
}

/// `?ids=`: the ids to count for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdsParam {
    /// Comma-separated positive ids, 1 to 1000 of them, e.g. `1,2,3`.
    #[param(required = true)]
    ids: Option<String>,
}

impl IdsParam {
    /// The ids, sorted without repeats.
    fn parse(&self) -> Result<Vec<i64>, ApiError> {
        let text = self
            .ids
            .as_deref()
            .ok_or_else(|| ApiError::invalid("ids", "Is required.", None))?;
        let bad = |why: &str| ApiError::invalid("ids", why, Some(text.to_owned()));
        let mut ids = text
            .split(',')
            .map(|part| part.trim().parse::<i64>().ok().filter(|id| *id > 0))
            .collect::<Option<Vec<i64>>>()
            .ok_or_else(|| bad("Must be comma-separated positive integers."))?;
        ids.sort_unstable();
        ids.dedup();
        if ids.len() > MAX_PAGE as usize {
            return Err(bad("At most 1000 ids."));
        }
        Ok(ids)
    }
}

/// What one sync action definition holds staged before its next sync.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StagedDto {
    /// `/contacts/syncActions/{id}`
    uri: String,
    /// Files staged and not yet owned by a sync (Eloqua refuses the 501st).
    files: u64,
    /// Rows in those files.
    rows: u64,
}

/// Files and rows staged per sync action definition.
pub struct Staged;

impl Count for Staged {
    type Dto = StagedDto;
    const PATH: &'static str = "/api/loquat/1.0/contacts/syncActions/staged";
    const OPERATION: &'static str = "loquatStagedFiles";
    const SUMMARY: &'static str =
        "Files and rows staged for sync action definitions (a Loquat extension).";
    const FOUND: &'static str = "One item per id naming a definition of the site, by id";

    async fn count(
        state: &AppState,
        site_id: i64,
        ids: &[i64],
    ) -> Result<Vec<StagedDto>, ApiError> {
        let found = state.store.staged_files(site_id, ids).await?;
        let dto = |s: crate::store::StagedFiles| StagedDto {
            uri: s
                .record_type
                .definition_uri(SyncKind::SyncAction, s.definition_id),
            files: s.files,
            rows: s.rows,
        };
        Ok(found.into_iter().map(dto).collect())
    }
}

/// Set subscriptions of one email group.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionsDto {
    /// `/emailGroups/{id}`
    uri: String,
    /// Contacts whose subscription was set to subscribed.
    subscribed: u64,
    /// Contacts whose subscription was set to unsubscribed.
    unsubscribed: u64,
}

/// Set subscriptions per email group.
pub struct Subscriptions;

impl Count for Subscriptions {
    type Dto = SubscriptionsDto;
    const PATH: &'static str = "/api/loquat/1.0/emailGroups/subscriptions";
    const OPERATION: &'static str = "loquatGroupSubscriptions";
    const SUMMARY: &'static str = "Set subscriptions per email group (a Loquat extension; \
        contacts never set, who read as\nsubscribed, are not counted).";
    const FOUND: &'static str = "One item per id naming a group of the site, by id";

    async fn count(
        state: &AppState,
        site_id: i64,
        ids: &[i64],
    ) -> Result<Vec<SubscriptionsDto>, ApiError> {
        let found = state.store.subscription_counts(site_id, ids).await?;
        let dto = |c: crate::store::SubscriptionCounts| SubscriptionsDto {
            uri: format!("/emailGroups/{}", c.group_id),
            subscribed: c.subscribed,
            unsubscribed: c.unsubscribed,
        };
        Ok(found.into_iter().map(dto).collect())
    }
}

/// Records of one custom object.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordsDto {
    /// `/customObjects/{id}`
    uri: String,
    /// Records the object holds.
    records: u64,
}

/// Records per custom object (Eloqua's custom object items carry no count).
pub struct CustomObjectRecords;

impl Count for CustomObjectRecords {
    type Dto = RecordsDto;
    const PATH: &'static str = "/api/loquat/1.0/customObjects/records";
    const OPERATION: &'static str = "loquatCustomObjectRecords";
    const SUMMARY: &'static str = "Records per custom object (a Loquat extension).";
    const FOUND: &'static str = "One item per id naming a custom object of the site, by id";

    async fn count(
        state: &AppState,
        site_id: i64,
        ids: &[i64],
    ) -> Result<Vec<RecordsDto>, ApiError> {
        let found = state.store.record_counts(site_id, ids).await?;
        let dto = |(id, records): (i64, u64)| RecordsDto {
            uri: format!("/customObjects/{id}"),
            records,
        };
        Ok(found.into_iter().map(dto).collect())
    }
}

/// The parsed `ids`, or a 400 in the `failures` shape.
fn ids_of(query: Result<Query<IdsParam>, QueryRejection>) -> Result<Vec<i64>, ApiError> {
    let Query(param) = query.map_err(|e| ApiError::invalid("query", e.body_text(), None))?;
    param.parse()
}

#[cfg(test)]
mod tests {
    use super::IdsParam;

    fn parse(text: &str) -> Option<Vec<i64>> {
        IdsParam {
            ids: Some(text.to_owned()),
        }
        .parse()
        .ok()
    }

    #[test]
    fn ids_are_positive_integers_sorted_without_repeats() {
        assert_eq!(parse("3, 1,3"), Some(vec![1, 3]));
        assert_eq!(parse(""), None);
        assert_eq!(parse("1,,2"), None);
        assert_eq!(parse("0"), None);
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("1.5"), None);
        assert_eq!(parse("99999999999999999999"), None);
        let many = (1..=1001).map(|i| i.to_string()).collect::<Vec<_>>();
        assert_eq!(parse(&many.join(",")), None);
        assert_eq!(parse(&many[..1000].join(",")).map(|v| v.len()), Some(1000));
    }

    #[test]
    fn ids_are_required() {
        assert!(IdsParam { ids: None }.parse().is_err());
    }
}

//! Loquat's own read-only counts, under `/api/loquat/1.0`, for what Eloqua's API does not
//! report: files staged per sync action definition (Eloqua gives only `kbUsed`, yet refuses
//! the 501st file) and set subscriptions per email group (Bulk email groups carry no count).
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

use super::appcloud::Items;
use super::error::FailuresBody;
use super::extract::Caller;
use super::{ApiError, ApiResult, AppState};
use crate::domain::query::MAX_PAGE;

/// Routes with their full paths (merged beside the other `/api/loquat/1.0` routes).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/loquat/1.0/contacts/syncActions/staged", get(staged))
        .route(
            "/api/loquat/1.0/emailGroups/subscriptions",
            get(subscriptions),
        )
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

/// Files and rows staged for sync action definitions (a Loquat extension).
#[utoipa::path(
    get,
    path = "/api/loquat/1.0/contacts/syncActions/staged",
    operation_id = "loquatStagedFiles",
    tag = "loquat",
    params(IdsParam),
    responses(
        (status = 200, description = "One item per id naming a definition of the site, by id", body = Items<StagedDto>),
        (status = 400, description = "`ids` missing or malformed", body = FailuresBody),
    )
)]
async fn staged(
    State(state): State<AppState>,
    Caller(who): Caller,
    query: Result<Query<IdsParam>, QueryRejection>,
) -> ApiResult {
    let ids = ids_of(query)?;
    let found = state.store.staged_files(who.site.id, &ids).await?;
    let items = found
        .into_iter()
        .map(|s| StagedDto {
            uri: format!("/contacts/syncActions/{}", s.definition_id),
            files: s.files,
            rows: s.rows,
        })
        .collect();
    Ok(axum::Json(Items { items }).into_response())
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

/// Set subscriptions per email group (a Loquat extension; contacts never set, who read as
/// subscribed, are not counted).
#[utoipa::path(
    get,
    path = "/api/loquat/1.0/emailGroups/subscriptions",
    operation_id = "loquatGroupSubscriptions",
    tag = "loquat",
    params(IdsParam),
    responses(
        (status = 200, description = "One item per id naming a group of the site, by id", body = Items<SubscriptionsDto>),
        (status = 400, description = "`ids` missing or malformed", body = FailuresBody),
    )
)]
async fn subscriptions(
    State(state): State<AppState>,
    Caller(who): Caller,
    query: Result<Query<IdsParam>, QueryRejection>,
) -> ApiResult {
    let ids = ids_of(query)?;
    let found = state.store.subscription_counts(who.site.id, &ids).await?;
    let items = found
        .into_iter()
        .map(|c| SubscriptionsDto {
            uri: format!("/emailGroups/{}", c.group_id),
            subscribed: c.subscribed,
            unsubscribed: c.unsubscribed,
        })
        .collect();
    Ok(axum::Json(Items { items }).into_response())
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

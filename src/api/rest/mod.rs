//! Eloqua's Application (REST 1.0) API, the part clients use to arrange and observe what sync
//! actions act on (§8.3): contacts, contact lists, email groups and group subscriptions.
//!
//! REST 1.0 differs from Bulk 2.0 on the wire: ids and booleans are strings, timestamps are
//! Unix seconds as strings, collections are `{"elements","page","pageSize","total"}` paged by
//! `page` (from 1) and `count`, and `search` replaces `q`. Errors still go through
//! [`ApiError`], so a 400 names the offending property in the `failures` shape.
//!
//! This module holds what the three resource files share: the paging extractor, the collection
//! envelope and lenient property readers for request bodies.

pub(super) mod accounts;
pub mod contacts;
pub(super) mod custom_object_data;
pub(super) mod custom_objects;
pub(super) mod groups;
pub(crate) mod lists;
pub(crate) mod resource;

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, AppState};
use crate::domain::clock::Timestamp;
use crate::store::{Store, StoreError};

/// Largest `count` a REST collection accepts (and its default).
pub const MAX_COUNT: u64 = 1000;

/// The REST 1.0 routes, relative to `/api/rest/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(contacts::router())
        .merge(accounts::router())
        .merge(lists::router())
        .merge(groups::router())
        .merge(super::openapi::rest_router())
}

/// The REST 2.0 routes, relative to `/api/rest/2.0`.
pub fn router_2() -> Router<AppState> {
    custom_objects::router().merge(custom_object_data::router())
}

/// `page`, `count` and `search` of a REST collection request; other parameters (`depth`,
/// `orderBy`, …) are accepted and ignored.
#[derive(Debug, Clone)]
pub struct RestPage {
    /// Page number, from 1.
    pub page: u64,
    /// Page size, 1 to [`MAX_COUNT`].
    pub count: u64,
    /// The raw `search` expression, when given and not blank.
    pub search: Option<String>,
}

/// `page`, `count` and `search` as received.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RawPage {
    /// Page number, from 1; default 1.
    #[param(value_type = Option<u64>, minimum = 1)]
    page: Option<String>,
    /// Page size, 1 to 1000; default 1000.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    count: Option<String>,
    /// `name=pattern` (lists, groups) or `C_EmailAddress=pattern` (contacts), `*` a wildcard.
    search: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RestPage {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(raw) = Query::<RawPage>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid("query", e.body_text(), None))?;
        let number = |name: &str, text: Option<String>, max: u64, default: u64| match text {
            None => Ok(default),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::invalid(
                    name,
                    format!("Must be an integer from 1 to {max}."),
                    Some(text),
                )),
            },
        };
        Ok(Self {
            page: number("page", raw.page, i64::MAX as u64, 1)?,
            count: number("count", raw.count, MAX_COUNT, MAX_COUNT)?,
            search: raw.search.filter(|s| !s.trim().is_empty()),
        })
    }
}

impl RestPage {
    /// The `*`-wildcard pattern of `search`: `<term>=<pattern>` with `term` one of `terms`
    /// (case-insensitive), or a bare pattern. Quotes around the whole or the value are dropped.
    ///
    /// # Errors
    /// 400 naming `search` when it compares a property other than `terms`.
    pub fn pattern(&self, terms: &[&str]) -> Result<Option<String>, ApiError> {
        let Some(search) = &self.search else {
            return Ok(None);
        };
        let text = unquote(search.trim());
        let pattern = match text.split_once('=') {
            Some((term, value)) if terms.iter().any(|t| t.eq_ignore_ascii_case(term.trim())) => {
                value
            }
            // `firstName=x` names a property we cannot search; an address such as `a=b@c.d` does not.
            Some((term, _)) if is_identifier(term.trim()) => {
                return Err(ApiError::invalid(
                    "search",
                    format!("Only {} can be searched.", terms.join(" or ")),
                    Some(search.clone()),
                ));
            }
            _ => text,
        };
        Ok(Some(unquote(pattern.trim()).to_owned()))
    }

    /// Items to skip before this page.
    pub fn offset(&self) -> u64 {
        self.page.saturating_sub(1).saturating_mul(self.count)
    }
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn unquote(text: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote)) {
            return inner;
        }
    }
    text
}

/// A REST 1.0 collection: `{"elements":[…],"page":1,"pageSize":N,"total":T}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Elements<T> {
    /// This page.
    pub elements: Vec<T>,
    /// Page number, from 1.
    pub page: u64,
    /// The page size asked for (Eloqua echoes `count`, not the number of elements).
    pub page_size: u64,
    /// Every match.
    pub total: u64,
}

impl<T> Elements<T> {
    /// Wraps one page of `total` matches.
    pub fn new(elements: Vec<T>, page: &RestPage, total: u64) -> Self {
        Self {
            elements,
            page: page.page,
            page_size: page.count,
            total,
        }
    }
}

/// A timestamp as REST 1.0 writes it: Unix seconds, as a string.
pub fn unix(at: Timestamp) -> String {
    at.unix_seconds().to_string()
}

/// A boolean as REST 1.0 writes it: `"true"` or `"false"`.
pub fn flag_text(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

/// The answer to a REST 1.0 DELETE: Eloqua replies 200 OK with an empty body (not 204), and
/// clients written against Eloqua check for 200.
pub fn deleted() -> Response {
    StatusCode::OK.into_response()
}

/// A 400 naming `name`, quoting the offending `value`.
fn refused(name: &str, why: impl Into<String>, value: &Value) -> ApiError {
    ApiError::invalid(name, why, Some(plain(value)))
}

/// The request body as a JSON object.
///
/// # Errors
/// 400 naming `body` when it is an array, a string or another non-object.
pub fn object(body: Value) -> Result<Map<String, Value>, ApiError> {
    match body {
        Value::Object(map) => Ok(map),
        other => Err(refused("body", "Must be a JSON object.", &other)),
    }
}

/// An optional string property; `null` and `""` count as absent.
///
/// # Errors
/// 400 naming `name` when the value is not a string, or longer than `max` characters.
pub fn text(obj: &Map<String, Value>, name: &str, max: usize) -> Result<Option<String>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(other) => Err(refused(
            name,
            format!("Must be a string of at most {max} characters."),
            other,
        )),
    }
}

/// A required string property of 1 to `max` characters.
///
/// # Errors
/// 400 naming `name` when it is missing, empty, not a string or too long.
pub fn required_text(obj: &Map<String, Value>, name: &str, max: usize) -> Result<String, ApiError> {
    text(obj, name, max)?.ok_or_else(|| {
        let why = format!("Required: a string of 1 to {max} characters.");
        ApiError::invalid(name, why, obj.get(name).filter(|v| !v.is_null()).map(plain))
    })
}

/// An optional boolean property: a JSON boolean or the strings `"true"` / `"false"`.
///
/// # Errors
/// 400 naming `name` for anything else.
pub fn flag(obj: &Map<String, Value>, name: &str) -> Result<Option<bool>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(refused(name, "Must be true or false.", other)),
    }
}

/// An optional array of record ids, each a positive integer written as a JSON number or a
/// string of digits; absent or `null` is empty.
///
/// # Errors
/// 400 naming `name` when it is not an array, or an element is not a positive integer.
pub fn ids(obj: &Map<String, Value>, name: &str) -> Result<Vec<i64>, ApiError> {
    let items = match obj.get(name) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(refused(name, "Must be an array of ids.", other)),
    };
    let id = |item: &Value| match item {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let positive = |item: &Value| id(item).filter(|id| *id > 0);
    items
        .iter()
        .map(|item| {
            positive(item).ok_or_else(|| refused(name, "Each id must be a positive integer.", item))
        })
        .collect()
}

/// A JSON value as text for a failure's `value`: strings without their quotes.
pub fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The 400 naming the first id, of the `(field, ids)` pairs, that is not one of the site's
/// contacts; the store reports that only as `NotFound`, so this finds out which.
pub async fn unknown_contact(
    store: &dyn Store,
    site_id: i64,
    fields: &[(&str, &[i64])],
) -> ApiError {
    for (field, ids) in fields {
        for id in *ids {
            match store.get_contact(site_id, *id).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    let why =
                        format!("There was a missing reference: contact {id} does not exist.");
                    return ApiError::invalid(field, why, Some(id.to_string()));
                }
                Err(other) => return other.into(),
            }
        }
    }
    // Every contact exists now (a concurrent change); report what the store reported.
    ApiError::NotFound
}

#[cfg(test)]
mod tests {
    use super::RestPage;

    #[test]
    fn search_takes_named_terms_bare_patterns_and_quotes() {
        let terms = &["C_EmailAddress", "emailAddress"];
        let pattern = |search: &str| {
            let page = RestPage {
                page: 1,
                count: 10,
                search: Some(search.into()),
            };
            page.pattern(terms).map_err(|_| search.to_owned())
        };
        assert_eq!(pattern("C_EmailAddress=a@b.c"), Ok(Some("a@b.c".into())));
        assert_eq!(pattern("emailaddress='*@b.c'"), Ok(Some("*@b.c".into())));
        assert_eq!(pattern("\"*fred*\""), Ok(Some("*fred*".into())));
        // Not a property name before `=`: the whole text is an address pattern.
        assert_eq!(pattern("a+x=1@b.c"), Ok(Some("a+x=1@b.c".into())));
        assert!(pattern("firstName=Fred").is_err());
    }
}

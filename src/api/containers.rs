//! Bulk 2.0 container lookups (§8.1): contact lists and email groups (what sync action
//! destinations name) and the contact field catalogue (what definitions' `fields` name).
//!
//! A list's `count` is its current member count, the cheapest way for a client to see that an
//! `add` or `remove` took effect.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ErrorMessage, FailuresBody};
use super::extract::{Caller, ListParams, RawParams, parse_id};
use super::wire::Envelope;
use super::{ApiError, ApiResult, AppState};
use crate::domain::asset::{ContactList, EmailGroup};
use crate::domain::contact_fields::{ContactField, standard_fields};
use crate::domain::fields::ContainerField;
use crate::domain::markup::Statement;
use crate::domain::query::{
    Condition, Direction, FieldKind, ListQuery, MAX_PAGE, Op, Operand, QueryField,
};
use crate::store::Page;

/// Routes under the Bulk prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts/lists", get(lists))
        .route("/contacts/lists/{id}", get(read_list))
        .route("/emailGroups", get(groups))
        .route("/emailGroups/{id}", get(read_group))
        .route("/contacts/fields", get(fields))
        .route("/contacts/fields/{id}", get(read_field))
}

/// A contact list as the Bulk API writes it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactListDto {
    name: String,
    count: i64,
    statement: String,
    uri: String,
    created_by: String,
    created_at: String,
    updated_by: String,
    updated_at: String,
}

impl From<ContactList> for ContactListDto {
    fn from(list: ContactList) -> Self {
        Self {
            name: list.name,
            count: list.count,
            statement: Statement::ContactList(list.id.unsigned_abs()).to_string(),
            uri: format!("/contacts/lists/{}", list.id),
            created_by: list.audit.created_by,
            created_at: list.audit.created_at.to_string(),
            updated_by: list.audit.updated_by,
            updated_at: list.audit.updated_at.to_string(),
        }
    }
}

/// An email group as the Bulk API writes it (no `count`: Eloqua has none here).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailGroupDto {
    name: String,
    statement: String,
    uri: String,
    created_at: String,
    created_by: String,
    updated_at: String,
    updated_by: String,
}

impl From<EmailGroup> for EmailGroupDto {
    fn from(group: EmailGroup) -> Self {
        Self {
            name: group.name,
            statement: Statement::EmailGroup(group.id.unsigned_abs()).to_string(),
            uri: format!("/emailGroups/{}", group.id),
            created_at: group.audit.created_at.to_string(),
            created_by: group.audit.created_by,
            updated_at: group.audit.updated_at.to_string(),
            updated_by: group.audit.updated_by,
        }
    }
}

/// Lists contact lists.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/lists",
    operation_id = "listContactLists",
    tag = "containers",
    params(RawParams),
    responses(
        (status = 200, description = "A page", body = Envelope<ContactListDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
    )
)]
async fn lists(
    State(state): State<AppState>,
    Caller(who): Caller,
    params: ListParams,
) -> ApiResult {
    let query = params.query::<ContainerField>(MAX_PAGE)?;
    let page = state.store.list_lists(who.site.id, &query).await?;
    Ok(axum::Json(Envelope::from_page(page, &query, ContactListDto::from)).into_response())
}

/// Reads a contact list.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/lists/{id}",
    operation_id = "getContactList",
    tag = "containers",
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "Found", body = ContactListDto),
        (status = 404, description = "No such item", body = ErrorMessage),
    )
)]
async fn read_list(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let list = state.store.get_list(who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(ContactListDto::from(list)).into_response())
}

/// Lists email groups.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/emailGroups",
    operation_id = "listEmailGroups",
    tag = "containers",
    params(RawParams),
    responses(
        (status = 200, description = "A page", body = Envelope<EmailGroupDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
    )
)]
async fn groups(
    State(state): State<AppState>,
    Caller(who): Caller,
    params: ListParams,
) -> ApiResult {
    let query = params.query::<ContainerField>(MAX_PAGE)?;
    let page = state.store.list_groups(who.site.id, &query).await?;
    Ok(axum::Json(Envelope::from_page(page, &query, EmailGroupDto::from)).into_response())
}

/// Reads an email group.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/emailGroups/{id}",
    operation_id = "getEmailGroup",
    tag = "containers",
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "Found", body = EmailGroupDto),
        (status = 404, description = "No such item", body = ErrorMessage),
    )
)]
async fn read_group(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let group = state.store.get_group(who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(EmailGroupDto::from(group)).into_response())
}

/// A contact field as the Bulk API writes it (no timestamps: standard fields are built in).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldDto {
    name: String,
    internal_name: String,
    data_type: &'static str,
    has_read_only_constraint: bool,
    has_not_null_constraint: bool,
    has_uniqueness_constraint: bool,
    statement: String,
    uri: String,
}

impl From<ContactField> for FieldDto {
    fn from(field: ContactField) -> Self {
        Self {
            statement: field.statement(),
            uri: format!("/contacts/fields/{}", field.id),
            name: field.name,
            internal_name: field.internal_name,
            data_type: field.data_type.as_str(),
            has_read_only_constraint: false,
            has_not_null_constraint: field.not_null,
            has_uniqueness_constraint: field.unique,
        }
    }
}

/// What `q` and `orderBy` may name on `/contacts/fields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueField {
    /// `name`
    Name,
    /// `internalName`
    InternalName,
    /// `dataType`
    DataType,
}

impl QueryField for CatalogueField {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "name" => Some(Self::Name),
            "internalname" => Some(Self::InternalName),
            "datatype" => Some(Self::DataType),
            _ => None,
        }
    }

    fn kind(self) -> FieldKind {
        FieldKind::Text
    }

    fn names() -> &'static [&'static str] {
        &["name", "internalName", "dataType"]
    }
}

impl CatalogueField {
    fn of(self, field: &ContactField) -> String {
        let text = match self {
            Self::Name => field.name.as_str(),
            Self::InternalName => field.internal_name.as_str(),
            Self::DataType => field.data_type.as_str(),
        };
        text.to_lowercase()
    }
}

/// Standard fields, then the site's custom fields.
async fn catalogue(state: &AppState, site_id: i64) -> Result<Vec<ContactField>, ApiError> {
    let mut fields = standard_fields();
    fields.extend(state.store.list_custom_fields(site_id).await?);
    Ok(fields)
}

/// Lists contact fields.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/fields",
    operation_id = "listContactFields",
    tag = "containers",
    params(RawParams),
    responses(
        (status = 200, description = "A page", body = Envelope<FieldDto>),
        (status = 400, description = "A bad limit, offset, orderBy, q or totalResults", body = FailuresBody),
    )
)]
async fn fields(
    State(state): State<AppState>,
    Caller(who): Caller,
    params: ListParams,
) -> ApiResult {
    let query = params.query::<CatalogueField>(MAX_PAGE)?;
    let page = catalogue_page(catalogue(&state, who.site.id).await?, &query);
    Ok(axum::Json(Envelope::from_page(page, &query, FieldDto::from)).into_response())
}

/// Reads a contact field.
#[utoipa::path(
    get,
    path = "/api/bulk/2.0/contacts/fields/{id}",
    operation_id = "getContactField",
    tag = "containers",
    params(("id" = i64, Path, description = "Id")),
    responses(
        (status = 200, description = "Found", body = FieldDto),
        (status = 404, description = "No such item", body = ErrorMessage),
    )
)]
async fn read_field(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let id = parse_id(&id)?;
    let field = catalogue(&state, who.site.id)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(FieldDto::from(field)).into_response())
}

/// Filters, sorts and pages the catalogue the way the store pages its tables: text compares
/// without regard to case, a `*` pattern is a LIKE (`!=` negates it), ties keep id order.
fn catalogue_page(
    fields: Vec<ContactField>,
    query: &ListQuery<CatalogueField>,
) -> Page<ContactField> {
    // The query parser allows only `=` and `!=` on text, and every catalogue property is text.
    let holds = |f: &ContactField, c: &Condition<CatalogueField>| match &c.operand {
        Operand::Text(text) => {
            let found = if text.contains('*') {
                wildcard(text, &c.field.of(f))
            } else {
                c.field.of(f) == text.to_lowercase()
            };
            (c.op == Op::Ne) != found
        }
        Operand::Time(_) | Operand::Integer(_) => false,
    };
    let mut matches: Vec<ContactField> = fields
        .into_iter()
        .filter(|f| query.conditions.iter().all(|c| holds(f, c)))
        .collect();
    if let Some((by, direction)) = query.order {
        // Stable: equal keys stay in id order either way, as the store's id tie-breaker does.
        matches.sort_by(|a, b| {
            let order = by.of(a).cmp(&by.of(b));
            if direction == Direction::Descending {
                order.reverse()
            } else {
                order
            }
        });
    }
    let total = matches.len() as u64;
    let offset = usize::try_from(query.offset).unwrap_or(usize::MAX);
    let items: Vec<ContactField> = matches
        .into_iter()
        .skip(offset)
        .take(query.limit as usize)
        .collect();
    let has_more = query.offset.saturating_add(items.len() as u64) < total;
    Page {
        items,
        total: query.total_results.then_some(total),
        has_more,
    }
}

/// Whether `text` (lowercase) matches `pattern`, `*` standing for any run of characters.
fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut resume) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            (star, resume, pi) = (Some(pi), ti, pi + 1);
        } else if pi < p.len() && p[pi] == t[ti] {
            (pi, ti) = (pi + 1, ti + 1);
        } else if let Some(s) = star {
            resume += 1;
            (pi, ti) = (s + 1, resume);
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

//! Bulk 2.0 container lookups (§8.1): contact lists and email groups (what sync action
//! destinations name) and each record type's field catalogue (what definitions' `fields`
//! name): `/contacts/fields`, `/accounts/fields`.
//!
//! A list's `count` is its current member count, the cheapest way for a client to see that an
//! `add` or `remove` took effect.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use std::future::Future;
use std::marker::PhantomData;

use utoipa::openapi::OpenApi as Document;
use utoipa::openapi::path::{HttpMethod, Parameter};

use super::extract::{Caller, ListParams, parse_id};
use super::openapi::build::{self, Operation, id_parameter, list_parameters};
use super::wire::Envelope;
use super::{ApiError, ApiResult, AppState};
use crate::domain::asset::{ContactList, EmailGroup};
use crate::domain::contact_fields::RecordField;
use crate::domain::fields::ContainerField;
use crate::domain::markup::Statement;
use crate::domain::query::{
    Condition, Direction, FieldKind, ListQuery, MAX_PAGE, Op, Operand, QueryField,
};
use crate::domain::record_type::{ACCOUNTS, CONTACTS, RecordType};
use crate::store::Page;

use super::activity_fields::ActivityFields;

/// Routes under the Bulk prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts/lists", get(list::<Lists>))
        .route("/contacts/lists/{id}", get(read::<Lists>))
        .route("/accounts/lists", get(list::<AccountLists>))
        .route("/accounts/lists/{id}", get(read::<AccountLists>))
        .route("/emailGroups", get(list::<Groups>))
        .route("/emailGroups/{id}", get(read::<Groups>))
        .route("/contacts/fields", get(list::<Fields<ContactFields>>))
        .route("/contacts/fields/{id}", get(read::<Fields<ContactFields>>))
        .route("/accounts/fields", get(list::<Fields<AccountFields>>))
        .route("/accounts/fields/{id}", get(read::<Fields<AccountFields>>))
        .route("/activities/fields", get(list::<ActivityFields>))
        .route("/activities/fields/{id}", get(read::<ActivityFields>))
}

/// A contact list (or an account list) as the Bulk API writes it.
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
        let statement = Statement::ContactList(list.id.unsigned_abs()).to_string();
        let uri = format!("/contacts/lists/{}", list.id);
        Self::of(list, statement, uri)
    }
}

impl ContactListDto {
    /// `list` with its statement and uri.
    fn of(list: ContactList, statement: String, uri: String) -> Self {
        Self {
            name: list.name,
            count: list.count,
            statement,
            uri,
            created_by: list.audit.created_by,
            created_at: list.audit.created_at.to_string(),
            updated_by: list.audit.updated_by,
            updated_at: list.audit.updated_at.to_string(),
        }
    }
}

/// An account list as the Bulk API writes it: a contact list's shape, `{{AccountList[id]}}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
pub struct AccountListDto(ContactListDto);

impl From<ContactList> for AccountListDto {
    fn from(list: ContactList) -> Self {
        let statement = format!("{{{{AccountList[{}]}}}}", list.id);
        let uri = format!("/accounts/lists/{}", list.id);
        Self(ContactListDto::of(list, statement, uri))
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

/// A field as the Bulk API writes it. Built-in fields carry Eloqua's built-in date,
/// `1900-01-01T05:00:00.0000000Z`, as their creation and change.
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
    created_at: String,
    updated_at: String,
}

/// When Eloqua says its built-in fields were made.
pub const BUILT_IN: &str = "1900-01-01T05:00:00.0000000Z";

impl FieldDto {
    /// A field without constraints (a custom object's), with its statement, uri and times.
    pub fn plain(
        (name, internal_name, data_type): (String, String, &'static str),
        statement: String,
        uri: String,
        (created_at, updated_at): (String, String),
    ) -> Self {
        Self {
            name,
            internal_name,
            data_type,
            has_read_only_constraint: false,
            has_not_null_constraint: false,
            has_uniqueness_constraint: false,
            statement,
            uri,
            created_at,
            updated_at,
        }
    }
}

/// One field of a record type's catalogue.
pub struct CatalogueEntry {
    record_type: &'static RecordType,
    field: RecordField,
}

impl From<CatalogueEntry> for FieldDto {
    fn from(CatalogueEntry { record_type, field }: CatalogueEntry) -> Self {
        let read_only = field.read_only();
        let made = field
            .created_at
            .map_or_else(|| BUILT_IN.to_owned(), |at| at.to_string());
        Self {
            created_at: made.clone(),
            updated_at: made,
            statement: field.statement(record_type.markup_root),
            uri: format!("/{}/fields/{}", record_type.segment, field.id),
            name: field.name,
            internal_name: field.internal_name,
            data_type: field.data_type.as_str(),
            has_read_only_constraint: read_only,
            has_not_null_constraint: field.not_null,
            has_uniqueness_constraint: field.unique,
        }
    }
}

/// What `q` and `orderBy` may name on a field catalogue (`/contacts/fields`).
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

/// A field a catalogue pages: its properties as `q` and `orderBy` compare them.
pub trait Catalogued {
    /// `name`, `internalName` or `dataType`.
    fn property(&self, of: CatalogueField) -> &str;
}

impl Catalogued for CatalogueEntry {
    fn property(&self, of: CatalogueField) -> &str {
        match of {
            CatalogueField::Name => &self.field.name,
            CatalogueField::InternalName => &self.field.internal_name,
            CatalogueField::DataType => self.field.data_type.as_str(),
        }
    }
}

impl CatalogueField {
    fn of(self, item: &impl Catalogued) -> String {
        item.property(self).to_lowercase()
    }
}

/// The standard fields of `record_type`, then the site's custom ones.
async fn catalogue(
    state: &AppState,
    site_id: i64,
    record_type: &'static RecordType,
) -> Result<Vec<CatalogueEntry>, ApiError> {
    let mut fields = record_type.fields.standard_fields();
    fields.extend(state.store.list_custom_fields(site_id, record_type).await?);
    Ok(fields
        .into_iter()
        .map(|field| CatalogueEntry { record_type, field })
        .collect())
}

/// A read-only Bulk collection: a page of its items, and one item by id.
pub trait Collection: Send + Sync + 'static {
    /// What `q` and `orderBy` may name.
    type Field: QueryField + Send + Sync;
    /// One item as stored.
    type Item: Send;
    /// One item on the wire.
    type Dto: Serialize + ToSchema + From<Self::Item>;
    /// Its path under the Bulk prefix.
    const PATH: &'static str;
    /// The operation id stem (`ContactList`: `listContactLists`, `getContactList`).
    const OPERATION: &'static str;
    /// What the document calls one item.
    const NOUN: &'static str;
    /// Query parameters of its own beyond paging, `q` and `orderBy` ([`NoFilter`] if none).
    type Filter: DeserializeOwned + Send + Sync;

    /// A page of the site's items.
    fn page(
        state: &AppState,
        site_id: i64,
        query: &ListQuery<Self::Field>,
        filter: &Self::Filter,
    ) -> impl Future<Output = Result<Page<Self::Item>, ApiError>> + Send;
    /// One item.
    fn one(
        state: &AppState,
        site_id: i64,
        id: i64,
    ) -> impl Future<Output = Result<Self::Item, ApiError>> + Send;

    /// The documentation of the [`Self::Filter`] parameters.
    fn filter_parameters() -> Vec<Parameter> {
        Vec::new()
    }
}

/// No query parameters beyond the common ones (others are ignored, as Eloqua does).
#[derive(Debug, Default, Deserialize)]
pub struct NoFilter {}

/// `GET` a collection: a page of it in the Bulk envelope.
pub(super) async fn list<C: Collection>(
    State(state): State<AppState>,
    Caller(who): Caller,
    params: ListParams,
    filter: Result<Query<C::Filter>, QueryRejection>,
) -> ApiResult {
    let Query(filter) = filter.map_err(|e| ApiError::invalid("query", e.body_text(), None))?;
    let query = params.query::<C::Field>(MAX_PAGE)?;
    let page = C::page(&state, who.site.id, &query, &filter).await?;
    Ok(axum::Json(Envelope::from_page(page, &query, C::Dto::from)).into_response())
}

/// `GET` one item of a collection.
pub(super) async fn read<C: Collection>(
    State(state): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let item = C::one(&state, who.site.id, parse_id(&id)?).await?;
    Ok(axum::Json(C::Dto::from(item)).into_response())
}

/// The contact lists (`/contacts/lists`).
pub struct Lists;

impl Collection for Lists {
    type Field = ContainerField;
    type Item = ContactList;
    type Dto = ContactListDto;
    const PATH: &'static str = "/contacts/lists";
    const OPERATION: &'static str = "ContactList";
    const NOUN: &'static str = "contact list";
    type Filter = NoFilter;

    async fn page(
        state: &AppState,
        site_id: i64,
        query: &ListQuery<ContainerField>,
        _: &NoFilter,
    ) -> Result<Page<ContactList>, ApiError> {
        Ok(state.store.list_lists(site_id, query).await?)
    }

    async fn one(state: &AppState, site_id: i64, id: i64) -> Result<ContactList, ApiError> {
        Ok(state.store.get_list(site_id, id).await?)
    }
}

/// The account lists (`/accounts/lists`).
pub struct AccountLists;

impl Collection for AccountLists {
    type Field = ContainerField;
    type Item = ContactList;
    type Dto = AccountListDto;
    const PATH: &'static str = "/accounts/lists";
    const OPERATION: &'static str = "AccountList";
    const NOUN: &'static str = "account list";
    type Filter = NoFilter;

    async fn page(
        state: &AppState,
        site_id: i64,
        query: &ListQuery<ContainerField>,
        _: &NoFilter,
    ) -> Result<Page<ContactList>, ApiError> {
        Ok(state.store.list_account_lists(site_id, query).await?)
    }

    async fn one(state: &AppState, site_id: i64, id: i64) -> Result<ContactList, ApiError> {
        Ok(state.store.get_account_list(site_id, id).await?)
    }
}

/// The email groups (`/emailGroups`).
pub struct Groups;

impl Collection for Groups {
    type Field = ContainerField;
    type Item = EmailGroup;
    type Dto = EmailGroupDto;
    const PATH: &'static str = "/emailGroups";
    const OPERATION: &'static str = "EmailGroup";
    const NOUN: &'static str = "email group";
    type Filter = NoFilter;

    async fn page(
        state: &AppState,
        site_id: i64,
        query: &ListQuery<ContainerField>,
        _: &NoFilter,
    ) -> Result<Page<EmailGroup>, ApiError> {
        Ok(state.store.list_groups(site_id, query).await?)
    }

    async fn one(state: &AppState, site_id: i64, id: i64) -> Result<EmailGroup, ApiError> {
        Ok(state.store.get_group(site_id, id).await?)
    }
}

/// A record type with a field catalogue, and the names its operations take.
pub trait Catalogue: Send + Sync + 'static {
    /// The record type.
    const TYPE: &'static RecordType;
    /// `/{segment}/fields`.
    const PATH: &'static str;
    /// The operation id stem (`ContactField`).
    const OPERATION: &'static str;
    /// What the document calls one field.
    const NOUN: &'static str;
}

/// The contact field catalogue.
pub struct ContactFields;

impl Catalogue for ContactFields {
    const TYPE: &'static RecordType = &CONTACTS;
    const PATH: &'static str = "/contacts/fields";
    const OPERATION: &'static str = "ContactField";
    const NOUN: &'static str = "contact field";
}

/// The account field catalogue.
pub struct AccountFields;

impl Catalogue for AccountFields {
    const TYPE: &'static RecordType = &ACCOUNTS;
    const PATH: &'static str = "/accounts/fields";
    const OPERATION: &'static str = "AccountField";
    const NOUN: &'static str = "account field";
}

/// A field catalogue (`/contacts/fields`): the record type's standard fields, then the
/// site's custom ones, paged here.
pub struct Fields<C>(PhantomData<C>);

impl<C: Catalogue> Collection for Fields<C> {
    type Field = CatalogueField;
    type Item = CatalogueEntry;
    type Dto = FieldDto;
    const PATH: &'static str = C::PATH;
    const OPERATION: &'static str = C::OPERATION;
    const NOUN: &'static str = C::NOUN;
    type Filter = NoFilter;

    async fn page(
        state: &AppState,
        site_id: i64,
        query: &ListQuery<CatalogueField>,
        _: &NoFilter,
    ) -> Result<Page<CatalogueEntry>, ApiError> {
        Ok(catalogue_page(
            catalogue(state, site_id, C::TYPE).await?,
            query,
        ))
    }

    async fn one(state: &AppState, site_id: i64, id: i64) -> Result<CatalogueEntry, ApiError> {
        catalogue(state, site_id, C::TYPE)
            .await?
            .into_iter()
            .find(|entry| entry.field.id == id)
            .ok_or(ApiError::NotFound)
    }
}

/// Adds the operations of every collection to the document.
pub fn document(document: &mut Document) {
    add::<Lists>(document);
    add::<AccountLists>(document);
    add::<Groups>(document);
    add::<Fields<ContactFields>>(document);
    add::<Fields<AccountFields>>(document);
    add::<ActivityFields>(document);
    super::custom_objects::document(document);
}

/// `GET` the collection and `GET` one item.
pub(super) fn add<C: Collection>(document: &mut Document) {
    let dto = build::schema::<C::Dto>(document);
    let envelope = build::envelope::<C::Dto>(document);
    let path = format!("/api/bulk/2.0{}", C::PATH);
    let noun = C::NOUN;
    let mut parameters = list_parameters();
    parameters.extend(C::filter_parameters());
    let list = Operation {
        parameters,
        responses: vec![
            ("200", "A page", Some(envelope)),
            (
                "400",
                "A bad limit, offset, orderBy, q or totalResults",
                Some("FailuresBody".into()),
            ),
        ],
        ..Operation::new(
            HttpMethod::Get,
            &path,
            format!("list{}s", C::OPERATION),
            "containers",
            format!("Lists {noun}s."),
        )
    };
    let read = Operation {
        parameters: vec![id_parameter("Id")],
        responses: vec![
            ("200", "Found", Some(dto)),
            ("404", "No such item", Some("ErrorMessage".into())),
        ],
        ..Operation::new(
            HttpMethod::Get,
            format!("{path}/{{id}}"),
            format!("get{}", C::OPERATION),
            "containers",
            format!("Reads {} {noun}.", build::article(noun)),
        )
    };
    list.add_to(document);
    read.add_to(document);
}

/// Filters, sorts and pages a catalogue the way the store pages its tables: text compares
/// without regard to case, a `*` pattern is a LIKE (`!=` negates it), ties keep id order.
pub fn catalogue_page<T: Catalogued>(fields: Vec<T>, query: &ListQuery<CatalogueField>) -> Page<T> {
    // The query parser allows only `=` and `!=` on text, and every catalogue property is text.
    let holds = |f: &T, c: &Condition<CatalogueField>| match &c.operand {
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
    let mut matches: Vec<T> = fields
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
    let items: Vec<T> = matches
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

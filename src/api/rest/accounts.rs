//! REST 1.0 accounts: `POST /data/account`, `GET/PUT/DELETE /data/account/{id}` and the search
//! `GET /data/accounts?search=name=Acme*&page=1&count=100`.
//!
//! The named properties carry the address fields; every other standard account field
//! (`M_Fax`, `M_Industry`, `M_Revenue`, `CompanyIDExt`) travels in `fieldValues` under its id
//! in the Bulk field catalogue (`/accounts/fields`).

use axum::Router;
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::contacts::FieldValueDto;
use super::resource::{Resource, create, list, read, remove, replace};
use super::{RestPage, object, plain, required_text, text, unix};
use crate::api::openapi::schemas;
use crate::api::{ApiError, AppState};
use crate::domain::account::{Account, AccountInput};
use crate::domain::account_fields::standard_fields;
use crate::domain::contact_fields::Storage;

/// Longest value Loquat accepts in an account field.
const MAX_TEXT: usize = 250;

/// The named properties of a REST account and the columns they hold.
const PROPERTIES: [(&str, &str); 9] = [
    ("name", "company_name"),
    ("address1", "address1"),
    ("address2", "address2"),
    ("address3", "address3"),
    ("city", "city"),
    ("province", "state_prov"),
    ("postalCode", "zip_postal"),
    ("country", "country"),
    ("businessPhone", "business_phone"),
];

/// Account routes, relative to `/api/rest/1.0`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/data/account", post(create::<Accounts>))
        .route(
            "/data/account/{id}",
            get(read::<Accounts>)
                .put(replace::<Accounts>)
                .delete(remove::<Accounts>),
        )
        .route("/data/accounts", get(list::<Accounts>))
}

/// An account as Eloqua's REST 1.0 API writes it at `depth=complete`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountDto {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    created_at: String,
    updated_at: String,
    depth: &'static str,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    address1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    business_phone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    field_values: Vec<FieldValueDto>,
}

impl From<Account> for AccountDto {
    fn from(mut account: Account) -> Self {
        let mut take = |column: &str| account.values.remove(column);
        let (name, address1, address2, address3, city, province, postal_code, country, phone) = (
            take("company_name").unwrap_or_default(),
            take("address1"),
            take("address2"),
            take("address3"),
            take("city"),
            take("state_prov"),
            take("zip_postal"),
            take("country"),
            take("business_phone"),
        );
        // What no named property carries travels in fieldValues, by field id.
        let field_values = standard_fields()
            .into_iter()
            .filter_map(|field| match field.storage {
                Storage::Column(column) => account
                    .values
                    .get(column)
                    .map(|value| FieldValueDto::new(field.id, value.clone())),
                Storage::Custom | Storage::Timestamp(_) => None,
            })
            .collect();
        Self {
            kind: "Account",
            id: account.id.to_string(),
            created_at: unix(account.created_at),
            updated_at: unix(account.updated_at),
            depth: "complete",
            name,
            address1,
            address2,
            address3,
            city,
            province,
            postal_code,
            country,
            business_phone: phone,
            field_values,
        }
    }
}

/// Accounts (`/data/account`).
pub struct Accounts;

impl Resource for Accounts {
    type Input = AccountInput;
    type Item = Account;
    type Dto = AccountDto;
    type InputSchema = schemas::AccountInput;

    const PATH: &'static str = "/data/account";
    const COLLECTION: &'static str = "/data/accounts";
    const OPERATION: &'static str = "Account";
    const LIST_OPERATION: &'static str = "searchAccounts";
    const TAG: &'static str = "REST accounts";
    const NOUN: &'static str = "account";
    const REPLACES: &'static str = "A full replace: fields left out lose their values.";
    const CONFLICT: Option<&'static str> = None;

    fn input(body: Value) -> Result<AccountInput, ApiError> {
        account_input(body)
    }

    async fn save(
        state: &AppState,
        site_id: i64,
        id: Option<i64>,
        _by: &str,
        input: &AccountInput,
    ) -> Result<Account, ApiError> {
        Ok(match id {
            None => state.store.create_account(site_id, input).await?,
            Some(id) => state.store.update_account(site_id, id, input).await?,
        })
    }

    async fn get(state: &AppState, site_id: i64, id: i64) -> Result<Account, ApiError> {
        Ok(state.store.get_account(site_id, id).await?)
    }

    async fn delete(state: &AppState, site_id: i64, id: i64) -> Result<(), ApiError> {
        Ok(state.store.delete_account(site_id, id).await?)
    }

    /// `search` on the company name.
    async fn page(
        state: &AppState,
        site_id: i64,
        page: &RestPage,
    ) -> Result<(Vec<Account>, u64), ApiError> {
        let pattern = page.pattern(&["name", "M_CompanyName"])?;
        Ok(state
            .store
            .search_accounts(site_id, pattern.as_deref(), page.offset(), page.count)
            .await?)
    }

    fn dto(account: Account, _site_id: i64, _input: Option<&AccountInput>) -> AccountDto {
        AccountDto::from(account)
    }

    fn id(item: &Account) -> i64 {
        item.id
    }
}

/// Reads an account body; unknown properties are ignored, wrong types name the property.
fn account_input(body: Value) -> Result<AccountInput, ApiError> {
    let obj = object(body)?;
    let mut input = AccountInput::default();
    input
        .values
        .insert("company_name", required_text(&obj, "name", MAX_TEXT)?);
    for (property, column) in &PROPERTIES[1..] {
        if let Some(value) = text(&obj, property, MAX_TEXT)? {
            input.values.insert(column, value);
        }
    }
    field_values(&obj, &mut input)?;
    Ok(input)
}

/// `fieldValues`: standard account fields by id; an unknown id is refused rather than dropped.
fn field_values(obj: &Map<String, Value>, input: &mut AccountInput) -> Result<(), ApiError> {
    let entries = match obj.get("fieldValues") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(entries)) => entries,
        Some(other) => {
            return Err(ApiError::invalid(
                "fieldValues",
                "Must be an array.",
                Some(plain(other)),
            ));
        }
    };
    let fields = standard_fields();
    for (index, entry) in entries.iter().enumerate() {
        let place = format!("fieldValues[{index}]");
        let Value::Object(entry) = entry else {
            return Err(ApiError::invalid(
                &place,
                "Must be an object.",
                Some(plain(entry)),
            ));
        };
        let id = entry.get("id").map(plain).unwrap_or_default();
        let column = fields.iter().find_map(|f| match f.storage {
            Storage::Column(column) if f.id.to_string() == id => Some(column),
            _ => None,
        });
        let Some(column) = column else {
            return Err(ApiError::invalid(
                &format!("{place}.id"),
                "Must be the id of a standard account field (see /api/bulk/2.0/accounts/fields).",
                Some(id),
            ));
        };
        match text(entry, "value", MAX_TEXT) {
            Ok(Some(value)) => {
                input.values.insert(column, value);
            }
            Ok(None) if column == "company_name" => {}
            Ok(None) => {
                input.values.remove(column);
            }
            Err(_) => {
                return Err(ApiError::invalid(
                    &format!("{place}.value"),
                    format!("Must be a string of at most {MAX_TEXT} characters."),
                    entry.get("value").map(plain),
                ));
            }
        }
    }
    Ok(())
}

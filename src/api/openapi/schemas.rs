//! Schemas for bodies the handlers read or write as `serde_json::Value` (request bodies,
//! import and export definitions, export data, `/id`, OAuth tokens). They describe the wire
//! shape only and are never built; the unit tests in `super::tests` serialise real responses
//! and check every key they emit is a property here, so the document cannot drift silently.
//!
//! Definition request bodies are not described here: the document uses the types the domain
//! reads them into, re-exported below, so what is documented is what is parsed.

use std::collections::BTreeMap;

use utoipa::ToSchema;

pub use crate::domain::definition::{
    ExportDefinitionInput, ImportDefinitionInput, SyncActionDefinitionInput, SyncActionItem,
};

/// Markup by column name, e.g. `{"Email":"{{Contact.Field(C_EmailAddress)}}"}`.
pub type FieldMap = BTreeMap<String, String>;

/// A contact import definition as Eloqua writes it.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportDefinitionDto {
    /// Name.
    pub name: String,
    /// Markup by column name.
    #[schema(value_type = Object)]
    pub fields: FieldMap,
    /// The column contacts are matched on.
    pub identifier_field_name: String,
    /// Actions applied to each imported contact.
    pub sync_actions: Vec<SyncActionItem>,
    /// Whether an upload creates a sync by itself.
    pub is_sync_triggered_on_import: bool,
    /// How long unsynced data is kept.
    pub data_retention_duration: String,
    /// When the definition is deleted.
    pub auto_delete_duration: Option<String>,
    /// How existing values are overwritten.
    pub update_rule: String,
    /// Update rule by column.
    #[schema(value_type = Option<Object>)]
    pub update_rule_by_field: Option<FieldMap>,
    /// Whether a null identifier matches.
    pub null_identifier_field_name: Option<bool>,
    /// Whether every matching contact is updated.
    pub is_updating_multiple_matched_records: bool,
    /// KB staged; absent while nothing is staged.
    pub kb_used: Option<i64>,
    /// `/contacts/imports/{id}`.
    pub uri: String,
    /// Creator's login.
    pub created_by: String,
    /// Creation time.
    pub created_at: String,
    /// Last editor's login.
    pub updated_by: String,
    /// Last change.
    pub updated_at: String,
}

/// A contact export definition as Eloqua writes it.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportDefinitionDto {
    /// Name.
    pub name: String,
    /// Markup by output column name.
    #[schema(value_type = Object)]
    pub fields: FieldMap,
    /// The filter as sent.
    pub filter: Option<String>,
    /// At most this many rows.
    pub max_records: Option<u64>,
    /// `areSystemTimestampsInUTC` as sent.
    #[serde(rename = "areSystemTimestampsInUTC")]
    pub are_system_timestamps_in_utc: Option<bool>,
    /// How long exported data is kept.
    pub data_retention_duration: String,
    /// When the definition is deleted.
    pub auto_delete_duration: Option<String>,
    /// `/contacts/exports/{id}`.
    pub uri: String,
    /// Creator's login.
    pub created_by: String,
    /// Creation time.
    pub created_at: String,
    /// Last editor's login.
    pub updated_by: String,
    /// Last change.
    pub updated_at: String,
}

/// A page of an export sync's rows (`GET /syncs/{id}/data` as JSON).
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportDataPage {
    /// Rows on this page.
    pub count: usize,
    /// Each row: output column name to value (empty string when absent).
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<FieldMap>,
    /// Every row, unless `totalResults=false`.
    pub total_results: Option<u64>,
    /// Effective limit.
    pub limit: u32,
    /// Effective offset.
    pub offset: u64,
    /// Whether another page follows.
    pub has_more: bool,
}

/// `POST /syncs`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncInput {
    /// `/contacts/syncActions/{id}`, `/contacts/imports/{id}` or `/contacts/exports/{id}`.
    #[schema(example = "/contacts/syncActions/1")]
    pub synced_instance_uri: String,
    /// An http(s) URL to POST the finished sync to; `null` or `""` for none.
    pub callback_url: Option<String>,
}

/// A staged file as JSON: an array of flat objects (strings, numbers, booleans or `null`).
#[derive(ToSchema)]
#[schema(example = json!([{"Email": "fred@example.com"}]))]
pub struct UploadRows(pub Vec<BTreeMap<String, serde_json::Value>>);

/// A staged file as CSV: a header row, then RFC 4180 records.
#[derive(ToSchema)]
#[schema(example = "Email\r\nfred@example.com\r\n")]
pub struct CsvText(pub String);

/// A REST 1.0 contact body (a full replace on `PUT`).
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactInput {
    /// Required; unique in the site without regard to case.
    #[schema(example = "fred@example.com")]
    pub email_address: String,
    /// Up to 100 characters.
    pub first_name: Option<String>,
    /// Up to 100 characters.
    pub last_name: Option<String>,
    /// Default `true`; `"true"`/`"false"` accepted.
    pub is_subscribed: Option<bool>,
    /// Default `false`; `"true"`/`"false"` accepted.
    pub is_bounceback: Option<bool>,
    /// Only field `100100` (`ContactIDExt`).
    pub field_values: Option<Vec<FieldValueInput>>,
}

/// A REST 1.0 account body (a full replace on `PUT`).
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountInput {
    /// The company name (`M_CompanyName`); required.
    #[schema(example = "Acme Corp")]
    pub name: String,
    /// `M_Address1`.
    pub address1: Option<String>,
    /// `M_Address2`.
    pub address2: Option<String>,
    /// `M_Address3`.
    pub address3: Option<String>,
    /// `M_City`.
    pub city: Option<String>,
    /// `M_State_Prov`.
    pub province: Option<String>,
    /// `M_Zip_Postal`.
    pub postal_code: Option<String>,
    /// `M_Country`.
    pub country: Option<String>,
    /// `M_Business_Phone`.
    pub business_phone: Option<String>,
    /// Any standard account field by id (`/accounts/fields`), e.g. `100100` for `CompanyIDExt`.
    pub field_values: Option<Vec<FieldValueInput>>,
}

/// One entry of a contact's `fieldValues`.
#[derive(ToSchema)]
pub struct FieldValueInput {
    /// `100100`.
    #[schema(example = "100100")]
    pub id: String,
    /// The value, up to 100 characters.
    pub value: Option<String>,
}

/// A REST 1.0 contact list body.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactListInput {
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Up to 2000 characters.
    pub description: Option<String>,
    /// `local` or `global`.
    pub scope: Option<String>,
    /// Contact ids to add (numbers or strings of digits).
    pub membership_additions: Option<Vec<String>>,
    /// Contact ids to remove.
    pub membership_deletions: Option<Vec<String>>,
}

/// A REST 1.0 email group body.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailGroupInput {
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Up to 100 characters.
    pub display_name: Option<String>,
    /// Up to 2000 characters.
    pub description: Option<String>,
    /// Default `false`.
    pub is_visible_in_public_subscription_list: Option<bool>,
}

/// `POST/PUT /api/REST/2.0/data/customObject/{parentId}/instance[/{id}]`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomObjectDataInput {
    /// One of the site's contacts to link the record to.
    pub contact_id: Option<String>,
    /// Values by field id (fields of the custom object); dates in Unix time.
    pub field_values: Option<Vec<FieldValueInput>>,
}

/// One field of `POST/PUT /api/REST/2.0/assets/customObject`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomObjectFieldInput {
    /// An existing field's id to keep it; none (or a negative placeholder) adds a field.
    pub id: Option<String>,
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// `text`, `largeText`, `numeric` or `date`.
    pub data_type: String,
}

/// `POST/PUT /api/REST/2.0/assets/customObject`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomObjectInput {
    /// 1–100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Up to 2000 characters.
    pub description: Option<String>,
    /// Up to 250 fields; a replace deletes fields it leaves out.
    pub fields: Option<Vec<CustomObjectFieldInput>>,
    /// A field id, or the negative placeholder of a new field.
    pub unique_code_field_id: Option<String>,
    /// A field id, or the negative placeholder of a new field.
    pub email_address_field_id: Option<String>,
    /// A field id, or the negative placeholder of a new field.
    pub display_name_field_id: Option<String>,
}

/// `PUT …/email/group/{groupId}/subscription`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionInput {
    /// `true`, `false`, `"true"` or `"false"`.
    pub is_subscribed: bool,
}

/// `GET /id`: who the caller is and where the APIs live, or (bad credentials, as Oracle
/// documents) the JSON string `"Not authenticated."`.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum IdentityAnswer {
    /// Authenticated.
    Identity(Box<Identity>),
    /// `"Not authenticated."`
    NotAuthenticated(String),
}

/// The body of `GET /id` for an authenticated caller.
#[derive(ToSchema)]
pub struct Identity {
    /// The caller's site.
    pub site: IdentitySite,
    /// The caller.
    pub user: IdentityUser,
    /// Base URLs, all pointing at this server.
    pub urls: IdentityUrls,
}

/// `site` of `/id`.
#[derive(ToSchema)]
pub struct IdentitySite {
    /// Site id.
    pub id: i64,
    /// Site (company) name.
    pub name: String,
}

/// `user` of `/id`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityUser {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// First word of the display name.
    pub first_name: String,
    /// The rest of the display name, when there is one.
    pub last_name: Option<String>,
    /// Email address, when known.
    pub email_address: Option<String>,
}

/// `urls` of `/id`.
#[derive(ToSchema)]
pub struct IdentityUrls {
    /// This server's public URL.
    pub base: String,
    /// API URL templates (`{version}` to fill in).
    pub apis: IdentityApis,
}

/// `urls.apis` of `/id`.
#[derive(ToSchema)]
pub struct IdentityApis {
    /// SOAP endpoints (not served by Loquat; listed as Eloqua lists them).
    #[schema(value_type = BTreeMap<String, String>)]
    pub soap: FieldMap,
    /// `standard` (REST) and `bulk`.
    #[schema(value_type = BTreeMap<String, String>)]
    pub rest: FieldMap,
}

/// `POST /auth/oauth2/token` (JSON or a form); the client may instead authenticate with Basic
/// `client_id:client_secret`.
#[derive(ToSchema)]
pub struct TokenRequest {
    /// `password` or `refresh_token`.
    #[schema(example = "password")]
    pub grant_type: String,
    /// `Site\User`, with the password grant.
    pub username: Option<String>,
    /// With the password grant.
    pub password: Option<String>,
    /// With the refresh_token grant.
    pub refresh_token: Option<String>,
    /// Client id, when not in the Authorization header.
    pub client_id: Option<String>,
    /// Client secret, when not in the Authorization header.
    pub client_secret: Option<String>,
    /// Accepted and ignored.
    pub scope: Option<String>,
}

/// A token pair.
#[derive(ToSchema)]
pub struct TokenResponse {
    /// Bearer token for API calls.
    pub access_token: String,
    /// `bearer`.
    pub token_type: String,
    /// Seconds the access token lives (28800).
    pub expires_in: u64,
    /// Single-use token for the refresh_token grant (30 days).
    pub refresh_token: String,
}

/// `POST /auth/oauth2/revoke` (RFC 7009).
#[derive(ToSchema)]
pub struct RevokeRequest {
    /// The access or refresh token to forget.
    pub token: String,
    /// Accepted and ignored.
    pub token_type_hint: Option<String>,
    /// Client id, when not in the Authorization header.
    pub client_id: Option<String>,
    /// Client secret, when not in the Authorization header.
    pub client_secret: Option<String>,
}

/// An empty JSON object (`{}`).
#[derive(ToSchema)]
pub struct Empty {}

/// Registers an AppCloud service instance.
#[derive(ToSchema)]
pub struct InstanceInput {
    /// 32 hex digits, no dashes.
    #[schema(
        pattern = "^[0-9a-fA-F]{32}$",
        example = "0123456789abcdef0123456789abcdef"
    )]
    pub id: String,
    /// `action`, `decision` or `feeder`.
    #[serde(rename = "type")]
    #[schema(pattern = "^(action|decision|feeder)$")]
    pub kind: String,
    /// Up to 100 characters.
    pub name: Option<String>,
}

/// Creates an execution holding contacts as `pending`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionInput {
    /// Contact ids (numbers or strings of digits).
    pub contact_ids: Option<Vec<i64>>,
}

/// Sets member statuses.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlacementInput {
    /// Contact ids (numbers or strings of digits).
    pub contact_ids: Vec<i64>,
    /// `pending`, `active`, `complete`, `errored` (action, feeder) or `yes`, `no` (decision).
    pub status: String,
}

/// The parameters of `GET /syncs/{id}/data`: the collection parameters, with a larger page.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct DataParams {
    /// Page size: 1 to 50,000; default 1000.
    #[param(minimum = 1, maximum = 50_000)]
    pub limit: Option<u32>,
    /// Rows to skip; default 0.
    pub offset: Option<u64>,
    /// `false` omits `totalResults`; default `true`.
    pub total_results: Option<bool>,
}

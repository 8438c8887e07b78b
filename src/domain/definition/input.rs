//! The request bodies of definitions as the server reads them, and as the OpenAPI document
//! describes them: every property is [`Lenient`], so reading never fails and the rules report
//! every broken one at once. Unknown properties are ignored, as Eloqua ignores them.
//!
//! The `#[schema]` attributes give the document the wire types and limits the rules enforce.

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::lenient::{Flag, Lenient};

/// Markup (or update rules) by column name, in the client's order.
pub type Entries = Map<String, Value>;

/// One sync action of a definition.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = SyncAction)]
#[serde(rename_all = "camelCase")]
pub struct SyncActionItem {
    /// `add`, `remove` or `setStatus`.
    #[schema(value_type = String, pattern = "^(add|remove|setStatus)$", example = "add")]
    pub action: Lenient<String>,
    /// Markup naming the container, e.g. `{{ContactList[12]}}`.
    #[schema(value_type = String, example = "{{ContactList[12]}}")]
    pub destination: Lenient<String>,
    /// With `setStatus`: `subscribed`, `unsubscribed`, `yes`, `no`, `active`, `complete`, `errored`.
    #[schema(value_type = Option<String>)]
    pub status: Lenient<String>,
    /// Only on `…Execution[id]` destinations.
    #[schema(value_type = Option<bool>)]
    pub update_all: Lenient<Flag>,
}

/// The list of sync actions as read: each entry on its own, so one bad entry does not hide
/// the others.
pub type SyncActionList = Lenient<Vec<Lenient<SyncActionItem>>>;

/// The writable properties of a contact sync action definition.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncActionDefinitionInput {
    /// 1–100 characters.
    #[schema(
        value_type = String,
        min_length = 1,
        max_length = 100,
        pattern = r"\S",
        example = "Add to list"
    )]
    pub name: Lenient<String>,
    /// Exactly one entry: the identifier column and its markup.
    #[schema(value_type = Object, example = json!({"Email": "{{Contact.Field(C_EmailAddress)}}"}))]
    pub fields: Lenient<Entries>,
    /// The key of `fields`.
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S", example = "Email")]
    pub identifier_field_name: Lenient<String>,
    /// 1–10 actions.
    #[schema(value_type = Vec<SyncActionItem>, min_items = 1, max_items = 10)]
    pub sync_actions: SyncActionList,
    /// Defaults to `false`; the strings `"true"`/`"false"` are accepted.
    #[schema(value_type = Option<bool>)]
    pub is_sync_triggered_on_import: Lenient<Flag>,
    /// An ISO-8601 duration of at least `PT1H`.
    #[schema(value_type = Option<String>)]
    pub auto_delete_duration: Lenient<String>,
}

/// The writable properties of a contact import definition.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportDefinitionInput {
    /// 1–100 characters.
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Lenient<String>,
    /// Markup by column name.
    #[schema(value_type = Object, example = json!({"Email": "{{Contact.Field(C_EmailAddress)}}"}))]
    pub fields: Lenient<Entries>,
    /// The column contacts are matched on.
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S")]
    pub identifier_field_name: Lenient<String>,
    /// Actions applied to each imported contact.
    #[schema(value_type = Option<Vec<SyncActionItem>>, max_items = 10)]
    pub sync_actions: SyncActionList,
    /// Whether an upload creates a sync by itself.
    #[schema(value_type = Option<bool>)]
    pub is_sync_triggered_on_import: Lenient<Flag>,
    /// How long unsynced data is kept (ISO-8601 duration).
    #[schema(value_type = Option<String>)]
    pub data_retention_duration: Lenient<String>,
    /// When the definition is deleted (ISO-8601 duration).
    #[schema(value_type = Option<String>)]
    pub auto_delete_duration: Lenient<String>,
    /// `always`, `ifNewIsNotNull`, `ifExistingIsNull` or `useFieldRule`.
    #[schema(value_type = Option<String>)]
    pub update_rule: Lenient<String>,
    /// Update rule by column, with `useFieldRule`.
    #[schema(value_type = Option<Object>)]
    pub update_rule_by_field: Lenient<Entries>,
    /// Which rows are written: `createAndUpdate` (the default), `updateOnly` or `createOnly`.
    #[schema(value_type = Option<String>)]
    pub import_rule: Lenient<String>,
    /// Whether a null identifier matches.
    #[schema(value_type = Option<bool>)]
    pub null_identifier_field_name: Lenient<Flag>,
    /// Whether every matching contact is updated.
    #[schema(value_type = Option<bool>)]
    pub is_updating_multiple_matched_records: Lenient<Flag>,
}

/// The writable properties of a contact export definition.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportDefinitionInput {
    /// 1–100 characters.
    #[schema(value_type = String, min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: Lenient<String>,
    /// Markup by output column name.
    #[schema(value_type = Object, example = json!({"Email": "{{Contact.Field(C_EmailAddress)}}"}))]
    pub fields: Lenient<Entries>,
    /// An Eloqua filter expression, e.g. `EXISTS('{{ContactList[1]}}')`.
    #[schema(value_type = Option<String>)]
    pub filter: Lenient<String>,
    /// At most this many rows.
    #[schema(value_type = Option<u64>, minimum = 1)]
    pub max_records: Lenient<u64>,
    /// How long the exported data is kept (ISO-8601 duration).
    #[schema(value_type = Option<String>)]
    pub data_retention_duration: Lenient<String>,
    /// When the definition is deleted (ISO-8601 duration).
    #[schema(value_type = Option<String>)]
    pub auto_delete_duration: Lenient<String>,
    /// Whether `{{Contact.CreatedAt}}` and `UpdatedAt` are written and compared in UTC
    /// (Loquat's always are; echoed).
    #[serde(rename = "areSystemTimestampsInUTC")]
    #[schema(value_type = Option<bool>)]
    pub are_system_timestamps_in_utc: Lenient<Flag>,
}

//! Custom objects: site-defined record types (an event registration, a purchase) with fields
//! of their own, defined through Eloqua's REST 2.0 asset API and read by the Bulk API
//! (`/customObjects/{id}/fields`, statements `{{CustomObject[9].Field[147]}}`).

use super::asset::Audit;
use super::contact_fields::FieldType;

/// One field of a custom object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomObjectField {
    /// Field id, unique across the site's custom objects.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Internal name (the display name's letters and digits, as Eloqua makes them).
    pub internal_name: String,
    /// What it holds: text, largeText, numeric or date.
    pub data_type: FieldType,
}

impl CustomObjectField {
    /// `{{CustomObject[object].Field[id]}}`, the Bulk statement naming this field.
    pub fn statement(&self, object_id: i64) -> String {
        format!("{{{{CustomObject[{object_id}].Field[{}]}}}}", self.id)
    }
}

/// A custom object definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomObject {
    /// Its id (`/customObjects/9`).
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Its fields, in the order they were defined.
    pub fields: Vec<CustomObjectField>,
    /// The field whose value identifies a record (`uniqueCodeFieldId`).
    pub unique_code_field_id: Option<i64>,
    /// The field holding the email address that links a record to a contact.
    pub email_address_field_id: Option<i64>,
    /// The field shown as a record's name.
    pub display_name_field_id: Option<i64>,
    /// Who created and last changed it, and when.
    pub audit: Audit,
}

/// One field as a request defines it: `id` names an existing field to keep (and rename),
/// none asks for a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomObjectFieldInput {
    /// An existing field's id.
    pub id: Option<i64>,
    /// Display name.
    pub name: String,
    /// What it holds.
    pub data_type: FieldType,
}

/// The writable properties of a custom object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomObjectInput {
    /// Its name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Its fields; an existing field left out is deleted.
    pub fields: Vec<CustomObjectFieldInput>,
    /// `uniqueCodeFieldId`: one of the object's fields.
    pub unique_code_field_id: Option<i64>,
    /// `emailAddressFieldId`: one of the object's fields.
    pub email_address_field_id: Option<i64>,
    /// `displayNameFieldId`: one of the object's fields.
    pub display_name_field_id: Option<i64>,
}

/// Most custom objects one site holds. Eloqua's instances hold a few hundred; the bound keeps
/// every listing of a site's objects (and their fields) small.
pub const MAX_CUSTOM_OBJECTS: u64 = 500;

/// One record of a custom object (Eloqua's "custom object data").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomObjectRecord {
    /// Its id.
    pub id: i64,
    /// The custom object it belongs to.
    pub object_id: i64,
    /// The contact it is linked to.
    pub contact_id: Option<i64>,
    /// Field values by field id, in field id order; a field without a value is absent.
    pub values: Vec<(i64, String)>,
    /// Who created and last changed it, and when.
    pub audit: Audit,
}

/// The writable properties of a record: a replace sets exactly these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomObjectRecordInput {
    /// The contact to link it to (one of the site's).
    pub contact_id: Option<i64>,
    /// Values by field id (fields of the record's object).
    pub values: Vec<(i64, String)>,
}

/// The types a custom object field may have.
pub const FIELD_TYPES: [FieldType; 4] = [
    FieldType::Text,
    FieldType::LargeText,
    FieldType::Numeric,
    FieldType::Date,
];

/// The internal name Eloqua gives a custom object field called `name`: its letters and
/// digits (others become `_`) plus `1` (`Event Date` → `Event_Date1`).
pub fn field_internal_name(name: &str) -> String {
    let body: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(90)
        .collect();
    format!("{body}1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_render_their_bulk_statement_and_internal_name() {
        let field = CustomObjectField {
            id: 147,
            name: "Event Date".into(),
            internal_name: field_internal_name("Event Date"),
            data_type: FieldType::Date,
        };
        assert_eq!(field.statement(9), "{{CustomObject[9].Field[147]}}");
        assert_eq!(field.internal_name, "Event_Date1");
    }
}

//! Record fields: the standard ones every site has (stored as columns of the record) and the
//! custom ones an operator adds per site (stored beside it), with the standard contact fields.
//! Imports and exports name them by internal name (`{{Contact.Field(C_EmailAddress)}}`); the
//! standard account fields are in `account_fields.rs`.

use std::fmt;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Short text.
    Text,
    /// Long text.
    LargeText,
    /// A number.
    Numeric,
    /// A date and time.
    Date,
    /// An email address.
    EmailAddress,
}

impl FieldType {
    /// Eloqua's `dataType` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::LargeText => "largeText",
            Self::Numeric => "numeric",
            Self::Date => "date",
            Self::EmailAddress => "emailAddress",
        }
    }

    /// Parses a `dataType` (also `number` and `largetext`, as operators type them).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "text" => Some(Self::Text),
            "largetext" | "large-text" | "large_text" => Some(Self::LargeText),
            "numeric" | "number" => Some(Self::Numeric),
            "date" => Some(Self::Date),
            "emailaddress" => Some(Self::EmailAddress),
            _ => None,
        }
    }

    /// Whether `value` is acceptable for a field of this type (empty means "no value").
    pub fn accepts(self, value: &str) -> bool {
        let value = value.trim();
        value.is_empty()
            || match self {
                Self::Text | Self::LargeText => true,
                Self::Numeric => value.parse::<f64>().is_ok_and(f64::is_finite),
                Self::Date => super::clock::Timestamp::parse_lenient(value).is_some(),
                Self::EmailAddress => super::contact::is_valid_email(value),
            }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a field's values live.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Storage {
    /// A column of the record type's table.
    Column(&'static str),
    /// A time the server keeps (nanoseconds in this column): read-only, exported and compared
    /// as a date.
    Timestamp(&'static str),
    /// The custom-value table, under this field id.
    Custom,
}

/// One field of a record type (contact, account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordField {
    /// Field id (`/contacts/fields/{id}`; standard ids are fixed, custom ones from 100200).
    pub id: i64,
    /// Internal name, e.g. `C_EmailAddress`.
    pub internal_name: String,
    /// Display name, e.g. `Email Address`.
    pub name: String,
    /// What it holds.
    pub data_type: FieldType,
    /// Where its values live.
    pub storage: Storage,
    /// Required on every record.
    pub not_null: bool,
    /// Unique among a site's records.
    pub unique: bool,
    /// When an operator added it; `None` for a standard field (built in).
    pub created_at: Option<super::clock::Timestamp>,
}

impl RecordField {
    /// Whether only the server writes it (`C_DateCreated`, `C_DateModified`).
    pub fn read_only(&self) -> bool {
        matches!(self.storage, Storage::Timestamp(_))
    }

    /// Its statement under markup root `root`: `{{Contact.Field(internal name)}}`.
    pub fn statement(&self, root: &str) -> String {
        format!("{{{{{root}.Field({})}}}}", self.internal_name)
    }
}

/// id, internal name, display name, type, column.
pub(super) type Standard = (i64, &'static str, &'static str, FieldType, &'static str);

/// The fields of a standard list, `not_null` and `unique` naming the constrained ones.
pub(super) fn standard_list(
    list: &[Standard],
    not_null: &[&str],
    unique: &[&str],
) -> Vec<RecordField> {
    list.iter()
        .map(|(id, internal, name, data_type, column)| RecordField {
            id: *id,
            internal_name: (*internal).to_owned(),
            name: (*name).to_owned(),
            data_type: *data_type,
            storage: Storage::Column(column),
            not_null: not_null.contains(internal),
            unique: unique.contains(internal),
            created_at: None,
        })
        .collect()
}

/// The standard fields, in id order. `C_EmailAddress` is required and unique.
const STANDARD: &[Standard] = &[
    (
        100001,
        "C_EmailAddress",
        "Email Address",
        FieldType::EmailAddress,
        "email_address",
    ),
    (
        100002,
        "C_FirstName",
        "First Name",
        FieldType::Text,
        "first_name",
    ),
    (
        100003,
        "C_LastName",
        "Last Name",
        FieldType::Text,
        "last_name",
    ),
    (100004, "C_Company", "Company", FieldType::Text, "company"),
    (100005, "C_Title", "Title", FieldType::Text, "title"),
    (
        100006,
        "C_Salutation",
        "Salutation",
        FieldType::Text,
        "salutation",
    ),
    (
        100007,
        "C_BusPhone",
        "Business Phone",
        FieldType::Text,
        "bus_phone",
    ),
    (
        100008,
        "C_MobilePhone",
        "Mobile Phone",
        FieldType::Text,
        "mobile_phone",
    ),
    (100009, "C_Fax", "Fax", FieldType::Text, "fax"),
    (
        100010,
        "C_Address1",
        "Address 1",
        FieldType::Text,
        "address1",
    ),
    (
        100011,
        "C_Address2",
        "Address 2",
        FieldType::Text,
        "address2",
    ),
    (
        100012,
        "C_Address3",
        "Address 3",
        FieldType::Text,
        "address3",
    ),
    (100013, "C_City", "City", FieldType::Text, "city"),
    (
        100014,
        "C_State_Prov",
        "State or Province",
        FieldType::Text,
        "state_prov",
    ),
    (
        100015,
        "C_Zip_Postal",
        "Zip or Postal Code",
        FieldType::Text,
        "zip_postal",
    ),
    (100016, "C_Country", "Country", FieldType::Text, "country"),
    (
        100100,
        "ContactIDExt",
        "Eloqua Contact ID",
        FieldType::Text,
        "contact_id_ext",
    ),
];

/// The first id given to a custom field.
pub const FIRST_CUSTOM_ID: i64 = 100_200;

/// Every standard contact field: the stored ones, then the two times the server keeps.
pub fn standard_fields() -> Vec<RecordField> {
    let mut fields = standard_list(
        STANDARD,
        &["C_EmailAddress"],
        &["C_EmailAddress", "ContactIDExt"],
    );
    for (id, internal_name, name, column) in [
        (100026, "C_DateCreated", "Date Created", "created_at"),
        (100027, "C_DateModified", "Date Modified", "updated_at"),
    ] {
        fields.push(RecordField {
            id,
            internal_name: internal_name.to_owned(),
            name: name.to_owned(),
            data_type: FieldType::Date,
            storage: Storage::Timestamp(column),
            not_null: true,
            unique: false,
            created_at: None,
        });
    }
    fields
}

/// The standard contact field with this internal name (compared without regard to case).
pub fn standard_field(internal_name: &str) -> Option<RecordField> {
    super::record_type::CONTACTS.fields.standard(internal_name)
}

/// An internal name for a new custom field called `name`: `prefix` (`C_` for contacts, `M_`
/// for accounts) plus its letters and digits (others become `_`) plus `1`, as Eloqua
/// generates them (`Lead Score` → `C_Lead_Score1`).
pub fn internal_name_for(prefix: &str, name: &str) -> String {
    let body: String = name
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(90)
        .collect();
    format!("{prefix}{body}1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_fields_have_unique_ids_and_names() {
        let fields = standard_fields();
        let mut ids: Vec<_> = fields.iter().map(|f| f.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), fields.len());
        assert_eq!(
            standard_field("c_emailaddress")
                .unwrap()
                .statement("Contact"),
            "{{Contact.Field(C_EmailAddress)}}"
        );
        assert!(fields.iter().all(|f| f.id < FIRST_CUSTOM_ID));
    }

    #[test]
    fn types_check_values() {
        assert!(FieldType::Numeric.accepts("12.5") && !FieldType::Numeric.accepts("twelve"));
        assert!(FieldType::Date.accepts("2024-05-01") && !FieldType::Date.accepts("soon"));
        assert!(
            FieldType::EmailAddress.accepts("a@b.co") && !FieldType::EmailAddress.accepts("nope")
        );
        assert!(FieldType::Numeric.accepts(""), "empty means no value");
        assert_eq!(FieldType::parse("number"), Some(FieldType::Numeric));
    }

    #[test]
    fn generates_internal_names_like_eloqua() {
        assert_eq!(internal_name_for("C_", "Lead Score"), "C_Lead_Score1");
        assert_eq!(internal_name_for("M_", "Tier"), "M_Tier1");
    }
}

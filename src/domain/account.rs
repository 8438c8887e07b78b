//! Accounts (Eloqua's companies): the standard account fields' values, by column.

use std::collections::BTreeMap;

use super::account_fields::standard_fields;
use super::clock::Timestamp;
use super::contact_fields::Storage;

/// One account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its id (`{{Account.Id}}`).
    pub id: i64,
    /// Standard field values by column (`company_name`); a field without a value is absent.
    pub values: BTreeMap<&'static str, String>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// The writable properties of an account: standard field values by column; a column left
/// out has no value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountInput {
    /// Values by column.
    pub values: BTreeMap<&'static str, String>,
}

/// The columns of the standard account fields, in field id order.
pub fn columns() -> Vec<&'static str> {
    standard_fields()
        .into_iter()
        .filter_map(|f| match f.storage {
            Storage::Column(column) => Some(column),
            Storage::Custom | Storage::Timestamp(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_account_field_has_a_column() {
        let columns = columns();
        assert_eq!(columns.len(), standard_fields().len());
        assert_eq!(columns[0], "company_name");
        assert!(columns.contains(&"company_id_ext"));
    }
}

//! The standard account fields every site has (`{{Account.Field(M_CompanyName)}}`), stored as
//! columns of the accounts table; custom account fields are stored beside it, as for contacts.
//!
//! Oracle documents the internal names (the `M_` prefix, `CompanyIDExt` for Eloqua's company
//! id) but not the field ids: these mirror the contact catalogue's numbering (standard fields
//! from 100001, `CompanyIDExt` at 100100 like `ContactIDExt`, custom fields from 100200).

use super::contact_fields::{FieldType, RecordField, Standard, standard_list};

/// The standard account fields, in id order.
const STANDARD: &[Standard] = &[
    (
        100001,
        "M_CompanyName",
        "Company Name",
        FieldType::Text,
        "company_name",
    ),
    (
        100002,
        "M_Address1",
        "Address 1",
        FieldType::Text,
        "address1",
    ),
    (
        100003,
        "M_Address2",
        "Address 2",
        FieldType::Text,
        "address2",
    ),
    (
        100004,
        "M_Address3",
        "Address 3",
        FieldType::Text,
        "address3",
    ),
    (100005, "M_City", "City", FieldType::Text, "city"),
    (
        100006,
        "M_State_Prov",
        "State or Province",
        FieldType::Text,
        "state_prov",
    ),
    (
        100007,
        "M_Zip_Postal",
        "Zip or Postal Code",
        FieldType::Text,
        "zip_postal",
    ),
    (100008, "M_Country", "Country", FieldType::Text, "country"),
    (
        100009,
        "M_Business_Phone",
        "Business Phone",
        FieldType::Text,
        "business_phone",
    ),
    (100010, "M_Fax", "Fax", FieldType::Text, "fax"),
    (
        100011,
        "M_Industry",
        "Industry",
        FieldType::Text,
        "industry",
    ),
    (
        100012,
        "M_Revenue",
        "Annual Revenue",
        FieldType::Text,
        "revenue",
    ),
    (
        100100,
        "CompanyIDExt",
        "Eloqua Company ID",
        FieldType::Text,
        "company_id_ext",
    ),
];

/// Every standard account field. `CompanyIDExt` is unique, as `ContactIDExt` is.
pub fn standard_fields() -> Vec<RecordField> {
    standard_list(STANDARD, &[], &["CompanyIDExt"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contact_fields::FIRST_CUSTOM_ID;
    use crate::domain::record_type::ACCOUNTS;

    #[test]
    fn account_fields_have_unique_ids_below_the_custom_ones() {
        let fields = standard_fields();
        let mut ids: Vec<_> = fields.iter().map(|f| f.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), fields.len());
        assert!(ids.iter().all(|id| *id < FIRST_CUSTOM_ID));
        assert_eq!(
            ACCOUNTS
                .fields
                .standard("m_companyname")
                .map(|f| f.statement("Account")),
            Some("{{Account.Field(M_CompanyName)}}".to_owned())
        );
        assert!(
            ACCOUNTS
                .fields
                .standard("CompanyIDExt")
                .is_some_and(|f| f.unique)
        );
        assert!(ACCOUNTS.fields.standard("C_EmailAddress").is_none());
    }
}

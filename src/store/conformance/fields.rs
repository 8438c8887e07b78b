//! Custom fields belong to one record type of one site: each type has its own catalogue,
//! numbering and names.

use crate::domain::contact_fields::{FIRST_CUSTOM_ID, FieldType};
use crate::domain::record_type::{ACCOUNTS, CONTACTS};
use crate::store::{Store, StoreError};

/// Contact and account custom fields are kept apart, per site.
pub async fn custom_fields_belong_to_their_record_type(store: &dyn Store) {
    let site = store.create_site("Acme").await.unwrap().id;
    let other = store.create_site("Other").await.unwrap().id;
    let tier = store
        .create_custom_field(site, &ACCOUNTS, "M_Tier1", "Tier", FieldType::Text)
        .await
        .unwrap();
    assert_eq!(tier.id, FIRST_CUSTOM_ID);
    // The same internal name is free for another record type and another site…
    let contact_tier = store
        .create_custom_field(site, &CONTACTS, "M_Tier1", "Tier", FieldType::Numeric)
        .await
        .unwrap();
    assert_eq!(contact_tier.data_type, FieldType::Numeric);
    store
        .create_custom_field(other, &ACCOUNTS, "M_Tier1", "Tier", FieldType::Text)
        .await
        .unwrap();
    // …but not twice for one record type of one site, whatever its case.
    assert!(matches!(
        store
            .create_custom_field(site, &ACCOUNTS, "m_tier1", "Tier again", FieldType::Text)
            .await,
        Err(StoreError::Conflict {
            constraint: "account_custom_fields_name"
        })
    ));
    let region = store
        .create_custom_field(site, &ACCOUNTS, "M_Region1", "Region", FieldType::Date)
        .await
        .unwrap();
    let accounts = store.list_custom_fields(site, &ACCOUNTS).await.unwrap();
    let names: Vec<&str> = accounts.iter().map(|f| f.internal_name.as_str()).collect();
    assert_eq!(names, ["M_Tier1", "M_Region1"]);
    assert_eq!(accounts[1], region);
    let contacts = store.list_custom_fields(site, &CONTACTS).await.unwrap();
    assert_eq!(contacts, [contact_tier]);
    assert_eq!(
        store
            .list_custom_fields(other, &ACCOUNTS)
            .await
            .unwrap()
            .len(),
        1
    );
}

//! Custom object definitions: fields kept, renamed, added and dropped by id, references to
//! new fields by placeholder, listing, and tenancy.

use crate::domain::contact_fields::FieldType;
use crate::domain::custom_object::{CustomObjectFieldInput, CustomObjectInput};
use crate::store::{Store, StoreError};

fn field(id: Option<i64>, name: &str, data_type: FieldType) -> CustomObjectFieldInput {
    CustomObjectFieldInput {
        id,
        name: name.into(),
        data_type,
    }
}

/// Custom objects keep their fields' ids across replaces and belong to their site.
pub async fn custom_objects_keep_field_ids_and_belong_to_their_site(store: &dyn Store) {
    let site = store.create_site("Acme").await.unwrap().id;
    let other = store.create_site("Other").await.unwrap().id;
    let input = CustomObjectInput {
        name: "Event Registrations".into(),
        description: Some("Who came".into()),
        fields: vec![
            field(Some(-1), "Email", FieldType::Text),
            field(None, "Event Date", FieldType::Date),
            field(Some(-2), "Code", FieldType::Text),
        ],
        unique_code_field_id: Some(-2),
        email_address_field_id: Some(-1),
        display_name_field_id: None,
    };
    let created = store
        .create_custom_object(site, "jane", &input)
        .await
        .unwrap();
    let ids: Vec<i64> = created.fields.iter().map(|f| f.id).collect();
    assert_eq!(created.fields.len(), 3);
    assert_eq!(created.fields[1].internal_name, "Event_Date1");
    assert_eq!(created.unique_code_field_id, Some(ids[2]));
    assert_eq!(created.email_address_field_id, Some(ids[0]));
    assert_eq!(created.audit.created_by, "jane");

    // Keep Email (renamed), drop Event Date, keep Code, add Seats.
    let replaced = CustomObjectInput {
        name: "Registrations".into(),
        description: None,
        fields: vec![
            field(Some(ids[0]), "Email Address", FieldType::Text),
            field(Some(ids[2]), "Code", FieldType::Text),
            field(Some(-7), "Seats", FieldType::Numeric),
        ],
        unique_code_field_id: Some(ids[2]),
        email_address_field_id: Some(ids[0]),
        display_name_field_id: Some(-7),
    };
    let updated = store
        .update_custom_object(site, created.id, "bob", &replaced)
        .await
        .unwrap();
    let names: Vec<&str> = updated.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Email Address", "Code", "Seats"]);
    assert_eq!(updated.fields[0].id, ids[0], "a kept field keeps its id");
    assert_eq!(
        updated.fields[0].internal_name, "Email1",
        "and its internal name"
    );
    assert_eq!(updated.display_name_field_id, Some(updated.fields[2].id));
    assert_eq!(updated.audit.updated_by, "bob");
    assert_eq!(updated.description, None);
    assert_eq!(
        store.get_custom_object(site, created.id).await.unwrap(),
        updated
    );

    let dangling = CustomObjectInput {
        display_name_field_id: Some(-9),
        ..replaced.clone()
    };
    assert!(matches!(
        store
            .update_custom_object(site, created.id, "bob", &dangling)
            .await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.get_custom_object(site, created.id).await.unwrap(),
        updated,
        "a refused replace changes nothing"
    );

    let second = store
        .create_custom_object(
            site,
            "jane",
            &CustomObjectInput {
                name: "Purchases".into(),
                ..input.clone()
            },
        )
        .await
        .unwrap();
    let (all, total) = store.list_custom_objects(site, None, 0, 10).await.unwrap();
    assert_eq!((all.len(), total), (2, 2));
    assert_eq!(all[1].fields.len(), 3);
    let (found, total) = store
        .list_custom_objects(site, Some("purch*"), 0, 10)
        .await
        .unwrap();
    assert_eq!((found[0].id, total), (second.id, 1));
    let (page, total) = store.list_custom_objects(site, None, 1, 1).await.unwrap();
    assert_eq!((page[0].id, total), (second.id, 2));

    for result in [
        store.get_custom_object(other, created.id).await,
        store
            .update_custom_object(other, created.id, "x", &replaced)
            .await,
    ] {
        assert!(matches!(result, Err(StoreError::NotFound)));
    }
    assert!(matches!(
        store.delete_custom_object(other, created.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store
            .list_custom_objects(other, None, 0, 10)
            .await
            .unwrap()
            .1,
        0
    );
    store.delete_custom_object(site, created.id).await.unwrap();
    assert!(matches!(
        store.get_custom_object(site, created.id).await,
        Err(StoreError::NotFound)
    ));
}

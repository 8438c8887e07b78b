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

/// Records belong to their object and site, link to the site's contacts only, and keep the
/// values a write gives them.
pub async fn custom_object_records_belong_to_their_object(store: &dyn Store) {
    use crate::domain::custom_object::CustomObjectRecordInput;
    let site = store.create_site("Acme").await.unwrap().id;
    let other = store.create_site("Other").await.unwrap().id;
    let object = store
        .create_custom_object(
            site,
            "jane",
            &CustomObjectInput {
                name: "Registrations".into(),
                description: None,
                fields: vec![
                    field(None, "Email", FieldType::Text),
                    field(None, "Seats", FieldType::Numeric),
                ],
                unique_code_field_id: None,
                email_address_field_id: None,
                display_name_field_id: None,
            },
        )
        .await
        .unwrap();
    let (email, seats) = (object.fields[0].id, object.fields[1].id);
    let contact = store
        .create_contact(site, super::contact("a@example.com"))
        .await
        .unwrap()
        .id;
    let theirs = store
        .create_contact(other, super::contact("b@example.com"))
        .await
        .unwrap()
        .id;
    let input = CustomObjectRecordInput {
        contact_id: Some(contact),
        values: vec![(email, "a@example.com".into()), (seats, "2".into())],
    };
    let record = store
        .create_record(site, object.id, "jane", &input)
        .await
        .unwrap();
    assert_eq!(
        (record.contact_id, record.values.clone()),
        (Some(contact), input.values.clone())
    );
    let foreign = CustomObjectRecordInput {
        contact_id: Some(theirs),
        ..input.clone()
    };
    assert!(matches!(
        store.create_record(site, object.id, "jane", &foreign).await,
        Err(StoreError::NotFound)
    ));
    let replaced = store
        .update_record(
            site,
            object.id,
            record.id,
            "bob",
            &CustomObjectRecordInput {
                contact_id: None,
                values: vec![(seats, "3".into())],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (replaced.contact_id, replaced.values.clone()),
        (None, vec![(seats, "3".into())])
    );
    store
        .create_record(site, object.id, "jane", &input)
        .await
        .unwrap();
    let (page, total) = store.list_records(site, object.id, 1, 10).await.unwrap();
    assert_eq!((page.len(), total), (1, 2));
    for result in [
        store.get_record(other, object.id, record.id).await,
        store.get_record(site, object.id + 1000, record.id).await,
    ] {
        assert!(matches!(result, Err(StoreError::NotFound)));
    }
    assert!(matches!(
        store.delete_record(other, object.id, record.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.list_records(other, object.id, 0, 10).await.unwrap().1,
        0
    );
    store
        .delete_record(site, object.id, record.id)
        .await
        .unwrap();
    assert!(matches!(
        store.get_record(site, object.id, record.id).await,
        Err(StoreError::NotFound)
    ));
    // Deleting the object deletes its records.
    store.delete_custom_object(site, object.id).await.unwrap();
    assert_eq!(
        store.list_records(site, object.id, 0, 10).await.unwrap().1,
        0
    );
}

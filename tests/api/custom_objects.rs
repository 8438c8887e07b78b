//! Custom objects: defined through REST 2.0 (`/api/REST/2.0/assets/customObject`), read back
//! through the Bulk API (`/customObjects`, `/customObjects/{id}/fields`), per site.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_failures, send, spawn_app, strings};

const REST: &str = "/api/REST/2.0/assets";
const BULK: &str = "/api/bulk/2.0";

#[tokio::test]
async fn custom_objects_are_defined_through_rest_and_read_through_bulk() {
    let app = spawn_app().await;
    let (status, created) = app
        .post(
            &format!("{REST}/customObject"),
            &json!({
                "name": "Event Registrations",
                "description": "Who came",
                "fields": [
                    {"id": "-1", "name": "Email", "dataType": "text"},
                    {"name": "Event Date", "dataType": "date"},
                    {"id": -2, "name": "Notes", "dataType": "largeText"}
                ],
                "emailAddressFieldId": "-1",
                "uniqueCodeFieldId": "-2"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (&created["type"], &created["name"], &created["depth"]),
        (
            &json!("CustomObject"),
            &json!("Event Registrations"),
            &json!("complete")
        )
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let field_ids: Vec<String> = created["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(created["emailAddressFieldId"], json!(field_ids[0]));
    assert_eq!(created["uniqueCodeFieldId"], json!(field_ids[2]));
    assert_eq!(
        created["fields"][1],
        json!({"type": "CustomObjectField", "id": field_ids[1], "depth": "complete", "name": "Event Date",
               "internalName": "Event_Date1", "dataType": "date", "displayType": "text"})
    );
    assert_eq!(created["fields"][2]["displayType"], "textArea");

    // Bulk: the object and its field catalogue.
    let (_, objects) = app.get(&format!("{BULK}/customObjects")).await;
    assert_eq!(objects["totalResults"], 1);
    let object = &objects["items"][0];
    assert_eq!(
        (&object["name"], &object["uri"]),
        (
            &json!("Event Registrations"),
            &json!(format!("/customObjects/{id}"))
        )
    );
    assert_eq!(
        object["emailAddressFieldUri"],
        json!(format!("/customObjects/{id}/fields/{}", field_ids[0]))
    );
    let (_, fields) = app.get(&format!("{BULK}/customObjects/{id}/fields")).await;
    assert_eq!(
        strings(&fields["items"], "internalName"),
        ["Email1", "Event_Date1", "Notes1"]
    );
    assert_eq!(
        fields["items"][1]["statement"],
        json!(format!(
            "{{{{CustomObject[{id}].Field[{}]}}}}",
            field_ids[1]
        ))
    );
    let (status, one) = app
        .get(&format!(
            "{BULK}/customObjects/{id}/fields/{}",
            field_ids[2]
        ))
        .await;
    assert_eq!(
        (status, &one["dataType"]),
        (StatusCode::OK, &json!("largeText"))
    );
    let (_, dates) = app
        .get(&format!("{BULK}/customObjects/{id}/fields?q=dataType=date"))
        .await;
    assert_eq!(strings(&dates["items"], "name"), ["Event Date"]);

    // A replace keeps fields by id, renames them, drops the others and adds new ones.
    let (status, replaced) = app
        .put(
            &format!("{REST}/customObject/{id}"),
            &json!({
                "name": "Registrations",
                "fields": [
                    {"id": field_ids[0], "name": "Email Address", "dataType": "text"},
                    {"id": "-5", "name": "Seats", "dataType": "numeric"}
                ],
                "emailAddressFieldId": field_ids[0],
                "displayNameFieldId": "-5"
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(replaced["fields"][0]["id"], json!(field_ids[0]));
    assert_eq!(replaced["fields"][0]["internalName"], "Email1");
    assert_eq!(replaced["displayNameFieldId"], replaced["fields"][1]["id"]);
    assert!(replaced.get("uniqueCodeFieldId").is_none(), "{replaced}");
    let (status, _) = app
        .get(&format!(
            "{BULK}/customObjects/{id}/fields/{}",
            field_ids[1]
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a dropped field is gone");
    let (_, read) = app.get(&format!("{REST}/customObject/{id}")).await;
    assert_eq!(read, replaced);

    let (_, page) = app
        .get(&format!(
            "{REST}/customObjects?search=name='Regis*'&count=1"
        ))
        .await;
    assert_eq!((&page["total"], &page["pageSize"]), (&json!(1), &json!(1)));
    assert_eq!(page["elements"][0]["id"], json!(id));

    // Another site sees none of it.
    let (_, other) = app.add_site("Other", "bob", true).await;
    for path in [
        format!("{REST}/customObject/{id}"),
        format!("{BULK}/customObjects/{id}"),
        format!("{BULK}/customObjects/{id}/fields"),
        format!("{BULK}/customObjects/{id}/fields/{}", field_ids[0]),
    ] {
        let (status, _) = send(
            app.anonymous(Method::GET, &path)
                .header("Authorization", &other),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, theirs) = send(
        app.anonymous(Method::GET, &format!("{BULK}/customObjects"))
            .header("Authorization", &other),
    )
    .await;
    assert_eq!(theirs["totalResults"], 0);

    let (status, _) = app.delete(&format!("{REST}/customObject/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get(&format!("{BULK}/customObjects/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_custom_object_definitions_are_400_naming_the_property() {
    let app = spawn_app().await;
    let path = format!("{REST}/customObject");
    let cases = [
        (json!({"fields": []}), "name"),
        (
            json!({"name": "x", "fields": [{"name": "a", "dataType": "color"}]}),
            "fields[0].dataType",
        ),
        (
            json!({"name": "x", "fields": [{"dataType": "text"}]}),
            "fields[0].name",
        ),
        (json!({"name": "x", "fields": "a"}), "fields"),
        (
            json!({"name": "x", "fields": [{"id": "12", "name": "a", "dataType": "text"}]}),
            "fields[0].id",
        ),
        (
            json!({"name": "x", "fields": [{"name": "a", "dataType": "text"}], "uniqueCodeFieldId": "-3"}),
            "uniqueCodeFieldId",
        ),
        (
            json!({"name": "x", "emailAddressFieldId": "abc"}),
            "emailAddressFieldId",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post(&path, &body).await;
        assert_failures(status, &answer, &[field]);
    }
    let (_, objects) = app.get(&format!("{BULK}/customObjects")).await;
    assert_eq!(objects["totalResults"], 0, "nothing was created");

    let (_, created) = app
        .post(
            &path,
            &json!({"name": "x", "fields": [{"name": "a", "dataType": "text"}]}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let (_, second) = app
        .post(
            &path,
            &json!({"name": "y", "fields": [{"name": "b", "dataType": "text"}]}),
        )
        .await;
    let foreign_field = second["fields"][0]["id"].as_str().unwrap();
    let (status, answer) = app
        .put(
            &format!("{path}/{id}"),
            &json!({"name": "x", "fields": [{"id": foreign_field, "name": "b", "dataType": "text"}]}),
        )
        .await;
    assert_failures(status, &answer, &["fields[0].id"]);
    let (status, _) = app
        .put(&format!("{path}/999999"), &json!({"name": "x"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn custom_object_records_are_kept_through_rest_2_data() {
    let app = spawn_app().await;
    let (_, object) = app
        .post(
            &format!("{REST}/customObject"),
            &json!({
                "name": "Registrations",
                "fields": [
                    {"id": "-1", "name": "Code", "dataType": "text"},
                    {"name": "Seats", "dataType": "numeric"},
                    {"name": "When", "dataType": "date"}
                ],
                "uniqueCodeFieldId": "-1"
            }),
        )
        .await;
    let id = object["id"].as_str().unwrap().to_owned();
    let field = |n: usize| object["fields"][n]["id"].as_str().unwrap().to_owned();
    let contact = app.contact("guest@example.com").await;
    let data = format!("/api/REST/2.0/data/customObject/{id}");
    let (status, record) = app
        .post(
            &format!("{data}/instance"),
            &json!({
                "contactId": contact.to_string(),
                "fieldValues": [
                    {"id": field(0), "value": "R-1"},
                    {"id": field(1), "value": 2},
                    {"id": field(2), "value": "2024-05-01 12:00:00"}
                ]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{record}");
    assert_eq!(
        (&record["type"], &record["contactId"], &record["uniqueCode"]),
        (
            &json!("CustomObjectData"),
            &json!(contact.to_string()),
            &json!("R-1")
        )
    );
    assert_eq!(
        record["fieldValues"][2],
        json!({"type": "FieldValue", "id": field(2), "value": "1714564800"}),
        "dates are kept in Unix time"
    );
    let record_id = record["id"].as_str().unwrap().to_owned();
    let (_, read) = app.get(&format!("{data}/instance/{record_id}")).await;
    assert_eq!(read, record);

    let (status, replaced) = app
        .put(
            &format!("{data}/instance/{record_id}"),
            &json!({"fieldValues": [{"id": field(1), "value": "3"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert!(replaced.get("contactId").is_none() && replaced.get("uniqueCode").is_none());
    assert_eq!(
        replaced["fieldValues"],
        json!([{"type": "FieldValue", "id": field(1), "value": "3"}])
    );
    let (_, page) = app.get(&format!("{data}/instances?count=10")).await;
    assert_eq!(
        (&page["total"], &page["elements"][0]["id"]),
        (&json!(1), &json!(record_id))
    );

    for (body, failure) in [
        (
            json!({"fieldValues": [{"id": "999999", "value": "x"}]}),
            "fieldValues[0].id",
        ),
        (
            json!({"fieldValues": [{"id": field(1), "value": "many"}]}),
            "fieldValues[0].value",
        ),
        (
            json!({"fieldValues": [{"id": field(2), "value": "soon"}]}),
            "fieldValues[0].value",
        ),
        (json!({"contactId": "abc"}), "contactId"),
        (
            json!({"contactId": (contact + 1000).to_string()}),
            "contactId",
        ),
    ] {
        let (status, answer) = app.post(&format!("{data}/instance"), &body).await;
        assert_failures(status, &answer, &[failure]);
    }
    let (status, _) = app
        .post(
            "/api/REST/2.0/data/customObject/999999/instance",
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, other) = app.add_site("Other", "bob", true).await;
    let (status, _) = send(
        app.anonymous(Method::GET, &format!("{data}/instance/{record_id}"))
            .header("Authorization", &other),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.delete(&format!("{data}/instance/{record_id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = app.get(&format!("{data}/instances")).await;
    assert_eq!(page["total"], 0);
}

#[tokio::test]
async fn a_site_holds_a_bounded_number_of_custom_objects() {
    use loquat::domain::custom_object::{CustomObjectInput, MAX_CUSTOM_OBJECTS};
    let app = spawn_app().await;
    for n in 0..MAX_CUSTOM_OBJECTS {
        let input = CustomObjectInput {
            name: format!("Object {n}"),
            description: None,
            fields: Vec::new(),
            unique_code_field_id: None,
            email_address_field_id: None,
            display_name_field_id: None,
        };
        app.store
            .create_custom_object(app.site.id, "seed", &input)
            .await
            .unwrap();
    }
    let (status, body) = app
        .post(
            "/api/REST/2.0/assets/customObject",
            &json!({"name": "One too many"}),
        )
        .await;
    assert_failures(status, &body, &["name"]);
    let (status, page) = app
        .get("/api/bulk/2.0/customObjects?limit=1&totalResults=true")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["totalResults"], MAX_CUSTOM_OBJECTS);
}

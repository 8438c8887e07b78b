//! An extract tool's discovery, the way Singer's tap-eloqua runs it: the field catalogues of
//! contacts and accounts, every activity type's fields, the custom objects and their fields;
//! then its contact stream, exported incrementally on `{{Contact.UpdatedAt}}`.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::exports::{export, rows};
use crate::helpers::{manual_clock, spawn_app_with};

const BULK: &str = "/api/bulk/2.0";

/// What tap-eloqua reads from one catalogue item: the property name, its statement, and the
/// field id from the uri when there is one (`.*/fields/([0-9]+)`).
fn schema_of(items: &Value) -> BTreeMap<String, (String, Option<String>)> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let uri = item["uri"].as_str().unwrap_or_default();
            let id = uri
                .rsplit_once("/fields/")
                .map(|(_, id)| id.to_owned())
                .filter(|id| id.chars().all(|c| c.is_ascii_digit()));
            assert!(
                uri.is_empty() || id.is_some(),
                "a field uri ends in its id: {uri}"
            );
            assert!(item["dataType"].is_string(), "{item}");
            (
                item["internalName"].as_str().unwrap().to_owned(),
                (item["statement"].as_str().unwrap().to_owned(), id),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_tap_discovers_every_stream_and_extracts_contacts_incrementally() {
    let clock = manual_clock();
    let app = spawn_app_with(clock.clone(), Default::default()).await;
    let (status, object) = app
        .post(
            "/api/REST/2.0/assets/customObject",
            &json!({"name": "Event Registrations", "fields": [{"name": "Email", "dataType": "text"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{object}");

    let (_, contacts) = app.get(&format!("{BULK}/contacts/fields")).await;
    let contacts = schema_of(&contacts["items"]);
    assert_eq!(
        contacts["C_EmailAddress"].0,
        "{{Contact.Field(C_EmailAddress)}}"
    );
    let (_, accounts) = app.get(&format!("{BULK}/accounts/fields")).await;
    let accounts = schema_of(&accounts["items"]);
    assert_eq!(
        accounts["M_CompanyName"].0,
        "{{Account.Field(M_CompanyName)}}"
    );
    for activity_type in [
        "EmailOpen",
        "EmailClickthrough",
        "EmailSend",
        "Subscribe",
        "Unsubscribe",
        "Bounceback",
        "WebVisit",
        "PageView",
        "FormSubmit",
    ] {
        let (status, fields) = app
            .get(&format!(
                "{BULK}/activities/fields?activityType={activity_type}"
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{activity_type}: {fields}");
        let fields = schema_of(&fields["items"]);
        assert_eq!(
            fields["ActivityDate"].0, "{{Activity.CreatedAt}}",
            "{activity_type}"
        );
    }
    let (_, objects) = app.get(&format!("{BULK}/customObjects")).await;
    for object in objects["items"].as_array().unwrap() {
        let uri = object["uri"].as_str().unwrap();
        let id = uri.strip_prefix("/customObjects/").unwrap();
        assert!(id.chars().all(|c| c.is_ascii_digit()), "{uri}");
        let (_, fields) = app.get(&format!("{BULK}{uri}/fields")).await;
        let fields = schema_of(&fields["items"]);
        assert!(
            fields["Email1"]
                .0
                .starts_with(&format!("{{{{CustomObject[{id}].Field["))
        );
    }

    // The contact stream: every field the catalogue lists plus the system ones, then only
    // what changed since the bookmark.
    let mut selected: serde_json::Map<String, Value> = contacts
        .iter()
        .map(|(name, (statement, _))| (name.clone(), json!(statement)))
        .collect();
    selected.insert("Id".into(), json!("{{Contact.Id}}"));
    selected.insert("CreatedAt".into(), json!("{{Contact.CreatedAt}}"));
    selected.insert("UpdatedAt".into(), json!("{{Contact.UpdatedAt}}"));
    selected.insert(
        "IsSubscribed".into(),
        json!("{{Contact.Email.IsSubscribed}}"),
    );
    let early = app.contact("early@example.com").await;
    clock.advance_seconds(3600);
    let sync = export(&app, Value::Object(selected.clone()), None).await;
    let first_run = rows(&app, &sync).await;
    assert_eq!(first_run.len(), 1);
    let bookmark = first_run[0]["UpdatedAt"].as_str().unwrap().to_owned();
    clock.advance_seconds(3600);
    let late = app.contact("late@example.com").await;
    let filter = format!("'{{{{Contact.UpdatedAt}}}}' > '{}'", &bookmark[..19]);
    let sync = export(&app, Value::Object(selected), Some(&filter)).await;
    let second_run = rows(&app, &sync).await;
    assert_eq!(second_run.len(), 1, "only what changed: {second_run:?}");
    assert_eq!(second_run[0]["Id"], json!(late.to_string()));
    assert_ne!(early, late);
}

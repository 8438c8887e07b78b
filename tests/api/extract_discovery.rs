//! An extract tool's discovery, the way Singer's tap-eloqua runs it: the field catalogues of
//! contacts and accounts, every activity type's fields, the custom objects and their fields;
//! then its contact, account and Unsubscribe activity streams, each exported incrementally on
//! its `UpdatedAt` or `ActivityDate`.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::exports::{export, rows};
use crate::helpers::{TestApp, manual_clock, spawn_app_with};

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
    selected.insert("EmailFormat".into(), json!("{{Contact.Email.Format}}"));
    selected.insert(
        "AccountName".into(),
        json!("{{Contact.Account.Field(M_CompanyName)}}"),
    );
    let early = app.contact("early@example.com").await;
    clock.advance_seconds(3600);
    let sync = export(&app, Value::Object(selected.clone()), None).await;
    let first_run = rows(&app, &sync).await;
    assert_eq!(first_run.len(), 1);
    // No format preference is kept: the column is there, empty.
    assert_eq!(first_run[0]["EmailFormat"], "");
    assert_eq!(first_run[0]["AccountName"], "", "no account linked");
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

/// Unsubscribes contact `id` through REST 1.0 (a full replace keeping its address).
async fn unsubscribe(app: &TestApp, id: i64, email: &str) {
    let body = json!({"id": id.to_string(), "emailAddress": email, "isSubscribed": "false"});
    let (status, body) = app
        .put(&format!("/api/REST/1.0/data/contact/{id}"), &body)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Exports `fields` of `segment` (`accounts`, `activities`) with `filter`; the rows.
async fn extract(app: &TestApp, segment: &str, fields: &Value, filter: Option<&str>) -> Vec<Value> {
    let mut body = json!({"name": format!("tap {segment}"), "fields": fields, "areSystemTimestampsInUTC": true});
    if let Some(filter) = filter {
        body["filter"] = json!(filter);
    }
    let (status, created) = app.post(&format!("{BULK}/{segment}/exports"), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let sync = app.sync(created["uri"].as_str().unwrap()).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
    rows(app, &sync).await
}

#[tokio::test]
async fn a_tap_extracts_accounts_and_unsubscribes_incrementally() {
    let clock = manual_clock();
    let app = spawn_app_with(clock.clone(), Default::default()).await;
    let account = "/api/REST/1.0/data/account";
    let (_, acme) = app.post(account, &json!({"name": "Acme"})).await;
    let (_, globex) = app.post(account, &json!({"name": "Globex"})).await;
    let ann = app.contact("ann@example.com").await;
    let bob = app.contact("bob@example.com").await;
    unsubscribe(&app, ann, "ann@example.com").await;

    // Accounts: every catalogued field plus the system ones.
    let (_, catalogue) = app.get(&format!("{BULK}/accounts/fields")).await;
    let mut accounts: serde_json::Map<String, Value> = schema_of(&catalogue["items"])
        .into_iter()
        .map(|(name, (statement, _))| (name, json!(statement)))
        .collect();
    accounts.insert("Id".into(), json!("{{Account.Id}}"));
    accounts.insert("UpdatedAt".into(), json!("{{Account.UpdatedAt}}"));
    let accounts = Value::Object(accounts);
    let first = extract(&app, "accounts", &accounts, None).await;
    assert_eq!(first.len(), 2);
    let account_bookmark = first
        .iter()
        .map(|r| r["UpdatedAt"].as_str().unwrap().to_owned())
        .max()
        .unwrap();

    // Unsubscribe activities: the fields the catalogue lists for the type.
    let (_, catalogue) = app
        .get(&format!(
            "{BULK}/activities/fields?activityType=Unsubscribe"
        ))
        .await;
    let activities: serde_json::Map<String, Value> = schema_of(&catalogue["items"])
        .into_iter()
        .map(|(name, (statement, _))| (name, json!(statement)))
        .collect();
    let activities = Value::Object(activities);
    let unsubscribes = "'{{Activity.Type}}' = 'Unsubscribe'";
    let first = extract(&app, "activities", &activities, Some(unsubscribes)).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["EmailAddress"], "ann@example.com");
    let activity_bookmark = first[0]["ActivityDate"].as_str().unwrap().to_owned();

    clock.advance_seconds(3600);
    let globex = globex["id"].as_str().unwrap();
    let (status, _) = app
        .put(
            &format!("{account}/{globex}"),
            &json!({"name": "Globex Corporation"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    unsubscribe(&app, bob, "bob@example.com").await;

    let filter = format!(
        "'{{{{Account.UpdatedAt}}}}' > '{}'",
        &account_bookmark[..19]
    );
    let changed = extract(&app, "accounts", &accounts, Some(&filter)).await;
    assert_eq!(changed.len(), 1, "only what changed: {changed:?}");
    assert_eq!(changed[0]["Id"], json!(globex));
    assert_ne!(acme["id"], changed[0]["Id"]);
    let filter = format!(
        "{unsubscribes} AND '{{{{Activity.CreatedAt}}}}' > '{}'",
        &activity_bookmark[..19]
    );
    let new = extract(&app, "activities", &activities, Some(&filter)).await;
    assert_eq!(new.len(), 1, "only the new activity: {new:?}");
    assert_eq!(new[0]["EmailAddress"], "bob@example.com");
}

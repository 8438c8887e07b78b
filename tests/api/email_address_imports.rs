//! Email address imports (spec §4.5, §5.4) over HTTP: addresses globally unsubscribed or
//! bounced without a contact, present contacts following at once and contacts created later
//! starting out unsubscribed, with the logs and rejects of each sync.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_failures, spawn_app};

const DEFINITIONS: &str = "/api/bulk/2.0/emailAddresses/imports";
const CONTACT: &str = "/api/REST/1.0/data/contact";

fn definition(status: &str) -> Value {
    json!({
        "name": "Suppressions",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "identifierFieldName": "Email",
        "syncActions": [{"destination": "{{GlobalSubscribe}}", "action": "setStatus", "status": status}]
    })
}

/// Creates the definition, stages `rows` and runs a sync to its end; the sync's uri.
async fn import(app: &TestApp, status: &str, rows: Value) -> String {
    let (code, created) = app.post(DEFINITIONS, &definition(status)).await;
    assert_eq!(code, StatusCode::CREATED, "{created}");
    let uri = created["uri"].as_str().unwrap().to_owned();
    assert!(uri.starts_with("/emailAddresses/imports/"), "{uri}");
    app.upload(&uri, &rows).await;
    let sync = app.sync(&uri).await;
    app.wait_for_sync(&sync).await;
    sync
}

async fn contact(app: &TestApp, id: i64) -> Value {
    let (status, contact) = app.get(&format!("{CONTACT}/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{contact}");
    contact
}

#[tokio::test]
async fn an_unsubscribed_address_unsubscribes_present_and_future_contacts() {
    let app = spawn_app().await;
    let present = app.contact("present@example.com").await;
    let sync = import(
        &app,
        "unsubscribed",
        json!([
            {"Email": "PRESENT@example.com"},
            {"Email": "later@example.com"},
            {"Email": "not an address"},
            {"Email": "later@example.com"}
        ]),
    )
    .await;
    let (_, done) = app.bulk_get(&sync).await;
    assert_eq!(done["status"], "warning", "{done}");
    let codes = app.log_codes(&sync).await;
    let expected: Vec<(String, u64)> = [
        ("ELQ-00140", 4),
        ("ELQ-00033", 2),
        ("ELQ-00035", 0),
        ("ELQ-00017", 1),
        ("ELQ-00002", 1),
        ("ELQ-00060", 1),
        ("ELQ-00101", 0),
    ]
    .iter()
    .map(|(c, n)| ((*c).to_owned(), *n))
    .collect();
    assert_eq!(codes, expected);
    let rejects = app.rejects(&sync).await;
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0]["recordIndex"], 3);
    assert_eq!(rejects[0]["statusCode"], "ELQ-00002");
    assert_eq!(rejects[0]["fieldValues"]["Email"], "not an address");
    assert_eq!(contact(&app, present).await["isSubscribed"], "false");

    // A contact created afterwards, by any path, starts unsubscribed; another does not.
    let (status, later) = app
        .post(CONTACT, &json!({"emailAddress": "Later@Example.com"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{later}");
    assert_eq!(later["isSubscribed"], "false", "{later}");
    let id: i64 = later["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(contact(&app, id).await["isSubscribed"], "false");
    let (_, other) = app
        .post(CONTACT, &json!({"emailAddress": "other@example.com"}))
        .await;
    assert_eq!(other["isSubscribed"], "true", "{other}");
    let other: i64 = other["id"].as_str().unwrap().parse().unwrap();
    // Nor does a contact given a suppressed address later stay subscribed.
    import(
        &app,
        "unsubscribed",
        json!([{"Email": "moved@example.com"}]),
    )
    .await;
    let (status, moved) = app
        .put(
            &format!("{CONTACT}/{other}"),
            &json!({"id": other.to_string(), "emailAddress": "moved@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(contact(&app, other).await["isSubscribed"], "false");
}

#[tokio::test]
async fn a_bounced_address_marks_its_contact_and_counts_as_updated() {
    let app = spawn_app().await;
    let known = app.contact("known@example.com").await;
    import(
        &app,
        "unsubscribed",
        json!([{"Email": "known@example.com"}]),
    )
    .await;
    let sync = import(&app, "bounced", json!([{"Email": "known@example.com"}])).await;
    let codes = app.log_codes(&sync).await;
    for expected in [("ELQ-00033", 0), ("ELQ-00035", 1), ("ELQ-00016", 1)] {
        let expected = (expected.0.to_owned(), expected.1);
        assert!(codes.contains(&expected), "{expected:?} in {codes:?}");
    }
    let lines = app.log_lines(&sync).await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Contacts email marked as bounced."))
    );
    let read = contact(&app, known).await;
    assert_eq!(
        (&read["isSubscribed"], &read["isBounceback"]),
        (&json!("false"), &json!("true"))
    );
}

#[tokio::test]
async fn email_address_imports_take_only_unsubscribe_and_bounceback() {
    let app = spawn_app().await;
    let (status, body) = app.post(DEFINITIONS, &definition("subscribed")).await;
    assert_failures(status, &body, &["syncActions[0].status"]);
    let list = app.create_list("People").await;
    let mut wrong = definition("unsubscribed");
    wrong["fields"] = json!({"Email": "{{Contact.Id}}"});
    wrong["syncActions"] =
        json!([{"destination": format!("{{{{ContactList[{list}]}}}}"), "action": "add"}]);
    let (status, body) = app.post(DEFINITIONS, &wrong).await;
    assert_failures(status, &body, &["fields", "syncActions[0].destination"]);
    let (status, _) = app.get("/api/bulk/2.0/emailAddresses/syncActions").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The definition reads back under its own uri and in the global list.
    let (_, created) = app.post(DEFINITIONS, &definition("unsubscribed")).await;
    let uri = created["uri"].as_str().unwrap();
    let (status, read) = app.bulk_get(uri).await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert_eq!(
        read["syncActions"],
        definition("unsubscribed")["syncActions"]
    );
    let all = app.items("/syncActions").await;
    assert!(all.iter().any(|d| d["uri"] == uri), "{all:?}");
}

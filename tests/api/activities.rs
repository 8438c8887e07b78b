//! Activities over HTTP: the Subscribe, Unsubscribe and Bounceback activities Loquat's own
//! changes record, and `/activities/exports` with Eloqua's rules, including an incremental
//! extract on `ActivityDate`.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_failures, spawn_app};

const EXPORTS: &str = "/api/bulk/2.0/activities/exports";

fn fields() -> Value {
    json!({
        "ActivityId": "{{Activity.Id}}",
        "ActivityType": "{{Activity.Type}}",
        "ActivityDate": "{{Activity.CreatedAt}}",
        "EmailAddress": "{{Activity.Field(EmailAddress)}}",
        "AssetType": "{{Activity.Asset.Type}}",
        "AssetName": "{{Activity.Asset.Name}}",
        "AssetId": "{{Activity.Asset.Id}}"
    })
}

async fn export(app: &TestApp, filter: &str) -> Vec<Value> {
    let body = json!({"name": "Activities", "fields": fields(), "filter": filter});
    let (status, created) = app.post(EXPORTS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let uri = created["uri"].as_str().unwrap().to_owned();
    assert!(uri.starts_with("/activities/exports/"), "{uri}");
    let sync = app.sync(&uri).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
    app.items(&format!("{sync}/data")).await
}

/// Runs a contact sync action setting `destination` to `status` for `email`.
async fn set_status(app: &TestApp, email: &str, destination: &str, status: &str) {
    let definition = app
        .definition(&json!({
            "name": "Status", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
            "identifierFieldName": "Email",
            "syncActions": [{"action": "setStatus", "destination": destination, "status": status}]
        }))
        .await;
    app.upload(&definition, &json!([{"Email": email}])).await;
    let sync = app.sync(&definition).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
}

#[tokio::test]
async fn subscription_changes_by_any_path_are_exported_as_activities() {
    let app = spawn_app().await;
    let ann = app.contact("ann@example.com").await;
    app.contact("bob@example.com").await;
    let (_, group) = app
        .post("/api/REST/1.0/assets/email/group", &json!({"name": "News"}))
        .await;
    let group = group["id"].as_str().unwrap().to_owned();
    set_status(
        &app,
        "ann@example.com",
        "{{GlobalSubscribe}}",
        "unsubscribed",
    )
    .await;
    // Setting what is already set records nothing.
    set_status(&app, "bob@example.com", "{{GlobalSubscribe}}", "subscribed").await;
    let (status, _) = app
        .put(
            &format!("/api/REST/1.0/data/contact/{ann}/email/group/{group}/subscription"),
            &json!({"isSubscribed": "true"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let unsubscribes = export(&app, "'{{Activity.Type}}' = 'Unsubscribe'").await;
    assert_eq!(unsubscribes.len(), 1, "{unsubscribes:?}");
    let first = &unsubscribes[0];
    assert_eq!(
        (
            &first["ActivityType"],
            &first["EmailAddress"],
            &first["AssetType"]
        ),
        (
            &json!("Unsubscribe"),
            &json!("ann@example.com"),
            &json!("Global Subscription")
        )
    );
    let subscribes = export(&app, "'{{Activity.Type}}' = 'subscribe'").await;
    assert_eq!(subscribes.len(), 1, "{subscribes:?}");
    assert_eq!(
        (
            &subscribes[0]["AssetType"],
            &subscribes[0]["AssetName"],
            &subscribes[0]["AssetId"]
        ),
        (&json!("Email Group"), &json!("News"), &json!(group))
    );

    // An incremental extract: activities after the newest one seen.
    let newest = first["ActivityDate"].as_str().unwrap().to_owned();
    set_status(
        &app,
        "bob@example.com",
        "{{GlobalSubscribe}}",
        "unsubscribed",
    )
    .await;
    let since = export(
        &app,
        &format!(
            "'{{{{Activity.Type}}}}' = 'Unsubscribe' AND '{{{{Activity.CreatedAt}}}}' > '{newest}'"
        ),
    )
    .await;
    assert_eq!(since.len(), 1, "{since:?}");
    assert_eq!(since[0]["EmailAddress"], "bob@example.com");

    // The activity's contact's fields, read now (at most 10 per export).
    let body = json!({
        "name": "With contacts",
        "fields": {"Id": "{{Activity.Id}}", "Email": "{{Activity.Contact.Field(C_EmailAddress)}}",
                   "Country": "{{Activity.Contact.Field(C_Country)}}"},
        "filter": "'{{Activity.Type}}' = 'Unsubscribe'"
    });
    let (status, created) = app.post(EXPORTS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let sync = app.sync(created["uri"].as_str().unwrap()).await;
    app.wait_for_sync(&sync).await;
    let rows = app.items(&format!("{sync}/data")).await;
    let emails: Vec<&Value> = rows.iter().map(|r| &r["Email"]).collect();
    assert_eq!(
        emails,
        [&json!("ann@example.com"), &json!("bob@example.com")]
    );
    assert_eq!(rows[0]["Country"], "");
    assert!(since[0]["ActivityId"].as_str().unwrap() > first["ActivityId"].as_str().unwrap());
}

#[tokio::test]
async fn an_email_address_import_records_bouncebacks_and_unsubscribes() {
    let app = spawn_app().await;
    app.contact("carl@example.com").await;
    let (status, created) = app
        .post(
            "/api/bulk/2.0/emailAddresses/imports",
            &json!({
                "name": "Bounces", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
                "identifierFieldName": "Email",
                "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "bounced"},
                                {"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "unsubscribed"}]
            }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "one destination per definition: {created}"
    );
    let (_, created) = app
        .post(
            "/api/bulk/2.0/emailAddresses/imports",
            &json!({
                "name": "Bounces", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
                "identifierFieldName": "Email",
                "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "bounced"}]
            }),
        )
        .await;
    let uri = created["uri"].as_str().unwrap().to_owned();
    app.upload(
        &uri,
        &json!([{"Email": "carl@example.com"}, {"Email": "dora@example.com"}]),
    )
    .await;
    let sync = app.sync(&uri).await;
    app.wait_for_sync(&sync).await;
    // A contact created later with a bounced address records its bounceback too.
    app.post(
        "/api/REST/1.0/data/contact",
        &json!({"emailAddress": "dora@example.com"}),
    )
    .await;
    let body = json!({
        "name": "Bouncebacks",
        "fields": {"ActivityId": "{{Activity.Id}}", "EmailAddress": "{{Activity.Field(EmailAddress)}}",
                   "ContactId": "{{Activity.Contact.Id}}"},
        "filter": "'{{Activity.Type}}' = 'Bounceback'"
    });
    let (status, created) = app.post(EXPORTS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let sync = app.sync(created["uri"].as_str().unwrap()).await;
    app.wait_for_sync(&sync).await;
    let rows = app.items(&format!("{sync}/data")).await;
    let addresses: Vec<&Value> = rows.iter().map(|r| &r["EmailAddress"]).collect();
    assert_eq!(
        addresses,
        [&json!("carl@example.com"), &json!("dora@example.com")]
    );
    assert!(
        rows.iter()
            .all(|r| !r["ContactId"].as_str().unwrap().is_empty())
    );
}

#[tokio::test]
async fn activity_exports_follow_eloquas_rules() {
    let app = spawn_app().await;
    let list = app.create_list("People").await;
    let cases = [
        (json!({"name": "x", "fields": fields()}), "filter"),
        (
            json!({"name": "x", "fields": fields(), "filter": "'{{Activity.CreatedAt}}' > '2024-01-01'"}),
            "filter",
        ),
        (
            json!({"name": "x", "fields": fields(),
                   "filter": "'{{Activity.Type}}' = 'EmailOpen' OR '{{Activity.Type}}' = 'EmailSend'"}),
            "filter",
        ),
        (
            json!({"name": "x", "fields": fields(), "filter": "'{{Activity.Type}}' = 'Teleport'"}),
            "filter",
        ),
        (
            json!({"name": "x", "fields": fields(),
                   "filter": format!("EXISTS('{{{{ContactList[{list}]}}}}')")}),
            "filter",
        ),
        (
            json!({"name": "x", "fields": {"Link": "{{Activity.Field(EmailClickedThruLink)}}"},
                   "filter": "'{{Activity.Type}}' = 'Unsubscribe'"}),
            "fields.Link",
        ),
        (
            json!({"name": "x", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
                   "filter": "'{{Activity.Type}}' = 'Unsubscribe'"}),
            "fields.Email",
        ),
        (
            json!({"name": "x", "fields": {"C": "{{Activity.Contact.Field(C_Nope)}}"},
                   "filter": "'{{Activity.Type}}' = 'Unsubscribe'"}),
            "fields.C",
        ),
        (
            json!({"name": "x", "filter": "'{{Activity.Type}}' = 'Unsubscribe'",
                   "fields": (0..11).map(|n| (format!("C{n}"), json!("{{Activity.Contact.Field(C_City)}}")))
                       .collect::<serde_json::Map<_, _>>()}),
            "fields",
        ),
        (
            json!({"name": "x", "fields": fields(), "maxRecords": 5_000_001,
                   "filter": "'{{Activity.Type}}' = 'Unsubscribe'"}),
            "maxRecords",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post(EXPORTS, &body).await;
        assert_failures(status, &answer, &[field]);
    }
    let rows = export(&app, "'{{Activity.Type}}' = 'EmailOpen'").await;
    assert!(rows.is_empty(), "no email was opened: {rows:?}");
    // Ten contact fields are the most, and allowed.
    let ten: serde_json::Map<String, Value> = (0..10)
        .map(|n| (format!("C{n}"), json!("{{Activity.Contact.Field(C_City)}}")))
        .collect();
    let body =
        json!({"name": "ten", "fields": ten, "filter": "'{{Activity.Type}}' = 'Unsubscribe'"});
    let (status, created) = app.post(EXPORTS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}

//! Update rules on every kind of field an import writes: a standard text field and custom
//! numeric and date fields (stored apart from the contact row), read back through an export.

use loquat::domain::contact_fields::FieldType;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::exports::{export, rows};
use crate::helpers::{TestApp, spawn_app};

const FIELDS: [(&str, &str); 4] = [
    ("Email", "{{Contact.Field(C_EmailAddress)}}"),
    ("City", "{{Contact.Field(C_City)}}"),
    ("Score", "{{Contact.Field(C_Score1)}}"),
    ("Since", "{{Contact.Field(C_Since1)}}"),
];

fn fields() -> Value {
    FIELDS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

async fn import(app: &TestApp, rule: Value) -> String {
    let mut body = json!({"name": "rules", "fields": fields(), "identifierFieldName": "Email"});
    for (key, value) in rule.as_object().unwrap() {
        body[key] = value.clone();
    }
    let (status, created) = app.post("/api/bulk/2.0/contacts/imports", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["uri"].as_str().unwrap().to_owned()
}

/// Uploads one CSV line (after the header) and syncs it; the sync must succeed.
async fn run(app: &TestApp, uri: &str, line: &str) {
    let body = format!("Email,City,Score,Since\n{line}\n");
    let path = format!("/api/bulk/2.0{uri}/data");
    let (status, answer) = app.post_raw(&path, "text/csv", body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let sync = app.sync(uri).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
}

/// The contact's City, Score and Since as an export shows them.
async fn values(app: &TestApp) -> [String; 3] {
    let sync = export(app, fields(), None).await;
    let all = rows(app, &sync).await;
    assert_eq!(all.len(), 1, "one contact throughout: {all:?}");
    ["City", "Score", "Since"].map(|k| all[0][k].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn update_rules_hold_for_standard_numeric_and_date_fields() {
    let app = spawn_app().await;
    for (name, kind) in [
        ("C_Score1", FieldType::Numeric),
        ("C_Since1", FieldType::Date),
    ] {
        app.store
            .create_custom_field(
                app.site.id,
                &loquat::domain::record_type::CONTACTS,
                name,
                name,
                kind,
            )
            .await
            .unwrap();
    }
    let always = import(&app, json!({})).await;
    run(&app, &always, "x@example.com,Paris,5,2024-01-02").await;
    let first = values(&app).await;
    assert_eq!(first[..2], ["Paris".to_owned(), "5".to_owned()]);
    assert!(first[2].starts_with("2024-01-02"), "{first:?}");

    let keep = import(&app, json!({"updateRule": "ifNewIsNotNull"})).await;
    run(&app, &keep, "x@example.com,,,").await;
    assert_eq!(values(&app).await, first, "empty values keep the old ones");

    let fill = import(&app, json!({"updateRule": "ifExistingIsNull"})).await;
    run(&app, &fill, "X@example.com,Rome,9,2025-05-05").await;
    assert_eq!(values(&app).await, first, "only empty fields are filled");

    run(&app, &always, "x@example.com,,,").await;
    assert_eq!(
        values(&app).await,
        [String::new(), String::new(), String::new()],
        "always writes empties"
    );

    run(&app, &fill, "x@example.com,Rome,9,2025-05-05").await;
    let filled = values(&app).await;
    assert_eq!(filled[..2], ["Rome".to_owned(), "9".to_owned()]);
    assert!(filled[2].starts_with("2025-05-05"), "{filled:?}");

    let by_field = import(
        &app,
        json!({"updateRule": "useFieldRule", "updateRuleByField": {"City": "ifExistingIsNull", "Score": "always", "Since": "ifNewIsNotNull"}}),
    )
    .await;
    run(&app, &by_field, "x@example.com,Oslo,1,").await;
    let mixed = values(&app).await;
    assert_eq!(
        mixed,
        ["Rome".to_owned(), "1".to_owned(), filled[2].clone()]
    );
}

/// Imports `rows` (email, city) with `importRule` `rule`; the sync's uri once it ended.
async fn import_with_rule(app: &TestApp, rule: &str, rows: Value) -> String {
    let body = json!({
        "name": rule,
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}", "City": "{{Contact.Field(C_City)}}"},
        "identifierFieldName": "Email",
        "importRule": rule
    });
    let (status, created) = app.post("/api/bulk/2.0/contacts/imports", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["importRule"], rule, "echoed as sent");
    let uri = created["uri"].as_str().unwrap().to_owned();
    app.upload(&uri, &rows).await;
    let sync = app.sync(&uri).await;
    app.wait_for_sync(&sync).await;
    sync
}

/// Every contact's email and city, by email.
async fn cities(app: &TestApp) -> Vec<(String, String)> {
    let fields =
        json!({"Email": "{{Contact.Field(C_EmailAddress)}}", "City": "{{Contact.Field(C_City)}}"});
    let sync = export(app, fields, None).await;
    let mut all: Vec<(String, String)> = rows(app, &sync)
        .await
        .iter()
        .map(|r| {
            (
                r["Email"].as_str().unwrap().to_owned(),
                r["City"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn import_rules_create_only_or_update_only() {
    let app = spawn_app().await;
    app.contact("old@example.com").await;
    let rows = json!([
        {"Email": "old@example.com", "City": "Oslo"},
        {"Email": "new@example.com", "City": "Lima"},
        {"Email": "new@example.com", "City": "Rome"}
    ]);
    let sync = import_with_rule(&app, "updateOnly", rows.clone()).await;
    let codes = app.log_codes(&sync).await;
    for expected in [("ELQ-00004", 0), ("ELQ-00022", 1), ("ELQ-00034", 2)] {
        let expected = (expected.0.to_owned(), expected.1);
        assert!(codes.contains(&expected), "{expected:?} in {codes:?}");
    }
    assert_eq!(
        cities(&app).await,
        [("old@example.com".into(), "Oslo".into())]
    );

    let sync = import_with_rule(&app, "createOnly", rows).await;
    let codes = app.log_codes(&sync).await;
    for expected in [
        ("ELQ-00004", 1),
        ("ELQ-00022", 0),
        ("ELQ-00048", 1),
        ("ELQ-00026", 1),
    ] {
        let expected = (expected.0.to_owned(), expected.1);
        assert!(codes.contains(&expected), "{expected:?} in {codes:?}");
    }
    let rejects = app.rejects(&sync).await;
    let by_index: Vec<(u64, &str)> = rejects
        .iter()
        .map(|r| {
            (
                r["recordIndex"].as_u64().unwrap(),
                r["statusCode"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(by_index, [(1, "ELQ-00048"), (3, "ELQ-00026")]);
    assert_eq!(rejects[0]["message"], "Contact already exists.");
    assert_eq!(
        cities(&app).await,
        [
            ("new@example.com".into(), "Lima".into()),
            ("old@example.com".into(), "Oslo".into())
        ]
    );

    let (status, body) = app
        .post(
            "/api/bulk/2.0/contacts/imports",
            &json!({"name": "x", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
                    "identifierFieldName": "Email", "importRule": "upsert"}),
        )
        .await;
    crate::helpers::assert_failures(status, &body, &["importRule"]);
    let (_, plain) = app
        .post(
            "/api/bulk/2.0/contacts/imports",
            &json!({"name": "x", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
                    "identifierFieldName": "Email"}),
        )
        .await;
    assert!(
        plain.get("importRule").is_none(),
        "not echoed unless sent: {plain}"
    );
}

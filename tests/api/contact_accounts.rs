//! Contacts linked to accounts: an import maps `{{Contact.Account.Field(M_CompanyName)}}` or
//! `{{Contact.Account.Field(CompanyIDExt)}}` to link each contact to an existing account, and
//! contact exports read the linked account's fields.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::exports::{export, rows};
use crate::helpers::{TestApp, assert_failures, spawn_app};

const ACCOUNT: &str = "/api/REST/1.0/data/account";
const IMPORTS: &str = "/api/bulk/2.0/contacts/imports";

async fn import(app: &TestApp, link: &str, rows: Value) {
    let body = json!({
        "name": "people",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}", "Company": link},
        "identifierFieldName": "Email"
    });
    let (status, created) = app.post(IMPORTS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let uri = created["uri"].as_str().unwrap().to_owned();
    app.upload(&uri, &rows).await;
    let sync = app.sync(&uri).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
}

/// Each contact's email with its account's name and city, by email.
async fn companies(app: &TestApp) -> Vec<[String; 3]> {
    let fields = json!({
        "Email": "{{Contact.Field(C_EmailAddress)}}",
        "Company": "{{Contact.Account.Field(M_CompanyName)}}",
        "City": "{{Contact.Account.Field(M_City)}}"
    });
    let sync = export(app, fields, None).await;
    let mut all: Vec<[String; 3]> = rows(app, &sync)
        .await
        .iter()
        .map(|r| ["Email", "Company", "City"].map(|k| r[k].as_str().unwrap().to_owned()))
        .collect();
    all.sort();
    all
}

fn row(email: &str, company: &str, city: &str) -> [String; 3] {
    [email.to_owned(), company.to_owned(), city.to_owned()]
}

#[tokio::test]
async fn imports_link_contacts_to_accounts_and_exports_read_them() {
    let app = spawn_app().await;
    let (_, acme) = app
        .post(
            ACCOUNT,
            &json!({"name": "Acme", "city": "Springfield",
                                "fieldValues": [{"id": "100100", "value": "A-1"}]}),
        )
        .await;
    app.post(
        ACCOUNT,
        &json!({"name": "Globex", "city": "Cypress Creek",
                              "fieldValues": [{"id": "100100", "value": "G-1"}]}),
    )
    .await;
    import(
        &app,
        "{{Contact.Account.Field(M_CompanyName)}}",
        json!([
            {"Email": "ann@example.com", "Company": "Acme"},
            {"Email": "bob@example.com", "Company": "Nobody Inc"},
            {"Email": "cy@example.com"}
        ]),
    )
    .await;
    assert_eq!(
        companies(&app).await,
        [
            row("ann@example.com", "Acme", "Springfield"),
            row("bob@example.com", "", ""),
            row("cy@example.com", "", "")
        ]
    );
    // Relinked by external id; a value naming no account leaves the link as it is.
    import(
        &app,
        "{{Contact.Account.Field(CompanyIDExt)}}",
        json!([
            {"Email": "bob@example.com", "Company": "G-1"},
            {"Email": "ann@example.com", "Company": "Z-9"}
        ]),
    )
    .await;
    assert_eq!(
        companies(&app).await,
        [
            row("ann@example.com", "Acme", "Springfield"),
            row("bob@example.com", "Globex", "Cypress Creek"),
            row("cy@example.com", "", "")
        ]
    );
    // A deleted account leaves its contacts unlinked.
    let acme = acme["id"].as_str().unwrap();
    let (status, _) = app.delete(&format!("{ACCOUNT}/{acme}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(companies(&app).await[0], row("ann@example.com", "", ""));
}

#[tokio::test]
async fn account_links_refuse_other_fields() {
    let app = spawn_app().await;
    for (fields, failure) in [
        (
            json!({"Email": "{{Contact.Field(C_EmailAddress)}}", "City": "{{Contact.Account.Field(M_City)}}"}),
            "fields.City",
        ),
        (
            json!({"Email": "{{Contact.Field(C_EmailAddress)}}",
                   "A": "{{Contact.Account.Field(M_CompanyName)}}", "B": "{{Contact.Account.Field(CompanyIDExt)}}"}),
            "fields.B",
        ),
    ] {
        let body = json!({"name": "x", "fields": fields, "identifierFieldName": "Email"});
        let (status, answer) = app.post(IMPORTS, &body).await;
        assert_failures(status, &answer, &[failure]);
    }
    let body = json!({"name": "x", "fields": {"Tier": "{{Contact.Account.Field(M_Tier9)}}"}});
    let (status, answer) = app.post("/api/bulk/2.0/contacts/exports", &body).await;
    assert_failures(status, &answer, &["fields.Tier"]);
}

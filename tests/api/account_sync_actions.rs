//! Account sync actions (spec §5.3) over HTTP: definitions under `/accounts/syncActions`,
//! uploads, syncs that add accounts to and remove them from account lists, their logs
//! (ELQ-00114 / ELQ-00117) and rejects, and the boundary between record types.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_failures, spawn_app};

const ACCOUNT: &str = "/api/REST/1.0/data/account";
const DEFINITIONS: &str = "/api/bulk/2.0/accounts/syncActions";

async fn account(app: &TestApp, name: &str, ext: &str) -> String {
    let body = json!({"name": name, "fieldValues": [{"id": "100100", "value": ext}]});
    let (status, created) = app.post(ACCOUNT, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

async fn account_list(app: &TestApp, name: &str) -> String {
    let (status, list) = app
        .post("/api/loquat/1.0/accounts/list", &json!({"name": name}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    list["id"].as_str().unwrap().to_owned()
}

async fn members(app: &TestApp, list: &str) -> u64 {
    let (status, list) = app
        .get(&format!("/api/bulk/2.0/accounts/lists/{list}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["count"].as_u64().unwrap()
}

fn definition(identifier: &str, action: &str, list: &str) -> Value {
    json!({
        "name": "Accounts",
        "fields": {"Company": identifier},
        "identifierFieldName": "Company",
        "syncActions": [{"destination": format!("{{{{AccountList[{list}]}}}}"), "action": action}]
    })
}

async fn created_definition(app: &TestApp, body: &Value) -> String {
    let (status, created) = app.post(DEFINITIONS, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["uri"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_account_sync_adds_matches_to_the_list_and_rejects_the_rest() {
    let app = spawn_app().await;
    account(&app, "Acme", "A-1").await;
    account(&app, "Umbrella", "U-1").await;
    account(&app, "Umbrella", "U-2").await;
    account(&app, "Globex", "G-1").await;
    let list = account_list(&app, "Targets").await;
    let body = definition("{{Account.Field(M_CompanyName)}}", "add", &list);
    let uri = created_definition(&app, &body).await;
    assert!(uri.starts_with("/accounts/syncActions/"), "{uri}");
    let (_, read) = app.bulk_get(&uri).await;
    assert_eq!(read["fields"], body["fields"]);
    assert_eq!(read["syncActions"], body["syncActions"]);
    app.upload(
        &uri,
        &json!([
            {"Company": "Acme"},
            {"Company": "Initech"},
            {"Company": "Umbrella"},
            {"Company": "Acme"},
            {"Other": "no company"},
            {"Company": "acme"}
        ]),
    )
    .await;
    let sync = app.sync(&uri).await;
    let done = app.wait_for_sync(&sync).await;
    assert_eq!(done["status"], "warning", "{done}");
    assert_eq!(done["syncedInstanceUri"], uri);
    // Acme and both Umbrellas: a company name may name several accounts.
    assert_eq!(members(&app, &list).await, 3);
    let message = format!("Added members to Account List {list}.");
    let lines = app.log_lines(&sync).await;
    assert!(lines.iter().any(|l| l.contains(&message)), "{lines:?}");
    let codes = app.log_codes(&sync).await;
    for expected in [
        ("ELQ-00140", 6),
        ("ELQ-00114", 3),
        ("ELQ-00026", 1),
        ("ELQ-00061", 1),
        ("ELQ-00034", 2),
        ("ELQ-00060", 4),
    ] {
        let expected = (expected.0.to_owned(), expected.1);
        assert!(codes.contains(&expected), "{expected:?} in {codes:?}");
    }
    let rejects: Vec<(u64, String, String)> = app
        .rejects(&sync)
        .await
        .iter()
        .map(|r| {
            (
                r["recordIndex"].as_u64().unwrap(),
                r["statusCode"].as_str().unwrap().to_owned(),
                r["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let unmatched = "Total unmatched records.".to_owned();
    assert_eq!(
        rejects,
        vec![
            (2, "ELQ-00034".into(), unmatched.clone()),
            (4, "ELQ-00026".into(), "Duplicate identifier.".into()),
            (
                5,
                "ELQ-00061".into(),
                "Rejected records (missing fields).".into()
            ),
            // Company names match exactly, case and all.
            (6, "ELQ-00034".into(), unmatched),
        ]
    );
}

#[tokio::test]
async fn an_account_sync_removes_by_id_and_by_external_id() {
    let app = spawn_app().await;
    let acme = account(&app, "Acme", "A-1").await;
    let globex = account(&app, "Globex", "G-1").await;
    let list = account_list(&app, "Targets").await;
    let add = created_definition(&app, &definition("{{Account.Id}}", "add", &list)).await;
    app.upload(&add, &json!([{"Company": acme}, {"Company": globex}]))
        .await;
    let sync = app.sync(&add).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
    assert_eq!(members(&app, &list).await, 2);

    let body = definition("{{Account.Field(CompanyIDExt)}}", "remove", &list);
    let remove = created_definition(&app, &body).await;
    app.upload(&remove, &json!([{"Company": "G-1"}])).await;
    let sync = app.sync(&remove).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "success");
    assert_eq!(members(&app, &list).await, 1);
    let message = format!("Removed members from Account List {list}.");
    let codes = app.log_codes(&sync).await;
    assert!(codes.contains(&("ELQ-00117".to_owned(), 1)), "{codes:?}");
    let lines = app.log_lines(&sync).await;
    assert!(lines.iter().any(|l| l.contains(&message)), "{lines:?}");
}

#[tokio::test]
async fn account_and_contact_definitions_stay_under_their_own_record_type() {
    let app = spawn_app().await;
    let list = account_list(&app, "Targets").await;
    let contact_list = app.create_list("People").await;
    let accounts = created_definition(&app, &definition("{{Account.Id}}", "add", &list)).await;
    let contacts = app
        .definition(&json!({
            "name": "People", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
            "identifierFieldName": "Email",
            "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{contact_list}]}}}}")}]
        }))
        .await;
    let id = |uri: &str| uri.rsplit('/').next().unwrap().to_owned();
    for path in [
        format!("/api/bulk/2.0/contacts/syncActions/{}", id(&accounts)),
        format!("{DEFINITIONS}/{}", id(&contacts)),
        format!("/api/bulk/2.0/contacts/syncActions/{}/data", id(&accounts)),
    ] {
        let (status, _) = app.get(&path).await;
        let expected = if path.ends_with("/data") {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, expected, "{path}");
    }
    let (status, _) = app
        .delete(&format!(
            "/api/bulk/2.0/contacts/syncActions/{}",
            id(&accounts)
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post_data(
            &format!("/contacts/syncActions/{}", id(&accounts)),
            "application/json",
            r#"[{"Email": "a@example.com"}]"#,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A sync names the record type in its uri: a contact uri with an account id is unknown.
    let wrong = format!("/contacts/syncActions/{}", id(&accounts));
    let (status, body) = app.post_sync(&json!({"syncedInstanceUri": wrong})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Each list shows its own; the global list shows both, each under its own uri.
    let own = app.items("/accounts/syncActions").await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["uri"], accounts);
    let contact_items = app.items("/contacts/syncActions").await;
    assert_eq!(contact_items.len(), 1);
    assert_eq!(contact_items[0]["uri"], contacts);
    let all: Vec<Value> = app
        .items("/syncActions")
        .await
        .iter()
        .map(|d| d["uri"].clone())
        .collect();
    assert_eq!(all, vec![json!(accounts), json!(contacts)]);
}

#[tokio::test]
async fn account_definitions_refuse_contact_identifiers_destinations_and_missing_lists() {
    let app = spawn_app().await;
    let contact_list = app.create_list("People").await;
    let (status, body) = app
        .post(
            DEFINITIONS,
            &json!({
                "name": "Wrong", "fields": {"Company": "{{Contact.Id}}"},
                "identifierFieldName": "Company",
                "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{contact_list}]}}}}")}]
            }),
        )
        .await;
    assert_failures(status, &body, &["fields", "syncActions[0].destination"]);
    let (status, body) = app
        .post(DEFINITIONS, &definition("{{Account.Id}}", "add", "999999"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("account list 999999 does not exist"),
        "{text}"
    );
}

#[tokio::test]
async fn a_name_matching_several_accounts_does_not_hide_a_row_matching_none() {
    // As many accounts claimed as rows (two Umbrellas for one row, none for the other) must
    // not pass for a batch where every row matched.
    let app = spawn_app().await;
    account(&app, "Umbrella", "U-1").await;
    account(&app, "Umbrella", "U-2").await;
    let list = account_list(&app, "Targets").await;
    let body = definition("{{Account.Field(M_CompanyName)}}", "add", &list);
    let uri = created_definition(&app, &body).await;
    app.upload(
        &uri,
        &json!([{"Company": "Umbrella"}, {"Company": "Nobody"}]),
    )
    .await;
    let sync = app.sync(&uri).await;
    assert_eq!(app.wait_for_sync(&sync).await["status"], "warning");
    assert_eq!(members(&app, &list).await, 2);
    let rejects = app.rejects(&sync).await;
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(
        (&rejects[0]["recordIndex"], &rejects[0]["statusCode"]),
        (&json!(2), &json!("ELQ-00034"))
    );
}

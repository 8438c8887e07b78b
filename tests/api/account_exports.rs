//! Account exports (`/accounts/exports`) over HTTP: account fields, ids and timestamps,
//! filters on account lists, fields and `UpdatedAt`, and the boundary with contact exports.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_failures, spawn_app};

const ACCOUNT: &str = "/api/REST/1.0/data/account";
const EXPORTS: &str = "/api/bulk/2.0/accounts/exports";

async fn account(app: &TestApp, body: Value) -> String {
    let (status, created) = app.post(ACCOUNT, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

/// Runs an export of `body` to its end; its rows.
async fn export(app: &TestApp, body: Value) -> Vec<Value> {
    let (status, created) = app.post(EXPORTS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let uri = created["uri"].as_str().unwrap().to_owned();
    assert!(uri.starts_with("/accounts/exports/"), "{uri}");
    let sync = app.sync(&uri).await;
    let done = app.wait_for_sync(&sync).await;
    assert_eq!(done["status"], "success", "{done}");
    assert_eq!(done["syncedInstanceUri"], uri);
    app.items(&format!("{sync}/data")).await
}

#[tokio::test]
async fn account_exports_read_fields_ids_times_and_filter_on_lists_and_changes() {
    let app = spawn_app().await;
    // A custom account field (REST 1.0 writes standard fields only: it exports empty).
    app.store
        .create_custom_field(
            app.site.id,
            &loquat::domain::record_type::ACCOUNTS,
            "M_Tier1",
            "Tier",
            loquat::domain::contact_fields::FieldType::Text,
        )
        .await
        .unwrap();
    let acme = account(
        &app,
        json!({"name": "Acme", "city": "Springfield",
               "fieldValues": [{"id": "100100", "value": "A-1"}]}),
    )
    .await;
    let globex = account(&app, json!({"name": "Globex", "city": "Cypress Creek"})).await;
    let (status, list) = app
        .post(
            "/api/loquat/1.0/accounts/list",
            &json!({"name": "Targets", "membershipAdditions": [acme]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{list}");
    let list = list["id"].as_str().unwrap().to_owned();
    let fields = json!({
        "Id": "{{Account.Id}}",
        "Company": "{{Account.Field(M_CompanyName)}}",
        "City": "{{Account.Field(M_City)}}",
        "Ext": "{{Account.Field(CompanyIDExt)}}",
        "Tier": "{{Account.Field(M_Tier1)}}",
        "Created": "{{Account.CreatedAt}}",
        "Updated": "{{Account.UpdatedAt}}"
    });
    let every = export(&app, json!({"name": "All accounts", "fields": fields})).await;
    assert_eq!(every.len(), 2, "{every:?}");
    assert_eq!(
        (
            &every[0]["Id"],
            &every[0]["Company"],
            &every[0]["City"],
            &every[0]["Ext"],
            &every[0]["Tier"]
        ),
        (
            &json!(acme),
            &json!("Acme"),
            &json!("Springfield"),
            &json!("A-1"),
            &json!("")
        )
    );
    assert_eq!(
        (&every[1]["Id"], &every[1]["Ext"], &every[1]["Tier"]),
        (&json!(globex), &json!(""), &json!(""))
    );
    let created = every[0]["Created"].as_str().unwrap().to_owned();
    assert_eq!(created.len(), "2024-01-01 00:00:00.000".len(), "{created}");

    let on_list = export(
        &app,
        json!({"name": "Targets", "fields": fields, "filter": format!("EXISTS('{{{{AccountList[{list}]}}}}')")}),
    )
    .await;
    assert_eq!(on_list.len(), 1);
    assert_eq!(on_list[0]["Id"], json!(acme));
    let by_field = export(
        &app,
        json!({"name": "Gold", "fields": fields,
               "filter": "'{{Account.Field(M_Tier1)}}' = '' AND '{{Account.Field(M_City)}}' ~ 'cypress*'"}),
    )
    .await;
    assert_eq!(by_field.len(), 1, "{by_field:?}");
    assert_eq!(by_field[0]["Id"], json!(globex));

    // An incremental extract: only what changed after the last export's newest time.
    let newest = every
        .iter()
        .map(|row| row["Updated"].as_str().unwrap().to_owned())
        .max()
        .unwrap();
    let (status, _) = app
        .put(
            &format!("{ACCOUNT}/{globex}"),
            &json!({"name": "Globex Corporation"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let changed = export(
        &app,
        json!({"name": "Changed", "fields": fields, "areSystemTimestampsInUTC": true,
               "filter": format!("'{{{{Account.UpdatedAt}}}}' > '{newest}'")}),
    )
    .await;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(
        (&changed[0]["Id"], &changed[0]["Company"]),
        (&json!(globex), &json!("Globex Corporation"))
    );
}

#[tokio::test]
async fn account_exports_refuse_contact_statements_and_stay_apart_from_contact_exports() {
    let app = spawn_app().await;
    let contact_list = app.create_list("People").await;
    let cases = [
        (
            json!({"name": "x", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}}),
            "fields.Email",
        ),
        (
            json!({"name": "x", "fields": {"Name": "{{Account.Field(M_Nope)}}"}}),
            "fields.Name",
        ),
        (
            json!({"name": "x", "fields": {"Id": "{{Account.Id}}"},
                   "filter": format!("EXISTS('{{{{ContactList[{contact_list}]}}}}')")}),
            "filter",
        ),
        (
            json!({"name": "x", "fields": {"Id": "{{Account.Id}}"},
                   "filter": "'{{Contact.Field(C_EmailAddress)}}' = 'a@example.com'"}),
            "filter",
        ),
        (
            json!({"name": "x", "fields": {"Id": "{{Account.Id}}"},
                   "filter": "EXISTS('{{AccountList[424242]}}')"}),
            "filter",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post(EXPORTS, &body).await;
        assert_failures(status, &answer, &[field]);
    }
    let (_, contacts) = app
        .post(
            "/api/bulk/2.0/contacts/exports",
            &json!({"name": "People", "fields": {"Id": "{{Contact.Id}}"}}),
        )
        .await;
    let id = contacts["uri"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let (status, _) = app.get(&format!("{EXPORTS}/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(app.items("/accounts/exports").await.is_empty());
}

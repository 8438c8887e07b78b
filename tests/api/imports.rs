//! Contact imports over HTTP: definitions, uploads and syncs that create and update contacts.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, failure_fields, spawn_app};

const BASE: &str = "/api/bulk/2.0/contacts/imports";

async fn import(app: &TestApp, extra: Value) -> String {
    let mut body = json!({
        "name": "CRM contacts",
        "fields": {
            "Email": "{{Contact.Field(C_EmailAddress)}}",
            "First": "{{Contact.Field(C_FirstName)}}",
            "City": "{{Contact.Field(C_City)}}",
            "Score": "{{Contact.Field(C_Lead_Score1)}}",
            "Subscribed": "{{Contact.Email.IsSubscribed}}"
        },
        "identifierFieldName": "Email"
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    let (status, created) = app.post(BASE, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["uri"].as_str().unwrap().to_owned()
}

async fn score_field(app: &TestApp) -> i64 {
    app.lead_score_field().await.id
}

async fn run(app: &TestApp, uri: &str, csv: &str) -> (Value, String) {
    let (status, body) = app
        .post_raw(
            &format!("/api/bulk/2.0{uri}/data"),
            "text/csv",
            csv.to_owned(),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let sync = app.sync(uri).await;
    (app.wait_for_sync(&sync).await, sync)
}

#[tokio::test]
async fn an_import_creates_and_updates_contacts_runs_its_actions_and_rejects_bad_rows() {
    let app = spawn_app().await;
    let score = score_field(&app).await;
    let existing = app.contact("old@example.com").await;
    let list = app.list("Imported").await;
    let uri = import(&app, json!({"syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]})).await;
    let csv = "Email,First,City,Score,Subscribed\n\
               new1@example.com,Ann,Paris,10,true\n\
               OLD@example.com,Olga,,,false\n\
               not-an-email,Bad,,1,\n\
               new2@example.com,Bob,Lyon,lots,\n\
               new1@example.com,Again,,,\n\
               ,NoEmail,,,\n\
               new3@example.com,Cy,,7.5,\n";
    let (done, sync) = run(&app, &uri, csv).await;
    assert_eq!(done["status"], "warning");
    let logs = app.log_codes(&sync).await;
    let find = |code: &str| logs.iter().find(|(c, _)| c == code).map(|(_, n)| *n);
    assert_eq!(find("ELQ-00130"), Some(7), "{logs:?}");
    assert_eq!(
        find("ELQ-00004"),
        Some(2),
        "created new1 and new3: {logs:?}"
    );
    assert_eq!(find("ELQ-00022"), Some(1), "{logs:?}");
    assert_eq!(
        find("ELQ-00119"),
        Some(3),
        "every imported contact joins the list: {logs:?}"
    );
    assert_eq!(find("ELQ-00060"), Some(4), "{logs:?}");
    assert_eq!(logs.last().unwrap().0, "ELQ-00101");

    let (_, rejects) = app.get(&format!("/api/bulk/2.0{sync}/rejects")).await;
    let got: Vec<(u64, String, Value)> = rejects["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["recordIndex"].as_u64().unwrap(),
                r["statusCode"].as_str().unwrap().to_owned(),
                r["invalidFields"].clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "ELQ-00002".to_owned(), json!(["Email"])),
            (4, "ELQ-00125".to_owned(), json!(["Score"])),
            (5, "ELQ-00026".to_owned(), json!(["Email"])),
            (6, "ELQ-00061".to_owned(), json!(["Email"])),
        ]
    );
    assert_eq!(rejects["items"][0]["message"], "Invalid email address.");
    assert_eq!(
        rejects["items"][0]["fieldValues"],
        json!({"Email": "not-an-email", "First": "Bad", "City": "", "Score": "1", "Subscribed": ""})
    );

    let old = app.store.get_contact(app.site.id, existing).await.unwrap();
    assert_eq!(
        (old.first_name.as_deref(), old.is_subscribed),
        (Some("Olga"), false)
    );
    let (found, _) = app
        .store
        .search_contacts(
            app.site.id,
            loquat::store::ContactSearch {
                email: Some("new*".into()),
                page: 1,
                count: 10,
            },
        )
        .await
        .unwrap();
    let names: Vec<_> = found
        .iter()
        .map(|c| (c.email_address.as_str(), c.first_name.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            ("new1@example.com", Some("Ann")),
            ("new3@example.com", Some("Cy"))
        ]
    );
    let (_, list_view) = app
        .get(&format!("/api/bulk/2.0/contacts/lists/{list}"))
        .await;
    assert_eq!(list_view["count"], 3);
    assert!(score > 0);
}

#[tokio::test]
async fn update_rules_decide_what_an_import_overwrites() {
    let app = spawn_app().await;
    score_field(&app).await;
    let first_name = || async {
        let search = loquat::store::ContactSearch {
            email: Some("x@*".into()),
            page: 1,
            count: 10,
        };
        let (found, total) = app
            .store
            .search_contacts(app.site.id, search)
            .await
            .unwrap();
        assert_eq!(total, 1, "one contact throughout");
        found[0].first_name.clone()
    };
    let uri = import(&app, json!({})).await;
    run(&app, &uri, "Email,First\nx@example.com,Xavier\n").await;
    assert_eq!(first_name().await.as_deref(), Some("Xavier"));
    let keep = import(&app, json!({"updateRule": "ifNewIsNotNull"})).await;
    run(&app, &keep, "Email,First\nx@example.com,\n").await;
    assert_eq!(
        first_name().await.as_deref(),
        Some("Xavier"),
        "an empty value keeps the old one"
    );
    let fill = import(&app, json!({"updateRule": "ifExistingIsNull"})).await;
    run(&app, &fill, "Email,First\nX@example.com,Xena\n").await;
    assert_eq!(
        first_name().await.as_deref(),
        Some("Xavier"),
        "only empty fields are filled"
    );
    let clear = import(
        &app,
        json!({"updateRule": "useFieldRule", "updateRuleByField": {"First": "always"}}),
    )
    .await;
    let (done, _) = run(&app, &clear, "Email,First\nx@example.com,\n").await;
    assert_eq!(done["status"], "success");
    assert_eq!(first_name().await, None, "always writes the empty value");
    run(&app, &fill, "Email,First\nx@example.com,Xena\n").await;
    assert_eq!(first_name().await.as_deref(), Some("Xena"));
}

#[tokio::test]
async fn import_definitions_are_validated_listed_replaced_and_deleted() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(BASE, &json!({"name": "x", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}", "Nope": "{{Contact.Field(C_Nope)}}"}, "identifierFieldName": "Email"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(failure_fields(&body), ["fields.Nope"]);
    score_field(&app).await;
    let uri = import(&app, json!({"isSyncTriggeredOnImport": true})).await;
    let path = format!("/api/bulk/2.0{uri}");
    let (_, read) = app.get(&path).await;
    assert_eq!(
        (
            read["dataRetentionDuration"].clone(),
            read["updateRule"].clone()
        ),
        (json!("P7D"), json!("always"))
    );
    let (status, sync) = app
        .post_raw(
            &format!("{path}/data"),
            "application/json",
            r#"[{"Email": "t@example.com"}]"#,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "triggered: {sync}");
    assert_eq!(
        app.wait_for_sync(sync["uri"].as_str().unwrap()).await["status"],
        "success"
    );
    let (_, listed) = app.get(&format!("{BASE}?q=name='CRM*'")).await;
    assert_eq!(listed["totalResults"], 1);
    let mut replacement = read.clone();
    replacement["name"] = json!("Renamed");
    let (status, replaced) = app.put(&path, &replacement).await;
    assert_eq!(
        (status, &replaced["name"]),
        (StatusCode::OK, &json!("Renamed"))
    );
    let (_, other) = app.add_site("Other", "bob", true).await;
    let theirs = crate::helpers::send(
        app.anonymous(reqwest::Method::GET, &path)
            .header("Authorization", other),
    )
    .await;
    assert_eq!(theirs.0, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&path).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn several_contacts_sharing_an_external_id_are_all_updated_only_when_asked() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for email in ["one@example.com", "two@example.com"] {
        let input = loquat::domain::contact::ContactInput {
            email_address: email.into(),
            contact_id_ext: Some("SHARED".into()),
            first_name: None,
            last_name: None,
            is_subscribed: true,
            is_bounced: false,
        };
        ids.push(
            app.store
                .create_contact(app.site.id, input)
                .await
                .unwrap()
                .id,
        );
    }
    let names = || async {
        let mut out = Vec::new();
        for id in &ids {
            out.push(
                app.store
                    .get_contact(app.site.id, *id)
                    .await
                    .unwrap()
                    .first_name,
            );
        }
        out
    };
    let definition = |multiple: bool| {
        json!({"name": "by ext", "fields": {"Ext": "{{Contact.Field(ContactIDExt)}}", "First": "{{Contact.Field(C_FirstName)}}"},
               "identifierFieldName": "Ext", "isUpdatingMultipleMatchedRecords": multiple})
    };
    let (_, first_only) = app.post(BASE, &definition(false)).await;
    let (done, sync) = run(
        &app,
        first_only["uri"].as_str().unwrap(),
        "Ext,First\nSHARED,Ann\nUNKNOWN,Nobody\n",
    )
    .await;
    assert_eq!(
        done["status"], "warning",
        "an unknown external id cannot create a contact without an email"
    );
    assert!(
        app.log_codes(&sync)
            .await
            .contains(&("ELQ-00034".to_owned(), 1)),
        "counted as unmatched"
    );
    assert_eq!(
        names().await,
        [Some("Ann".to_owned()), None],
        "the lowest id only"
    );
    let (_, all) = app.post(BASE, &definition(true)).await;
    let (_, sync) = run(
        &app,
        all["uri"].as_str().unwrap(),
        "Ext,First\nSHARED,Both\n",
    )
    .await;
    assert_eq!(
        names().await,
        [Some("Both".to_owned()), Some("Both".to_owned())]
    );
    assert!(
        app.log_codes(&sync)
            .await
            .contains(&("ELQ-00022".to_owned(), 2))
    );
}

//! Contact exports over HTTP, and the whole round trip a client does with no Loquat-specific
//! call: import contacts, act on them with sync actions, export to check the effect.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, failure_fields, send, spawn_app};

const EXPORTS: &str = "/api/bulk/2.0/contacts/exports";

fn email(i: usize) -> String {
    format!("person{i:04}@example.com")
}

/// Uploads JSON rows to a definition and syncs them; returns the finished sync.
async fn upload_and_sync(app: &TestApp, uri: &str, rows: Vec<Value>) -> Value {
    let (status, body) = app
        .post(&format!("/api/bulk/2.0{uri}/data"), &Value::Array(rows))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let sync = app.sync(uri).await;
    app.wait_for_sync(&sync).await
}

pub(crate) async fn export(app: &TestApp, fields: Value, filter: Option<&str>) -> String {
    let mut body = json!({"name": "check", "fields": fields});
    if let Some(filter) = filter {
        body["filter"] = json!(filter);
    }
    let (status, created) = app.post(EXPORTS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let sync = app.sync(created["uri"].as_str().unwrap()).await;
    let done = app.wait_for_sync(&sync).await;
    assert_eq!(done["status"], "success", "{done}");
    sync
}

/// Every row of an export sync, paging 400 at a time.
pub(crate) async fn rows(app: &TestApp, sync: &str) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let (status, page) = app
            .get(&format!(
                "/api/bulk/2.0{sync}/data?limit=400&offset={}",
                all.len()
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        if page["hasMore"] != json!(true) {
            assert_eq!(page["totalResults"], all.len());
            return all;
        }
    }
}

#[tokio::test]
async fn import_act_and_export_round_trip_through_the_bulk_api_only() {
    let app = spawn_app().await;
    let (_, list) = app
        .post(
            "/api/REST/1.0/assets/contact/list",
            &json!({"name": "Chosen"}),
        )
        .await;
    let list: i64 = list["id"].as_str().unwrap().parse().unwrap();
    let (_, group) = app
        .post("/api/REST/1.0/assets/email/group", &json!({"name": "News"}))
        .await;
    let group: i64 = group["id"].as_str().unwrap().parse().unwrap();

    let (_, import) = app
        .post("/api/bulk/2.0/contacts/imports", &json!({"name": "All", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}", "First": "{{Contact.Field(C_FirstName)}}"}, "identifierFieldName": "Email"}))
        .await;
    let imported = upload_and_sync(
        &app,
        import["uri"].as_str().unwrap(),
        (0..1000)
            .map(|i| json!({"Email": email(i), "First": format!("P{i}")}))
            .collect(),
    )
    .await;
    assert_eq!(imported["status"], "success");

    let definition = |actions: Value| json!({"name": "act", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "Email", "syncActions": actions});
    let add = app
        .definition(&definition(
            json!([{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]),
        ))
        .await;
    let unsub = app.definition(&definition(json!([{"action": "setStatus", "destination": format!("{{{{EmailGroup[{group}]}}}}"), "status": "unsubscribed"}]))).await;
    let global = app.definition(&definition(json!([{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "unsubscribed"}]))).await;
    for (uri, people) in [(&add, 0..600), (&unsub, 500..600), (&global, 950..1000)] {
        let rows = people.map(|i| json!({"Email": email(i)})).collect();
        let done = upload_and_sync(&app, uri, rows).await;
        assert_eq!(done["status"], "success", "{uri}: {done}");
    }

    let members = export(
        &app,
        json!({"Id": "{{Contact.Id}}", "Email": "{{Contact.Field(C_EmailAddress)}}"}),
        Some(&format!("EXISTS('{{{{ContactList[{list}]}}}}')")),
    )
    .await;
    let got: Vec<String> = rows(&app, &members)
        .await
        .iter()
        .map(|r| r["Email"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        got,
        (0..600).map(email).collect::<Vec<_>>(),
        "exactly the 600 added, in id order"
    );

    let flags = export(&app, json!({"Email": "{{Contact.Field(C_EmailAddress)}}", "Subscribed": "{{Contact.Email.IsSubscribed}}"}), None).await;
    let all = rows(&app, &flags).await;
    assert_eq!(all.len(), 1000);
    for (i, row) in all.iter().enumerate() {
        let expected = if i >= 950 { "false" } else { "true" };
        assert_eq!(row["Subscribed"], expected, "{row}");
    }
    let first_unsubscribed = app
        .get(&format!(
            "/api/REST/1.0/data/contacts?search=C_EmailAddress={}",
            email(550)
        ))
        .await
        .1;
    let contact_id = first_unsubscribed["elements"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, subscription) = app
        .get(&format!(
            "/api/REST/1.0/data/contact/{contact_id}/email/group/{group}/subscription"
        ))
        .await;
    assert_eq!(subscription["isSubscribed"], "false");
}

#[tokio::test]
async fn export_filters_select_contacts_and_data_comes_as_json_or_csv() {
    let app = spawn_app().await;
    for (i, email) in ["ann@example.com", "bob@other.org", "cy@example.com"]
        .into_iter()
        .enumerate()
    {
        let id = app.contact(email).await;
        assert!(id > 0, "{i}");
    }
    let sync = export(
        &app,
        json!({"Email": "{{Contact.Field(C_EmailAddress)}}"}),
        Some("'{{Contact.Field(C_EmailAddress)}}' ~ '*@example.com'"),
    )
    .await;
    let emails: Vec<Value> = rows(&app, &sync)
        .await
        .into_iter()
        .map(|r| r["Email"].clone())
        .collect();
    assert_eq!(emails, [json!("ann@example.com"), json!("cy@example.com")]);
    let (_, logs) = app.get(&format!("/api/bulk/2.0{sync}/logs")).await;
    assert_eq!(
        (
            logs["items"][0]["statusCode"].clone(),
            logs["items"][0]["count"].clone()
        ),
        (json!("ELQ-00102"), json!(2))
    );

    assert_eq!(
        app.csv_data(&sync).await,
        "Email\nann@example.com\ncy@example.com\n"
    );

    let (_, page) = app
        .get(&format!(
            "/api/bulk/2.0{sync}/data?limit=1&totalResults=false"
        ))
        .await;
    assert_eq!(
        (
            page["count"].clone(),
            page["hasMore"].clone(),
            page.get("totalResults")
        ),
        (json!(1), json!(true), None)
    );
    assert_eq!(
        app.get(&format!("/api/bulk/2.0{sync}/data?limit=50001"))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.delete(&format!("/api/bulk/2.0{sync}/data")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("/api/bulk/2.0{sync}/data")).await.0,
        StatusCode::BAD_REQUEST,
        "deleted"
    );
}

#[tokio::test]
async fn export_definitions_refuse_bad_filters_and_unknown_fields() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"name": "x", "fields": {"E": "{{Contact.Field(C_EmailAddress)}}"}, "filter": "EXISTS('{{ContactList[1]}}'"}),
            "filter",
        ),
        (
            json!({"name": "x", "fields": {"E": "{{Contact.Field(C_Nope)}}"}}),
            "fields.E",
        ),
        (
            json!({"name": "x", "fields": {"E": "{{Contact.Id}}"}, "filter": "'{{Contact.Field(C_Nope)}}' = 'a'"}),
            "filter",
        ),
        (
            json!({"name": "x", "fields": {"E": "{{Contact.Id}}"}, "filter": "EXISTS('{{ContactSegment[3]}}')"}),
            "filter",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post(EXPORTS, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(failure_fields(&answer), [field], "{answer}");
    }
    let (_, created) = app
        .post(
            EXPORTS,
            &json!({"name": "ok", "fields": {"E": "{{Contact.Id}}"}}),
        )
        .await;
    let path = format!("/api/bulk/2.0{}", created["uri"].as_str().unwrap());
    let (_, other) = app.add_site("Other", "bob", true).await;
    assert_eq!(
        send(
            app.anonymous(Method::GET, &path)
                .header("Authorization", other)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, listed) = app.get(EXPORTS).await;
    assert_eq!(listed["totalResults"], 1);
    assert_eq!(app.delete(&path).await.0, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn custom_fields_are_imported_and_exported() {
    let app = spawn_app().await;
    app.lead_score_field().await;
    let (_, import) = app
        .post("/api/bulk/2.0/contacts/imports", &json!({"name": "scores", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}", "Score": "{{Contact.Field(C_Lead_Score1)}}"}, "identifierFieldName": "Email"}))
        .await;
    let uploaded = vec![
        json!({"Email": "a@example.com", "Score": 12}),
        json!({"Email": "b@example.com", "Score": "7.5"}),
        json!({"Email": "c@example.com"}),
    ];
    assert_eq!(
        upload_and_sync(&app, import["uri"].as_str().unwrap(), uploaded).await["status"],
        "success"
    );
    let sync = export(&app, json!({"Email": "{{Contact.Field(C_EmailAddress)}}", "Score": "{{Contact.Field(C_Lead_Score1)}}"}), Some("'{{Contact.Field(C_Lead_Score1)}}' > '8'")).await;
    assert_eq!(
        rows(&app, &sync).await,
        [json!({"Email": "a@example.com", "Score": "12"})]
    );
    let sync = export(&app, json!({"Email": "{{Contact.Field(C_EmailAddress)}}", "Score": "{{Contact.Field(C_Lead_Score1)}}"}), None).await;
    assert_eq!(
        rows(&app, &sync).await[2],
        json!({"Email": "c@example.com", "Score": ""}),
        "no value exports as an empty string"
    );
}

#[tokio::test]
async fn max_records_caps_an_export_at_the_lowest_ids() {
    let app = spawn_app().await;
    for i in 0..5 {
        app.contact(&email(i)).await;
    }
    let (_, created) = app.post(EXPORTS, &json!({"name": "capped", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "maxRecords": 3})).await;
    let sync = app.sync(created["uri"].as_str().unwrap()).await;
    app.wait_for_sync(&sync).await;
    let emails: Vec<Value> = rows(&app, &sync)
        .await
        .into_iter()
        .map(|r| r["Email"].clone())
        .collect();
    assert_eq!(emails, [json!(email(0)), json!(email(1)), json!(email(2))]);
}

#[tokio::test]
async fn staged_imports_and_export_data_expire_with_their_retention() {
    let clock = crate::helpers::manual_clock();
    let app = crate::helpers::spawn_app_without_engine(
        clock.clone(),
        loquat::config::Overrides::default(),
    )
    .await;
    let (_, import) = app
        .post("/api/bulk/2.0/contacts/imports", &json!({"name": "kept 1h", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "Email", "dataRetentionDuration": "PT1H"}))
        .await;
    let import_uri = format!("/api/bulk/2.0{}", import["uri"].as_str().unwrap());
    let (status, _) = app
        .post(
            &format!("{import_uri}/data"),
            &json!([{"Email": "a@example.com"}]),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&import_uri).await.1["kbUsed"], 1);
    app.contact("b@example.com").await;
    let (_, export) = app.post(EXPORTS, &json!({"name": "kept 2h", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "dataRetentionDuration": "PT2H"})).await;
    let sync = app.sync(export["uri"].as_str().unwrap()).await;
    app.run_engine_until_idle().await;
    assert_eq!(
        app.get(&format!("/api/bulk/2.0{sync}/data")).await.0,
        StatusCode::OK
    );

    clock.advance_seconds(3601);
    app.engine.sweep_once().await.unwrap();
    let (status, import) = app.get(&import_uri).await;
    assert_eq!(status, StatusCode::OK, "{import}");
    assert!(import.get("kbUsed").is_none(), "staged import rows expired");
    assert_eq!(
        app.get(&format!("/api/bulk/2.0{sync}/data")).await.0,
        StatusCode::OK,
        "export data kept 2 h"
    );
    clock.advance_seconds(3600);
    app.engine.sweep_once().await.unwrap();
    assert_eq!(
        app.get(&format!("/api/bulk/2.0{sync}/data")).await.0,
        StatusCode::BAD_REQUEST,
        "export data expired"
    );
}

#[tokio::test]
async fn exports_read_and_filter_contact_timestamps_for_incremental_extracts() {
    let clock = crate::helpers::manual_clock();
    let app = crate::helpers::spawn_app_with(clock.clone(), Default::default()).await;
    let first = app.contact("first@example.com").await;
    clock.advance_seconds(86_400);
    let second = app.contact("second@example.com").await;
    clock.advance_seconds(86_400);
    let (status, body) = app
        .put(
            &format!("/api/REST/1.0/data/contact/{first}"),
            &json!({"emailAddress": "first@example.com", "firstName": "Changed"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let fields = json!({
        "Id": "{{Contact.Id}}",
        "CreatedAt": "{{Contact.CreatedAt}}",
        "UpdatedAt": "{{Contact.UpdatedAt}}"
    });
    // The same times as the system fields C_DateCreated and C_DateModified.
    let as_fields = json!({
        "Id": "{{Contact.Id}}",
        "CreatedAt": "{{Contact.Field(C_DateCreated)}}",
        "UpdatedAt": "{{Contact.Field(C_DateModified)}}"
    });
    let filter = "'{{Contact.Field(C_DateModified)}}' >= '2024-05-02'";
    let sync = export(&app, as_fields, Some(filter)).await;
    assert_eq!(
        rows(&app, &sync).await,
        [
            json!({"Id": first.to_string(), "CreatedAt": "2024-05-01 12:00:00.000", "UpdatedAt": "2024-05-03 12:00:00.000"}),
            json!({"Id": second.to_string(), "CreatedAt": "2024-05-02 12:00:00.000", "UpdatedAt": "2024-05-02 12:00:00.000"})
        ]
    );
    let sync = export(&app, fields.clone(), None).await;
    let all = rows(&app, &sync).await;
    assert_eq!(
        all,
        [
            json!({"Id": first.to_string(), "CreatedAt": "2024-05-01 12:00:00.000", "UpdatedAt": "2024-05-03 12:00:00.000"}),
            json!({"Id": second.to_string(), "CreatedAt": "2024-05-02 12:00:00.000", "UpdatedAt": "2024-05-02 12:00:00.000"}),
        ]
    );
    // What an incremental extract asks for: only what changed since its last run.
    for (filter, expected) in [
        (
            "'{{Contact.UpdatedAt}}' >= '2024-05-03 00:00:00'",
            vec![first],
        ),
        (
            "'{{Contact.UpdatedAt}}' > '2024-05-02 12:00:00'",
            vec![first],
        ),
        (
            "'{{Contact.UpdatedAt}}' = '2024-05-02 12:00:00'",
            vec![second],
        ),
        ("'{{Contact.CreatedAt}}' < '2024-05-02'", vec![first]),
        (
            "'{{Contact.CreatedAt}}' >= '2024-05-01 12:00:00.001'",
            vec![second],
        ),
        (
            "'{{Contact.UpdatedAt}}' != '2024-05-03 12:00:00'",
            vec![second],
        ),
    ] {
        let sync = export(&app, fields.clone(), Some(filter)).await;
        let ids: Vec<i64> = rows(&app, &sync)
            .await
            .iter()
            .map(|r| r["Id"].as_str().unwrap().parse().unwrap())
            .collect();
        assert_eq!(ids, expected, "{filter}");
    }

    for filter in [
        "'{{Contact.UpdatedAt}}' >= 'yesterday'",
        "'{{Contact.CreatedAt}}' ~ '2024*'",
    ] {
        let body = json!({"name": "x", "fields": fields, "filter": filter});
        let (status, answer) = app.post(EXPORTS, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{filter}: {answer}");
        assert_eq!(failure_fields(&answer), ["filter"], "{answer}");
    }
    // An import that changes only a custom field changes the contact too (matched by id, so
    // no standard column is written).
    app.lead_score_field().await;
    clock.advance_seconds(86_400);
    let (status, import) = app
        .post(
            "/api/bulk/2.0/contacts/imports",
            &json!({
                "name": "scores", "identifierFieldName": "Id",
                "fields": {"Id": "{{Contact.Id}}", "Score": "{{Contact.Field(C_Lead_Score1)}}"}
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{import}");
    let done = upload_and_sync(
        &app,
        import["uri"].as_str().unwrap(),
        vec![json!({"Id": second.to_string(), "Score": "5"})],
    )
    .await;
    assert_eq!(done["status"], "success", "{done}");
    let sync = export(
        &app,
        fields.clone(),
        Some("'{{Contact.UpdatedAt}}' >= '2024-05-04'"),
    )
    .await;
    let changed = rows(&app, &sync).await;
    assert_eq!(changed.len(), 1);
    assert_eq!(
        (&changed[0]["Id"], &changed[0]["UpdatedAt"]),
        (
            &json!(second.to_string()),
            &json!("2024-05-04 12:00:00.000")
        )
    );

    let body = json!({"name": "x", "fields": fields, "areSystemTimestampsInUTC": true});
    let (status, created) = app.post(EXPORTS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        created["areSystemTimestampsInUTC"], true,
        "echoed: {created}"
    );
    let body = json!({"name": "x", "fields": fields, "areSystemTimestampsInUTC": "often"});
    let (status, answer) = app.post(EXPORTS, &body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        failure_fields(&answer),
        ["areSystemTimestampsInUTC"],
        "{answer}"
    );
    let import = json!({
        "name": "x", "identifierFieldName": "Email",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}", "Created": "{{Contact.CreatedAt}}"}
    });
    let (status, answer) = app.post("/api/bulk/2.0/contacts/imports", &import).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(failure_fields(&answer), ["fields.Created"], "{answer}");
    let import = json!({
        "name": "x", "identifierFieldName": "Email",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}", "Modified": "{{Contact.Field(C_DateModified)}}"}
    });
    let (status, answer) = app.post("/api/bulk/2.0/contacts/imports", &import).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(failure_fields(&answer), ["fields.Modified"], "{answer}");
}

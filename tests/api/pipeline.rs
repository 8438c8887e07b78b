//! The sync-action pipeline end to end: upload, sync, logs, rejects (§6, §7).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_eloqua_time, codes, keys, spawn_app, strings};

fn add_to_list(list: i64) -> Value {
    json!({
        "name": "Add to list",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}],
        "isSyncTriggeredOnImport": false
    })
}

#[tokio::test]
async fn the_documented_transcript_adds_known_contacts_and_rejects_unknown_ones() {
    let app = spawn_app().await;
    let fred = app.contact("fred@example.com").await;
    let list = app.list("Webinar").await;
    let definition = app.definition(&add_to_list(list)).await;
    let data = format!("/api/bulk/2.0{definition}/data");
    let (status, body) = app
        .post_raw(
            &data,
            "text/csv",
            "Email\r\nFRED@example.com\r\nnobody@example.com\r\n",
        )
        .await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (_, staged) = app.get(&format!("/api/bulk/2.0{definition}")).await;
    assert_eq!(staged["kbUsed"], 1);

    let (status, created) = app
        .post(
            "/api/bulk/2.0/syncs",
            &json!({"syncedInstanceUri": definition}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["status"], "pending");
    assert!(created.get("syncStartedAt").is_none());
    let keys = keys(&created);
    assert_eq!(
        keys,
        [
            "syncedInstanceUri",
            "status",
            "createdAt",
            "createdBy",
            "uri"
        ]
    );
    let uri = created["uri"].as_str().unwrap();
    let done = app.wait_for_sync(uri).await;
    assert_eq!(done["status"], "warning");
    assert_eloqua_time(&done["syncStartedAt"]);
    assert_eloqua_time(&done["syncEndedAt"]);

    let expected = [
        ("ELQ-00140", 2),
        ("ELQ-00119", 1),
        ("ELQ-00034", 1),
        ("ELQ-00060", 1),
        ("ELQ-00101", 0),
    ];
    assert_eq!(app.log_codes(uri).await, codes(&expected));
    let logs = app.logs(uri).await;
    assert_eq!(logs[0]["syncUri"], uri);
    let id = uri.trim_start_matches("/syncs/");
    assert_eq!(
        logs[4]["message"],
        format!("Sync processed for sync {id}, resulting in Warning status.")
    );

    let (_, rejects) = app.get(&format!("/api/bulk/2.0{uri}/rejects")).await;
    assert_eq!(
        rejects["items"],
        json!([{"fieldValues": {"Email": "nobody@example.com"}, "message": "Contact does not exist.",
                "statusCode": "ELQ-00085", "recordIndex": 2, "invalidFields": ["Email"]}])
    );
    let (_, members) = app
        .get(&format!("/api/bulk/2.0/contacts/lists/{list}"))
        .await;
    assert_eq!(members["count"], 1);
    assert_eq!(
        app.store
            .list_members(app.site.id, list, 0, 10)
            .await
            .unwrap(),
        [fred]
    );

    let (status, _) = app.get(&format!("/api/bulk/2.0{uri}/data")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.kb_used(&definition).await,
        0,
        "the sync consumed the staged data"
    );
}

#[tokio::test]
async fn an_upload_with_sync_on_import_answers_201_with_the_pending_sync() {
    let app = spawn_app().await;
    app.contact("a@example.com").await;
    let list = app.list("L").await;
    let mut body = add_to_list(list);
    body["isSyncTriggeredOnImport"] = json!(true);
    let definition = app.definition(&body).await;
    let (status, sync) = app
        .post(
            &format!("/api/bulk/2.0{definition}/data"),
            &json!([{"Email": "a@example.com"}]),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sync}");
    assert_eq!(sync["syncedInstanceUri"], definition.as_str());
    assert_eq!(
        app.wait_for_sync(sync["uri"].as_str().unwrap()).await["status"],
        "success"
    );
}

#[tokio::test]
async fn malformed_uploads_are_400_and_stage_nothing() {
    let app = spawn_app().await;
    let list = app.list("L").await;
    let definition = app.definition(&add_to_list(list)).await;
    let data = format!("/api/bulk/2.0{definition}/data");
    for (content_type, body) in [
        (
            "application/json",
            "[{\"Email\": \"a@example.com\"}, {\"Email\": ",
        ),
        ("application/json", "{\"Email\": \"a@example.com\"}"),
        ("application/json", "[{\"Email\": {\"nested\": 1}}]"),
        ("application/json", ""),
        ("text/csv", "Email,Other\na@example.com\n"),
        ("text/csv", "Email\n\"unterminated\n"),
        ("text/plain", "Email\na@example.com\n"),
    ] {
        let (status, answer) = app.post_raw(&data, content_type, body).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{content_type}: {body:?} → {answer}"
        );
    }
    assert_eq!(app.kb_used(&definition).await, 0, "nothing staged");
}

#[tokio::test]
async fn a_sync_with_nothing_staged_succeeds_with_no_data() {
    let app = spawn_app().await;
    let list = app.list("L").await;
    let definition = app.definition(&add_to_list(list)).await;
    let uri = app.sync(&definition).await;
    assert_eq!(app.wait_for_sync(&uri).await["status"], "success");
    let (_, logs) = app.get(&format!("/api/bulk/2.0{uri}/logs")).await;
    let codes = strings(&logs["items"], "statusCode");
    assert_eq!(codes, ["ELQ-00140", "ELQ-00124", "ELQ-00101"]);
}

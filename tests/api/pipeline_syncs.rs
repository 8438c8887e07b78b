//! Syncs (§7): creating and validating, listing, site isolation, which uploads a sync owns,
//! ordering, a definition deleted under a sync, rejects numbering and paging.

use std::sync::Arc;

use loquat::config::Overrides;
use loquat::domain::clock::{Clock, SystemClock};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app_without_engine as spawn_manual;
use crate::helpers::{TestApp, failure_fields, manual_clock, rows, spawn_app};

/// A definition adding contacts found by email (column `Email`) to a new list.
pub async fn definition(app: &TestApp) -> String {
    let list = app.list("L").await;
    app.definition(&json!({
        "name": "Syncs",
        "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
        "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}],
        "isSyncTriggeredOnImport": false
    }))
    .await
}

pub fn emails(values: &[&str]) -> Value {
    rows("Email", values)
}

/// The `uri`s of a page's items.
fn uris(page: &Value) -> Vec<&str> {
    let items = page["items"].as_array().unwrap();
    items.iter().map(|s| s["uri"].as_str().unwrap()).collect()
}

/// POSTs a sync of `definition` calling back `url`; returns the status and the answer.
pub async fn sync_with_callback(
    app: &TestApp,
    definition: &str,
    url: Value,
) -> (StatusCode, Value) {
    app.post_sync(&json!({"syncedInstanceUri": definition, "callbackUrl": url}))
        .await
}

#[tokio::test]
async fn a_sync_needs_a_definition_of_this_site_in_synced_instance_uri() {
    let app = spawn_app().await;
    let mine = definition(&app).await;
    let (_, theirs, _) = app.foreign_sync().await;
    let id = mine.rsplit('/').next().unwrap();
    let refused = [
        json!({}),
        json!({"syncedInstanceUri": null}),
        json!({"syncedInstanceUri": 5}),
        json!({"syncedInstanceUri": ""}),
        json!({"syncedInstanceUri": "/contacts/syncActions/999999"}),
        json!({"syncedInstanceUri": theirs}),
        json!({"syncedInstanceUri": format!("/contacts/imports/{id}")}),
        json!({"syncedInstanceUri": format!("contacts/syncActions/{id}")}),
        json!({"syncedInstanceUri": "/contacts/syncActions/abc"}),
        json!({"syncedInstanceUri": format!("{mine}/data")}),
    ];
    for body in refused {
        let (status, answer) = app.post_sync(&body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {answer}");
        assert_eq!(failure_fields(&answer), ["syncedInstanceUri"], "{body}");
    }
    assert_eq!(app.get("/api/bulk/2.0/syncs").await.1["totalResults"], 0);
    let spelled = json!({"syncedInstanceUri": format!("/Contacts/SyncActions/{id}/")});
    let (status, sync) = app.post_sync(&spelled).await;
    assert_eq!(status, StatusCode::CREATED, "{sync}");
    assert_eq!(sync["syncedInstanceUri"], mine.as_str());
}

#[tokio::test]
async fn a_callback_url_must_be_http_and_null_means_none() {
    // No engine: these syncs must never call anything back (their hosts are not ours).
    let app = spawn_manual(Arc::new(SystemClock), Overrides::default()).await;
    let uri = definition(&app).await;
    let (status, sync) = sync_with_callback(&app, &uri, Value::Null).await;
    assert_eq!(status, StatusCode::CREATED, "{sync}");
    assert!(sync.get("callbackUrl").is_none(), "{sync}");
    let url = "https://client.example/cb?x=1";
    let (status, sync) = sync_with_callback(&app, &uri, json!(url)).await;
    assert_eq!(
        (status, &sync["callbackUrl"]),
        (StatusCode::CREATED, &json!(url))
    );
    let (_, read) = app.bulk_get(sync["uri"].as_str().unwrap()).await;
    assert_eq!(read["callbackUrl"], url);
    let refused = [
        "ftp://client.example/cb",
        "javascript:alert(1)",
        "/relative/cb",
    ];
    for bad in refused.map(Value::from).into_iter().chain([json!(7)]) {
        let (status, answer) = sync_with_callback(&app, &uri, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad} → {answer}");
        assert_eq!(failure_fields(&answer), ["callbackUrl"]);
    }
}

#[tokio::test]
async fn callback_hosts_limit_where_callbacks_may_go() {
    let hosts = Some(vec!["*.example.com".to_owned(), "127.0.0.1".to_owned()]);
    let overrides = Overrides {
        callback_hosts: hosts,
        ..Overrides::default()
    };
    // No engine: only the answers are checked, and nothing is sent to these hosts.
    let app = spawn_manual(Arc::new(SystemClock), overrides).await;
    let uri = definition(&app).await;
    for (url, allowed) in [
        ("https://hooks.example.com/cb", true),
        ("http://example.com/cb", true),
        ("http://127.0.0.1:9/cb", true),
        ("http://evil.test/cb", false),
        ("http://badexample.com/cb", false),
        ("http://localhost/cb", false),
        ("http://10.0.0.1/cb", false),
    ] {
        let (status, answer) = sync_with_callback(&app, &uri, json!(url)).await;
        let expected = [StatusCode::BAD_REQUEST, StatusCode::CREATED][usize::from(allowed)];
        assert_eq!(status, expected, "{url} → {answer}");
    }
}

#[tokio::test]
async fn syncs_are_listed_filtered_and_ordered_within_the_site() {
    let app = spawn_app().await;
    app.contact("a@example.com").await;
    let (first, second) = (definition(&app).await, definition(&app).await);
    app.foreign_sync().await;
    app.upload(&first, &emails(&["a@example.com"])).await;
    let ok = app.sync(&first).await;
    app.upload(&second, &emails(&["nobody@example.com"])).await;
    let warned = app.sync(&second).await;
    let empty = app.sync(&first).await;
    for uri in [&ok, &warned, &empty] {
        app.wait_for_sync(uri).await;
    }
    let app = &app;
    let list =
        |query: String| async move { app.get(&format!("/api/bulk/2.0/syncs{query}")).await.1 };
    let all = list(String::new()).await;
    assert_eq!(uris(&all), [&ok, &warned, &empty]);
    let envelope =
        json!({"totalResults": 3, "limit": 1000, "offset": 0, "count": 3, "hasMore": false});
    for (key, value) in envelope.as_object().unwrap() {
        assert_eq!(&all[key], value, "{key}");
    }
    let success = list("?q=status='success'".into()).await;
    assert_eq!(
        (uris(&success), &success["totalResults"]),
        (vec![ok.as_str(), &empty], &json!(2))
    );
    let of_second = list(format!("?q=syncedInstanceUri='{second}'")).await;
    assert_eq!(uris(&of_second), [&warned]);
    let newest = list("?orderBy=createdAt%20DESC&limit=2".into()).await;
    assert_eq!(
        (uris(&newest), &newest["hasMore"]),
        (vec![empty.as_str(), &warned], &json!(true))
    );
}

#[tokio::test]
async fn unknown_and_foreign_syncs_are_404_and_sync_action_data_is_400() {
    let app = spawn_app().await;
    let (_, _, theirs) = app.foreign_sync().await;
    for sync in [theirs.as_str(), "/syncs/999999", "/syncs/abc"] {
        for suffix in ["", "/logs", "/rejects", "/data"] {
            let (status, body) = app.bulk_get(&format!("{sync}{suffix}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{sync}{suffix}: {body}");
        }
    }
    let data = format!(
        "/api/bulk/2.0{}/data",
        app.sync(&definition(&app).await).await
    );
    let (status, body) = app.get(&data).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(app.delete(&data).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn uploads_after_a_sync_is_created_belong_to_the_next_sync() {
    let app = spawn_app().await;
    let uri = definition(&app).await;
    app.upload(&uri, &emails(&["a@x.com", "b@x.com"])).await;
    let first = app.sync(&uri).await;
    app.upload(&uri, &emails(&["c@x.com", "d@x.com", "e@x.com"]))
        .await;
    let second = app.sync(&uri).await;
    app.upload(&uri, &emails(&["f@x.com"])).await;
    let (one, two) = (
        app.wait_for_sync(&first).await,
        app.wait_for_sync(&second).await,
    );
    assert_eq!(app.log_codes(&first).await[0], ("ELQ-00140".to_owned(), 2));
    assert_eq!(app.log_codes(&second).await[0], ("ELQ-00140".to_owned(), 3));
    let rejected: Vec<Value> = app
        .rejects(&second)
        .await
        .iter()
        .map(|r| r["fieldValues"]["Email"].clone())
        .collect();
    assert_eq!(rejected, ["c@x.com", "d@x.com", "e@x.com"]);
    // Syncs of one definition run one at a time, in creation order.
    let at = |sync: &Value, key: &str| sync[key].as_str().unwrap().to_owned();
    assert!(
        at(&one, "syncEndedAt") <= at(&two, "syncStartedAt"),
        "{one} {two}"
    );
    assert_eq!(
        app.kb_used(&uri).await,
        1,
        "the last upload is still staged"
    );
}

#[tokio::test]
async fn the_engine_takes_one_sync_per_definition_at_a_time_oldest_first() {
    let clock = manual_clock();
    let app = spawn_manual(clock.clone(), Overrides::default()).await;
    let (one, other) = (definition(&app).await, definition(&app).await);
    let (a, b, c) = (
        app.sync(&one).await,
        app.sync(&one).await,
        app.sync(&other).await,
    );
    let mut claimed = Vec::new();
    let lease = clock.now().plus_seconds(30);
    while let Some(job) = app
        .store
        .claim_sync(clock.now(), "test", lease)
        .await
        .unwrap()
    {
        claimed.push(format!("/syncs/{}", job.sync_id));
    }
    assert_eq!(claimed, [a.as_str(), &c], "{b} waits while {a} is active");
}

#[tokio::test]
async fn a_sync_whose_definition_was_deleted_ends_in_error() {
    let app = spawn_manual(manual_clock(), Overrides::default()).await;
    let uri = definition(&app).await;
    app.upload(&uri, &emails(&["a@x.com"])).await;
    let sync = app.sync(&uri).await;
    assert_eq!(
        app.delete(&format!("/api/bulk/2.0{uri}")).await.0,
        StatusCode::NO_CONTENT
    );
    app.run_engine_until_idle().await;
    let (_, done) = app.bulk_get(&sync).await;
    assert_eq!(done["status"], "error");
    assert!(
        done.get("syncStartedAt").is_some() && done.get("syncEndedAt").is_some(),
        "{done}"
    );
    let (id, definition_id) = (
        sync.rsplit('/').next().unwrap(),
        uri.rsplit('/').next().unwrap(),
    );
    let expected = [
        format!(
            "ELQ-00143 0 Sync Recovery Worker could not recover from sync error. SyncAction definition for id {definition_id} has been deleted."
        ),
        format!("ELQ-00101 0 Sync processed for sync {id}, resulting in Error status."),
    ];
    assert_eq!(app.log_lines(&sync).await, expected);
    assert_eq!(app.logs(&sync).await[0]["severity"], "error");
}

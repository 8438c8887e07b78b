//! The engine's background duties, driven by hand with a controlled clock where timing
//! matters: callbacks (§7.6) reach a test listener once and are retried with back-off, and the
//! sweeper expires unsynced staged data and auto-deletes definitions (§6.3).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use loquat::config::Overrides;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::helpers::spawn_app_without_engine as spawn_manual;
use crate::helpers::{TestApp, codes, manual_clock, rows, spawn_app};
use crate::helpers::{add_to, email_definition, members};
use crate::pipeline_syncs::{definition, emails, sync_with_callback};

/// A callback receiver on 127.0.0.1 that records every POST body; the first `failures`
/// requests are answered 500. Returns its URL and the bodies received.
pub async fn listen(failures: usize) -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, bodies) = mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    let handler = move |axum::Json(body): axum::Json<Value>| {
        let (tx, seen) = (tx.clone(), Arc::clone(&seen));
        async move {
            tx.send(body).unwrap();
            if seen.fetch_add(1, Ordering::SeqCst) < failures {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::NO_CONTENT
            }
        }
    };
    let router = axum::Router::new().route("/cb", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, bodies)
}

/// Creates a sync (of a new definition, one known contact staged) that calls back `url`.
pub async fn sync_calling_back(app: &TestApp, url: &str) -> String {
    app.contact("a@example.com").await;
    let uri = definition(app).await;
    app.upload(&uri, &emails(&["a@example.com"])).await;
    let (status, sync) = sync_with_callback(app, &uri, json!(url)).await;
    assert_eq!(status, StatusCode::CREATED, "{sync}");
    sync["uri"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_callback_brings_the_finished_sync_to_the_listener() {
    let app = spawn_app().await;
    let (url, mut bodies) = listen(0).await;
    let sync = sync_calling_back(&app, &url).await;
    let deadline = std::time::Duration::from_secs(30);
    let body = tokio::time::timeout(deadline, bodies.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        body,
        app.bulk_get(&sync).await.1,
        "the terminal sync, as GET shows it"
    );
    assert_eq!(
        (&body["status"], &body["uri"]),
        (&json!("success"), &json!(sync))
    );
    assert!(body.get("syncEndedAt").is_some(), "{body}");
}

#[tokio::test]
async fn a_callback_is_sent_once_and_a_failed_one_retried_a_second_later() {
    let clock = manual_clock();
    let app = spawn_manual(clock.clone(), Overrides::default()).await;
    let (url, mut bodies) = listen(1).await;
    let sync = sync_calling_back(&app, &url).await;
    app.engine.deliver_callbacks().await;
    assert!(bodies.try_recv().is_err(), "nothing before the sync ends");
    app.run_engine_until_idle().await;
    app.engine.deliver_callbacks().await;
    let first = bodies.try_recv().unwrap();
    assert_eq!(
        (&first["status"], &first["uri"]),
        (&json!("success"), &json!(sync))
    );
    app.engine.deliver_callbacks().await;
    assert!(bodies.try_recv().is_err(), "the retry waits a second");
    clock.advance_seconds(1);
    app.engine.deliver_callbacks().await;
    assert_eq!(bodies.try_recv().unwrap(), first, "retried after the 500");
    clock.advance_seconds(3600);
    app.engine.deliver_callbacks().await;
    assert!(bodies.try_recv().is_err(), "done once acknowledged");
    assert_eq!(
        app.bulk_get(&sync).await.1,
        first,
        "callbacks never change the sync"
    );
}

#[tokio::test]
async fn a_callback_that_keeps_failing_is_given_up_after_five_attempts() {
    let clock = manual_clock();
    let app = spawn_manual(clock.clone(), Overrides::default()).await;
    let (url, mut bodies) = listen(usize::MAX).await;
    sync_calling_back(&app, &url).await;
    app.run_engine_until_idle().await;
    let mut attempts = Vec::new();
    for wait in [0, 1, 2, 4, 8, 16, 3600] {
        clock.advance_seconds(wait);
        app.engine.deliver_callbacks().await;
        while bodies.try_recv().is_ok() {
            attempts.push(wait);
        }
    }
    assert_eq!(
        attempts,
        [0, 1, 2, 4, 8],
        "back-off doubles; five attempts in all"
    );
}

#[tokio::test]
async fn unsynced_staged_data_expires_after_the_retention() {
    let clock = manual_clock();
    let hour = Overrides {
        staging_retention_hours: Some(1),
        ..Overrides::default()
    };
    let app = spawn_manual(clock.clone(), hour).await;
    app.contact("a@example.com").await;
    let (uri, list) = email_definition(&app).await;
    app.upload(&uri, &rows("Key", &["a@example.com"])).await;
    clock.advance_seconds(3599);
    assert_eq!(app.engine.sweep_once().await.unwrap().expired_files, 0);
    assert_eq!(app.kb_used(&uri).await, 1);
    clock.advance_seconds(2);
    assert_eq!(app.engine.sweep_once().await.unwrap().expired_files, 1);
    assert_eq!(app.kb_used(&uri).await, 0);
    let sync = app.sync(&uri).await;
    app.run_engine_until_idle().await;
    let expected = [("ELQ-00140", 0), ("ELQ-00124", 0), ("ELQ-00101", 0)];
    assert_eq!(app.log_codes(&sync).await, codes(&expected));
    assert!(members(&app, list).await.is_empty());
}

#[tokio::test]
async fn a_definition_is_deleted_when_its_auto_delete_duration_has_passed() {
    let clock = manual_clock();
    let app = spawn_manual(clock.clone(), Overrides::default()).await;
    let list = app.list("L").await;
    let mut body = add_to(list, "{{Contact.Id}}");
    body["autoDeleteDuration"] = json!("PT1H");
    let doomed = app.definition(&body).await;
    let kept = app.definition(&add_to(list, "{{Contact.Id}}")).await;
    app.upload(&doomed, &rows("Key", &["1"])).await;
    clock.advance_seconds(3599);
    assert_eq!(
        app.engine.sweep_once().await.unwrap().deleted_definitions,
        0
    );
    assert_eq!(app.bulk_get(&doomed).await.0, StatusCode::OK);
    clock.advance_seconds(1);
    let report = app.engine.sweep_once().await.unwrap();
    assert_eq!((report.deleted_definitions, report.expired_files), (1, 0));
    assert_eq!(app.bulk_get(&doomed).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.bulk_get(&kept).await.0, StatusCode::OK);
}

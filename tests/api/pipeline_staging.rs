//! Staging uploads (§6): formats and content types, Eloqua's limits, `kbUsed`, discarding staged
//! data, concurrent uploads, and expiry with a controlled clock.

use std::collections::HashMap;
use std::sync::Arc;

use loquat::config::Overrides;
use loquat::domain::clock::{Clock, SystemClock};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::spawn_app_without_engine as spawn_manual;
use crate::helpers::{
    TestApp, add_to, codes, email_definition, failure_fields, manual_clock, members, rows, send,
    sync_to_end,
};
use crate::helpers::{spawn_app, spawn_app_with};

/// `fieldValues.Key` of every reject, in record order.
async fn rejected_values(app: &TestApp, sync: &str) -> Vec<String> {
    let value = |r: &Value| r["fieldValues"]["Key"].as_str().unwrap().to_owned();
    app.rejects(sync).await.iter().map(value).collect()
}

#[tokio::test]
async fn json_numbers_and_booleans_are_stringified() {
    let app = spawn_app().await;
    let id = app.contact("a@example.com").await;
    let list = app.list("L").await;
    let uri = app.definition(&add_to(list, "{{Contact.Id}}")).await;
    let body = json!([{"Key": id, "Other": 7}, {"Key": true}, {"Key": 1.5}, {"Key": -3}]);
    app.upload(&uri, &body).await;
    let sync = sync_to_end(&app, &uri).await;
    assert_eq!(members(&app, list).await, [id]);
    assert_eq!(rejected_values(&app, &sync).await, ["true", "1.5", "-3"]);
}

#[tokio::test]
async fn csv_quotes_crlf_and_a_bom_decode_to_the_values_sent() {
    let app = spawn_app().await;
    let a = app.contact("a@example.com").await;
    let (uri, list) = email_definition(&app).await;
    let body = "\u{feff}Key,Note\r\n\"a@example.com\",\"x, y\"\r\n\"multi\nline\",plain\r\n\
                \"say \"\"hi\"\", ok\",\"\"\r\nlast@example.com,\n";
    let (status, answer) = app.post_data(&uri, "text/csv", body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let sync = sync_to_end(&app, &uri).await;
    assert_eq!(members(&app, list).await, [a]);
    let rejected = rejected_values(&app, &sync).await;
    assert_eq!(
        rejected,
        ["multi\nline", "say \"hi\", ok", "last@example.com"]
    );
    let expected = [("ELQ-00140", 4), ("ELQ-00111", 0), ("ELQ-00119", 1)];
    assert_eq!(app.log_codes(&sync).await[..3], codes(&expected));
}

#[tokio::test]
async fn a_charset_parameter_is_honoured_for_utf_8_and_latin_1() {
    let app = spawn_app().await;
    let j = app.contact("jérôme@example.com").await;
    let z = app.contact("zoë@example.com").await;
    let (uri, list) = email_definition(&app).await;
    let latin1 = b"Key\nj\xe9r\xf4me@example.com\n".to_vec();
    let (status, answer) = app
        .post_data(&uri, "text/csv; charset=iso-8859-1", latin1)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let utf8 = "[{\"Key\": \"zoë@example.com\"}]";
    let (status, answer) = app
        .post_data(&uri, "application/json; charset=\"UTF-8\"", utf8)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
    let sync = sync_to_end(&app, &uri).await;
    assert_eq!(app.bulk_get(&sync).await.1["status"], "success");
    assert_eq!(members(&app, list).await, [j, z]);
}

#[tokio::test]
async fn a_wrong_or_missing_content_type_is_400_and_stages_nothing() {
    let app = spawn_app().await;
    let (uri, _) = email_definition(&app).await;
    let csv = "Key\na@x.com\n";
    let refused = [
        "text/plain",
        "application/xml",
        "multipart/form-data",
        "text/csv; charset=klingon",
    ];
    for content_type in refused {
        let (status, body) = app.post_data(&uri, content_type, csv).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type}: {body}");
    }
    let data = format!("/api/bulk/2.0{uri}/data");
    let (status, body) = send(app.request(Method::POST, &data).body(csv)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(failure_fields(&body), ["Content-Type"]);
    assert_eq!(app.kb_used(&uri).await, 0);
    let json = "[{\"Key\": \"a@x.com\"}]";
    for (content_type, body) in [("TEXT/CSV", csv), ("Application/Json; charset=utf-8", json)] {
        let (status, answer) = app.post_data(&uri, content_type, body).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{content_type}: {answer}");
    }
}

#[tokio::test]
async fn the_site_staging_quota_is_413_until_a_sync_frees_it() {
    let quota = Overrides {
        staging_quota_mb: Some(1),
        ..Overrides::default()
    };
    let app = spawn_app_with(Arc::new(SystemClock), quota).await;
    let ((uri, _), (other, _)) = (email_definition(&app).await, email_definition(&app).await);
    // 600 KiB in one row: 25 values of 24 KiB (a value holds at most 32,000 characters).
    let big = |email: &str| {
        let names: Vec<String> = (1..=25).map(|i| format!("Pad{i}")).collect();
        let pad = "x".repeat(24 * 1024);
        format!(
            "Key,{}\n{email}{}\n",
            names.join(","),
            format!(",{pad}").repeat(25)
        )
    };
    assert_eq!(
        app.post_data(&uri, "text/csv", big("a@x.com")).await.0,
        StatusCode::NO_CONTENT
    );
    let used = app.kb_used(&uri).await;
    let (status, body) = app.post_data(&other, "text/csv", big("b@x.com")).await;
    assert_eq!(
        status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "the quota is per site: {body}"
    );
    let (status, _) = app.post_data(&uri, "text/csv", big("c@x.com")).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        (app.kb_used(&uri).await, app.kb_used(&other).await),
        (used, 0)
    );
    sync_to_end(&app, &uri).await;
    assert_eq!(
        app.post_data(&other, "text/csv", big("b@x.com")).await.0,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn kb_used_grows_with_each_upload_and_delete_discards_it() {
    let app = spawn_app().await;
    let a = app.contact("a@example.com").await;
    let (uri, list) = email_definition(&app).await;
    let first = format!("Key,Pad\na@example.com,{}\n", "x".repeat(3000));
    let second = format!("Key,Pad\na@example.com,{}\n", "y".repeat(2000));
    app.post_data(&uri, "text/csv", first.clone()).await;
    assert_eq!(app.kb_used(&uri).await, first.len().div_ceil(1024) as u64);
    app.post_data(&uri, "text/csv", second.clone()).await;
    let both = (first.len() + second.len()).div_ceil(1024) as u64;
    assert_eq!(app.kb_used(&uri).await, both);

    let data = format!("/api/bulk/2.0{uri}/data");
    assert_eq!(
        app.delete(&data).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
    assert_eq!(app.kb_used(&uri).await, 0);
    assert_eq!(
        app.delete(&data).await.0,
        StatusCode::NO_CONTENT,
        "nothing staged is fine"
    );
    let sync = sync_to_end(&app, &uri).await;
    let expected = [("ELQ-00140", 0), ("ELQ-00124", 0), ("ELQ-00101", 0)];
    assert_eq!(app.log_codes(&sync).await, codes(&expected));
    assert!(members(&app, list).await.is_empty(), "{a} was discarded");
}

#[tokio::test]
async fn delete_data_is_409_while_a_sync_of_the_definition_is_pending_or_active() {
    let clock = manual_clock();
    let app = spawn_manual(clock.clone(), Overrides::default()).await;
    let a = app.contact("a@example.com").await;
    let (uri, list) = email_definition(&app).await;
    let data = format!("/api/bulk/2.0{uri}/data");
    app.upload(&uri, &rows("Key", &["a@example.com"])).await;
    let sync = app.sync(&uri).await;
    let conflict = json!("There was a conflict. A sync of this definition is pending or active.");
    assert_eq!(
        app.delete(&data).await,
        (StatusCode::CONFLICT, conflict.clone()),
        "pending"
    );
    let lease = clock.now().plus_seconds(30);
    let job = app
        .store
        .claim_sync(clock.now(), "test", lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(format!("/syncs/{}", job.sync_id), sync);
    assert_eq!(app.bulk_get(&sync).await.1["status"], "active");
    assert_eq!(
        app.delete(&data).await,
        (StatusCode::CONFLICT, conflict),
        "active"
    );
    // An upload during the sync is accepted; it waits for the next sync.
    app.upload(&uri, &rows("Key", &["later@example.com"])).await;
    // Put the sync back and let the engine run it: its staged row was not discarded.
    app.store.release_sync(&job).await.unwrap();
    app.run_engine_until_idle().await;
    assert_eq!(app.bulk_get(&sync).await.1["status"], "success");
    assert_eq!(app.log_codes(&sync).await[0], ("ELQ-00140".to_owned(), 1));
    assert_eq!(members(&app, list).await, [a]);
    assert_eq!(app.delete(&data).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.kb_used(&uri).await, 0, "the later upload was discarded");
}

#[tokio::test]
async fn uploads_and_deletes_on_unknown_or_foreign_definitions_are_404() {
    let app = spawn_app().await;
    let (other, foreign, _) = app.foreign_sync().await;
    for uri in [foreign.as_str(), "/contacts/syncActions/999999"] {
        let data = format!("/api/bulk/2.0{uri}/data");
        let (status, body) = app.post(&data, &rows("Key", &["1"])).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert_eq!(app.delete(&data).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
    let as_owner = app.anonymous(Method::GET, &format!("/api/bulk/2.0{foreign}"));
    let (status, definition) = send(as_owner.header("Authorization", &other)).await;
    assert_eq!(status, StatusCode::OK, "{definition}");
    assert!(
        definition.get("kbUsed").is_none(),
        "nothing was staged: {definition}"
    );
}

#[tokio::test]
async fn concurrent_uploads_to_one_definition_lose_and_double_nothing() {
    let app = Arc::new(spawn_app().await);
    let (uri, list) = email_definition(&app).await;
    let mut known = Vec::new();
    for task in 0..8 {
        known.push(app.contact(&format!("t{task}r0@x.com")).await);
    }
    let mut tasks = Vec::new();
    for task in 0..8 {
        let (app, uri) = (Arc::clone(&app), uri.clone());
        tasks.push(tokio::spawn(async move {
            for file in 0..5 {
                let values: Vec<String> = (0..10)
                    .map(|r| format!("t{task}r{}@x.com", file * 10 + r))
                    .collect();
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                app.upload(&uri, &rows("Key", &values)).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let sync = sync_to_end(&app, &uri).await;
    let expected = [
        ("ELQ-00140", 400),
        ("ELQ-00119", 8),
        ("ELQ-00034", 392),
        ("ELQ-00060", 392),
    ];
    assert_eq!(app.log_codes(&sync).await[..4], codes(&expected));
    assert_eq!(members(&app, list).await, known);
    // Each file's rows keep consecutive recordIndexes; the files tile 1..=400 in upload order.
    let mut index = HashMap::new();
    for reject in app.rejects(&sync).await {
        let value = reject["fieldValues"]["Key"].as_str().unwrap().to_owned();
        let at = reject["recordIndex"].as_u64().unwrap();
        assert!(
            index.insert(value.clone(), at).is_none(),
            "{value} rejected twice"
        );
    }
    assert_eq!(index.len(), 392);
    let mut starts = Vec::new();
    for task in 0..8 {
        let at = |row: u64| index[&format!("t{task}r{row}@x.com")];
        for file in 0..5 {
            // Row 0 of the first file is the known contact, so it has no reject.
            let start = if file == 0 { at(1) - 1 } else { at(file * 10) };
            for row in u64::from(file == 0)..10 {
                assert_eq!(at(file * 10 + row), start + row, "task {task} file {file}");
            }
            starts.push((start, task, file));
        }
    }
    starts.sort_unstable();
    let tiles: Vec<u64> = starts.iter().map(|s| s.0).collect();
    assert_eq!(tiles, (0..40).map(|i| i * 10 + 1).collect::<Vec<u64>>());
    for task in 0..8 {
        let files: Vec<u64> = starts.iter().filter(|s| s.1 == task).map(|s| s.2).collect();
        assert_eq!(
            files,
            [0, 1, 2, 3, 4],
            "a task's files keep their upload order"
        );
    }
}

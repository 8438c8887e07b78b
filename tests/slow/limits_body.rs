//! Body deadlines: a body must arrive within `body_timeout_seconds`, extended by a second for
//! every `body_min_rate_kib` KiB past its first 64 KiB; past that the answer is 408, on every
//! route.

use std::time::{Duration, Instant};

use loquat::config::Overrides;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::raw::{connect_from, post_head, read_answer};
use crate::raw::{definition, dribble, localhost, spawn};
use tokio::io::AsyncWriteExt;

/// A body deadline of 1 s, extended by a second per 64 KiB past the first 64 KiB.
async fn spawn_with_one_second_and_64_kib() -> TestApp {
    spawn(Overrides {
        body_timeout_seconds: Some(1),
        body_min_rate_kib: Some(64),
        ..Overrides::default()
    })
    .await
}

/// Asserts an answer is Eloqua's 408: the status text as a JSON string.
fn assert_timed_out((status, body): &(String, String), what: &str) {
    assert_eq!(status, "408", "{what}: {body}");
    assert!(body.starts_with("\"Request Timeout"), "{what}: {body}");
}

#[tokio::test]
async fn a_body_sent_slowly_is_answered_408_at_its_deadline_and_stages_nothing() {
    let app = spawn(Overrides {
        body_timeout_seconds: Some(2),
        ..Overrides::default()
    })
    .await;
    let uri = definition(&app).await;
    let targets = [
        (
            format!("/api/bulk/2.0{uri}/data"),
            "text/csv",
            b"E\n".to_vec(),
        ),
        (
            "/api/bulk/2.0/contacts/syncActions".to_owned(),
            "application/json",
            b"{\"name\":".to_vec(),
        ),
    ];
    for (path, content_type, first) in targets {
        let started = Instant::now();
        let every = Duration::from_millis(100);
        let (mut reader, writing) =
            dribble(&app, localhost(), &path, content_type, 1000, first, every).await;
        let answer = read_answer(&mut reader, Duration::from_secs(10)).await;
        writing.abort();
        assert_timed_out(&answer, &path);
        assert!(
            started.elapsed() >= Duration::from_secs(2),
            "{path}: not before the deadline"
        );
    }
    assert_eq!(app.kb_used(&uri).await, 0, "nothing was staged");
    let metrics = app
        .anonymous(reqwest::Method::GET, "/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for route in [
        "/api/bulk/2.0/contacts/syncActions/{id}/data",
        "/api/bulk/2.0/contacts/syncActions",
    ] {
        let series = format!(
            "loquat_http_requests_total{{route=\"{route}\",method=\"POST\",status=\"408\"}} 1"
        );
        assert!(metrics.contains(&series), "{series} in:\n{metrics}");
    }
    let (status, _) = app.get("/api/bulk/2.0/syncs").await;
    assert_eq!(status, StatusCode::OK, "the server still serves");
}

#[tokio::test]
async fn a_body_below_the_minimum_rate_is_cut_off_once_its_data_buys_no_more_time() {
    // 1 s, plus a second per 64 KiB past the first 64 KiB: 128 KiB at once buys 2 s in all,
    // then a byte per 50 ms buys nothing more.
    let app = spawn_with_one_second_and_64_kib().await;
    let uri = definition(&app).await;
    let path = format!("/api/bulk/2.0{uri}/data");
    let mut first = b"E\n".to_vec();
    first.resize(128 * 1024, b'x');
    let every = Duration::from_millis(50);
    let started = Instant::now();
    let (mut reader, writing) =
        dribble(&app, localhost(), &path, "text/csv", 10 << 20, first, every).await;
    let answer = read_answer(&mut reader, Duration::from_secs(10)).await;
    writing.abort();
    assert_timed_out(&answer, "below the minimum rate");
    assert!(
        started.elapsed() >= Duration::from_millis(1_900),
        "the first 64 KiB past the grace bought a second: {:?}",
        started.elapsed()
    );
    assert_eq!(app.kb_used(&uri).await, 0, "nothing was staged");
}

#[tokio::test]
async fn a_body_that_keeps_up_the_minimum_rate_may_outlast_the_body_deadline() {
    // A slow link, not an attack: 16 KiB every 100 ms (160 KiB/s) for about 2.5 s, against a
    // 1 s deadline that each 64 KiB extends by a second.
    let app = spawn_with_one_second_and_64_kib().await;
    let uri = definition(&app).await;
    let mut body = b"E\n".to_vec();
    while body.len() < 400 * 1024 {
        body.extend_from_slice(b"someone@example.com\n");
    }
    let stream = connect_from(&app, localhost()).await;
    let (mut reader, mut writer) = stream.into_split();
    let head = post_head(
        &app,
        &format!("/api/bulk/2.0{uri}/data"),
        "text/csv",
        &format!("Content-Length: {}", body.len()),
    );
    let started = Instant::now();
    writer.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(16 * 1024) {
        writer.write_all(chunk).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, answer) = read_answer(&mut reader, Duration::from_secs(10)).await;
    assert!(
        started.elapsed() > Duration::from_secs(2),
        "outlasted the 1 s deadline"
    );
    assert_eq!(status, "204", "{answer}");
}

#[tokio::test]
async fn a_fast_32_mb_upload_is_not_cut_off_by_the_body_deadlines() {
    let app = spawn(Overrides::default()).await;
    let uri = definition(&app).await;
    let mut body = b"E,Pad\n".to_vec();
    let pad = "x".repeat(30_000);
    let mut row = 0;
    while body.len() < 32_000_000 - 40_000 {
        row += 1;
        body.extend_from_slice(format!("r{row}@x.com,{pad}\n").as_bytes());
    }
    let (status, answer) = app.post_data(&uri, "text/csv", body).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{answer}");
}

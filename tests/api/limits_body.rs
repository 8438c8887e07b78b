//! Body deadlines: a body must arrive within `body_timeout_seconds` and, after its first 64 KiB,
//! at `body_min_rate_kib` or faster; past either the answer is 408, on every route.

use std::sync::Arc;
use std::time::{Duration, Instant};

use loquat::config::Overrides;
use loquat::domain::clock::SystemClock;
use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app_with};
use crate::limits::{definition, dribble};
use crate::raw::read_answer;

async fn spawn(overrides: Overrides) -> TestApp {
    spawn_app_with(Arc::new(SystemClock), overrides).await
}

fn localhost() -> std::net::IpAddr {
    std::net::Ipv4Addr::LOCALHOST.into()
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
    let (status, _) = app.get("/api/bulk/2.0/syncs").await;
    assert_eq!(status, StatusCode::OK, "the server still serves");
}

#[tokio::test]
async fn a_body_below_the_minimum_rate_after_its_first_64_kib_is_answered_408() {
    // The whole-body deadline stays at its default of 30 s: an answer within 10 s can only come
    // from the rate rule (64 KiB/s here, so the first 64 KiB buy one second).
    let app = spawn(Overrides {
        body_min_rate_kib: Some(64),
        ..Overrides::default()
    })
    .await;
    let uri = definition(&app).await;
    let path = format!("/api/bulk/2.0{uri}/data");
    let mut first = b"E\n".to_vec();
    first.resize(64 * 1024 + 1, b'x');
    let every = Duration::from_millis(50);
    let (mut reader, writing) =
        dribble(&app, localhost(), &path, "text/csv", 10 << 20, first, every).await;
    let answer = read_answer(&mut reader, Duration::from_secs(10)).await;
    writing.abort();
    assert_timed_out(&answer, "below the minimum rate");
    assert_eq!(app.kb_used(&uri).await, 0, "nothing was staged");
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

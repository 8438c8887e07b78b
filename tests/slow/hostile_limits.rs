//! Uploads past the decoders' size limits: more columns than any
//! definition can use, and values longer than Eloqua's longest text field. Each is a 400 that
//! names the limit (and, for a value, its row and column) and stages nothing.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{failure_fields, spawn_app};
use crate::hostile::{Want, case, run};
use crate::routes_fixture::Fixture;

const TARGETS: [&str; 2] = [
    "/api/bulk/2.0/contacts/syncActions/{definition}/data",
    "/api/bulk/2.0/contacts/imports/{import}/data",
];

/// `prefix1,prefix2,…` up to `n`.
fn columns(prefix: &str, n: usize) -> String {
    let cells: Vec<String> = (1..=n).map(|i| format!("{prefix}{i}")).collect();
    cells.join(",")
}

/// Bodies past a limit, and a fragment the refusal must contain.
fn past_the_limits() -> Vec<(&'static str, &'static str, Vec<u8>, &'static str)> {
    let long = "x".repeat(32_001);
    let keys: Vec<String> = (0..=1_000).map(|i| format!("\"K{i}\":\"v\"")).collect();
    let spread: Vec<String> = (0..=1_000).map(|i| format!("{{\"K{i}\":\"v\"}}")).collect();
    vec![
        (
            "1,000,000 header columns",
            "text/csv",
            format!("{}\n", columns("C", 1_000_000)).into_bytes(),
            "the header names more than 1000 columns; at most 1000 are accepted",
        ),
        (
            "1,001 header columns",
            "text/csv",
            format!("{}\n{}\n", columns("C", 1_001), columns("v", 1_001)).into_bytes(),
            "at most 1000 are accepted",
        ),
        (
            "an object of 1,001 keys",
            "application/json",
            format!("[{{{}}}]", keys.join(",")).into_bytes(),
            "row 1 (line 1, column ",
        ),
        (
            "1,001 columns spread over rows",
            "application/json",
            format!("[{}]", spread.join(",")).into_bytes(),
            "row 1001 (line 1, column ",
        ),
        (
            "a CSV value of 32,001 characters",
            "text/csv",
            format!("Email,Name\na@x.com,A\nb@x.com,{long}\n").into_bytes(),
            "row 2 (line 3): the value of \"Name\" has 32001 characters; at most 32000",
        ),
        (
            "a JSON value of 32,001 characters",
            "application/json",
            format!("[{{\"Email\":\"a@x.com\"}},\n{{\"Email\":\"{long}\"}}]").into_bytes(),
            "): the value of \"Email\" has 32001 characters; at most 32000",
        ),
    ]
}

#[tokio::test]
async fn uploads_past_the_column_and_value_limits_are_400_and_stage_nothing() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    let mut cases = Vec::new();
    for target in TARGETS {
        for (what, content_type, body, _) in past_the_limits() {
            let name = format!("{target} {content_type}: {what}");
            let (method, want) = (Method::POST, Want::Bad("body"));
            cases.push(case(name, method, target, Some(content_type), body, want));
        }
    }
    run(&app, &fixture, cases).await;
}

#[tokio::test]
async fn refusals_past_the_limits_name_the_limit_and_where_it_was_passed() {
    let app = spawn_app().await;
    let fixture = Fixture::new(&app).await;
    for target in TARGETS {
        let path = fixture.fill(target);
        for (what, content_type, body, says) in past_the_limits() {
            let (status, answer) = app.post_raw(&path, content_type, body).await;
            assert_eq!(status.as_u16(), 400, "{what}: {answer}");
            assert_eq!(failure_fields(&answer), ["body"], "{what}");
            let constraint = answer["failures"][0]["constraint"]
                .as_str()
                .map(str::to_owned);
            let constraint = constraint.unwrap_or_else(|| Value::Null.to_string());
            assert!(constraint.contains(says), "{what}: {constraint}");
        }
    }
}

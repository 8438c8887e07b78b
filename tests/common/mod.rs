//! What every integration test shares: a JSON client of a Loquat server (used by the HTTP
//! suite in `tests/api` and by the process tests) and the real `loquat` binary run as a child
//! process on a port it picks itself.

// Every test binary includes this module and uses a different part of it.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

mod client;
mod server;
mod sqlite;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

pub use client::{Client, send};
pub use server::{Exited, Server};
pub use sqlite::{seed_sqlite_contacts, sqlite, sqlite_sync_state};

/// How long a server may take to start, or a sync to end, before a test gives up.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// `Basic base64(login:password)`.
pub fn basic(login: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
    )
}

/// The PostgreSQL database tests run on instead of SQLite, when one is given.
pub fn test_database_url() -> Option<String> {
    std::env::var("LOQUAT_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// The PostgreSQL database for a PostgreSQL-only test, or `None` after saying loudly on
/// stderr that `test` is skipped (visible with `--nocapture`; `.ci/run` checks that its
/// PostgreSQL pass printed no such line).
pub fn postgres_or_skip(test: &str) -> Option<String> {
    let url = test_database_url();
    if url.is_none() {
        eprintln!("SKIPPED: {test}: needs LOQUAT_TEST_DATABASE_URL");
    }
    url
}

/// The environment that makes a first start create site `site` with user `user`.
pub fn bootstrap<'a>(site: &'a str, user: &'a str, password: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("LOQUAT_BOOTSTRAP_SITE", site),
        ("LOQUAT_BOOTSTRAP_USER", user),
        ("LOQUAT_BOOTSTRAP_PASSWORD", password),
    ]
}

/// Whether a sync (or import, export) is `success`, `warning` or `error`.
pub fn is_terminal(sync: &Value) -> bool {
    matches!(
        sync["status"].as_str(),
        Some("success" | "warning" | "error")
    )
}

/// `(code, count)` pairs from string literals, to compare with [`Client::log_codes`].
pub fn codes(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected
        .iter()
        .map(|(c, n)| ((*c).to_owned(), *n))
        .collect()
}

/// A JSON upload body: one row `{column: value}` per value.
pub fn rows(column: &str, values: &[&str]) -> Value {
    Value::Array(values.iter().map(|v| json!({ column: v })).collect())
}

/// A sync action definition named `name` adding the contact whose `Email` column names them
/// to contact list `list`.
pub fn add_to_list(name: &str, list: i64) -> Value {
    json!({
        "name": name, "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
    })
}

/// The `id` at the end of a uri (`/syncs/12` is 12).
pub fn uri_id(uri: &str) -> i64 {
    uri.rsplit('/').next().unwrap().parse().unwrap()
}

/// The log a clean run of an add-to-list sync writes for `rows` rows of which every tenth
/// names no contact: staged, added, not found, rejected, done.
pub fn tenth_unknown_logs(rows: usize) -> Vec<(String, u64)> {
    let (rows, unknown) = (rows as u64, (rows / 10) as u64);
    codes(&[
        ("ELQ-00140", rows),
        ("ELQ-00119", rows - unknown),
        ("ELQ-00034", unknown),
        ("ELQ-00060", unknown),
        ("ELQ-00101", 0),
    ])
}

/// `person{i:07}@example.com`, the address of row `i` in the large-sync process tests.
pub fn person(i: usize) -> String {
    format!("person{i:07}@example.com")
}

/// `rows` rows `{"Email": person(i)}`.
pub fn person_rows(range: std::ops::Range<usize>) -> Value {
    Value::Array(range.map(|i| json!({ "Email": person(i) })).collect())
}

/// Polls `state` (status, committed rejects) until the sync is `active` with some rejects
/// committed but not all, i.e. between two of its batches; panics if it ends first.
pub async fn until_midway<F, Fut>(mut state: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = (String, i64)>,
{
    let deadline = Instant::now() + DEADLINE;
    loop {
        let (status, rejects) = state().await;
        assert!(
            status == "pending" || status == "active",
            "the sync ended before it could be interrupted ({status})"
        );
        if status == "active" && rejects > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the sync never got going");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Waits for an add-to-list sync (see [`add_to_list`]) of `rows` [`person_rows`], every tenth
/// of which names no contact, and asserts the end state of a clean run: `warning`, exact
/// membership count, every log line, and one set of rejects numbered as in a single run.
pub async fn assert_clean_add_to_list_result(
    client: &Client,
    list: i64,
    sync_uri: &str,
    rows: usize,
) {
    assert_eq!(client.wait_for_sync(sync_uri).await["status"], "warning");
    let unknown = rows / 10;
    assert_eq!(client.list_count(list).await, (rows - unknown) as u64);
    let logs = client.log_codes(sync_uri).await;
    assert_eq!(logs, tenth_unknown_logs(rows), "one set of logs");
    let last = format!("{sync_uri}/rejects?limit=1&offset={}", unknown - 1);
    let (status, rejects) = client.bulk_get(&last).await;
    assert_eq!(status, StatusCode::OK, "{rejects}");
    assert_eq!(rejects["totalResults"], unknown, "one set of rejects");
    assert_eq!(
        rejects["items"][0]["recordIndex"],
        rows - 9,
        "the last unknown row, numbered as in a clean run"
    );
}

/// The string `key` of every element of the array `items` (`page["items"]`), in order.
pub fn strings<'a>(items: &'a Value, key: &str) -> Vec<&'a str> {
    let all = items
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {items}"));
    all.iter().map(|item| item[key].as_str().unwrap()).collect()
}

//! What every integration test shares: a JSON client of a Loquat server (used by the HTTP
//! suites in `tests/api` and `tests/slow` and by the process tests), the real `loquat` binary
//! run as a child process on a port it picks itself, and the large sync the fault tests
//! interrupt.

// Every test binary includes this module and uses a different part of it.
#![allow(dead_code, unused_imports, clippy::unwrap_used)]

mod client;
mod large_sync;
mod server;
mod sqlite;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

pub use client::{Client, send};
pub use large_sync::{
    assert_clean_add_to_list_result, person, person_rows, tenth_unknown_logs, until_midway,
};
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

/// The string `key` of every element of the array `items` (`page["items"]`), in order.
pub fn strings<'a>(items: &'a Value, key: &str) -> Vec<&'a str> {
    let all = items
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {items}"));
    all.iter().map(|item| item[key].as_str().unwrap()).collect()
}

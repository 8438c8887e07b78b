//! The large add-to-list sync the fault tests interrupt (kill, SIGTERM, a lost node): rows
//! `person{i}` of which every tenth names no contact, and the end state a clean run leaves.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Client, DEADLINE, add_to_list, codes};

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

/// Polls `state` (status, committed rejects) until the sync is `active` with rejects
/// committed, i.e. past its first batch; panics if it ends first.
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

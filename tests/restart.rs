//! A sync interrupted by `kill -9` is re-run on restart and ends exactly as a clean run does,
//! with one set of logs and rejects; acknowledged uploads survive the kill.

#![allow(clippy::unwrap_used)]

mod common;

use common::Client;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "restart-password";
/// Rows uploaded; every tenth names no contact. Several of the engine's 50,000-row batches.
const ROWS: usize = 300_000;

fn email(i: usize) -> String {
    format!("person{i:07}@example.com")
}

/// Contacts straight into the store file (no bulk contact API yet): all but every tenth.
fn seed_contacts(dir: &Path) {
    let mut conn = rusqlite::Connection::open(dir.join("loquat.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(30)).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO contacts (site_id, email_address, created_at, updated_at) VALUES (1, ?1, 0, 0)")
            .unwrap();
        for i in (0..ROWS).filter(|i| i % 10 != 0) {
            insert.execute([email(i)]).unwrap();
        }
    }
    tx.commit().unwrap();
}

fn sync_state(dir: &Path, sync_id: i64) -> (String, i64) {
    let conn = rusqlite::Connection::open(dir.join("loquat.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let status = conn
        .query_row("SELECT status FROM syncs WHERE id = ?1", [sync_id], |r| {
            r.get(0)
        })
        .unwrap();
    let rejects = conn
        .query_row(
            "SELECT COUNT(*) FROM sync_rejects WHERE sync_id = ?1",
            [sync_id],
            |r| r.get(0),
        )
        .unwrap();
    (status, rejects)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_midway_is_rerun_on_restart_to_the_exact_clean_result() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let env = [
        ("LOQUAT_BOOTSTRAP_SITE", "Crash"),
        ("LOQUAT_BOOTSTRAP_USER", "ops"),
        ("LOQUAT_BOOTSTRAP_PASSWORD", PASSWORD),
    ];
    let server = common::serve(dir.path(), port, &env);
    common::wait_for_port(port);
    let client = Client::new(port, "Crash\\ops", PASSWORD);
    seed_contacts(dir.path());

    let (_, list) = client
        .call(
            reqwest::Method::POST,
            "/api/REST/1.0/assets/contact/list",
            Some(json!({"name": "Crash"})),
        )
        .await;
    let list: i64 = list["id"].as_str().unwrap().parse().unwrap();
    let definition = json!({
        "name": "crash", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
    });
    let (status, definition) = client
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/contacts/syncActions",
            Some(definition),
        )
        .await;
    assert_eq!(status, 201);
    let uri = definition["uri"].as_str().unwrap().to_owned();
    let rows: Vec<Value> = (0..ROWS).map(|i| json!({"Email": email(i)})).collect();
    let (status, _) = client
        .call(
            reqwest::Method::POST,
            &format!("/api/bulk/2.0{uri}/data"),
            Some(Value::Array(rows)),
        )
        .await;
    assert_eq!(status, 204);

    let (_, sync) = client
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/syncs",
            Some(json!({"syncedInstanceUri": uri})),
        )
        .await;
    let sync_uri = sync["uri"].as_str().unwrap().to_owned();
    let sync_id: i64 = sync_uri.trim_start_matches("/syncs/").parse().unwrap();

    // Kill once the engine has committed some batches but not the end.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, rejects) = sync_state(dir.path(), sync_id);
        assert!(
            status == "pending" || status == "active",
            "the sync ended before it could be interrupted ({status})"
        );
        if status == "active" && rejects > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the sync never got going");
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(server); // SIGKILL
    let (status, partial) = sync_state(dir.path(), sync_id);
    assert_eq!(status, "active", "killed mid-sync");
    assert!(
        partial < (ROWS / 10) as i64,
        "only part of the rejects were written before the kill"
    );

    let _server = common::serve(dir.path(), port, &[]);
    common::wait_for_port(port);
    let deadline = Instant::now() + Duration::from_secs(120);
    let done = loop {
        let (_, now) = client
            .call(
                reqwest::Method::GET,
                &format!("/api/bulk/2.0{sync_uri}"),
                None,
            )
            .await;
        if matches!(
            now["status"].as_str(),
            Some("success" | "warning" | "error")
        ) {
            break now;
        }
        assert!(Instant::now() < deadline, "the re-run did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["status"], "warning");

    let matched = (ROWS - ROWS / 10) as u64;
    let (_, list_view) = client
        .call(
            reqwest::Method::GET,
            &format!("/api/bulk/2.0/contacts/lists/{list}"),
            None,
        )
        .await;
    assert_eq!(list_view["count"], matched);
    let lines = client.log_lines(&sync_uri).await;
    let expected = [
        ("ELQ-00140", ROWS as u64),
        ("ELQ-00119", matched),
        ("ELQ-00034", (ROWS / 10) as u64),
        ("ELQ-00060", (ROWS / 10) as u64),
        ("ELQ-00101", 0),
    ];
    assert_eq!(
        lines,
        expected.map(|(c, n)| (c.to_owned(), n)),
        "one set of logs"
    );
    let (_, rejects) = client
        .call(
            reqwest::Method::GET,
            &format!("/api/bulk/2.0{sync_uri}/rejects?limit=1&offset=29999"),
            None,
        )
        .await;
    assert_eq!(rejects["totalResults"], ROWS / 10, "one set of rejects");
    assert_eq!(
        rejects["items"][0]["recordIndex"],
        ROWS - 9,
        "the last unknown row, numbered as in a clean run"
    );
}

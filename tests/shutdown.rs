//! Graceful shutdown: on SIGTERM the server finishes or cleanly fails in-flight uploads, the
//! engine stops between two batches, the process exits 0, and a restart finishes the sync to
//! the exact clean result.

#![allow(clippy::unwrap_used)]

mod common;

use common::Client;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "shutdown-password";
/// Rows synced (every tenth names no contact): several of the engine's 50,000-row batches.
const ROWS: usize = 300_000;
/// Rows of the upload in flight when SIGTERM arrives.
const UPLOAD_ROWS: usize = 200_000;

fn email(i: usize) -> String {
    format!("person{i:07}@example.com")
}

fn db(dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("loquat.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}

fn count(dir: &Path, sql: &str, id: i64) -> i64 {
    db(dir).query_row(sql, [id], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_between_batches_and_a_restart_finishes_the_sync() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let env = [
        ("LOQUAT_BOOTSTRAP_SITE", "Stop"),
        ("LOQUAT_BOOTSTRAP_USER", "ops"),
        ("LOQUAT_BOOTSTRAP_PASSWORD", PASSWORD),
    ];
    let mut server = common::serve(dir.path(), port, &env);
    common::wait_for_port(port);
    let client = Client::new(port, "Stop\\ops", PASSWORD);
    {
        let mut conn = db(dir.path());
        let tx = conn.transaction().unwrap();
        let mut insert = tx.prepare("INSERT INTO contacts (site_id, email_address, created_at, updated_at) VALUES (1, ?1, 0, 0)").unwrap();
        for i in (0..ROWS).filter(|i| i % 10 != 0) {
            insert.execute([email(i)]).unwrap();
        }
        drop(insert);
        tx.commit().unwrap();
    }
    let (_, list) = client
        .call(
            reqwest::Method::POST,
            "/api/REST/1.0/assets/contact/list",
            Some(json!({"name": "L"})),
        )
        .await;
    let list: i64 = list["id"].as_str().unwrap().parse().unwrap();
    let (_, uri) = definition(&client, list).await;
    let rows: Vec<Value> = (0..ROWS).map(|i| json!({"Email": email(i)})).collect();
    assert_eq!(
        client
            .call(
                reqwest::Method::POST,
                &format!("/api/bulk/2.0{uri}/data"),
                Some(Value::Array(rows))
            )
            .await
            .0,
        204
    );
    let (_, sync) = client
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/syncs",
            Some(json!({"syncedInstanceUri": uri})),
        )
        .await;
    let sync_uri = sync["uri"].as_str().unwrap().to_owned();
    let sync_id: i64 = sync_uri.rsplit('/').next().unwrap().parse().unwrap();

    // An upload in flight to a second definition when the signal comes.
    let (upload_definition, upload_uri) = definition(&client, list).await;
    let body = Value::Array(
        (0..UPLOAD_ROWS)
            .map(|i| json!({"Email": email(i)}))
            .collect(),
    );
    let upload = {
        let request = client
            .http
            .post(format!("{}/api/bulk/2.0{upload_uri}/data", client.base))
            .header("Authorization", &client.auth)
            .json(&body);
        tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
    };

    let deadline = Instant::now() + Duration::from_secs(60);
    while count(
        dir.path(),
        "SELECT COUNT(*) FROM sync_rejects WHERE sync_id = ?1",
        sync_id,
    ) == 0
    {
        assert!(Instant::now() < deadline, "the sync never got going");
        std::thread::sleep(Duration::from_millis(1));
    }
    let pid = server.0.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let exit = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "a clean exit: {exit:?}");

    // The upload was either acknowledged and fully staged, or refused and not staged at all.
    let staged = count(
        dir.path(),
        "SELECT COALESCE(SUM(row_count), 0) FROM staged_files WHERE definition_id = ?1",
        upload_definition,
    );
    match upload.await.unwrap() {
        Ok(204) => assert_eq!(staged, UPLOAD_ROWS as i64, "acknowledged, so fully staged"),
        other => assert_eq!(staged, 0, "not acknowledged ({other:?}), so nothing staged"),
    }
    let status: String = db(dir.path())
        .query_row("SELECT status FROM syncs WHERE id = ?1", [sync_id], |r| {
            r.get(0)
        })
        .unwrap();
    let partial = count(
        dir.path(),
        "SELECT COUNT(*) FROM sync_rejects WHERE sync_id = ?1",
        sync_id,
    );
    assert!(
        status == "pending" || status == "warning",
        "stopped between batches and given back, or finished: {status}"
    );

    server = common::serve(dir.path(), port, &[]);
    common::wait_for_port(port);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, now) = client
            .call(
                reqwest::Method::GET,
                &format!("/api/bulk/2.0{sync_uri}"),
                None,
            )
            .await;
        if now["status"] == "warning" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sync did not finish after the restart: {now}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, view) = client
        .call(
            reqwest::Method::GET,
            &format!("/api/bulk/2.0/contacts/lists/{list}"),
            None,
        )
        .await;
    assert_eq!(view["count"], (ROWS - ROWS / 10) as u64);
    let (_, rejects) = client
        .call(
            reqwest::Method::GET,
            &format!("/api/bulk/2.0{sync_uri}/rejects?limit=1"),
            None,
        )
        .await;
    assert_eq!(
        rejects["totalResults"],
        ROWS / 10,
        "one set of rejects (had {partial} at the stop)"
    );
    drop(server);
}

/// A sync action definition adding to `list`; returns its id and uri.
async fn definition(client: &Client, list: i64) -> (i64, String) {
    let body = json!({
        "name": "shutdown", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
    });
    let (status, created) = client
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/contacts/syncActions",
            Some(body),
        )
        .await;
    assert_eq!(status, 201);
    let uri = created["uri"].as_str().unwrap().to_owned();
    (uri.rsplit('/').next().unwrap().parse().unwrap(), uri)
}

//! Two `loquat serve` processes on one PostgreSQL database share the work: uploads go to
//! either, a node killed (`kill -9`) during a 200,000-row sync loses its lease, and the other
//! node finishes the sync with exactly the state, logs and rejects of a clean run.
//!
//! Runs when `LOQUAT_TEST_DATABASE_URL` names a PostgreSQL database; passes trivially otherwise.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Client, Process};
use loquat::store::postgres::ScratchSchema;
use serde_json::{Value, json};
use tokio_postgres::NoTls;

const PASSWORD: &str = "multinode-password";
/// Rows uploaded; every tenth names no contact. Four of the engine's 50,000-row batches.
const ROWS: usize = 200_000;
/// Uploads the rows are split into, sent to the two nodes in turn.
const CHUNKS: usize = 8;
/// A short lease so that the takeover comes quickly.
const LEASE_SECONDS: &str = "2";

fn email(i: usize) -> String {
    format!("person{i:07}@example.com")
}

fn node(dir: &std::path::Path, port: u16, database: &str) -> Process {
    common::serve(
        dir,
        port,
        &[
            ("LOQUAT_DATABASE_URL", database),
            ("LOQUAT_SYNC_LEASE_SECONDS", LEASE_SECONDS),
            ("LOQUAT_BOOTSTRAP_SITE", "Shared"),
            ("LOQUAT_BOOTSTRAP_USER", "ops"),
            ("LOQUAT_BOOTSTRAP_PASSWORD", PASSWORD),
        ],
    )
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// The sync's status, the process id in its lease owner, and its committed rejects.
async fn sync_state(db: &tokio_postgres::Client, sync_id: i64) -> (String, Option<u32>, i64) {
    let row = db
        .query_one(
            "SELECT status, lease_owner, (SELECT COUNT(*) FROM sync_rejects WHERE sync_id = $1)
             FROM syncs WHERE id = $1",
            &[&sync_id],
        )
        .await
        .unwrap();
    let owner: Option<String> = row.get(1);
    let pid = owner.and_then(|o| o.split('-').next().and_then(|p| p.parse().ok()));
    (row.get(0), pid, row.get(2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_sync_is_taken_over_by_the_other_with_the_clean_result() {
    let Some(base) = std::env::var("LOQUAT_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("LOQUAT_TEST_DATABASE_URL is not set: skipping the two-node test");
        return;
    };
    let schema = ScratchSchema::create(&base).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ports = [common::free_port(), common::free_port()];
    let mut nodes = vec![Some(node(dir.path(), ports[0], schema.url()))];
    common::wait_for_port(ports[0]);
    nodes.push(Some(node(dir.path(), ports[1], schema.url())));
    common::wait_for_port(ports[1]);
    let clients = ports.map(|port| Client::new(port, "Shared\\ops", PASSWORD));

    // Contacts straight into the database: all but every tenth.
    let db = connect(schema.url()).await;
    db.execute(
        "INSERT INTO contacts (site_id, email_address, created_at, updated_at)
         SELECT (SELECT id FROM sites), 'person' || lpad(g::text, 7, '0') || '@example.com', 0, 0
         FROM generate_series(0, $1::bigint - 1) g WHERE g % 10 <> 0",
        &[&(ROWS as i64)],
    )
    .await
    .unwrap();

    let (status, list) = clients[0]
        .call(
            reqwest::Method::POST,
            "/api/REST/1.0/assets/contact/list",
            Some(json!({"name": "Shared"})),
        )
        .await;
    assert_eq!(status, 201, "{list}");
    let list: i64 = list["id"].as_str().unwrap().parse().unwrap();
    let definition = json!({
        "name": "shared", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "Email",
        "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
    });
    let (status, definition) = clients[1]
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/contacts/syncActions",
            Some(definition),
        )
        .await;
    assert_eq!(status, 201, "{definition}");
    let uri = definition["uri"].as_str().unwrap().to_owned();

    // Uploads alternate between the nodes.
    let per_chunk = ROWS / CHUNKS;
    for chunk in 0..CHUNKS {
        let rows: Vec<Value> = (chunk * per_chunk..(chunk + 1) * per_chunk)
            .map(|i| json!({"Email": email(i)}))
            .collect();
        let (status, body) = clients[chunk % 2]
            .call(
                reqwest::Method::POST,
                &format!("/api/bulk/2.0{uri}/data"),
                Some(Value::Array(rows)),
            )
            .await;
        assert_eq!(status, 204, "chunk {chunk}: {body}");
    }
    let (_, staged) = clients[0]
        .call(reqwest::Method::GET, &format!("/api/bulk/2.0{uri}"), None)
        .await;
    assert!(staged["kbUsed"].as_u64().unwrap() > 0, "{staged}");

    let (status, sync) = clients[1]
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/syncs",
            Some(json!({"syncedInstanceUri": uri})),
        )
        .await;
    assert_eq!(status, 201, "{sync}");
    let sync_uri = sync["uri"].as_str().unwrap().to_owned();
    let sync_id: i64 = sync_uri.trim_start_matches("/syncs/").parse().unwrap();

    // Kill the node holding the sync once it has committed some batches but not the end.
    let deadline = Instant::now() + Duration::from_secs(60);
    let holder = loop {
        let (status, owner, rejects) = sync_state(&db, sync_id).await;
        assert!(
            status == "pending" || status == "active",
            "the sync ended before it could be interrupted ({status})"
        );
        if let (true, Some(pid)) = (status == "active" && rejects > 0, owner) {
            break pid;
        }
        assert!(Instant::now() < deadline, "the sync never got going");
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    let killed = nodes
        .iter()
        .position(|n| n.as_ref().is_some_and(|p| p.0.id() == holder))
        .expect("the lease names one of the two nodes");
    nodes[killed] = None; // SIGKILL
    let (status, _, partial) = sync_state(&db, sync_id).await;
    assert_eq!(status, "active", "killed mid-sync");
    assert!(
        partial < (ROWS / 10) as i64,
        "only part of the rejects were written before the kill"
    );

    // The survivor takes the sync over once the lease expires.
    let survivor = &clients[1 - killed];
    let deadline = Instant::now() + Duration::from_secs(120);
    let done = loop {
        let (_, now) = survivor
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
        assert!(
            Instant::now() < deadline,
            "the other node did not finish it"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["status"], "warning");
    let attempts: i64 = db
        .query_one("SELECT attempt FROM syncs WHERE id = $1", &[&sync_id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(attempts, 2, "claimed once by each node");

    let matched = (ROWS - ROWS / 10) as u64;
    let members: i64 = db
        .query_one(
            "SELECT COUNT(*) FROM contact_list_members WHERE list_id = $1",
            &[&list],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(members as u64, matched);
    let lines = survivor.log_lines(&sync_uri).await;
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
    let (_, rejects) = survivor
        .call(
            reqwest::Method::GET,
            &format!(
                "/api/bulk/2.0{sync_uri}/rejects?limit=1&offset={}",
                ROWS / 10 - 1
            ),
            None,
        )
        .await;
    assert_eq!(rejects["totalResults"], ROWS / 10, "one set of rejects");
    assert_eq!(
        rejects["items"][0]["recordIndex"],
        ROWS - 9,
        "the last unknown row, numbered as in a clean run"
    );
    drop(nodes);
}

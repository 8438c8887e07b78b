//! Two `loquat serve` processes on one PostgreSQL database share the work: uploads go to
//! either, a node killed (`kill -9`) during a 200,000-row sync loses its liveness key with its
//! session, so the other node takes the sync over long before the lease would expire, and
//! finishes it with exactly the state, logs and rejects of a clean run.
//!
//! Needs `LOQUAT_TEST_DATABASE_URL` (a PostgreSQL database); without it the test says
//! `SKIPPED: …` on stderr and passes, and `.ci/run` checks that its PostgreSQL pass ran it.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Server, person_rows, uri_id};
use loquat::store::postgres::ScratchSchema;
use tokio_postgres::NoTls;

const PASSWORD: &str = "multinode-password";
/// Rows uploaded; every tenth names no contact. Four of the engine's 50,000-row batches.
const ROWS: usize = 200_000;
/// Uploads the rows are split into, sent to the two nodes in turn.
const CHUNKS: usize = 8;
/// The nodes' sync lease: ten times [`TAKEOVER`], so a takeover within that deadline comes
/// from the killed node's liveness key being freed, never from its lease expiring.
const LEASE_SECONDS: &str = "300";
/// How long the survivor may take to claim the killed node's sync.
const TAKEOVER: Duration = Duration::from_secs(30);

fn node(dir: &std::path::Path, database: &str) -> Server {
    let [site, user, password] = common::bootstrap("Shared", "ops", PASSWORD);
    let env = [
        ("LOQUAT_DATABASE_URL", database),
        ("LOQUAT_SYNC_LEASE_SECONDS", LEASE_SECONDS),
        site,
        user,
        password,
    ];
    Server::start(dir, &env)
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Waits until the process `pid` holds the sync under a claim other than the first (or has
/// already ended it: an ended sync names no lease owner).
async fn until_claimed_again(db: &tokio_postgres::Client, sync_id: i64, pid: u32) {
    let deadline = Instant::now() + TAKEOVER;
    let node = format!("{pid}-");
    loop {
        let row = db
            .query_one(
                "SELECT attempt, lease_owner, status IN ('success', 'warning', 'error')
                 FROM syncs WHERE id = $1",
                &[&sync_id],
            )
            .await
            .unwrap();
        let (attempt, owner, ended): (i64, Option<String>, bool) =
            (row.get(0), row.get(1), row.get(2));
        if attempt > 1 && (ended || owner.is_some_and(|o| o.starts_with(&node))) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the survivor did not take the sync over within {TAKEOVER:?} (lease {LEASE_SECONDS} s)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
    let Some(base) = common::postgres_or_skip(
        "a_node_killed_mid_sync_is_taken_over_by_the_other_with_the_clean_result",
    ) else {
        return;
    };
    let schema = ScratchSchema::create(&base).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = vec![Some(node(dir.path(), schema.url()))];
    nodes.push(Some(node(dir.path(), schema.url())));
    let clients: Vec<_> = nodes
        .iter()
        .map(|n| n.as_ref().unwrap().client("Shared\\ops", PASSWORD))
        .collect();

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

    let list = clients[0].create_list("Shared").await;
    let uri = clients[1]
        .definition(&common::add_to_list("shared", list))
        .await;

    // Uploads alternate between the nodes.
    let per_chunk = ROWS / CHUNKS;
    for chunk in 0..CHUNKS {
        let rows = person_rows(chunk * per_chunk..(chunk + 1) * per_chunk);
        clients[chunk % 2].upload(&uri, &rows).await;
    }
    assert!(
        clients[0].kb_used(&uri).await > 0,
        "staged through both nodes"
    );

    let sync_uri = clients[1].sync(&uri).await;
    let sync_id = uri_id(&sync_uri);

    // Kill the node holding the sync once it has committed some batches but not the end.
    let db = &db;
    common::until_midway(|| async move {
        let (status, _, rejects) = sync_state(db, sync_id).await;
        (status, rejects)
    })
    .await;
    let (_, owner, _) = sync_state(db, sync_id).await;
    let holder = owner.expect("an active sync has a lease owner");
    let killed = nodes
        .iter()
        .position(|n| n.as_ref().is_some_and(|p| p.pid() == holder))
        .expect("the lease names one of the two nodes");
    nodes[killed] = None; // SIGKILL
    let (status, _, partial) = sync_state(db, sync_id).await;
    assert_eq!(status, "active", "killed mid-sync");
    assert!(
        partial < (ROWS / 10) as i64,
        "only part of the rejects were written before the kill"
    );

    // The survivor takes the sync over as soon as it sees the killed node's key freed.
    let survivor_pid = nodes[1 - killed].as_ref().unwrap().pid();
    until_claimed_again(db, sync_id, survivor_pid).await;
    let survivor = &clients[1 - killed];
    let done = survivor.wait_for_sync(&sync_uri).await;
    assert_eq!(done["status"], "warning");
    let attempts: i64 = db
        .query_one("SELECT attempt FROM syncs WHERE id = $1", &[&sync_id])
        .await
        .unwrap()
        .get(0);
    assert_eq!(attempts, 2, "claimed once by each node");

    let members: i64 = db
        .query_one(
            "SELECT COUNT(*) FROM contact_list_members WHERE list_id = $1",
            &[&list],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(members as usize, ROWS - ROWS / 10);
    common::assert_clean_add_to_list_result(survivor, list, &sync_uri, ROWS).await;
    drop(nodes);
}

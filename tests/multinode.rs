//! Two `loquat serve` processes on one PostgreSQL database share the work: uploads go to
//! either, a node killed (`kill -9`) during a 200,000-row sync loses its liveness key with its
//! session, so the other node takes the sync over long before the lease would expire, and
//! finishes it with exactly the state, logs and rejects of a clean run. A lone node killed so
//! and started again takes its own sync over just as soon.
//!
//! Needs `LOQUAT_TEST_DATABASE_URL` (a PostgreSQL database); without it the test says
//! `SKIPPED: …` on stderr and passes, and `.ci/run` checks that its PostgreSQL pass ran it.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{Client, Server, person_rows, uri_id};
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
            "node {pid} did not take the sync over within {TAKEOVER:?} (lease {LEASE_SECONDS} s)"
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

/// A 200,000-row add-to-list sync staged through `clients` in turn and started; returns the
/// list and the sync's URI.
async fn start_large_sync(db: &tokio_postgres::Client, clients: &[Client]) -> (i64, String) {
    // Contacts straight into the database: all but every tenth.
    db.execute(
        "INSERT INTO contacts (site_id, email_address, created_at, updated_at)
         SELECT (SELECT id FROM sites), 'person' || lpad(g::text, 7, '0') || '@example.com', 0, 0
         FROM generate_series(0, $1::bigint - 1) g WHERE g % 10 <> 0",
        &[&(ROWS as i64)],
    )
    .await
    .unwrap();
    let client = |i: usize| &clients[i % clients.len()];
    let list = client(0).create_list("Shared").await;
    let uri = client(1)
        .definition(&common::add_to_list("shared", list))
        .await;
    let per_chunk = ROWS / CHUNKS;
    for chunk in 0..CHUNKS {
        let rows = person_rows(chunk * per_chunk..(chunk + 1) * per_chunk);
        client(chunk).upload(&uri, &rows).await;
    }
    assert!(client(0).kb_used(&uri).await > 0, "staged");
    (list, client(1).sync(&uri).await)
}

/// Kills (SIGKILL) the node holding the sync once it has committed some batches but not the
/// end; returns its index in `nodes`.
async fn kill_midway(
    db: &tokio_postgres::Client,
    nodes: &mut [Option<Server>],
    sync_id: i64,
) -> usize {
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
        .expect("the lease names one of the nodes");
    nodes[killed] = None;
    let (status, _, partial) = sync_state(db, sync_id).await;
    assert_eq!(status, "active", "killed mid-sync");
    assert!(
        partial < (ROWS / 10) as i64,
        "only part of the rejects were written before the kill"
    );
    killed
}

/// Waits for `taker` (a node's process and its client) to claim the sync after the killed
/// node's key was freed, then checks that it ends it with the result of a clean run.
async fn assert_taken_over(
    db: &tokio_postgres::Client,
    (pid, client): (u32, &Client),
    list: i64,
    sync_uri: &str,
) {
    let sync_id = uri_id(sync_uri);
    until_claimed_again(db, sync_id, pid).await;
    let done = client.wait_for_sync(sync_uri).await;
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
    common::assert_clean_add_to_list_result(client, list, sync_uri, ROWS).await;
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
    let db = connect(schema.url()).await;
    // Uploads alternate between the nodes.
    let (list, sync_uri) = start_large_sync(&db, &clients).await;
    let killed = kill_midway(&db, &mut nodes, uri_id(&sync_uri)).await;
    let survivor = nodes[1 - killed].as_ref().unwrap().pid();
    assert_taken_over(&db, (survivor, &clients[1 - killed]), list, &sync_uri).await;
    drop(nodes);
}

/// A single node killed mid-sync and started again takes its own sync over at once: the
/// restarted process holds a new liveness key, and the old one went with the killed process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_sync_takes_it_over_when_restarted() {
    let Some(base) =
        common::postgres_or_skip("a_node_killed_mid_sync_takes_it_over_when_restarted")
    else {
        return;
    };
    let schema = ScratchSchema::create(&base).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = vec![Some(node(dir.path(), schema.url()))];
    let first = nodes[0].as_ref().unwrap().client("Shared\\ops", PASSWORD);
    let db = connect(schema.url()).await;
    let (list, sync_uri) = start_large_sync(&db, &[first]).await;
    kill_midway(&db, &mut nodes, uri_id(&sync_uri)).await;
    let restarted = node(dir.path(), schema.url());
    let client = restarted.client("Shared\\ops", PASSWORD);
    assert_taken_over(&db, (restarted.pid(), &client), list, &sync_uri).await;
}

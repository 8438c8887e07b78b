//! A sync interrupted by `kill -9` is re-run on restart and ends exactly as a clean run does,
//! with one set of logs and rejects; acknowledged uploads survive the kill.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Server, person, person_rows, sqlite_sync_state, uri_id};

const PASSWORD: &str = "restart-password";
/// Rows uploaded; every tenth names no contact. Several of the engine's 50,000-row batches.
const ROWS: usize = 300_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_midway_is_rerun_on_restart_to_the_exact_clean_result() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &common::bootstrap("Crash", "ops", PASSWORD));
    let client = server.client("Crash\\ops", PASSWORD);
    // Contacts straight into the store file (no bulk contact API yet): all but every tenth.
    common::seed_sqlite_contacts(dir.path(), (0..ROWS).filter(|i| i % 10 != 0).map(person));

    let list = client.create_list("Crash").await;
    let uri = client.definition(&common::add_to_list("crash", list)).await;
    client.upload(&uri, &person_rows(0..ROWS)).await;
    let sync_uri = client.sync(&uri).await;
    let sync_id = uri_id(&sync_uri);

    // Kill once the engine has committed some batches but not the end.
    let path = dir.path();
    common::until_midway(|| async move { sqlite_sync_state(path, sync_id) }).await;
    drop(server); // SIGKILL
    let (status, partial) = sqlite_sync_state(dir.path(), sync_id);
    assert_eq!(status, "active", "killed mid-sync");
    assert!(
        partial < (ROWS / 10) as i64,
        "only part of the rejects were written before the kill"
    );

    // The same data directory on a new port.
    let server = Server::start(dir.path(), &[]);
    let client = server.client("Crash\\ops", PASSWORD);
    common::assert_clean_add_to_list_result(&client, list, &sync_uri, ROWS).await;
}

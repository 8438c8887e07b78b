//! Graceful shutdown: on SIGTERM the server stops accepting connections but finishes the
//! upload it is receiving, the engine stops between two batches and gives the sync back, the
//! process exits 0, and a restart finishes the sync to the exact clean result.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{Server, person, person_rows, sqlite, sqlite_sync_state, uri_id};

const PASSWORD: &str = "shutdown-password";
/// Rows synced (every tenth names no contact): several of the engine's 50,000-row batches.
const ROWS: usize = 300_000;
/// Rows of the upload in flight when SIGTERM arrives.
const UPLOAD_ROWS: usize = 200_000;

fn staged_rows(dir: &Path, definition_id: i64) -> i64 {
    let sql = "SELECT COALESCE(SUM(row_count), 0) FROM staged_files WHERE definition_id = ?1";
    sqlite(dir)
        .query_row(sql, [definition_id], |r| r.get(0))
        .unwrap()
}

/// An upload sent by hand with `Expect: 100-continue`: the server answers `100 Continue`
/// only once its handler reads the body, so after [`Self::start`] returns the request is
/// certainly in flight on the server, waiting for its body.
struct InFlightUpload {
    stream: TcpStream,
    body: Vec<u8>,
}

impl InFlightUpload {
    fn start(client: &common::Client, path: &str, body: &serde_json::Value) -> Self {
        let address = client.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).unwrap();
        let body = serde_json::to_vec(body).unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\
             Expect: 100-continue\r\n\r\n",
            client.auth,
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 100"), "{line}");
        reader.read_line(&mut line).unwrap();
        Self { stream, body }
    }

    /// Sends the body and returns the final status line.
    fn finish(mut self) -> String {
        self.stream.write_all(&self.body).unwrap();
        let mut status = String::new();
        BufReader::new(self.stream).read_line(&mut status).unwrap();
        status.trim_end().to_owned()
    }
}

/// Waits until nothing accepts connections at `base` (`http://ADDRESS`) any more.
fn until_refused(base: &str) {
    let address = base.trim_start_matches("http://");
    let deadline = Instant::now() + common::DEADLINE;
    while TcpStream::connect(address).is_ok() {
        assert!(
            Instant::now() < deadline,
            "{address} still accepts connections"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_between_batches_and_a_restart_finishes_the_sync() {
    let dir = tempfile::tempdir().unwrap();
    let [site, user, password] = common::bootstrap("Stop", "ops", PASSWORD);
    // The upload waits, its body unsent, until the sync is midway: that may take a while.
    let body_timeout = ("LOQUAT_BODY_TIMEOUT_SECONDS", "110");
    let server = Server::start(dir.path(), &[site, user, password, body_timeout]);
    let client = server.client("Stop\\ops", PASSWORD);
    common::seed_sqlite_contacts(dir.path(), (0..ROWS).filter(|i| i % 10 != 0).map(person));
    let list = client.create_list("L").await;
    let uri = client
        .definition(&common::add_to_list("shutdown", list))
        .await;
    client.upload(&uri, &person_rows(0..ROWS)).await;

    // An upload in flight to a second definition when the signal comes.
    let upload_uri = client
        .definition(&common::add_to_list("shutdown", list))
        .await;
    let path = format!("/api/bulk/2.0{upload_uri}/data");
    let upload = InFlightUpload::start(&client, &path, &person_rows(0..UPLOAD_ROWS));

    let sync_uri = client.sync(&uri).await;
    let sync_id = uri_id(&sync_uri);

    let path = dir.path();
    common::until_midway(|| async move { sqlite_sync_state(path, sync_id) }).await;
    server.send_sigterm();
    // Once it refuses new connections the server is shutting down; the body of the upload it
    // is reading comes only now, and the upload is still finished.
    until_refused(&server.base);
    let answer = tokio::task::spawn_blocking(move || upload.finish());
    assert_eq!(answer.await.unwrap(), "HTTP/1.1 204 No Content");
    let exit = tokio::task::spawn_blocking(move || server.wait_for_exit());
    let exit = exit.await.unwrap();
    assert!(exit.success(), "a clean exit: {exit:?}");

    assert_eq!(
        staged_rows(dir.path(), uri_id(&upload_uri)),
        UPLOAD_ROWS as i64,
        "acknowledged, so fully staged"
    );
    let (status, partial) = sqlite_sync_state(dir.path(), sync_id);
    assert_eq!(status, "pending", "stopped between batches and given back");
    assert!(
        partial > 0 && partial < (ROWS / 10) as i64,
        "some batches committed, not all: {partial} rejects"
    );

    // The same data directory on a new port.
    let server = Server::start(dir.path(), &[]);
    let client = server.client("Stop\\ops", PASSWORD);
    common::assert_clean_add_to_list_result(&client, list, &sync_uri, ROWS).await;
}

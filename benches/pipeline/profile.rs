//! The realistic profile (`realistic.rs`) through a real server, on either backend: a sync
//! adding a shuffled file with unknown, empty, malformed and duplicate rows to a list, and an
//! import of new people in five columns, uploads timed with it.

use std::time::Duration;

use serde_json::json;

use super::RUNS;
use super::realistic::{self, Cell, Expected, IMPORT_FIELDS};
use super::server::Server;

/// Import rows per upload: about 30 MB of five-column JSON.
const IMPORT_ROWS_PER_UPLOAD: usize = 300_000;

/// Sync rows per upload: about 26 MB of JSON (the uploads' limit is 32 MB).
const SYNC_ROWS_PER_UPLOAD: usize = 600_000;

/// The sync rows and their JSON bodies, made once and shared by both backends.
pub struct SyncFile {
    pub rows: Vec<Cell>,
    pub bodies: Vec<Vec<u8>>,
    pub expected: Expected,
}

impl SyncFile {
    pub fn new(contacts: usize) -> Self {
        let (rows, expected) = realistic::sync_rows(contacts);
        let bodies = realistic::json_bodies(
            &realistic::one_column(rows.clone()),
            ["Email"],
            SYNC_ROWS_PER_UPLOAD,
        );
        Self {
            rows,
            bodies,
            expected,
        }
    }

    /// Rejects the sync must report.
    pub fn rejects(&self) -> u64 {
        let e = self.expected;
        (e.unmatched + e.empty + e.duplicates) as u64
    }
}

/// The import rows of `n` new people and their JSON bodies.
pub fn import_bodies(n: usize) -> Vec<Vec<u8>> {
    realistic::json_bodies(
        &realistic::import_rows(0, n),
        IMPORT_FIELDS.map(|(name, _)| name),
        IMPORT_ROWS_PER_UPLOAD,
    )
}

/// A measurement's wall time and the CPU time the measured process spent in it.
#[derive(Debug, Clone, Copy)]
pub struct Timed {
    pub wall: Duration,
    pub cpu: Duration,
}

impl Timed {
    /// The better of two measurements, each field on its own.
    pub fn min(self, other: Self) -> Self {
        Self {
            wall: self.wall.min(other.wall),
            cpu: self.cpu.min(other.cpu),
        }
    }

    /// Worse than any measurement.
    pub const MAX: Self = Self {
        wall: Duration::MAX,
        cpu: Duration::MAX,
    };
}

/// Seeds `contacts` people into `server`, then syncs `file` to a new list [`RUNS`] times (a
/// fresh list and upload each time); the best sync time, pending → warning, and the least
/// server CPU time of a run.
pub async fn sync(server: &Server, contacts: usize, file: &SyncFile) -> Timed {
    server.seed_people(contacts, realistic::person).await;
    let mut best = Timed::MAX;
    for _ in 0..RUNS {
        best = best.min(sync_once(server, file).await);
    }
    best
}

/// Syncs `file` to a new list of a seeded `server` once (upload not timed).
pub async fn sync_once(server: &Server, file: &SyncFile) -> Timed {
    let list = server.create_list("Bench realistic").await;
    let definition = server.email_definition(Some(list)).await;
    let (timed, uri) = sync_staged(server, &definition, &file.bodies).await;
    assert_eq!(server.rejects(&uri).await, file.rejects(), "{uri}");
    timed
}

/// Uploads `bodies` to `definition` (not timed), then syncs it to its end, which must be a
/// warning (the realistic files have rows to reject); the sync's time and uri.
pub async fn sync_staged(server: &Server, definition: &str, bodies: &[Vec<u8>]) -> (Timed, String) {
    for body in bodies {
        let (status, _) = server
            .upload(definition, "application/json", body.clone())
            .await;
        assert_eq!(status, 204);
    }
    let cpu = server.cpu_time();
    let (wall, uri, status) = server.sync_to_end(definition).await;
    let cpu = server.cpu_time() - cpu;
    assert_eq!(status, "warning", "the file has rows to reject");
    (Timed { wall, cpu }, uri)
}

/// What an import took: uploading its bodies (each to its 204), then its sync.
#[derive(Debug, Clone, Copy)]
pub struct Import {
    pub upload: Duration,
    pub sync: Duration,
}

impl Import {
    pub fn total(&self) -> Duration {
        self.upload + self.sync
    }
}

/// Imports `bodies` into an empty `server` through a five-column import definition.
pub async fn import(server: &Server, bodies: &[Vec<u8>]) -> Import {
    let fields: serde_json::Map<String, serde_json::Value> = IMPORT_FIELDS
        .iter()
        .map(|(name, field)| ((*name).to_owned(), json!(field)))
        .collect();
    let created = server
        .call(
            reqwest::Method::POST,
            "/api/bulk/2.0/contacts/imports",
            json!({"name": "bench import", "fields": fields, "identifierFieldName": "Email"}),
        )
        .await;
    let uri = created["uri"].as_str().unwrap_or_default().to_owned();
    let mut upload = Duration::ZERO;
    for body in bodies {
        let (status, took) = server.upload(&uri, "application/json", body.clone()).await;
        assert_eq!(status, 204);
        upload += took;
    }
    let (sync, _, _) = server.sync_to_end(&uri).await;
    Import { upload, sync }
}

//! PostgreSQL beside SQLite, and two PostgreSQL nodes beside one: runs when
//! `LOQUAT_BENCH_DATABASE_URL` names a PostgreSQL database (e.g.
//! `postgres://postgres@127.0.0.1/test`). Every server here runs on its own scratch schema of
//! that database (dropped afterwards), fresh for each measurement as the SQLite ones get a
//! fresh server.
//!
//! - **Backends side by side**: the PostgreSQL store measured exactly as the main table
//!   measures SQLite (the SQLite column is the main table's numbers from the same run): the
//!   JSON upload (best of [`RUNS`]), the `rows`-row sync adding to a list (best of [`RUNS`])
//!   and the import of `rows` new contacts.
//! - **Two nodes**: `loquat serve` processes sharing one schema. Four definitions, each adding
//!   its own quarter of the `rows` contacts to its own list (uploads spread over the nodes and
//!   not timed); four syncs created at once and timed until all have ended. A node runs one
//!   sync at a time, so two nodes can run two of them at once. Then eight concurrent 32 MB
//!   uploads, to eight definitions, spread over the nodes (best of [`RUNS`]).
//! - **The realistic profile** ([`realistic`]): the realistic sync and import through a
//!   PostgreSQL server, each beside its raw PostgreSQL floor of the same run
//!   (`raw_postgres.rs`), and how many small syncs one node runs per second.

use std::time::{Duration, Instant};

use loquat::store::postgres::ScratchSchema;
use serde_json::{Value, json};

use super::profile::{self, SyncFile};
use super::server::Server;
use super::{Line, RUNS, UPLOAD_ROWS, bulk, email, futures_join_all, json_body, mb, raw_postgres};

/// The PostgreSQL database to measure, from `LOQUAT_BENCH_DATABASE_URL`.
pub fn database_url() -> Option<String> {
    std::env::var("LOQUAT_BENCH_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// The measurements both backends take part in.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// One JSON upload of [`UPLOAD_ROWS`] rows, best of [`RUNS`].
    pub upload_json: Duration,
    /// A sync adding `rows` rows to a list, best of [`RUNS`].
    pub sync: Duration,
    /// An import of `rows` new contacts (uploads not timed).
    pub import: Duration,
}

/// Definitions (and syncs) of the two-node measurement.
const SYNCS: usize = 4;
/// Concurrent uploads of the two-node measurement.
const UPLOADS: usize = 8;

/// Servers sharing one scratch schema; the servers stop before the schema is dropped
/// (fields drop in declaration order).
struct Cluster {
    nodes: Vec<Server>,
    _schema: ScratchSchema,
}

impl Cluster {
    async fn start(base: &str, nodes: usize) -> Self {
        let schema = ScratchSchema::create(base).await.unwrap();
        let first = Server::start_on(schema.url()).await;
        let mut all = vec![first];
        for _ in 1..nodes {
            let other = all[0].another_node().await;
            all.push(other);
        }
        Self {
            nodes: all,
            _schema: schema,
        }
    }

    /// The node that takes the `i`-th piece of spread work.
    fn node(&self, i: usize) -> &Server {
        &self.nodes[i % self.nodes.len()]
    }
}

/// The PostgreSQL side of the side-by-side table, measured as `main` measures SQLite.
async fn measure_postgres(base: &str, rows: usize, json: &[u8]) -> Measured {
    let (upload_json, sync) = {
        let cluster = Cluster::start(base, 1).await;
        let server = &cluster.nodes[0];
        let mut lists = Vec::new();
        for _ in 0..RUNS {
            lists.push(
                server
                    .seed_contacts(if lists.is_empty() { rows } else { 0 }, email)
                    .await,
            );
        }
        let definition = server.email_definition(Some(lists[0])).await;
        let mut upload_json = Duration::MAX;
        for _ in 0..RUNS {
            let (status, took) = server
                .upload(&definition, "application/json", json.to_vec())
                .await;
            assert_eq!(status, 204);
            upload_json = upload_json.min(took);
            server.discard(&definition).await;
        }
        let mut sync = Duration::MAX;
        for list in lists {
            let definition = server.email_definition(Some(list)).await;
            upload_rows(server, &definition, 0..rows).await;
            sync = sync.min(server.sync_and_wait(&definition).await);
        }
        (upload_json, sync)
    };
    let import = {
        let cluster = Cluster::start(base, 1).await;
        bulk::import(&cluster.nodes[0], rows).await
    };
    Measured {
        upload_json,
        sync,
        import,
    }
}

/// Uploads the emails of `rows` to `definition` in bodies of up to [`UPLOAD_ROWS`] rows.
async fn upload_rows(server: &Server, definition: &str, rows: std::ops::Range<usize>) {
    for start in rows.clone().step_by(UPLOAD_ROWS) {
        let body = json_body(start..(start + UPLOAD_ROWS).min(rows.end));
        let (status, _) = server.upload(definition, "application/json", body).await;
        assert_eq!(status, 204);
    }
}

/// What `nodes` nodes sharing one database did.
#[derive(Debug, Clone, Copy)]
struct Shared {
    /// [`SYNCS`] syncs of `rows / SYNCS` rows each, from creation to the end of the last.
    syncs: Duration,
    /// Rows those syncs applied.
    synced_rows: usize,
    /// [`UPLOADS`] concurrent uploads of the JSON body, best of [`RUNS`].
    uploads: Duration,
}

async fn measure_nodes(base: &str, nodes: usize, rows: usize, json: &[u8]) -> Shared {
    let cluster = Cluster::start(base, nodes).await;
    let first = &cluster.nodes[0];
    first.seed_contacts(rows, email).await;
    let quarter = rows / SYNCS;
    let mut definitions = Vec::new();
    for i in 0..SYNCS {
        let list = first.create_list(&format!("Bench {i}")).await;
        let definition = cluster.node(i).email_definition(Some(list)).await;
        upload_rows(cluster.node(i), &definition, i * quarter..(i + 1) * quarter).await;
        definitions.push(definition);
    }

    // The syncs are created at once, spread over the nodes, and polled (lightly) to the end.
    let start = Instant::now();
    let created: Vec<_> = definitions
        .iter()
        .enumerate()
        .map(|(i, definition)| {
            let request = cluster
                .node(i)
                .request(reqwest::Method::POST, "/api/bulk/2.0/syncs")
                .json(&json!({"syncedInstanceUri": definition}));
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                let sync: Value = response.json().await.unwrap();
                sync["uri"].as_str().unwrap().to_owned()
            })
        })
        .collect();
    let mut running = Vec::new();
    for handle in created {
        running.push(handle.await.unwrap());
    }
    while !running.is_empty() {
        let mut still = Vec::new();
        for uri in running {
            let now = first.bulk_get(&uri).await;
            match now["status"].as_str() {
                Some("success") => {}
                Some("warning" | "error") => panic!("sync ended {now}"),
                _ => still.push(uri),
            }
        }
        running = still;
        if !running.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let syncs = start.elapsed();

    // Concurrent uploads, each to its own definition, spread over the nodes.
    let mut targets = Vec::new();
    for i in 0..UPLOADS {
        targets.push(cluster.node(i).email_definition(None).await);
    }
    let mut uploads = Duration::MAX;
    for _ in 0..RUNS {
        let start = Instant::now();
        let sent = targets.iter().enumerate().map(|(i, definition)| {
            cluster
                .node(i)
                .upload(definition, "application/json", json.to_vec())
        });
        let results = futures_join_all(sent).await;
        let took = start.elapsed();
        assert!(
            results.iter().all(|(status, _)| *status == 204),
            "{results:?}"
        );
        uploads = uploads.min(took);
        for definition in &targets {
            first.discard(definition).await;
        }
    }
    Shared {
        syncs,
        synced_rows: quarter * SYNCS,
        uploads,
    }
}

/// Measures PostgreSQL and prints both tables; `sqlite` is the main table's measurements.
pub async fn run(base: &str, rows: usize, json: &[u8], sqlite: Measured) {
    let postgres = measure_postgres(base, rows, json).await;
    let one = measure_nodes(base, 1, rows, json).await;
    let two = measure_nodes(base, 2, rows, json).await;

    println!(
        "\nbackends side by side (PostgreSQL: {}; one scratch schema per measurement)\n\n\
         | work | SQLite | PostgreSQL | PG/SQLite ratio |\n|---|---:|---:|---:|",
        loquat::store::redact(base)
    );
    for (what, sqlite, postgres) in [
        (
            format!(
                "upload JSON {:.0} MB ({UPLOAD_ROWS} rows), HTTP → 204, best of {RUNS}",
                mb(json.len())
            ),
            sqlite.upload_json,
            postgres.upload_json,
        ),
        (
            format!("sync: add {rows} rows to a list, pending → success, best of {RUNS}"),
            sqlite.sync,
            postgres.sync,
        ),
        (
            format!("import {rows} new contacts (2 columns), pending → success"),
            sqlite.import,
            postgres.import,
        ),
    ] {
        println!(
            "| {what} | {:.3} s | {:.3} s | {:.2}× |",
            sqlite.as_secs_f64(),
            postgres.as_secs_f64(),
            postgres.as_secs_f64() / sqlite.as_secs_f64()
        );
    }

    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "\ntwo nodes on one PostgreSQL database ({cores} cores shared by the bench, the nodes and \
         the database)\n\n| work | 1 node | 2 nodes | 2 nodes / 1 node |\n|---|---:|---:|---:|"
    );
    let rate = |rows: usize, took: Duration| rows as f64 / took.as_secs_f64();
    println!(
        "| {SYNCS} syncs × {} rows (each adds to its own list), created at once, until all ended | {:.3} s, {:.0} rows/s | {:.3} s, {:.0} rows/s | {:.2}× rows/s |",
        one.synced_rows / SYNCS,
        one.syncs.as_secs_f64(),
        rate(one.synced_rows, one.syncs),
        two.syncs.as_secs_f64(),
        rate(two.synced_rows, two.syncs),
        rate(two.synced_rows, two.syncs) / rate(one.synced_rows, one.syncs),
    );
    let bytes = UPLOADS * json.len();
    println!(
        "| {UPLOADS} concurrent {:.0} MB JSON uploads (to {UPLOADS} definitions; 2 nodes: {} each), best of {RUNS} | {:.3} s, {:.0} MB/s | {:.3} s, {:.0} MB/s | {:.2}× MB/s |",
        mb(json.len()),
        UPLOADS / 2,
        one.uploads.as_secs_f64(),
        mb(bytes) / one.uploads.as_secs_f64(),
        two.uploads.as_secs_f64(),
        mb(bytes) / two.uploads.as_secs_f64(),
        one.uploads.as_secs_f64() / two.uploads.as_secs_f64(),
    );
}

/// Small syncs: how many syncs of [`SMALL_ROWS`] rows one node runs per second.
const SMALL_SYNCS: usize = 40;
/// Rows of each small sync's file.
const SMALL_ROWS: usize = 3_000;

/// The realistic profile on PostgreSQL, each beside its raw PostgreSQL floor measured in the
/// same run (`raw_postgres.rs`): the sync of `file` against `contacts` people, the import of
/// `import` (one scratch schema per server), then [`SMALL_SYNCS`] small syncs on one node;
/// prints them as a table.
pub async fn realistic(base: &str, contacts: usize, file: &SyncFile, import: &[Vec<u8>]) {
    let (floor_planned, floor_key_order) =
        raw_postgres::realistic_apply(base, contacts, &file.rows, RUNS).await;
    let floor_import = raw_postgres::realistic_import(base, import, 1).await;
    let (sync, small) = {
        let cluster = Cluster::start(base, 1).await;
        let server = &cluster.nodes[0];
        let sync = profile::sync(server, contacts, file).await;
        (sync, small_syncs(server).await)
    };
    let imported = {
        let cluster = Cluster::start(base, 1).await;
        profile::import(&cluster.nodes[0], import).await
    };
    println!(
        "\nthe realistic profile on PostgreSQL ({}; one scratch schema per server and per floor)",
        loquat::store::redact(base)
    );
    super::print_lines(vec![
        Line {
            what: format!(
                "realistic sync on PostgreSQL: {} rows to a list against {contacts} contacts, pending → warning",
                file.rows.len()
            ),
            loquat: sync.wall,
            raw: Some(floor_planned.min(floor_key_order)),
            note: format!(
                "raw: staged rows joined into a members table + rejects by NOT EXISTS ({:.3} s as planned, {:.3} s in key order)",
                floor_planned.as_secs_f64(),
                floor_key_order.as_secs_f64()
            ),
        },
        Line {
            what: format!(
                "realistic import on PostgreSQL: {} new contacts, 5 columns, upload + sync",
                import_rows(import)
            ),
            loquat: imported.total(),
            raw: Some(floor_import),
            note: format!(
                "upload {:.3} s + sync {:.3} s; raw: serde_json + COPY + one upsert, Loquat's indexes (1 run)",
                imported.upload.as_secs_f64(),
                imported.sync.as_secs_f64()
            ),
        },
        Line {
            what: format!(
                "small syncs on PostgreSQL: {SMALL_SYNCS} syncs × {SMALL_ROWS} rows, one node, created at once"
            ),
            loquat: small,
            raw: None,
            note: format!(
                "{:.2} syncs/s (uploads not timed)",
                SMALL_SYNCS as f64 / small.as_secs_f64()
            ),
        },
    ]);
}

/// Rows of the import bodies (a JSON array of objects: one `{` per row).
fn import_rows(bodies: &[Vec<u8>]) -> usize {
    bodies
        .iter()
        .map(|b| b.iter().filter(|&&c| c == b'{').count())
        .sum()
}

/// [`SMALL_SYNCS`] definitions, each with a file of [`SMALL_ROWS`] realistic rows uploaded
/// (not timed), adding to lists of their own; their syncs created at once on `server`, timed
/// until all have ended.
async fn small_syncs(server: &Server) -> Duration {
    let file = SyncFile::new(SMALL_ROWS);
    let [body] = file.bodies.as_slice() else {
        panic!("a small file is one upload");
    };
    let mut definitions = Vec::new();
    for i in 0..SMALL_SYNCS {
        let list = server.create_list(&format!("Small {i}")).await;
        let definition = server.email_definition(Some(list)).await;
        let (status, _) = server
            .upload(&definition, "application/json", body.clone())
            .await;
        assert_eq!(status, 204);
        definitions.push(definition);
    }
    let start = Instant::now();
    let mut running = Vec::new();
    for definition in &definitions {
        running.push(server.create_sync(definition).await);
    }
    for uri in running {
        server.wait_for_end(&uri).await;
        assert_eq!(server.rejects(&uri).await, file.rejects(), "{uri}");
    }
    start.elapsed()
}

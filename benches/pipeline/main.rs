//! The pipeline benchmark: upload and sync through the real server over HTTP, each measured in
//! the same run against the raw cost of the same work (serde_json / csv parse plus a bare
//! SQLite insert; a bare set-based join for the apply). Prints a table; compare the ratios,
//! not the seconds, as machines differ and shared ones are noisy.
//!
//! `cargo bench --bench pipeline` (set `LOQUAT_BENCH_ROWS` to change the 1,000,000-row sync;
//! `LOQUAT_BENCH_PROFILE=realistic` runs only the realistic profile, `=import` only its imports, `=sync` only its sync,
//! `=accounts` only the account-list sync).
//!
//! With `LOQUAT_BENCH_DATABASE_URL` naming a PostgreSQL database (e.g.
//! `postgres://postgres@127.0.0.1/test`) it then measures the PostgreSQL store too, in
//! scratch schemas of that database, and prints two more tables: the backends side by side,
//! one node beside two nodes sharing the database, and the realistic profile on PostgreSQL
//! beside raw PostgreSQL floors (`backends.rs`, `raw_postgres.rs`;
//! `LOQUAT_BENCH_PROFILE=postgres` runs only the last).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod accounts;
mod backends;
mod bulk;
mod profile;
mod raw;
mod raw_postgres;
mod realistic;
mod server;

use std::time::Duration;

use profile::Timed;
use server::Server;

/// Rows of a 32 MB upload of single-field rows, as Eloqua clients send them.
const UPLOAD_ROWS: usize = 880_000;

fn email(i: usize) -> String {
    format!("user{i:07}@example.com")
}

fn json_body(rows: std::ops::Range<usize>) -> Vec<u8> {
    let mut body = Vec::with_capacity(rows.len() * 40 + 2);
    body.push(b'[');
    for (n, i) in rows.enumerate() {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(format!("{{\"Email\":\"{}\"}}", email(i)).as_bytes());
    }
    body.push(b']');
    body
}

fn csv_body(rows: std::ops::Range<usize>) -> Vec<u8> {
    let mut body = Vec::with_capacity(rows.len() * 24 + 16);
    body.extend_from_slice(b"Email\n");
    for i in rows {
        body.extend_from_slice(email(i).as_bytes());
        body.push(b'\n');
    }
    body
}

struct Line {
    what: String,
    loquat: Duration,
    raw: Option<Duration>,
    note: String,
}

fn main() {
    let rows: usize = std::env::var("LOQUAT_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut lines = Vec::new();

    // `LOQUAT_BENCH_PROFILE=postgres`: only the realistic profile on PostgreSQL.
    if std::env::var("LOQUAT_BENCH_PROFILE").as_deref() == Ok("postgres") {
        let base =
            backends::database_url().expect("the postgres profile needs LOQUAT_BENCH_DATABASE_URL");
        let file = profile::SyncFile::new(rows);
        let bodies = profile::import_bodies(rows);
        runtime.block_on(backends::realistic(&base, rows, &file, &bodies));
        return;
    }

    let json = json_body(0..UPLOAD_ROWS);
    let csv = csv_body(0..UPLOAD_ROWS);
    println!(
        "upload bodies: JSON {:.1} MB, CSV {:.1} MB, {UPLOAD_ROWS} rows",
        mb(json.len()),
        mb(csv.len())
    );

    // The realistic profile first: the shape of a customer's file (realistic.rs).
    let profile = std::env::var("LOQUAT_BENCH_PROFILE").unwrap_or_default();
    if profile.is_empty() || profile == "realistic" || profile == "sync" {
        lines.extend(realistic_sync(&runtime, rows));
    }
    if profile.is_empty() || profile == "realistic" || profile == "import" {
        lines.extend(realistic_import(&runtime, rows));
    }
    if profile.is_empty() || profile == "accounts" {
        lines.extend(accounts::sync(&runtime, rows));
    }
    if !profile.is_empty() {
        print_lines(lines);
        return;
    }

    // Memory first, on a fresh server: its peak RSS is a high-water mark.
    let peak = runtime.block_on(async {
        let server = Server::start().await;
        let definition = server.email_definition(None).await;
        let idle = server.peak_rss_kb();
        let uploads = (0..8).map(|_| server.upload(&definition, "application/json", json.clone()));
        let results = futures_join_all(uploads).await;
        assert!(
            results.iter().all(|(status, _)| *status == 204),
            "{results:?}"
        );
        (idle, server.peak_rss_kb())
    });

    let raw_json = best(|| raw::parse_and_insert_json(&json));
    let raw_csv = best(|| raw::parse_and_insert_csv(&csv));
    let raw_blob = best(|| raw::parse_and_store_blob(&json));
    let raw_apply = raw::apply(rows, RUNS);
    let (upload_json, upload_csv, sync) = runtime.block_on(async {
        let server = Server::start().await;
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
        let mut upload_csv = Duration::MAX;
        for _ in 0..RUNS {
            for (format, body, best) in [
                ("application/json", &json, &mut upload_json),
                ("text/csv", &csv, &mut upload_csv),
            ] {
                let (status, took) = server.upload(&definition, format, body.clone()).await;
                assert_eq!(status, 204);
                *best = (*best).min(took);
                server.discard(&definition).await;
            }
        }
        let mut sync = Duration::MAX;
        for list in lists {
            let definition = server.email_definition(Some(list)).await;
            for chunk in (0..rows).step_by(UPLOAD_ROWS) {
                let body = json_body(chunk..(chunk + UPLOAD_ROWS).min(rows));
                let (status, _) = server.upload(&definition, "application/json", body).await;
                assert_eq!(status, 204);
            }
            sync = sync.min(server.sync_and_wait(&definition).await);
        }
        (upload_json, upload_csv, sync)
    });

    // Imports scale linearly: 2M contacts should take about twice 1M. Export the 1M back.
    let (import_1m, import_2m, export_sync, export_read, exported, export_rss) =
        runtime.block_on(async {
            let server = Server::start().await;
            let import_1m = bulk::import(&server, rows).await;
            let import_rss = server.peak_rss_kb();
            let (export_sync, export_read, exported) = bulk::export(&server).await;
            let export_rss = (import_rss, server.peak_rss_kb());
            let bigger = Server::start().await;
            let import_2m = bulk::import(&bigger, 2 * rows).await;
            (
                import_1m,
                import_2m,
                export_sync,
                export_read,
                exported,
                export_rss,
            )
        });
    assert_eq!(exported as usize, rows);

    lines.push(Line {
        what: format!(
            "upload JSON {:.0} MB ({UPLOAD_ROWS} rows), HTTP → 204",
            mb(json.len())
        ),
        loquat: upload_json,
        raw: Some(raw_json),
        note: "raw: serde_json parse + SQLite insert".into(),
    });
    lines.push(Line {
        what: "upload JSON, staged as one blob instead of rows (the design not taken)".into(),
        loquat: upload_json,
        raw: Some(raw_blob),
        note: "raw: the same serde_json parse (validation) + one blob insert of the body".into(),
    });
    lines.push(Line {
        what: format!(
            "upload CSV {:.0} MB ({UPLOAD_ROWS} rows), HTTP → 204",
            mb(csv.len())
        ),
        loquat: upload_csv,
        raw: Some(raw_csv),
        note: "raw: csv parse + SQLite insert".into(),
    });
    lines.push(Line {
        what: format!("sync: add {rows} rows to a list, pending → success"),
        loquat: sync,
        raw: Some(raw_apply),
        note: format!("raw: one INSERT … SELECT join against {rows} contacts"),
    });
    lines.push(Line {
        what: format!("import {rows} new contacts (2 columns), pending → success"),
        loquat: import_1m,
        raw: None,
        note: "uploads not timed".into(),
    });
    lines.push(Line {
        what: format!("import {} new contacts, pending → success", 2 * rows),
        loquat: import_2m,
        raw: Some(import_1m),
        note: "raw column: the 1× import; 2.00× is linear".into(),
    });
    lines.push(Line {
        what: format!("export {rows} contacts (id, email), pending → success"),
        loquat: export_sync,
        raw: None,
        note: String::new(),
    });
    lines.push(Line {
        what: format!("read the {rows}-row export back, 50,000 per page"),
        loquat: export_read,
        raw: None,
        note: format!(
            "server peak RSS: {} MB after the import, {} MB after the export",
            export_rss.0 / 1024,
            export_rss.1 / 1024
        ),
    });
    lines.push(Line {
        what: "peak RSS, 8 concurrent 32 MB uploads".into(),
        loquat: Duration::ZERO,
        raw: None,
        note: format!("{} MB peak ({} MB idle)", peak.1 / 1024, peak.0 / 1024),
    });

    print_lines(lines);

    if let Some(base) = backends::database_url() {
        let sqlite = backends::Measured {
            upload_json,
            sync,
            import: import_1m,
        };
        runtime.block_on(backends::run(&base, rows, &json, sqlite));
        let file = profile::SyncFile::new(rows);
        let bodies = profile::import_bodies(rows);
        runtime.block_on(backends::realistic(&base, rows, &file, &bodies));
    }
}

/// The realistic sync beside its floors.
fn realistic_sync(runtime: &tokio::runtime::Runtime, rows: usize) -> Vec<Line> {
    let file = profile::SyncFile::new(rows);
    // Floor and Loquat take turns, so whatever else the machine does falls on both.
    let mut raw = raw::SyncFloor::new(&raw::CONTACTS, rows, &file.rows);
    let (mut floor_upload_order, mut floor_key_order, mut real_sync) =
        (Timed::MAX, Timed::MAX, Timed::MAX);
    runtime.block_on(async {
        let server = Server::start().await;
        server.seed_people(rows, realistic::person).await;
        for _ in 0..RUNS {
            floor_upload_order = floor_upload_order.min(raw.run(false));
            floor_key_order = floor_key_order.min(raw.run(true));
            real_sync = real_sync.min(profile::sync_once(&server, &file).await);
        }
    });
    let floor = floor_upload_order.min(floor_key_order);
    vec![Line {
        what: format!(
            "realistic sync: {} rows to a list against {rows} contacts, pending → warning",
            file.rows.len()
        ),
        loquat: real_sync.wall,
        raw: Some(floor.wall),
        note: format!(
            "raw: best plain SQL, one probe per row ({:.3} s in upload order, {:.3} s in key order) + rejects; CPU {:.2} s / {:.2} s = {:.2}×",
            floor_upload_order.wall.as_secs_f64(),
            floor_key_order.wall.as_secs_f64(),
            real_sync.cpu.as_secs_f64(),
            floor.cpu.as_secs_f64(),
            real_sync.cpu.as_secs_f64() / floor.cpu.as_secs_f64(),
        ),
    }]
}

/// Realistic imports of `rows` and twice as many contacts beside their floors.
fn realistic_import(runtime: &tokio::runtime::Runtime, rows: usize) -> Vec<Line> {
    let import_1m_bodies = profile::import_bodies(rows);
    let import_2m_bodies = profile::import_bodies(2 * rows);
    let raw_import_1m = raw::realistic_import(&import_1m_bodies, RUNS);
    let raw_import_2m = raw::realistic_import(&import_2m_bodies, 1);
    let (real_import_1m, real_import_2m) = runtime.block_on(async {
        let import_1m = profile::import(&Server::start().await, &import_1m_bodies).await;
        let import_2m = profile::import(&Server::start().await, &import_2m_bodies).await;
        (import_1m, import_2m)
    });
    let mut lines = Vec::new();
    for (n, import, raw) in [
        (rows, real_import_1m, raw_import_1m),
        (2 * rows, real_import_2m, raw_import_2m),
    ] {
        lines.push(Line {
            what: format!("realistic import: {n} new contacts, 5 columns, upload + sync"),
            loquat: import.total(),
            raw: Some(raw),
            note: format!(
                "upload {:.3} s + sync {:.3} s; raw: serde_json + one upsert per row, unique email index",
                import.upload.as_secs_f64(),
                import.sync.as_secs_f64()
            ),
        });
    }
    lines.push(Line {
        what: "realistic import: 2× the contacts / 1× (2.00 is linear)".into(),
        loquat: Duration::ZERO,
        raw: None,
        note: format!(
            "Loquat {:.2}×, raw {:.2}×",
            real_import_2m.total().as_secs_f64() / real_import_1m.total().as_secs_f64(),
            raw_import_2m.as_secs_f64() / raw_import_1m.as_secs_f64()
        ),
    });
    lines
}

/// Prints the table of `lines`.
fn print_lines(lines: Vec<Line>) {
    println!(
        "\nbest of {RUNS} runs each\n\n| work | Loquat | raw | ratio | note |\n|---|---:|---:|---:|---|"
    );
    for line in lines {
        let (raw, ratio) = match line.raw {
            Some(raw) => (
                format!("{:.3} s", raw.as_secs_f64()),
                format!("{:.2}×", line.loquat.as_secs_f64() / raw.as_secs_f64()),
            ),
            None => ("".into(), "".into()),
        };
        let loquat = if line.loquat.is_zero() {
            String::new()
        } else {
            format!("{:.3} s", line.loquat.as_secs_f64())
        };
        println!(
            "| {} | {loquat} | {raw} | {ratio} | {} |",
            line.what, line.note
        );
    }
}

/// Repetitions of each measurement; the table shows the best, the least disturbed by
/// whatever else the machine is doing.
const RUNS: usize = 3;

fn best(mut run: impl FnMut() -> Duration) -> Duration {
    (0..RUNS).map(|_| run()).min().unwrap_or_default()
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

//! The bounded load test: many concurrent Bulk API clients against the real `loquat` binary
//! for a fixed time, then an account of every row.
//!
//! ```sh
//! cargo bench --bench load                                       # 64 clients for 60 s
//! LOQUAT_LOAD_SECONDS=20 LOQUAT_LOAD_CLIENTS=16 cargo bench --bench load
//! ```
//!
//! | variable | default | meaning |
//! |---|---:|---|
//! | `LOQUAT_LOAD_SECONDS` | 60 | how long the clients run their mix |
//! | `LOQUAT_LOAD_CLIENTS` | 64 | concurrent clients |
//! | `LOQUAT_LOAD_CONTACTS` | 10000 | contacts seeded (uploads name only these, plus a few unknown emails) |
//! | `LOQUAT_LOAD_DRAIN_SECONDS` | 120 | how long, after the mix, every sync has to end |
//!
//! **Loopback only.** The bench starts its own server on a free port of 127.0.0.1 over a
//! temporary store (deleted afterwards) and sends every request there, bypassing any proxy;
//! there is no way to point it at another host. The server's warnings and errors go to
//! `/tmp/loquat-load-server.log`.
//!
//! Seeding writes the contacts straight into the store's SQLite file (there is no bulk contact
//! API), creates a contact list, and gives each client its own sync action definition (add to
//! the list, remove from it, globally subscribe or unsubscribe, in turn). Each client then
//! loops over a weighted mix: small JSON and CSV uploads (1 to 50 known emails), creating a
//! sync of what it staged (one at a time, as real clients do) and polling it, listing
//! definitions, syncs and lists, and reading sync logs and rejects. Every request is bounded
//! (30 s). When the time is up each client syncs what it still has staged and polls every
//! sync to its end, bounded by the drain deadline; then every sync's log is read.
//!
//! It prints the request count, requests per second and the p50/p90/p99/max latency overall
//! and per operation, and exits non-zero unless: no answer was a 5xx, every request got an
//! answer, every answer was the expected one, every sync ended and none in `error`, and no
//! row was lost: each sync's ELQ-00140 count ("records staged") equals the rows that uploads
//! acknowledged with 204 before it was created, so the sum over all syncs equals all rows
//! acknowledged. Run it on a quiet machine: the clients share its cores with the server.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod client;
#[path = "../common/server.rs"]
mod server;
mod stats;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::json;

use client::{Client, Plan, Report};
use server::Server;
use stats::Stats;

fn email(i: usize) -> String {
    format!("user{i:07}@example.com")
}

fn setting(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {value:?}")),
        Err(_) => default,
    }
}

fn main() -> ExitCode {
    let seconds = setting("LOQUAT_LOAD_SECONDS", 60);
    let clients = setting("LOQUAT_LOAD_CLIENTS", 64).max(1) as usize;
    let contacts = setting("LOQUAT_LOAD_CONTACTS", 10_000).max(1) as usize;
    let drain = setting("LOQUAT_LOAD_DRAIN_SECONDS", 120);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(seconds, clients, contacts, drain))
}

async fn run(seconds: u64, clients: usize, contacts: usize, drain: u64) -> ExitCode {
    let server = Server::start_logging_to("/tmp/loquat-load-server.log".as_ref()).await;
    assert!(
        server.base().starts_with("http://127.0.0.1:"),
        "the load test only targets loopback"
    );
    let list = server.seed_contacts(contacts, email).await;
    let actions = [
        json!({"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}),
        json!({"action": "remove", "destination": format!("{{{{ContactList[{list}]}}}}")}),
        json!({"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}),
        json!({"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "unsubscribed"}),
    ];
    let mut definitions = Vec::with_capacity(clients);
    for i in 0..clients {
        let action = actions[i % actions.len()].clone();
        let name = format!("load {i}");
        definitions.push(server.email_definition_with(&name, action).await);
    }
    println!(
        "{clients} clients for {seconds} s against {} ({contacts} contacts, drain up to {drain} s)",
        server.base()
    );

    let started = Instant::now();
    let stop_at = started + Duration::from_secs(seconds);
    let drain_deadline = stop_at + Duration::from_secs(drain);
    let tasks: Vec<_> = definitions
        .into_iter()
        .enumerate()
        .map(|(index, definition)| {
            let plan = Plan {
                base: server.base().to_owned(),
                index,
                definition,
                contacts,
                clients,
                stop_at,
                drain_deadline,
            };
            tokio::spawn(Client::new(plan).run())
        })
        .collect();
    let mut reports = Vec::with_capacity(tasks.len());
    for task in tasks {
        reports.push(task.await.expect("a client task panicked"));
    }
    let finished = started.elapsed();
    let peak_rss_mb = server.peak_rss_kb() / 1024;
    drop(server);

    let mut summary = Summary::of(reports, started);
    summary.print(finished, peak_rss_mb);
    if summary.failures().is_empty() {
        println!("\nall assertions hold");
        ExitCode::SUCCESS
    } else {
        for failure in summary.failures() {
            println!("FAILED: {failure}");
        }
        ExitCode::FAILURE
    }
}

/// Every client's report, merged.
struct Summary {
    run: Stats,
    drain: Stats,
    run_seconds: f64,
    uploads: u64,
    acknowledged_rows: u64,
    logged_rows: u64,
    syncs: std::collections::BTreeMap<String, u64>,
    turnaround: Vec<Duration>,
    mismatches: Vec<String>,
}

impl Summary {
    fn of(reports: Vec<Report>, started: Instant) -> Self {
        let run_ended = reports.iter().filter_map(|r| r.run_ended).max();
        let mut summary = Summary {
            run: Stats::default(),
            drain: Stats::default(),
            run_seconds: run_ended.map_or(0.0, |end| (end - started).as_secs_f64()),
            uploads: 0,
            acknowledged_rows: 0,
            logged_rows: 0,
            syncs: Default::default(),
            turnaround: Vec::new(),
            mismatches: Vec::new(),
        };
        for report in reports {
            summary.run.merge(report.run);
            summary.drain.merge(report.drain);
            summary.uploads += report.uploads;
            summary.acknowledged_rows += report.acknowledged_rows;
            summary.logged_rows += report.logged_rows;
            for (status, n) in report.syncs {
                *summary.syncs.entry(status).or_default() += n;
            }
            summary.turnaround.extend(report.turnaround);
            summary.mismatches.extend(report.mismatches);
        }
        summary
    }

    fn print(&mut self, finished: Duration, peak_rss_mb: u64) {
        println!("\n{}", self.run.table(self.run_seconds));
        let requests = self.run.requests();
        println!(
            "{requests} requests in {:.1} s: {:.0} requests/s",
            self.run_seconds,
            requests as f64 / self.run_seconds
        );
        let syncs: u64 = self.syncs.values().sum();
        let statuses: Vec<String> = self.syncs.iter().map(|(s, n)| format!("{s} {n}")).collect();
        println!(
            "{} uploads acknowledged ({} rows); {syncs} syncs ({}); {} rows in their ELQ-00140 lines",
            self.uploads,
            self.acknowledged_rows,
            statuses.join(", "),
            self.logged_rows
        );
        self.turnaround.sort_unstable();
        let at = |p| stats::percentile(&self.turnaround, p).as_secs_f64();
        println!(
            "sync turnaround (POST /syncs → a poll sees it ended; polls are part of the mix): p50 {:.2} s, p90 {:.2} s, max {:.2} s",
            at(0.5),
            at(0.9),
            self.turnaround
                .last()
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
        );
        println!(
            "drain and account: {} requests; everything took {:.1} s; server peak RSS {peak_rss_mb} MB",
            self.drain.requests(),
            finished.as_secs_f64()
        );
        for sample in self.run.samples.iter().chain(&self.drain.samples) {
            println!("  unexpected: {sample}");
        }
        for mismatch in self.mismatches.iter().take(10) {
            println!("  rows differ: {mismatch}");
        }
    }

    /// The assertions that failed.
    fn failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        let both = |f: fn(&Stats) -> u64| f(&self.run) + f(&self.drain);
        let server_errors = both(Stats::server_errors);
        if server_errors > 0 {
            failures.push(format!("{server_errors} answers were 5xx"));
        }
        let transport = both(Stats::transport_errors);
        if transport > 0 {
            failures.push(format!("{transport} requests got no answer"));
        }
        let unexpected = both(Stats::unexpected) - server_errors;
        if unexpected > 0 {
            failures.push(format!(
                "{unexpected} answers had an unexpected (non-5xx) status"
            ));
        }
        for status in ["unfinished", "error"] {
            if let Some(n) = self.syncs.get(status) {
                failures.push(format!("{n} syncs {status}"));
            }
        }
        if self.logged_rows != self.acknowledged_rows || !self.mismatches.is_empty() {
            failures.push(format!(
                "rows lost or gained: {} acknowledged, {} in ELQ-00140 logs; {} syncs differ",
                self.acknowledged_rows,
                self.logged_rows,
                self.mismatches.len()
            ));
        }
        failures
    }
}

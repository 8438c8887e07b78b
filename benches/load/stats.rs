//! What the clients saw: latencies, statuses and failures per operation, merged across
//! clients at the end (each client keeps its own, so recording takes no lock).

use std::collections::BTreeMap;
use std::time::Duration;

/// Every kind of request a client makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    UploadJson,
    UploadCsv,
    CreateSync,
    PollSync,
    ListDefinitions,
    ListSyncs,
    ListLists,
    ReadLogs,
    ReadRejects,
}

impl Op {
    pub const ALL: [Op; 9] = [
        Op::UploadJson,
        Op::UploadCsv,
        Op::CreateSync,
        Op::PollSync,
        Op::ListDefinitions,
        Op::ListSyncs,
        Op::ListLists,
        Op::ReadLogs,
        Op::ReadRejects,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Op::UploadJson => "upload JSON  POST …/syncActions/{id}/data",
            Op::UploadCsv => "upload CSV   POST …/syncActions/{id}/data",
            Op::CreateSync => "create sync  POST /syncs",
            Op::PollSync => "poll sync    GET /syncs/{id}",
            Op::ListDefinitions => "list defs    GET /contacts/syncActions",
            Op::ListSyncs => "list syncs   GET /syncs",
            Op::ListLists => "list lists   GET /contacts/lists",
            Op::ReadLogs => "read logs    GET /syncs/{id}/logs",
            Op::ReadRejects => "read rejects GET /syncs/{id}/rejects",
        }
    }
}

/// Unexpected answers kept verbatim, per client, for the report.
const SAMPLES: usize = 5;

/// One operation's record.
#[derive(Debug, Default)]
pub struct OpStats {
    /// Time from sending to the whole answer read, in microseconds.
    latencies_us: Vec<u64>,
    /// Answers by HTTP status.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no HTTP answer (connection failures, timeouts).
    pub transport_errors: u64,
    /// Answers whose status was not the one expected.
    pub unexpected: u64,
}

/// All operations' records.
#[derive(Debug, Default)]
pub struct Stats {
    ops: BTreeMap<Op, OpStats>,
    /// A few unexpected answers or transport errors, described.
    pub samples: Vec<String>,
}

impl Stats {
    /// An answer with `status` after `took`; `expected` says whether it was the intended one.
    pub fn answered(&mut self, op: Op, took: Duration, status: u16, expected: bool, body: &str) {
        let entry = self.ops.entry(op).or_default();
        entry
            .latencies_us
            .push(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
        *entry.statuses.entry(status).or_default() += 1;
        if !expected {
            entry.unexpected += 1;
            self.sample(format!("{op:?}: HTTP {status}: {}", snippet(body)));
        }
    }

    /// A request that got no answer.
    pub fn failed(&mut self, op: Op, took: Duration, error: &reqwest::Error) {
        let entry = self.ops.entry(op).or_default();
        entry
            .latencies_us
            .push(u64::try_from(took.as_micros()).unwrap_or(u64::MAX));
        entry.transport_errors += 1;
        self.sample(format!("{op:?}: transport error after {took:?}: {error}"));
    }

    fn sample(&mut self, what: String) {
        if self.samples.len() < SAMPLES {
            self.samples.push(what);
        }
    }

    /// Adds `other`'s records to these.
    pub fn merge(&mut self, other: Stats) {
        for (op, theirs) in other.ops {
            let mine = self.ops.entry(op).or_default();
            mine.latencies_us.extend(theirs.latencies_us);
            for (status, n) in theirs.statuses {
                *mine.statuses.entry(status).or_default() += n;
            }
            mine.transport_errors += theirs.transport_errors;
            mine.unexpected += theirs.unexpected;
        }
        for sample in other.samples {
            self.sample(sample);
        }
    }

    /// Requests made, answered or not.
    pub fn requests(&self) -> u64 {
        self.ops.values().map(|o| o.latencies_us.len() as u64).sum()
    }

    /// Answers with a 5xx status.
    pub fn server_errors(&self) -> u64 {
        self.count(|o| o.statuses.range(500..600).map(|(_, n)| n).sum())
    }

    /// Requests that got no answer.
    pub fn transport_errors(&self) -> u64 {
        self.count(|o| o.transport_errors)
    }

    /// Answers other than the expected one (5xx included).
    pub fn unexpected(&self) -> u64 {
        self.count(|o| o.unexpected)
    }

    fn count(&self, f: impl Fn(&OpStats) -> u64) -> u64 {
        self.ops.values().map(f).sum()
    }

    /// The per-operation table, then the overall line, as Markdown.
    pub fn table(&mut self, seconds: f64) -> String {
        let mut out = String::from(
            "| operation | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | statuses |\n\
             |---|---:|---:|---:|---:|---:|---:|---|\n",
        );
        let mut all = Vec::new();
        for op in Op::ALL {
            let Some(stats) = self.ops.get_mut(&op) else {
                continue;
            };
            stats.latencies_us.sort_unstable();
            all.extend_from_slice(&stats.latencies_us);
            let statuses = stats
                .statuses
                .iter()
                .map(|(s, n)| format!("{s}×{n}"))
                .chain(
                    (stats.transport_errors > 0)
                        .then(|| format!("no answer×{}", stats.transport_errors)),
                )
                .collect::<Vec<_>>()
                .join(" ");
            out.push_str(&row(op.label(), &stats.latencies_us, seconds, &statuses));
        }
        all.sort_unstable();
        out.push_str(&row("**all**", &all, seconds, ""));
        out
    }
}

fn row(what: &str, sorted_us: &[u64], seconds: f64, statuses: &str) -> String {
    let ms = |us: u64| format!("{:.1}", us as f64 / 1000.0);
    format!(
        "| {what} | {} | {:.0} | {} | {} | {} | {} | {statuses} |\n",
        sorted_us.len(),
        sorted_us.len() as f64 / seconds,
        ms(percentile(sorted_us, 0.50)),
        ms(percentile(sorted_us, 0.90)),
        ms(percentile(sorted_us, 0.99)),
        ms(sorted_us.last().copied().unwrap_or(0)),
    )
}

/// The nearest-rank percentile of sorted values (the default for none).
pub fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn snippet(body: &str) -> String {
    body.chars().take(200).collect()
}

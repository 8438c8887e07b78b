//! One simulated Bulk API client: a loop over a weighted mix of calls against its own sync
//! action definition, then a drain (a last sync of whatever it left staged, every sync polled
//! to its end) and an account of its rows (each sync's ELQ-00140 count against the rows its
//! uploads had acknowledged).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use super::server::AUTH;
use super::stats::{Op, Stats};

/// Longest wait for any one answer; beyond it the request counts as a transport error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause between rounds of polls while draining.
const DRAIN_POLL: Duration = Duration::from_millis(100);
/// Rows per upload, at most.
const MAX_ROWS: usize = 50;

/// The mix: each call's weight, out of 100.
const MIX: [(Op, u32); 9] = [
    (Op::UploadJson, 25),
    (Op::UploadCsv, 15),
    (Op::CreateSync, 6),
    (Op::PollSync, 20),
    (Op::ListDefinitions, 6),
    (Op::ListSyncs, 8),
    (Op::ListLists, 6),
    (Op::ReadLogs, 7),
    (Op::ReadRejects, 7),
];

/// What a client is given.
pub struct Plan {
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    /// This client's number.
    pub index: usize,
    /// Its definition's uri (`/contacts/syncActions/{id}`).
    pub definition: String,
    /// Contacts seeded; uploads name `email(0..contacts)`.
    pub contacts: usize,
    /// Clients in all (for paging through the definitions).
    pub clients: usize,
    /// When the mix stops.
    pub stop_at: Instant,
    /// When the drain gives up.
    pub drain_deadline: Instant,
}

/// A sync this client created and the rows it should have taken.
struct Tracked {
    uri: String,
    created: Instant,
    expected_rows: u64,
    status: Option<String>,
}

/// What a client did and found.
#[derive(Default)]
pub struct Report {
    /// The mix's requests.
    pub run: Stats,
    /// When the mix ended.
    pub run_ended: Option<Instant>,
    /// The drain's and the account's requests.
    pub drain: Stats,
    /// Uploads answered 204, and their rows.
    pub uploads: u64,
    pub acknowledged_rows: u64,
    /// Sum of the ELQ-00140 counts in every sync's log.
    pub logged_rows: u64,
    /// Syncs by final status (`unfinished` for those still running at the deadline).
    pub syncs: BTreeMap<String, u64>,
    /// For each sync seen ended: from its creation to the poll that saw it ended.
    pub turnaround: Vec<Duration>,
    /// Syncs whose ELQ-00140 count differs from the rows acknowledged before them.
    pub mismatches: Vec<String>,
}

pub struct Client {
    plan: Plan,
    http: reqwest::Client,
    rng: StdRng,
    stats: Stats,
    syncs: Vec<Tracked>,
    /// Rows acknowledged since the last sync was created.
    unsynced_rows: u64,
    uploads: u64,
    acknowledged_rows: u64,
    unknown: u64,
    turnaround: Vec<Duration>,
}

impl Client {
    pub fn new(plan: Plan) -> Self {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            // Loopback only: never route through a proxy named in the environment.
            .no_proxy()
            .build()
            .expect("a reqwest client with a timeout builds");
        let rng = StdRng::seed_from_u64(plan.index as u64);
        Self {
            plan,
            http,
            rng,
            stats: Stats::default(),
            syncs: Vec::new(),
            unsynced_rows: 0,
            uploads: 0,
            acknowledged_rows: 0,
            unknown: 0,
            turnaround: Vec::new(),
        }
    }

    /// Runs the mix until `stop_at`, then drains and accounts.
    pub async fn run(mut self) -> Report {
        let weights =
            WeightedIndex::new(MIX.iter().map(|(_, w)| *w)).expect("the mix has positive weights");
        while Instant::now() < self.plan.stop_at {
            let op = MIX[weights.sample(&mut self.rng)].0;
            self.step(op).await;
        }
        let run_ended = Some(Instant::now());
        let run = std::mem::take(&mut self.stats);
        self.drain().await;
        let (logged_rows, mismatches) = self.account().await;
        let mut syncs = BTreeMap::new();
        for sync in &self.syncs {
            let status = sync.status.clone().unwrap_or_else(|| "unfinished".into());
            *syncs.entry(status).or_default() += 1;
        }
        Report {
            run,
            run_ended,
            drain: self.stats,
            uploads: self.uploads,
            acknowledged_rows: self.acknowledged_rows,
            logged_rows,
            syncs,
            turnaround: self.turnaround,
            mismatches,
        }
    }

    /// One call of kind `op`, or a stand-in when `op` needs a sync this client lacks.
    async fn step(&mut self, op: Op) {
        let open = self.syncs.iter().rposition(|s| s.status.is_none());
        let ended: Vec<usize> = (0..self.syncs.len())
            .filter(|&i| self.syncs[i].status.is_some())
            .collect();
        let any_ended = (!ended.is_empty()).then(|| ended[self.rng.gen_range(0..ended.len())]);
        match op {
            Op::UploadJson | Op::UploadCsv => self.upload(op).await,
            // Like a real client, one sync at a time: create, then poll it to its end.
            Op::CreateSync => match open {
                Some(i) => self.poll(i, Op::PollSync).await,
                None if self.unsynced_rows > 0 => self.create_sync(Op::CreateSync).await,
                None => self.upload(Op::UploadJson).await,
            },
            Op::PollSync => match open.or(any_ended) {
                Some(i) => self.poll(i, Op::PollSync).await,
                None => self.upload(Op::UploadCsv).await,
            },
            Op::ListDefinitions => {
                let offset = self.rng.gen_range(0..self.plan.clients);
                let path = format!("/contacts/syncActions?limit=50&offset={offset}");
                self.get(op, &path).await;
            }
            Op::ListSyncs => {
                self.get(op, "/syncs?orderBy=createdAt%20DESC&limit=50")
                    .await;
            }
            Op::ListLists => {
                self.get(op, "/contacts/lists?limit=100").await;
            }
            Op::ReadLogs | Op::ReadRejects => match any_ended {
                Some(i) => {
                    let what = if op == Op::ReadLogs {
                        "logs"
                    } else {
                        "rejects"
                    };
                    let path = format!("{}/{what}?limit=100", self.syncs[i].uri);
                    self.get(op, &path).await;
                }
                None => self.upload(Op::UploadJson).await,
            },
        }
    }

    /// Uploads 1 to 50 rows of known emails (and now and then one nobody has, so that
    /// syncs have rejects to read); counts the rows when the answer is 204.
    async fn upload(&mut self, op: Op) {
        let rows = self.rng.gen_range(1..=MAX_ROWS);
        let mut emails: Vec<String> = (0..rows)
            .map(|_| super::email(self.rng.gen_range(0..self.plan.contacts)))
            .collect();
        if self.rng.gen_ratio(1, 10) {
            self.unknown += 1;
            emails[0] = format!("nobody-{}-{}@example.org", self.plan.index, self.unknown);
        }
        let (content_type, body) = if op == Op::UploadCsv {
            ("text/csv", format!("Email\n{}\n", emails.join("\n")))
        } else {
            let rows: Vec<Value> = emails
                .into_iter()
                .map(|e| serde_json::json!({ "Email": e }))
                .collect();
            ("application/json", Value::Array(rows).to_string())
        };
        let path = format!("{}/data", self.plan.definition);
        let request = self
            .request(reqwest::Method::POST, &path)
            .header("Content-Type", content_type)
            .body(body);
        if self.send(op, request, 204).await.is_some() {
            self.uploads += 1;
            self.acknowledged_rows += rows as u64;
            self.unsynced_rows += rows as u64;
        }
    }

    /// Creates a sync of everything staged; it is expected to take the unsynced rows.
    async fn create_sync(&mut self, op: Op) {
        let body = serde_json::json!({ "syncedInstanceUri": self.plan.definition });
        let request = self.request(reqwest::Method::POST, "/syncs").json(&body);
        let Some(answer) = self.send(op, request, 201).await else {
            return;
        };
        let created: Value = serde_json::from_str(&answer).unwrap_or_default();
        let Some(uri) = created["uri"].as_str() else {
            self.stats
                .samples
                .push(format!("POST /syncs answered {answer}"));
            return;
        };
        self.syncs.push(Tracked {
            uri: uri.to_owned(),
            created: Instant::now(),
            expected_rows: std::mem::take(&mut self.unsynced_rows),
            status: None,
        });
    }

    /// Reads sync `i`; records its status once it has ended.
    async fn poll(&mut self, i: usize, op: Op) {
        let uri = self.syncs[i].uri.clone();
        let Some(answer) = self.get(op, &uri).await else {
            return;
        };
        let sync: Value = serde_json::from_str(&answer).unwrap_or_default();
        if let Some(status @ ("success" | "warning" | "error")) = sync["status"].as_str() {
            if self.syncs[i].status.is_none() {
                self.turnaround.push(self.syncs[i].created.elapsed());
            }
            self.syncs[i].status = Some(status.to_owned());
        }
    }

    /// A last sync of anything still staged, then polls until every sync has ended or the
    /// drain deadline passes.
    async fn drain(&mut self) {
        if self.unsynced_rows > 0 {
            self.create_sync(Op::CreateSync).await;
        }
        while Instant::now() < self.plan.drain_deadline {
            let open: Vec<usize> = (0..self.syncs.len())
                .filter(|&i| self.syncs[i].status.is_none())
                .collect();
            if open.is_empty() {
                return;
            }
            for i in open {
                self.poll(i, Op::PollSync).await;
            }
            tokio::time::sleep(DRAIN_POLL).await;
        }
    }

    /// Sums each sync's ELQ-00140 count; lists the syncs whose count is not what was sent.
    async fn account(&mut self) -> (u64, Vec<String>) {
        let mut total = 0;
        let mut mismatches = Vec::new();
        for i in 0..self.syncs.len() {
            let path = format!("{}/logs?limit=1000", self.syncs[i].uri);
            let logged = match self.get(Op::ReadLogs, &path).await {
                Some(answer) => staged_count(&answer),
                None => None,
            };
            let sync = &self.syncs[i];
            total += logged.unwrap_or(0);
            if logged != Some(sync.expected_rows) {
                mismatches.push(format!(
                    "{} ({}): ELQ-00140 {logged:?}, {} rows acknowledged before it",
                    sync.uri,
                    sync.status.as_deref().unwrap_or("unfinished"),
                    sync.expected_rows
                ));
            }
        }
        (total, mismatches)
    }

    /// A GET expecting 200; the body when it came.
    async fn get(&mut self, op: Op, path: &str) -> Option<String> {
        let request = self.request(reqwest::Method::GET, path);
        self.send(op, request, 200).await
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/api/bulk/2.0{path}", self.plan.base))
            .basic_auth(AUTH.0, Some(AUTH.1))
    }

    /// Sends, reads the whole answer, records it; the body when the status was `expected`.
    async fn send(
        &mut self,
        op: Op,
        request: reqwest::RequestBuilder,
        expected: u16,
    ) -> Option<String> {
        let start = Instant::now();
        let answer = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            Ok::<_, reqwest::Error>((status, response.text().await?))
        }
        .await;
        let took = start.elapsed();
        match answer {
            Ok((status, body)) => {
                let ok = status == expected;
                self.stats.answered(op, took, status, ok, &body);
                ok.then_some(body)
            }
            Err(error) => {
                self.stats.failed(op, took, &error);
                None
            }
        }
    }
}

/// The ELQ-00140 count in a page of sync logs, if the page has that line.
fn staged_count(page: &str) -> Option<u64> {
    let page: Value = serde_json::from_str(page).ok()?;
    page["items"]
        .as_array()?
        .iter()
        .find(|line| line["statusCode"] == "ELQ-00140")
        .and_then(|line| line["count"].as_u64())
}

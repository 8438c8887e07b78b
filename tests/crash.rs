//! Crash harness: the real server is killed with SIGKILL at random moments while clients
//! upload and sync concurrently, then restarted, many times. Afterwards every acknowledged
//! upload has been processed whole, no upload partly, every sync is terminal with exactly the
//! log lines of the uploads it processed, and list membership is exactly the contacts the
//! processed uploads name.
//!
//! `LOQUAT_CRASH_ITERATIONS` sets the number of kills (default 6).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Client, Server, codes, is_terminal};
use reqwest::Method;
use serde_json::{Value, json};

const PASSWORD: &str = "crash-password";
/// Contacts that exist; uploads mix them with addresses no contact has.
const KNOWN: usize = 500;
const DEFINITIONS: usize = 3;

fn known(i: usize) -> String {
    format!("known{i:04}@example.com")
}

/// One upload a client attempted: its own unknown addresses and some known ones.
#[derive(Debug, Clone)]
struct Upload {
    unknown: usize,
    known: Vec<usize>,
    acknowledged: bool,
}

fn body(id: usize, upload: &Upload) -> Value {
    let mut rows: Vec<Value> = (0..upload.unknown)
        .map(|i| json!({"Email": format!("u{id}.{i}@nowhere.test")}))
        .collect();
    rows.extend(upload.known.iter().map(|k| json!({"Email": known(*k)})));
    Value::Array(rows)
}

/// A small deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below.max(1)
    }
}

/// A client of `server` that gives up on a request after 10 s (a killed server never answers).
fn client_of(server: &Server) -> Client {
    let mut client = server.client("Crash\\ops", PASSWORD);
    client.http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    client
}

/// The log lines `(code, count)` a sync that processed `uploads` (and nothing else) writes:
/// every known address of an upload names a contact, the first row naming a contact matches
/// it and later ones are duplicates, and every unknown address is unmatched.
fn expected_logs(uploads: &[&Upload]) -> Vec<(String, u64)> {
    let unknown: usize = uploads.iter().map(|u| u.unknown).sum();
    let known: Vec<usize> = uploads.iter().flat_map(|u| u.known.clone()).collect();
    let matched = known.iter().collect::<BTreeSet<_>>().len();
    let duplicates = known.len() - matched;
    let rows = (unknown + known.len()) as u64;
    if uploads.is_empty() {
        return codes(&[("ELQ-00140", 0), ("ELQ-00124", 0), ("ELQ-00101", 0)]);
    }
    let mut lines = vec![("ELQ-00140", rows), ("ELQ-00119", matched as u64)];
    if duplicates > 0 {
        lines.push(("ELQ-00026", duplicates as u64));
    }
    lines.push(("ELQ-00034", unknown as u64));
    lines.push(("ELQ-00060", (unknown + duplicates) as u64));
    lines.push(("ELQ-00101", 0));
    codes(&lines)
}

/// The ids of the uploads a sync processed: each unknown address of upload `id` is rejected
/// as `u{id}.{i}@nowhere.test`.
async fn processed_uploads(client: &Client, sync_uri: &str) -> BTreeMap<usize, usize> {
    let mut processed = BTreeMap::new();
    let mut offset = 0;
    loop {
        let path = format!("/api/bulk/2.0{sync_uri}/rejects?limit=1000&offset={offset}");
        let (status, page) = client.get(&path).await;
        assert_eq!(status, 200, "{page}");
        for reject in page["items"].as_array().unwrap() {
            let value = reject["fieldValues"]["Email"].as_str().unwrap_or_default();
            if let Some(id) = value
                .strip_prefix('u')
                .and_then(|v| v.split('.').next())
                .and_then(|v| v.parse().ok())
            {
                *processed.entry(id).or_default() += 1;
            }
        }
        offset += 1000;
        if page["hasMore"] != json!(true) {
            return processed;
        }
    }
}

/// The addresses of the members of contact list `list`, read from the SQLite store in `dir`.
fn members(dir: &std::path::Path, list: i64) -> BTreeSet<String> {
    let conn = common::sqlite(dir);
    let mut query = conn
        .prepare(
            "SELECT c.email_address FROM contact_list_members m
             JOIN contacts c ON c.id = m.contact_id WHERE m.list_id = ?1",
        )
        .unwrap();
    query
        .query_map([list], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_servers_lose_nothing_acknowledged_and_apply_nothing_twice() {
    let iterations: u64 = std::env::var("LOQUAT_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let dir = tempfile::tempdir().unwrap();
    let env = common::bootstrap("Crash", "ops", PASSWORD);
    let mut server = Server::start(dir.path(), &env);
    let client = client_of(&server);
    common::seed_sqlite_contacts(dir.path(), (0..KNOWN).map(known));
    let list = client.create_list("Crash").await;
    let mut definitions = Vec::new();
    for _ in 0..DEFINITIONS {
        definitions.push(client.definition(&common::add_to_list("crash", list)).await);
    }

    let uploads: Arc<Mutex<Vec<Upload>>> = Arc::default();
    let mut random = Lcg(0x5eed);
    for iteration in 0..iterations {
        // Each start of the server listens on a new port.
        let client = Arc::new(client_of(&server));
        let workers: Vec<_> = (0..4)
            .map(|worker| {
                let (client, uploads, definitions) = (
                    Arc::clone(&client),
                    Arc::clone(&uploads),
                    definitions.clone(),
                );
                let mut random = Lcg(iteration * 10 + worker);
                tokio::spawn(async move {
                    loop {
                        let definition = random.next(DEFINITIONS as u64) as usize;
                        if worker == 0 && random.next(4) == 0 {
                            let sync = json!({"syncedInstanceUri": definitions[definition]});
                            if client
                                .try_call(Method::POST, "/api/bulk/2.0/syncs", Some(&sync))
                                .await
                                .is_none()
                            {
                                return;
                            }
                            continue;
                        }
                        let upload = Upload {
                            unknown: 1 + random.next(300) as usize,
                            known: (0..random.next(40))
                                .map(|_| random.next(KNOWN as u64) as usize)
                                .collect(),
                            acknowledged: false,
                        };
                        let id = {
                            let mut all = uploads.lock().unwrap();
                            all.push(upload.clone());
                            all.len() - 1
                        };
                        let path = format!("/api/bulk/2.0{}/data", definitions[definition]);
                        match client
                            .try_call(Method::POST, &path, Some(&body(id, &upload)))
                            .await
                        {
                            Some((status, _)) if status == 204 => {
                                uploads.lock().unwrap()[id].acknowledged = true;
                            }
                            Some((status, answer)) => panic!("upload answered {status}: {answer}"),
                            None => return,
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100 + random.next(400))).await;
        drop(server); // SIGKILL mid-work
        for worker in workers {
            worker.await.unwrap();
        }
        server = Server::start(dir.path(), &[]);
    }

    // One last sync per definition takes whatever is still staged; then everything must end.
    let client = client_of(&server);
    for uri in &definitions {
        client.sync(uri).await;
    }
    let deadline = Instant::now() + common::DEADLINE;
    let syncs = loop {
        let items = client.items("/syncs?limit=1000").await;
        if items.iter().all(is_terminal) {
            break items;
        }
        assert!(Instant::now() < deadline, "syncs still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // Which uploads each sync processed: the unknown addresses of each show up as its rejects.
    let uploads = uploads.lock().unwrap().clone();
    let mut processed_by: BTreeMap<usize, String> = BTreeMap::new();
    for sync in &syncs {
        let uri = sync["uri"].as_str().unwrap();
        let processed = processed_uploads(&client, uri).await;
        for (&id, &seen) in &processed {
            assert_eq!(
                seen, uploads[id].unknown,
                "upload {id} processed partly by {uri}: {seen} of {}",
                uploads[id].unknown
            );
            if let Some(earlier) = processed_by.insert(id, uri.to_owned()) {
                panic!("upload {id} processed twice, by {earlier} and {uri}");
            }
        }
        let by_this: Vec<&Upload> = processed.keys().map(|&id| &uploads[id]).collect();
        assert_eq!(
            client.log_codes(uri).await,
            expected_logs(&by_this),
            "one set of logs for {uri}, of the uploads {:?}",
            processed.keys()
        );
    }
    let mut expected_members = BTreeSet::new();
    for (id, upload) in uploads.iter().enumerate() {
        if upload.acknowledged {
            assert!(
                processed_by.contains_key(&id),
                "acknowledged upload {id} was lost"
            );
        }
        if processed_by.contains_key(&id) {
            expected_members.extend(upload.known.iter().map(|&k| known(k)));
        }
    }
    assert_eq!(
        members(dir.path(), list),
        expected_members,
        "membership is exactly the contacts the processed uploads name"
    );
    assert!(
        uploads.iter().filter(|u| u.acknowledged).count() > iterations as usize,
        "the harness did real work"
    );
    drop(server);
}

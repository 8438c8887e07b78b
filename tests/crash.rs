//! Crash harness: the real server is killed with SIGKILL at random moments while clients
//! upload and sync concurrently, then restarted, many times. Afterwards every acknowledged
//! upload has been processed whole, no upload partly, every sync is terminal with one set of
//! logs, and list membership is exactly what the processed uploads ask for.
//!
//! `LOQUAT_CRASH_ITERATIONS` sets the number of kills (default 6).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

struct Client {
    http: reqwest::Client,
    base: String,
    auth: String,
}

impl Client {
    fn new(port: u16) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self {
            http,
            base: format!("http://127.0.0.1:{port}"),
            auth: common::basic("Crash\\ops", PASSWORD),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Option<(u16, Value)> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", &self.auth);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        let text = response.text().await.ok()?;
        Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_servers_lose_nothing_acknowledged_and_apply_nothing_twice() {
    let iterations: u64 = std::env::var("LOQUAT_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let env = [
        ("LOQUAT_BOOTSTRAP_SITE", "Crash"),
        ("LOQUAT_BOOTSTRAP_USER", "ops"),
        ("LOQUAT_BOOTSTRAP_PASSWORD", PASSWORD),
    ];
    let mut server = common::serve(dir.path(), port, &env);
    common::wait_for_port(port);
    let client = Arc::new(Client::new(port));
    {
        let mut conn = rusqlite::Connection::open(dir.path().join("loquat.db")).unwrap();
        conn.busy_timeout(Duration::from_secs(10)).unwrap();
        let tx = conn.transaction().unwrap();
        for i in 0..KNOWN {
            tx.execute("INSERT INTO contacts (site_id, email_address, created_at, updated_at) VALUES (1, ?1, 0, 0)", [known(i)]).unwrap();
        }
        tx.commit().unwrap();
    }
    let (_, list) = client
        .call(
            reqwest::Method::POST,
            "/api/REST/1.0/assets/contact/list",
            Some(&json!({"name": "Crash"})),
        )
        .await
        .unwrap();
    let list: i64 = list["id"].as_str().unwrap().parse().unwrap();
    let mut definitions = Vec::new();
    for _ in 0..DEFINITIONS {
        let body = json!({
            "name": "crash", "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "Email",
            "syncActions": [{"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")}]
        });
        let (_, created) = client
            .call(
                reqwest::Method::POST,
                "/api/bulk/2.0/contacts/syncActions",
                Some(&body),
            )
            .await
            .unwrap();
        definitions.push(created["uri"].as_str().unwrap().to_owned());
    }

    let uploads: Arc<Mutex<Vec<Upload>>> = Arc::default();
    let mut random = Lcg(0x5eed);
    for iteration in 0..iterations {
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
                                .call(reqwest::Method::POST, "/api/bulk/2.0/syncs", Some(&sync))
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
                            .call(reqwest::Method::POST, &path, Some(&body(id, &upload)))
                            .await
                        {
                            Some((204, _)) => uploads.lock().unwrap()[id].acknowledged = true,
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
        server = common::serve(dir.path(), port, &[]);
        common::wait_for_port(port);
    }

    // One last sync per definition takes whatever is still staged; then everything must end.
    for uri in &definitions {
        let (status, _) = client
            .call(
                reqwest::Method::POST,
                "/api/bulk/2.0/syncs",
                Some(&json!({"syncedInstanceUri": uri})),
            )
            .await
            .unwrap();
        assert_eq!(status, 201);
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let syncs = loop {
        let (_, page) = client
            .call(reqwest::Method::GET, "/api/bulk/2.0/syncs?limit=1000", None)
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap().clone();
        if items
            .iter()
            .all(|s| matches!(s["status"].as_str(), Some("success" | "warning" | "error")))
        {
            break items;
        }
        assert!(Instant::now() < deadline, "syncs still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // Which uploads were processed: the unknown addresses of each show up as its rejects.
    let mut processed: BTreeMap<usize, usize> = BTreeMap::new();
    for sync in &syncs {
        let uri = sync["uri"].as_str().unwrap();
        let (_, logs) = client
            .call(
                reqwest::Method::GET,
                &format!("/api/bulk/2.0{uri}/logs"),
                None,
            )
            .await
            .unwrap();
        let finals = logs["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["statusCode"] == "ELQ-00101")
            .count();
        assert_eq!(finals, 1, "one set of logs for {uri}");
        let mut offset = 0;
        loop {
            let (_, page) = client
                .call(
                    reqwest::Method::GET,
                    &format!("/api/bulk/2.0{uri}/rejects?limit=1000&offset={offset}"),
                    None,
                )
                .await
                .unwrap();
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
                break;
            }
        }
    }
    let uploads = uploads.lock().unwrap().clone();
    let mut expected_members = BTreeSet::new();
    for (id, upload) in uploads.iter().enumerate() {
        let seen = processed.get(&id).copied().unwrap_or(0);
        assert!(
            seen == 0 || seen == upload.unknown,
            "upload {id} processed partly: {seen} of {}",
            upload.unknown
        );
        if upload.acknowledged {
            assert_eq!(seen, upload.unknown, "acknowledged upload {id} was lost");
        }
        if seen > 0 {
            expected_members.extend(upload.known.iter().copied());
        }
    }
    let (_, view) = client
        .call(
            reqwest::Method::GET,
            &format!("/api/bulk/2.0/contacts/lists/{list}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        view["count"],
        expected_members.len(),
        "membership equals what the processed uploads ask for"
    );
    assert!(
        uploads.iter().filter(|u| u.acknowledged).count() > iterations as usize,
        "the harness did real work"
    );
    drop(server);
}

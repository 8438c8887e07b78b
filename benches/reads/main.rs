//! Reads as clients grow: `GET /syncs/{id}` from 4, 16, 64 and 256 keep-alive clients against
//! the real `loquat` binary, beside a bare axum handler answering the same body on the same
//! machine in the same run (the floor: HTTP and JSON with nothing of Loquat in the way).
//!
//! ```sh
//! cargo bench --bench reads                          # 5 s per step
//! LOQUAT_READS_SECONDS=10 cargo bench --bench reads
//! ```
//!
//! Loopback only: the server and the floor listen on 127.0.0.1 and nothing else is reached.
//! Every answer must be a 200; the bench exits non-zero otherwise. Run it on a quiet machine:
//! the clients share its cores with the server.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../common/server.rs"]
mod server;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use server::{AUTH, Server};

const CLIENTS: [usize; 4] = [4, 16, 64, 256];

fn email(i: usize) -> String {
    format!("user{i:07}@example.com")
}

/// What one step measured.
struct Step {
    requests: usize,
    failures: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `clients` tasks, each with its own keep-alive connection, send `GET url` in a loop for
/// `seconds`.
async fn step(url: &str, auth: bool, clients: usize, seconds: u64) -> Step {
    let started = Instant::now();
    let stop_at = started + Duration::from_secs(seconds);
    let url: Arc<str> = url.into();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let url = Arc::clone(&url);
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .no_proxy()
                    .pool_max_idle_per_host(1)
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                let (mut latencies, mut failures) = (Vec::new(), 0);
                while Instant::now() < stop_at {
                    let sent = Instant::now();
                    let mut request = http.get(&*url);
                    if auth {
                        request = request.basic_auth(AUTH.0, Some(AUTH.1));
                    }
                    match request.send().await {
                        Ok(answer) if answer.status() == 200 => {
                            answer.bytes().await.unwrap();
                            latencies.push(sent.elapsed());
                        }
                        _ => failures += 1,
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let (mut latencies, mut failures) = (Vec::new(), 0);
    for task in tasks {
        let (mine, failed) = task.await.unwrap();
        latencies.extend(mine);
        failures += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    Step {
        requests: latencies.len(),
        failures,
        per_second: latencies.len() as f64 / elapsed,
        p50_ms: at(0.50),
        p99_ms: at(0.99),
    }
}

/// A bare axum server on 127.0.0.1 answering every `GET /` with `body`.
async fn floor(body: Value) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let body = Arc::new(body);
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let body = Arc::clone(&body);
            async move { axum::Json((*body).clone()) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/")
}

fn main() -> ExitCode {
    let seconds: u64 = std::env::var("LOQUAT_READS_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(5);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(seconds))
}

async fn run(seconds: u64) -> ExitCode {
    // Every client comes from 127.0.0.1: lift the per-address cap (128 by default) above the
    // largest step, or most of its requests would be shed with 503.
    let server = Server::start_with(
        "/tmp/loquat-reads-server.log".as_ref(),
        &[
            "--max-in-flight",
            "2048",
            "--max-in-flight-per-address",
            "1024",
        ],
    )
    .await;
    assert!(
        server.base().starts_with("http://127.0.0.1:"),
        "the reads bench only targets loopback"
    );
    let list = server.seed_contacts(1_000, email).await;
    let action = json!({"action": "add", "destination": format!("{{{{ContactList[{list}]}}}}")});
    let definition = server.email_definition_with("reads", action).await;
    let path = format!("/api/bulk/2.0{}", server.create_sync(&definition).await);
    let answer = server.request(reqwest::Method::GET, &path).send().await;
    let body: Value = answer.unwrap().json().await.unwrap();
    let loquat = format!("{}{path}", server.base());
    let bare = floor(body).await;

    println!("GET /syncs/{{id}}, {seconds} s per step, keep-alive clients\n");
    println!(
        "| clients | Loquat req/s | p50 ms | p99 ms | bare axum req/s | p99 ms | share | failed |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut failed = 0;
    for clients in CLIENTS {
        let ours = step(&loquat, true, clients, seconds).await;
        let floor = step(&bare, false, clients, seconds).await;
        failed += ours.failures + floor.failures;
        println!(
            "| {clients} | {:.0} | {:.1} | {:.1} | {:.0} | {:.1} | {:.0}% | {} / {} |",
            ours.per_second,
            ours.p50_ms,
            ours.p99_ms,
            floor.per_second,
            floor.p99_ms,
            100.0 * ours.per_second / floor.per_second.max(1.0),
            ours.failures,
            floor.failures
        );
        assert!(ours.requests > 0 && floor.requests > 0, "no answers");
    }
    if failed > 0 {
        eprintln!("{failed} requests failed or were not 200");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

//! A flood of wrong passwords against the real server: memory stays bounded (argon2 needs
//! ~19 MiB per verification, so verifications must be few at a time), most guesses are
//! refused cheaply (429 or 503), and the real user still signs in from another address,
//! during the flood and after it.

#![allow(clippy::unwrap_used)]

mod common;

use std::net::IpAddr;
use std::time::Duration;

const PASSWORD: &str = "flood-password";
const LOGIN: &str = "Flood\\ops";
/// Concurrent wrong-password requests.
const FLOOD: usize = 200;
/// Growth of the server's resident memory allowed across the flood.
const MAX_GROWTH_KIB: u64 = 150 * 1024;

/// A field of `/proc/PID/status` in KiB (`VmRSS`, `VmHWM`).
fn memory_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The status of a sign-in, and whether it said when to retry.
async fn try_sign_in(
    client: &reqwest::Client,
    base: &str,
    login: &str,
    password: &str,
) -> (u16, bool) {
    let response = client
        .get(format!("{base}/api/bulk/2.0/syncs"))
        .header("Authorization", common::basic(login, password))
        .send()
        .await
        .unwrap();
    let retry_after = response.headers().contains_key("retry-after");
    (response.status().as_u16(), retry_after)
}

async fn list_syncs(client: &reqwest::Client, base: &str, login: &str, password: &str) -> u16 {
    try_sign_in(client, base, login, password).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_wrong_passwords_keeps_memory_bounded_and_lets_the_real_user_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Server::start(dir.path(), &common::bootstrap("Flood", "ops", PASSWORD));
    let (pid, base) = (server.pid(), server.base.clone());
    let real_user = client_from("127.0.0.2");
    let (rss_before, peak_before) = (memory_kib(pid, "VmRSS"), memory_kib(pid, "VmHWM"));

    // Half the guesses aim at the real user, half at logins that do not exist.
    let attacker = client_from("127.0.0.1");
    let flood: Vec<_> = (0..FLOOD)
        .map(|i| {
            let (attacker, base, login) = (
                attacker.clone(),
                base.clone(),
                if i % 2 == 0 {
                    LOGIN.to_owned()
                } else {
                    format!("Flood\\nobody{i}")
                },
            );
            tokio::spawn(async move {
                list_syncs(&attacker, &base, &login, &format!("guess-{i}")).await
            })
        })
        .collect();
    // The real user's first sign-in: it needs a password check, and one address's guesses
    // never take every check slot.
    let during = list_syncs(&real_user, &base, LOGIN, PASSWORD).await;
    let mut statuses = Vec::with_capacity(FLOOD);
    for request in flood {
        statuses.push(request.await.unwrap());
    }
    let after = list_syncs(&real_user, &base, LOGIN, PASSWORD).await;
    let (rss_after, peak_after) = (memory_kib(pid, "VmRSS"), memory_kib(pid, "VmHWM"));

    assert_eq!(during, 200, "the real user signs in during the flood");
    assert_eq!(after, 200, "the real user signs in after the flood");
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 429 | 503)),
        "only refusals: {statuses:?}"
    );
    let refused = statuses.iter().filter(|s| matches!(s, 429 | 503)).count();
    assert!(
        refused > FLOOD / 2,
        "most guesses are refused without verifying: {statuses:?}"
    );
    assert!(
        rss_after.saturating_sub(rss_before) < MAX_GROWTH_KIB,
        "resident memory grew from {rss_before} KiB to {rss_after} KiB"
    );
    assert!(
        peak_after.saturating_sub(peak_before) < MAX_GROWTH_KIB,
        "peak memory grew from {peak_before} KiB to {peak_after} KiB"
    );
}

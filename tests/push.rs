//! `loquat push` against a real Loquat server, both being the real `loquat` binary: chunking,
//! the files-per-sync boundary, rejects, JSON input, callbacks, resuming after a kill or a lost
//! answer without staging any row twice, and malformed input.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Client, Server};
use serde_json::{Value, json};

const SITE: &str = "PushCo";
const USER: &str = "pusher";
const PASSWORD: &str = "push-secret-123";

/// A server with known credentials, a client of it, and a directory for input files.
struct Target {
    server: Server,
    client: Client,
    dir: tempfile::TempDir,
}

fn start() -> Target {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &common::bootstrap(SITE, USER, PASSWORD),
    );
    let client = server.client(&format!("{SITE}\\{USER}"), PASSWORD);
    Target {
        server,
        client,
        dir,
    }
}

impl Target {
    /// `loquat push FILE ARGS…` signed in through the environment, discovering the base URL
    /// through this server's `/id` (which advertises its --public-url, so the base is given).
    fn push(&self, file: &Path, args: &[&str]) -> Command {
        let mut command = self.discovering(file, args);
        command.args(["--base-url", &self.server.base]);
        command
    }

    /// `loquat push FILE ARGS…` finding the base URL through `GET /id` on this server.
    fn discovering(&self, file: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_loquat"));
        command
            .arg("push")
            .arg(file)
            .args(args)
            .env("LOQUAT_PUSH_SITE", SITE)
            .env("LOQUAT_PUSH_USER", USER)
            .env("LOQUAT_PUSH_PASSWORD", PASSWORD)
            .env("XDG_CONFIG_HOME", self.dir.path())
            .env_remove("LOQUAT_PUSH_PROFILE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Creates contacts `user{i}@example.com` for each `i` through a Bulk import.
    async fn contacts(&self, ids: impl Iterator<Item = usize>) {
        let (status, import) = self
            .client
            .post(
                "/api/bulk/2.0/contacts/imports",
                &json!({
                    "name": "seed",
                    "fields": {"EmailAddress": "{{Contact.Field(C_EmailAddress)}}"},
                    "identifierFieldName": "EmailAddress",
                }),
            )
            .await;
        assert_eq!(status, 201, "{import}");
        let mut csv = String::from("EmailAddress\n");
        for i in ids {
            csv.push_str(&format!("user{i}@example.com\n"));
        }
        let uri = import["uri"].as_str().unwrap();
        let (status, answer) = self.client.post_data(uri, "text/csv", csv).await;
        assert_eq!(status, 204, "{answer}");
        let sync = self.client.sync(uri).await;
        assert_eq!(self.client.wait_for_sync(&sync).await["status"], "success");
    }

    /// Rows staged (ELQ-00140) by every sync of sync action definitions, and how many syncs.
    async fn staged_rows(&self) -> (u64, usize) {
        let mut total = 0;
        let mut count = 0;
        for sync in self.client.items("/syncs?limit=1000").await {
            if !sync["syncedInstanceUri"]
                .as_str()
                .unwrap()
                .contains("syncActions")
            {
                continue;
            }
            count += 1;
            let logs = self.client.log_codes(sync["uri"].as_str().unwrap()).await;
            total += logs
                .iter()
                .filter(|(code, _)| code == "ELQ-00140")
                .map(|(_, rows)| rows)
                .sum::<u64>();
        }
        (total, count)
    }
}

/// A server with `rows` contacts, a list named `list`, and a CSV `file` naming every contact.
async fn with_contacts_and_csv(rows: usize, list: &str, file: &str) -> (Target, i64, PathBuf) {
    let server = start();
    server.contacts(0..rows).await;
    let list = server.client.create_list(list).await;
    let input = server.path(file);
    write_csv(&input, rows);
    (server, list, input)
}

fn write_csv(path: &Path, rows: usize) {
    let mut text = String::from("EmailAddress,Note\n");
    for i in 0..rows {
        text.push_str(&format!("user{i}@example.com,\"row {i}, quoted\"\n"));
    }
    std::fs::write(path, text).unwrap();
}

/// Runs `command`, asserts it exits with `code`, and returns its stdout and stderr.
fn exits_with(command: &mut Command, code: i32) -> (String, String) {
    let output = command.output().unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(code), "{stdout}\n{stderr}");
    (stdout, stderr)
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every 12,000th contact is missing from the store.
fn known(i: &usize) -> bool {
    i % 12_000 != 7
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_csv_is_sent_in_chunks_synced_every_few_files_and_its_rejects_saved() {
    let server = start();
    const ROWS: usize = 120_000;
    server.contacts((0..ROWS).filter(known)).await;
    let list = server.client.create_list("Pushed").await;
    let input = server.path("contacts.csv");
    write_csv(&input, ROWS);
    let rejects = server.path("rejects.csv");
    let (stdout, stderr) = exits_with(
        &mut server.push(
            &input,
            &[
                "--add-to-list",
                &list.to_string(),
                "--rejects",
                rejects.to_str().unwrap(),
                "--chunk-bytes",
                "400000",
                "--max-files",
                "4",
            ],
        ),
        2,
    );
    // 13 bodies of at most 400,000 bytes, synced after every 4th and at the end.
    assert!(
        stdout.contains("rows sent:  120000 in 13 uploads"),
        "{stdout}"
    );
    assert!(
        stdout.contains("syncs:      4 (1 success, 3 warning, 0 error)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ELQ-00140      120000  Records staged for sync actions."),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "ELQ-00119      119990  Added members to Contact List {list}."
        )),
        "{stdout}"
    );
    assert!(stdout.contains("rejects:    10, written to"), "{stdout}");
    assert!(
        stdout.contains("rows/s") && stdout.contains("result:     warning"),
        "{stdout}"
    );
    assert!(!stdout.contains(PASSWORD) && !stderr.contains(PASSWORD));
    // Not a terminal: one plain line per upload.
    assert_eq!(stderr.matches("staged;").count(), 13, "{stderr}");

    let lines: Vec<String> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines[0], "row,identifier,code,message");
    let expected: Vec<String> = (0..ROWS)
        .filter(|i| !known(i))
        .map(|i| {
            format!(
                "{},user{i}@example.com,ELQ-00085,Contact does not exist.",
                i + 1
            )
        })
        .collect();
    assert_eq!(lines[1..], expected[..]);

    assert_eq!(server.client.list_count(list).await, 119_990);
    assert_eq!(server.staged_rows().await, (120_000, 4));
    assert!(!PathBuf::from(format!("{}.loquat-push.json", input.display())).exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn json_arrays_and_json_lines_are_pushed_and_callbacks_end_the_wait() {
    let server = start();
    server.contacts(0..3000).await;
    let list = server.client.create_list("From JSON").await;
    let rows: Vec<Value> = (0..3000)
        .map(|i| json!({"EmailAddress": format!("user{i}@example.com"), "Score": i}))
        .collect();
    let input = server.path("contacts.json");
    std::fs::write(&input, serde_json::to_string_pretty(&rows).unwrap()).unwrap();
    let (stdout, stderr) = exits_with(
        &mut server.push(
            &input,
            &[
                "--add-to-list",
                &list.to_string(),
                "--callback",
                "http://127.0.0.1:0/loquat-callback",
                "--chunk-bytes",
                "50000",
            ],
        ),
        0,
    );
    assert!(stdout.contains("rows sent:  3000 in 4 uploads"), "{stdout}");
    assert!(stderr.contains("sync /syncs/2 ended: success"), "{stderr}");
    assert!(stdout.contains("result:     success"), "{stdout}");
    assert_eq!(server.client.list_count(list).await, 3000);

    // JSON Lines, to an existing definition, removing them again.
    let definition = server
        .client
        .definition(&json!({
            "name": "remove",
            "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
            "identifierFieldName": "Email",
            "syncActions": [{"action": "remove", "destination": format!("{{{{ContactList[{list}]}}}}")}],
        }))
        .await;
    let lines: String = (0..1000)
        .map(|i| format!("{{\"Email\":\"user{i}@example.com\"}}\n"))
        .collect();
    let input = server.path("some.jsonl");
    std::fs::write(&input, lines).unwrap();
    exits_with(&mut server.push(&input, &["--definition", &definition]), 0);
    assert_eq!(server.client.list_count(list).await, 2000);
}

/// Waits until the push's state file records at least one acknowledged upload.
fn wait_for_acknowledged_rows(state: &Path) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(state) {
            if let Ok(value) = serde_json::from_str::<Value>(&text) {
                let rows = value["acked"]["rows"].as_u64().unwrap_or(0);
                if rows > 0 {
                    return rows;
                }
            }
        }
        assert!(Instant::now() < deadline, "no upload was acknowledged");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_push_resumes_without_staging_any_row_twice() {
    const ROWS: usize = 60_000;
    let (server, list, input) = with_contacts_and_csv(ROWS, "Resumed", "resume.csv").await;
    let state = server.path("resume.state.json");
    let args = [
        "--add-to-list",
        &list.to_string(),
        "--chunk-bytes",
        "100000",
        "--max-files",
        "5",
        "--state",
        state.to_str().unwrap(),
    ];
    let mut first = server.push(&input, &args).spawn().unwrap();
    let acknowledged = wait_for_acknowledged_rows(&state);
    first.kill().unwrap();
    first.wait().unwrap();
    assert!((acknowledged as usize) < ROWS);

    let (stdout, stderr) = exits_with(&mut server.push(&input, &args), 0);
    assert!(stderr.contains("resuming:"), "{stderr}");
    assert!(
        stdout.contains(&format!("rows sent:  {ROWS} in")),
        "{stdout}"
    );
    assert_eq!(server.staged_rows().await.0, ROWS as u64);
    assert_eq!(server.client.list_count(list).await, ROWS as u64);
    assert!(!state.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_whose_answer_was_lost_is_not_sent_again() {
    const ROWS: usize = 20_000;
    let (server, list, input) = with_contacts_and_csv(ROWS, "Lost answer", "lost.csv").await;
    let args = [
        "--add-to-list",
        &list.to_string(),
        "--chunk-bytes",
        "100000",
    ];
    let mut crashing = args.to_vec();
    crashing.extend(["--crash-after-upload", "3"]);
    let output = server.push(&input, &crashing).output().unwrap();
    assert_eq!(output.status.code(), Some(101), "{:?}", text(&output));
    let state = PathBuf::from(format!("{}.loquat-push.json", input.display()));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert!(saved["inFlight"].is_object(), "{saved}");

    let (_, stderr) = exits_with(&mut server.push(&input, &args), 0);
    assert!(
        stderr.contains("was staged: not sending it again"),
        "{stderr}"
    );
    assert_eq!(server.staged_rows().await, (ROWS as u64, 1));
    assert_eq!(server.client.list_count(list).await, ROWS as u64);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_input_and_bad_credentials_fail_clearly() {
    let server = start();
    let list = server.client.create_list("Never").await;
    let input = server.path("bad.csv");
    std::fs::write(
        &input,
        "EmailAddress,Note\na@example.com,x\nb@example.com\n",
    )
    .unwrap();
    let (_, stderr) = exits_with(
        &mut server.push(&input, &["--add-to-list", &list.to_string()]),
        1,
    );
    assert!(
        stderr.contains("malformed CSV at line 3: this record has 1 fields where the header has 2; nothing was sent"),
        "{stderr}"
    );

    let (_, stderr) = exits_with(
        &mut server.push(
            &input,
            &["--add-to-list", "1", "--password", "wrong-password"],
        ),
        1,
    );
    assert!(stderr.contains("401"), "{stderr}");
    assert!(!stderr.contains("wrong-password"), "{stderr}");

    let (_, stderr) = exits_with(
        server
            .discovering(
                &input,
                &["--add-to-list", "1", "--password", "wrong-password"],
            )
            .env("LOQUAT_PUSH_LOGIN_URL", &server.server.base),
        1,
    );
    assert!(stderr.contains("Not authenticated."), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn accounts_and_email_addresses_are_pushed_through_their_own_definitions() {
    let server = start();
    for name in ["Acme", "Globex"] {
        let (status, account) = server
            .client
            .post("/api/REST/1.0/data/account", &json!({"name": name}))
            .await;
        assert_eq!(status, 201, "{account}");
    }
    let (status, list) = server
        .client
        .post("/api/loquat/1.0/accounts/list", &json!({"name": "Targets"}))
        .await;
    assert_eq!(status, 201, "{list}");
    let list = list["id"].as_str().unwrap().to_owned();
    let input = server.path("accounts.csv");
    std::fs::write(&input, "CompanyName\nAcme\nGlobex\nNobody\n").unwrap();
    let (stdout, _) = exits_with(
        &mut server.push(&input, &["--object", "accounts", "--add-to-list", &list]),
        2,
    );
    assert!(stdout.contains("rows sent:  3"), "{stdout}");
    let (_, list) = server
        .client
        .get(&format!("/api/bulk/2.0/accounts/lists/{list}"))
        .await;
    assert_eq!(list["count"], 2, "{list}");

    let input = server.path("suppressions.csv");
    std::fs::write(&input, "EmailAddress\nnobody@example.com\n").unwrap();
    exits_with(
        &mut server.push(
            &input,
            &["--object", "emailAddresses", "--global-unsubscribe"],
        ),
        0,
    );
    let (status, contact) = server
        .client
        .post(
            "/api/REST/1.0/data/contact",
            &json!({"emailAddress": "nobody@example.com"}),
        )
        .await;
    assert_eq!(status, 201, "{contact}");
    assert_eq!(contact["isSubscribed"], "false", "{contact}");
}

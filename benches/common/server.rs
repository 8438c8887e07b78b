//! The real `loquat` binary on a temporary store, bound to 127.0.0.1, with bootstrap
//! credentials; shared by the benches (each includes it with `#[path]` and uses a part).
//!
//! The store is the server's own SQLite file in a temporary directory, or a database named by
//! URL ([`Server::start_on`], e.g. a PostgreSQL scratch schema); several servers ("nodes") can
//! share one PostgreSQL database ([`Server::another_node`]).

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The bootstrap login and password every bench request carries.
pub const AUTH: (&str, &str) = ("Bench\\bench", "bench-password");

/// The bootstrap site's name.
const SITE: &str = "Bench";

/// A running server, killed (and its store deleted) when dropped. A database named by URL
/// is left to its owner (a PostgreSQL scratch schema is dropped when its value drops, which
/// must outlive the servers on it).
pub struct Server {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
    http: reqwest::Client,
    /// The `--database` URL; `None` for the SQLite file `loquat.db` in `dir`.
    database: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts a server whose warnings go to `/tmp/bench-server.log`.
    pub async fn start() -> Self {
        Self::start_logging_to(Path::new("/tmp/bench-server.log")).await
    }

    /// Starts a server on a free loopback port; its warnings and errors go to `log`.
    pub async fn start_logging_to(log: &Path) -> Self {
        Self::spawn(log, None, &[])
    }

    /// [`Self::start_logging_to`] with more `loquat serve` arguments.
    pub async fn start_with(log: &Path, args: &[&str]) -> Self {
        Self::spawn(log, None, args)
    }

    /// Starts a server on the database `url` (`--database`, e.g. `postgres://…`) whose
    /// warnings go to `/tmp/bench-server.log`.
    pub async fn start_on(url: &str) -> Self {
        Self::spawn(Path::new("/tmp/bench-server.log"), Some(url), &[])
    }

    /// Starts another node on this server's database (which must be one a URL names, i.e.
    /// PostgreSQL); its warnings go to `/tmp/bench-server-2.log`. The first node has
    /// bootstrapped the site, so the same credentials work on both.
    pub async fn another_node(&self) -> Self {
        let url = self
            .database
            .as_deref()
            .expect("another node needs a shared database (Server::start_on)");
        Self::spawn(Path::new("/tmp/bench-server-2.log"), Some(url), &[])
    }

    fn spawn(log: &Path, database: Option<&str>, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_loquat"));
        command
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(dir.path())
            .args(args);
        match database {
            Some(url) => {
                command.args(["--database", url]);
            }
            // The SQLite file in `dir`, whatever the environment says.
            None => {
                command.env_remove("LOQUAT_DATABASE_URL");
            }
        }
        let mut child = command
            .env("LOQUAT_BOOTSTRAP_SITE", SITE)
            .env("LOQUAT_BOOTSTRAP_USER", "bench")
            .env("LOQUAT_BOOTSTRAP_PASSWORD", AUTH.1)
            .env("LOQUAT_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "server exited ({status}) before listening; see {}",
                    log.display()
                );
            }
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            dir,
            http: reqwest::Client::new(),
            database: database.map(str::to_owned),
        }
    }

    /// `http://127.0.0.1:{port}`, no trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A request on the server's own client, authenticated.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .basic_auth(AUTH.0, Some(AUTH.1))
    }

    /// One JSON call; panics unless it succeeds.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self.request(method, path).json(&body).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// CPU time the server process has used so far (user + system), less disturbed than
    /// wall time by whatever else the machine runs.
    pub fn cpu_time(&self) -> Duration {
        cpu_time_of(&format!("/proc/{}/stat", self.child.id()))
    }

    /// The server process's peak resident set (VmHWM), in KiB.
    pub fn peak_rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Creates a sync of the definition at `definition` (its uri); the sync's uri.
    pub async fn create_sync(&self, definition: &str) -> String {
        let sync = self
            .call(
                reqwest::Method::POST,
                "/api/bulk/2.0/syncs",
                json!({"syncedInstanceUri": definition}),
            )
            .await;
        sync["uri"].as_str().unwrap().to_owned()
    }

    /// A new contact list's id.
    pub async fn create_list(&self, name: &str) -> i64 {
        let list = self
            .call(
                reqwest::Method::POST,
                "/api/REST/1.0/assets/contact/list",
                json!({"name": name}),
            )
            .await;
        list["id"].as_str().unwrap().parse().unwrap()
    }

    /// The server's SQLite file (`None` on a database named by URL).
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        self.database
            .is_none()
            .then(|| self.dir.path().join("loquat.db"))
    }

    /// Loads `rows` contacts (`email(0)`, `email(1)`, …) straight into the server's store
    /// (no bulk contact API exists yet) and returns a new list's id.
    pub async fn seed_contacts(&self, rows: usize, email: fn(usize) -> String) -> i64 {
        self.seed_people(rows, move |i| [email(i), String::new(), String::new()])
            .await
    }

    /// Loads `rows` contacts, `person(i)` giving each one's email, first and last name (an
    /// empty name is left NULL), straight into the server's store and returns a new list's
    /// id. SQLite: one prepared insert per row into the server's file (the server reads them
    /// through WAL like any other write). PostgreSQL: set-based inserts from `unnest` of text
    /// arrays, then `ANALYZE`, as autovacuum would do for a table that size.
    pub async fn seed_people(
        &self,
        rows: usize,
        person: impl Fn(usize) -> [String; 3] + Send + Sync + 'static,
    ) -> i64 {
        let list = self.create_list("Bench").await;
        if let Some(url) = &self.database {
            seed_postgres(url, rows, person).await;
            return list;
        }
        let path = self.dir.path().join("loquat.db");
        tokio::task::spawn_blocking(move || {
            let mut conn = rusqlite::Connection::open(path).unwrap();
            conn.busy_timeout(Duration::from_secs(30)).unwrap();
            let tx = conn.transaction().unwrap();
            {
                let mut insert = tx
                    .prepare("INSERT INTO contacts (site_id, email_address, first_name, last_name, created_at, updated_at) VALUES (1, ?1, NULLIF(?2, ''), NULLIF(?3, ''), 0, 0)")
                    .unwrap();
                for i in 0..rows {
                    insert.execute(person(i)).unwrap();
                }
            }
            tx.commit().unwrap();
        })
        .await
        .unwrap();
        list
    }

    /// A definition named `name`, keyed on email, with the one sync action `action`; its uri.
    pub async fn email_definition_with(&self, name: &str, action: Value) -> String {
        let body = json!({
            "name": name,
            "fields": {"Email": "{{Contact.Field(C_EmailAddress)}}"},
            "identifierFieldName": "Email",
            "syncActions": [action],
        });
        let created = self
            .call(
                reqwest::Method::POST,
                "/api/bulk/2.0/contacts/syncActions",
                body,
            )
            .await;
        created["uri"].as_str().unwrap().to_owned()
    }
}

/// User + system CPU time from a `/proc/…/stat` file (zero where there is none).
pub fn cpu_time_of(stat: &str) -> Duration {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at the state, field 3;
    // utime and stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// Inserts `rows` contacts of the bootstrap site into the PostgreSQL database `url`, 100,000
/// per statement, in one transaction.
async fn seed_postgres(url: &str, rows: usize, person: impl Fn(usize) -> [String; 3]) {
    const CHUNK: usize = 100_000;
    let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let driver = tokio::spawn(connection);
    let tx = client.transaction().await.unwrap();
    let site: i64 = tx
        .query_one(
            "SELECT id FROM sites WHERE lower(name) = lower($1)",
            &[&SITE],
        )
        .await
        .unwrap()
        .get(0);
    let insert = tx
        .prepare(
            "INSERT INTO contacts (site_id, email_address, first_name, last_name, created_at, updated_at)
             SELECT $1, e, NULLIF(f, ''), NULLIF(l, ''), 0, 0 FROM unnest($2::text[], $3::text[], $4::text[]) AS p (e, f, l)",
        )
        .await
        .unwrap();
    for start in (0..rows).step_by(CHUNK) {
        let people: Vec<[String; 3]> = (start..(start + CHUNK).min(rows)).map(&person).collect();
        let column = |k: usize| people.iter().map(|p| p[k].clone()).collect::<Vec<String>>();
        tx.execute(&insert, &[&site, &column(0), &column(1), &column(2)])
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    client.batch_execute("ANALYZE contacts").await.unwrap();
    drop(client);
    let _ = driver.await;
}

//! The raw cost of the same work, with nothing of Loquat in the way.

use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

use super::profile::Timed;
use super::server::cpu_time_of;

fn database() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = Connection::open(dir.path().join("raw.db")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144;
         CREATE TABLE staged (value TEXT);",
    )
    .unwrap();
    (dir, conn)
}

#[derive(serde::Deserialize)]
struct Row<'a> {
    #[serde(borrow, rename = "Email")]
    email: &'a str,
}

/// serde_json parse of the body into borrowed rows, then one prepared insert per row.
pub fn parse_and_insert_json(body: &[u8]) -> Duration {
    let (_dir, mut conn) = database();
    let start = Instant::now();
    let rows: Vec<Row<'_>> = serde_json::from_slice(body).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO staged (value) VALUES (?1)")
            .unwrap();
        for row in &rows {
            insert.execute([row.email]).unwrap();
        }
    }
    tx.commit().unwrap();
    start.elapsed()
}

/// Staging a JSON upload as the file itself: the same serde_json parse (every row must be
/// validated before the 204), then one insert of the whole body as a blob beside its row
/// count. The floor of staging by blob, to compare with staging by row.
pub fn parse_and_store_blob(body: &[u8]) -> Duration {
    let (_dir, conn) = database();
    conn.execute_batch("CREATE TABLE files (id INTEGER PRIMARY KEY, rows INTEGER, body BLOB)")
        .unwrap();
    let start = Instant::now();
    let rows: Vec<Row<'_>> = serde_json::from_slice(body).unwrap();
    conn.execute(
        "INSERT INTO files (rows, body) VALUES (?1, ?2)",
        params![rows.len() as i64, body],
    )
    .unwrap();
    start.elapsed()
}

/// csv parse with a reused record, one prepared insert per row.
pub fn parse_and_insert_csv(body: &[u8]) -> Duration {
    let (_dir, mut conn) = database();
    let start = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO staged (value) VALUES (?1)")
            .unwrap();
        let mut reader = csv::ReaderBuilder::new().from_reader(body);
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {
            insert
                .execute([std::str::from_utf8(&record[0]).unwrap()])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    start.elapsed()
}

/// The bare set-based apply: `rows` staged emails joined to `rows` contacts into a list
/// (a new list each run); the best of `runs`.
pub fn apply(rows: usize, runs: usize) -> Duration {
    let (dir, mut conn) = database();
    conn.execute_batch(
        "CREATE TABLE contacts (id INTEGER PRIMARY KEY AUTOINCREMENT, site_id INTEGER NOT NULL, email_address TEXT NOT NULL);
         CREATE UNIQUE INDEX contacts_email ON contacts (site_id, email_address COLLATE NOCASE);
         CREATE TABLE members (list_id INTEGER NOT NULL, contact_id INTEGER NOT NULL, PRIMARY KEY (list_id, contact_id)) WITHOUT ROWID;
         CREATE INDEX members_contact ON members (contact_id);",
    )
    .unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut contact = tx
            .prepare("INSERT INTO contacts (site_id, email_address) VALUES (1, ?1)")
            .unwrap();
        let mut staged = tx
            .prepare("INSERT INTO staged (value) VALUES (?1)")
            .unwrap();
        for i in 0..rows {
            let email = super::email(i);
            contact.execute([&email]).unwrap();
            staged.execute([&email]).unwrap();
        }
    }
    tx.commit().unwrap();
    drop(conn);
    (1..=runs)
        .map(|list| {
            // Loquat's writer meets these rows with a cold page cache (another connection
            // wrote them); so does the baseline.
            let conn = Connection::open(dir.path().join("raw.db")).unwrap();
            conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144;").unwrap();
            let start = Instant::now();
            conn.execute(
                "INSERT OR IGNORE INTO members (list_id, contact_id)
                 SELECT ?1, c.id FROM staged s JOIN contacts c ON c.site_id = 1 AND c.email_address = s.value COLLATE NOCASE",
                params![list as i64],
            )
            .unwrap();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// The realistic profile's sync floor: the realistic rows resolved against the contacts
/// into a new list, rows matching none written as rejects with their value, each run on a
/// cold connection. Two plain forms: one index probe per row in upload order, and the same
/// after sorting the rows by address (probes in index order). Runs one at a time, so the
/// caller can interleave them with Loquat's (the machine's noise then falls on both).
pub struct SyncFloor {
    dir: tempfile::TempDir,
    run: i64,
    records: &'static FloorRecords,
}

/// The records a sync floor resolves rows against: contacts by address, accounts by
/// external id.
pub struct FloorRecords {
    /// The `records` table with its key's index (and nothing else Loquat would not have).
    pub schema: &'static str,
    /// The insert of one record, binding [`Self::values`].
    pub insert: &'static str,
    /// Record `i`'s values.
    pub values: fn(usize) -> Vec<String>,
    /// How a staged row `s` finds its record `c`.
    pub join: &'static str,
    /// The order of the key's index, for the form probing in key order.
    pub order: &'static str,
}

/// Contacts by email address, as the realistic profile has them.
pub const CONTACTS: FloorRecords = FloorRecords {
    schema: "CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, site_id INTEGER NOT NULL,
                 email_address TEXT NOT NULL, first_name TEXT, last_name TEXT);
             CREATE UNIQUE INDEX records_email ON records (site_id, email_address COLLATE NOCASE);",
    insert: "INSERT INTO records (site_id, email_address, first_name, last_name) VALUES (1, ?1, ?2, ?3)",
    values: |i| super::realistic::person(i).to_vec(),
    join: "c.site_id = 1 AND c.email_address = s.value COLLATE NOCASE",
    order: "value COLLATE NOCASE",
};

impl SyncFloor {
    /// Writes `n` records and the staged `rows` into a fresh database.
    pub fn new(records: &'static FloorRecords, n: usize, rows: &[super::realistic::Cell]) -> Self {
        use super::realistic::Cell;
        let (dir, mut conn) = database();
        conn.execute_batch(records.schema).unwrap();
        conn.execute_batch(
            "CREATE TABLE members (list_id INTEGER NOT NULL, contact_id INTEGER NOT NULL, PRIMARY KEY (list_id, contact_id)) WITHOUT ROWID;
             CREATE INDEX members_contact ON members (contact_id);
             CREATE TABLE rejects (run INTEGER NOT NULL, record INTEGER NOT NULL, value TEXT, PRIMARY KEY (run, record)) WITHOUT ROWID;",
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut record = tx.prepare(records.insert).unwrap();
            for i in 0..n {
                record
                    .execute(rusqlite::params_from_iter((records.values)(i)))
                    .unwrap();
            }
            let mut staged = tx
                .prepare("INSERT INTO staged (value) VALUES (?1)")
                .unwrap();
            for cell in rows {
                let value = match cell {
                    Cell::Value(v) => Some(v.as_str()),
                    Cell::Empty => Some(""),
                    Cell::Missing => None,
                };
                staged.execute([value]).unwrap();
            }
        }
        tx.commit().unwrap();
        drop(conn);
        Self {
            dir,
            run: 0,
            records,
        }
    }

    /// One run, in key order when `sorted`.
    pub fn run(&mut self, sorted: bool) -> Timed {
        self.run += 1;
        let cpu = cpu_time_of("/proc/thread-self/stat");
        let conn = Connection::open(self.dir.path().join("raw.db")).unwrap();
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144;
             CREATE TEMP TABLE resolved (record INTEGER PRIMARY KEY, contact_id INTEGER);",
        )
        .unwrap();
        let start = Instant::now();
        let source = if sorted {
            format!(
                "(SELECT rowid, value FROM staged ORDER BY {})",
                self.records.order
            )
        } else {
            "staged".to_owned()
        };
        conn.execute(
            &format!(
                "INSERT INTO temp.resolved (record, contact_id)
                 SELECT s.rowid, c.id FROM {source} s
                 LEFT JOIN records c ON {}",
                self.records.join
            ),
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT OR IGNORE INTO members (list_id, contact_id)
             SELECT ?1, contact_id FROM temp.resolved WHERE contact_id IS NOT NULL",
            [self.run],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO rejects (run, record, value)
             SELECT ?1, r.record, s.value FROM temp.resolved r JOIN staged s ON s.rowid = r.record
             WHERE r.contact_id IS NULL",
            [self.run],
        )
        .unwrap();
        Timed {
            wall: start.elapsed(),
            cpu: cpu_time_of("/proc/thread-self/stat") - cpu,
        }
    }
}

#[derive(serde::Deserialize)]
struct Person<'a> {
    #[serde(borrow, rename = "Email", default)]
    email: Option<&'a str>,
    #[serde(borrow, rename = "First", default)]
    first: Option<&'a str>,
    #[serde(borrow, rename = "Last", default)]
    last: Option<&'a str>,
    #[serde(borrow, rename = "Company", default)]
    company: Option<&'a str>,
    #[serde(borrow, rename = "City", default)]
    city: Option<&'a str>,
}

/// The realistic import's floor: `serde_json` parse of the bodies into borrowed rows, then
/// one prepared upsert per row with an address into a contacts table whose five columns hold
/// the values and whose unique index covers the address, in one transaction; best of `runs`.
pub fn realistic_import(bodies: &[Vec<u8>], runs: usize) -> Duration {
    (0..runs)
        .map(|_| {
            let (_dir, mut conn) = database();
            conn.execute_batch(
                "CREATE TABLE contacts (id INTEGER PRIMARY KEY AUTOINCREMENT, site_id INTEGER NOT NULL,
                     email_address TEXT NOT NULL, first_name TEXT, last_name TEXT, company TEXT, city TEXT);
                 CREATE UNIQUE INDEX contacts_email ON contacts (site_id, email_address COLLATE NOCASE);",
            )
            .unwrap();
            let start = Instant::now();
            let tx = conn.transaction().unwrap();
            {
                let mut upsert = tx
                    .prepare(
                        "INSERT INTO contacts (site_id, email_address, first_name, last_name, company, city)
                         VALUES (1, ?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (site_id, email_address COLLATE NOCASE) DO UPDATE SET
                           first_name = excluded.first_name, last_name = excluded.last_name,
                           company = excluded.company, city = excluded.city",
                    )
                    .unwrap();
                for body in bodies {
                    let rows: Vec<Person<'_>> = serde_json::from_slice(body).unwrap();
                    for p in rows {
                        let Some(email) = p.email.filter(|e| e.contains('@')) else {
                            continue;
                        };
                        upsert
                            .execute(params![email, p.first, p.last, p.company, p.city])
                            .unwrap();
                    }
                }
            }
            tx.commit().unwrap();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

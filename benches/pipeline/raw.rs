//! The raw cost of the same work, with nothing of Loquat in the way.

use std::time::{Duration, Instant};

use rusqlite::{Connection, params};

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

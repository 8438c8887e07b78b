//! Reading and arranging the SQLite store of a server's data directory directly.

use std::path::Path;
use std::time::Duration;

/// Opens the SQLite store in `dir` (waiting on the server's locks).
pub fn sqlite(dir: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("loquat.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(30)).unwrap();
    conn
}

/// Inserts contacts of site 1 with the addresses `emails` straight into the SQLite store in
/// `dir`, in one transaction (much faster than any API for hundreds of thousands).
pub fn seed_sqlite_contacts(dir: &Path, emails: impl Iterator<Item = String>) {
    let mut conn = sqlite(dir);
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare("INSERT INTO contacts (site_id, email_address, created_at, updated_at) VALUES (1, ?1, 0, 0)")
            .unwrap();
        for email in emails {
            insert.execute([email]).unwrap();
        }
    }
    tx.commit().unwrap();
}

/// The status of sync `sync_id` and how many rejects it has committed, read from SQLite.
pub fn sqlite_sync_state(dir: &Path, sync_id: i64) -> (String, i64) {
    sqlite(dir)
        .query_row(
            "SELECT status, (SELECT COUNT(*) FROM sync_rejects WHERE sync_id = ?1) FROM syncs WHERE id = ?1",
            [sync_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

use std::sync::Arc;

use super::SqliteStore;
use crate::domain::clock::SystemClock;
use crate::store::conformance;

fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        SqliteStore::open(&dir.path().join("nested/loquat.db"), Arc::new(SystemClock)).unwrap();
    (dir, store)
}

/// [`fresh`] for the conformance scenarios.
async fn fresh_store() -> Option<(tempfile::TempDir, SqliteStore)> {
    Some(fresh())
}

conformance::conformance_tests!(fresh_store);

#[test]
fn reopening_a_migrated_store_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loquat.db");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(&path, Arc::new(SystemClock)).unwrap();
        crate::store::SiteStore::create_site(&store, "Kept")
            .await
            .unwrap();
    });
    runtime.block_on(async {
        let store = SqliteStore::open(&path, Arc::new(SystemClock)).unwrap();
        assert!(
            crate::store::SiteStore::site_by_name(&store, "kept")
                .await
                .unwrap()
                .is_some()
        );
    });
}

#[tokio::test]
async fn a_locked_database_is_reported_as_unavailable_not_as_a_failure() {
    use crate::store::{SiteStore, StoreError};
    let (dir, store) = fresh();
    let blocker = rusqlite::Connection::open(dir.path().join("nested/loquat.db")).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    // Past the busy timeout the write gives up with a retryable error (503 over HTTP).
    let err = store.create_site("Blocked").await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    blocker.execute_batch("ROLLBACK").unwrap();
    store.create_site("Blocked").await.unwrap();
}

/// Many concurrent readers share a bounded set of connections: a reader beyond them waits for
/// one instead of opening its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reads_share_a_bounded_set_of_connections() {
    use std::sync::atomic::Ordering;

    use crate::store::SiteStore;

    let (_dir, store) = fresh();
    let store = Arc::new(store);
    store.create_site("Acme").await.unwrap();
    let reads: Vec<_> = (0..64)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.site_by_name("acme").await })
        })
        .collect();
    for read in reads {
        assert_eq!(read.await.unwrap().unwrap().unwrap().name, "Acme");
    }
    let opened = store.readers_opened.load(Ordering::Relaxed);
    assert!(
        (1..=super::readers()).contains(&opened),
        "{opened} read connections for 64 concurrent reads (at most {})",
        super::readers()
    );
}

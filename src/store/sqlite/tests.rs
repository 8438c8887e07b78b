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

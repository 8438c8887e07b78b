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

#[tokio::test]
async fn sites_and_credentials() {
    let (_dir, store) = fresh();
    conformance::sites_and_credentials(&store).await;
}

#[tokio::test]
async fn containers_are_scoped_by_site() {
    let (_dir, store) = fresh();
    conformance::containers_are_scoped_by_site(&store).await;
}

#[tokio::test]
async fn lists_page_filter_and_sort() {
    let (_dir, store) = fresh();
    conformance::lists_page_filter_and_sort(&store).await;
}

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

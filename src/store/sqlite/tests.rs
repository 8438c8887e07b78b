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
async fn deleting_a_definition_or_discarding_removes_its_staged_rows() {
    use crate::store::{DefinitionStore, SiteStore, SyncStore, Upload};
    let (_dir, store) = fresh();
    let site = store.create_site("S").await.unwrap().id;
    let body = serde_json::json!({
        "name": "n", "fields": {"E": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "E",
        "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
    });
    let definition = crate::domain::definition::validate_contact_definition(&body).unwrap();
    let upload = |id| Upload {
        definition_id: id,
        format: crate::upload::Format::Csv,
        body: bytes::Bytes::from_static(b"E\na@example.com\nb@example.com\n"),
        column: "E".into(),
        max_files: 500,
        site_quota_bytes: u64::MAX,
        trigger: None,
    };
    let rows = |store: &SqliteStore| {
        let path = store.path.clone();
        let conn = rusqlite::Connection::open(&*path).unwrap();
        conn.query_row("SELECT COUNT(*) FROM staged_rows", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    };
    let first = store
        .create_definition(site, "u", &definition)
        .await
        .unwrap()
        .id;
    let second = store
        .create_definition(site, "u", &definition)
        .await
        .unwrap()
        .id;
    store.stage_file(site, upload(first)).await.unwrap();
    store.stage_file(site, upload(second)).await.unwrap();
    assert_eq!(rows(&store), 4);
    store.delete_definition(site, first).await.unwrap();
    assert_eq!(rows(&store), 2);
    store.discard_staged(site, second).await.unwrap();
    assert_eq!(rows(&store), 0);
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

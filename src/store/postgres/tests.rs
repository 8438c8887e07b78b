//! The store conformance story on PostgreSQL; runs when `LOQUAT_TEST_DATABASE_URL` names a
//! database (each test in its own schema) and otherwise says `SKIPPED:` on stderr.

use std::sync::Arc;

use super::{PostgresStore, ScratchSchema};
use crate::domain::clock::SystemClock;
use crate::store::conformance;

async fn fresh() -> Option<(ScratchSchema, PostgresStore)> {
    let url = super::test_database_url("a PostgreSQL store test")?;
    let schema = ScratchSchema::create(&url).await.unwrap();
    let store = PostgresStore::connect(schema.url(), 4, Arc::new(SystemClock))
        .await
        .unwrap();
    Some((schema, store))
}

conformance::conformance_tests!(fresh);

#[tokio::test]
async fn migrating_twice_is_a_no_op() {
    if let Some((schema, store)) = fresh().await {
        drop(store);
        let again = PostgresStore::connect(schema.url(), 2, Arc::new(SystemClock)).await;
        assert!(again.is_ok(), "{:?}", again.err());
    }
}

/// Uploaded rows are personal data: a database error as the store reports (and logs) it names
/// the failure, never the values PostgreSQL quotes in its message or DETAIL.
#[tokio::test]
async fn database_errors_never_carry_row_values() {
    let Some((_schema, store)) = fresh().await else {
        return;
    };
    let client = store.client().await.unwrap();
    let value = "jane.doe@example.com";
    let cast = client
        .query_one("SELECT $1::TEXT::BIGINT", &[&value])
        .await
        .unwrap_err();
    client
        .batch_execute("CREATE TEMP TABLE t (email TEXT CHECK (length(email) < 3))")
        .await
        .unwrap();
    let check = client
        .execute("INSERT INTO t VALUES ($1)", &[&value])
        .await
        .unwrap_err();
    for (err, code) in [(cast, "22P02"), (check, "23514")] {
        assert!(err.to_string().contains(value) || format!("{err:?}").contains(value));
        let mapped = super::error::map(err);
        let shown = format!("{mapped} {mapped:?}");
        assert!(shown.contains(code), "{shown}");
        assert!(!shown.contains(value), "{shown}");
    }
}

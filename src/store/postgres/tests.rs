//! The store conformance story on PostgreSQL; runs when `LOQUAT_TEST_DATABASE_URL` names a
//! database (each test in its own schema) and passes trivially otherwise.

use std::sync::Arc;

use super::{PostgresStore, ScratchSchema};
use crate::domain::clock::SystemClock;
use crate::store::conformance;

async fn fresh() -> Option<(ScratchSchema, PostgresStore)> {
    let Some(url) = std::env::var("LOQUAT_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("LOQUAT_TEST_DATABASE_URL is not set: skipping a PostgreSQL test");
        return None;
    };
    let schema = ScratchSchema::create(&url).await.unwrap();
    let store = PostgresStore::connect(schema.url(), 4, Arc::new(SystemClock))
        .await
        .unwrap();
    Some((schema, store))
}

#[tokio::test]
async fn sites_and_credentials() {
    if let Some((_schema, store)) = fresh().await {
        conformance::sites_and_credentials(&store).await;
    }
}

#[tokio::test]
async fn containers_are_scoped_by_site() {
    if let Some((_schema, store)) = fresh().await {
        conformance::containers_are_scoped_by_site(&store).await;
    }
}

#[tokio::test]
async fn lists_page_filter_and_sort() {
    if let Some((_schema, store)) = fresh().await {
        conformance::lists_page_filter_and_sort(&store).await;
    }
}

#[tokio::test]
async fn leases_fence_a_taken_over_sync() {
    if let Some((_schema, store)) = fresh().await {
        conformance::leases_fence_a_taken_over_sync(&store).await;
    }
}

#[tokio::test]
async fn one_sync_per_definition_at_a_time() {
    if let Some((_schema, store)) = fresh().await {
        conformance::one_sync_per_definition_at_a_time(&store).await;
    }
}

#[tokio::test]
async fn due_callbacks_are_fair_to_sites_and_claimed_once() {
    if let Some((_schema, store)) = fresh().await {
        conformance::due_callbacks_are_fair_to_sites_and_claimed_once(&store).await;
    }
}

#[tokio::test]
async fn counts_for_metrics_cover_every_site() {
    if let Some((_schema, store)) = fresh().await {
        conformance::counts_for_metrics_cover_every_site(&store).await;
    }
}

#[tokio::test]
async fn overlapping_ids_across_kinds_stay_apart() {
    if let Some((_schema, store)) = fresh().await {
        conformance::overlapping_ids_across_kinds_stay_apart(&store).await;
    }
}

#[tokio::test]
async fn staging_limits_hold_for_sync_actions_and_imports() {
    if let Some((_schema, store)) = fresh().await {
        conformance::staging_limits_hold_for_sync_actions_and_imports(&store).await;
    }
}

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

#[tokio::test]
async fn refresh_tokens_are_redeemed_once_and_revoke_their_grant() {
    if let Some((_schema, store)) = fresh().await {
        conformance::refresh_tokens_are_redeemed_once_and_revoke_their_grant(&store).await;
    }
}

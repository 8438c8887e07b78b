//! The store conformance story on PostgreSQL; runs when `LOQUAT_TEST_DATABASE_URL` names a
//! database (each test in its own schema) and otherwise says `SKIPPED:` on stderr.

use std::sync::Arc;

use super::{PostgresStore, ScratchSchema};
use crate::domain::clock::{SystemClock, Timestamp};
use crate::store::conformance::{self, pending_sync};
use crate::store::{LEASE_LOST, SiteStore, StoreError, SyncStore};

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

/// Ends the session holding liveness key `key`, as PostgreSQL does when its node's process
/// dies.
async fn end_session_holding(store: &PostgresStore, key: i64) {
    let ended = store
        .client()
        .await
        .unwrap()
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'
             AND objsubid = 1 AND granted AND (classid::bigint << 32) | objid::bigint = $1",
            &[&key],
        )
        .await
        .unwrap();
    assert_eq!(ended, 1, "one session holds the key");
}

/// Polls `probe` until it gives a value; panics after ten seconds.
async fn until_some<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(std::time::Instant::now() < deadline, "never {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn at(seconds: u64) -> Timestamp {
    Timestamp::from_nanos(1_700_000_000_000_000_000).plus_seconds(seconds)
}

fn lost(err: StoreError) -> bool {
    matches!(err, StoreError::Conflict { constraint } if constraint == LEASE_LOST)
}

/// Two nodes on one schema (two stores, each with its own liveness key) and a pending sync.
async fn two_nodes() -> Option<(ScratchSchema, PostgresStore, PostgresStore)> {
    let (schema, a) = fresh().await?;
    let b = PostgresStore::connect(schema.url(), 2, Arc::new(SystemClock))
        .await
        .unwrap();
    let site = a.create_site("Nodes").await.unwrap().id;
    pending_sync(&a, site, 1).await;
    Some((schema, a, b))
}

/// Two nodes. While node a's key is held, its
/// sync is a's until the lease expires; once a's session ends, b claims the sync long before
/// the lease would have expired. Node a takes a new key, and neither renews nor writes under
/// the claim it made with the old one.
#[tokio::test]
async fn a_sync_whose_node_key_is_gone_is_claimable_before_its_lease_expires() {
    let Some((_schema, a, b)) = two_nodes().await else {
        return;
    };
    let first = a.claim_sync(at(0), "a", at(600)).await.unwrap().unwrap();
    assert_eq!(
        b.claim_sync(at(1), "b", at(601)).await.unwrap(),
        None,
        "a's key is held and its lease runs"
    );

    let old = a.held_liveness_key().unwrap();
    end_session_holding(&b, old).await;
    let new = until_some("a new key for a", || async {
        a.held_liveness_key().filter(|&k| k != old)
    })
    .await;
    assert_ne!(new, old);
    assert!(
        !a.renew_lease(&first, at(2)).await.unwrap(),
        "a claim made under a dead key is not renewed"
    );
    let second = until_some("a claim by b", || async {
        b.claim_sync(at(2), "b", at(602)).await.unwrap()
    })
    .await;
    assert_eq!((second.sync_id, second.attempt), (first.sync_id, 2));
    assert!(lost(a.begin_apply(&first, "E").await.unwrap_err()));
    assert!(b.renew_lease(&second, at(3)).await.unwrap());
}

/// A node that is alive (its key held) but let its lease expire is taken over by another,
/// and fenced from then on: it stalled rather than died.
#[tokio::test]
async fn a_live_node_whose_lease_expired_is_taken_over_and_fenced() {
    let Some((_schema, a, b)) = two_nodes().await else {
        return;
    };
    let first = a.claim_sync(at(0), "a", at(30)).await.unwrap().unwrap();
    assert_eq!(b.claim_sync(at(30), "b", at(60)).await.unwrap(), None);
    let second = b.claim_sync(at(31), "b", at(61)).await.unwrap().unwrap();
    assert_eq!((second.sync_id, second.attempt), (first.sync_id, 2));
    assert!(a.held_liveness_key().is_some(), "a is alive");
    assert!(!a.renew_lease(&first, at(32)).await.unwrap());
    assert!(lost(a.begin_apply(&first, "E").await.unwrap_err()));
    assert_eq!(
        a.claim_sync(at(32), "a", at(62)).await.unwrap(),
        None,
        "b's key is held and its lease runs"
    );
}

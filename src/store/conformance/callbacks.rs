//! Owed callbacks on every backend: read at most a few per site so that every site's are
//! seen, and claimed by one delivery at a time.

use super::pending_sync;
use crate::domain::clock::Timestamp;
use crate::domain::sync::SyncStatus;
use crate::store::{NewSync, Store};
use crate::store::{SyncActions, definitions};

fn t(seconds: u64) -> Timestamp {
    Timestamp::from_nanos(1_700_000_000_000_000_000).plus_seconds(seconds)
}

/// A sync of `site` that ended at `at` and owes a callback; returns its id.
async fn finished_calling_back(store: &dyn Store, site: i64, at: Timestamp) -> i64 {
    let definition = pending_sync(store, site, 0).await;
    let first = store
        .claim_sync(at, "n", at.plus_seconds(30))
        .await
        .unwrap()
        .unwrap();
    store
        .finish_sync(&first, SyncStatus::Success, Vec::new(), at)
        .await
        .unwrap();
    let new = NewSync {
        record_type: &crate::domain::record_type::CONTACTS,
        created_by: "u".into(),
        callback_url: Some("https://hooks.example.com/cb".into()),
    };
    let sync = definitions::<SyncActions>(store)
        .create_sync(site, definition, new)
        .await
        .unwrap();
    let job = store
        .claim_sync(at, "n", at.plus_seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.sync_id, sync.id);
    store
        .finish_sync(&job, SyncStatus::Success, Vec::new(), at)
        .await
        .unwrap();
    sync.id
}

/// Due callbacks carry their site, at most `per_site` of each, oldest first; a claimed one is
/// not due again until its claim lapses, and only one claim of it succeeds.
pub async fn due_callbacks_are_fair_to_sites_and_claimed_once(store: &dyn Store) {
    let a = store.create_site("CallbacksA").await.unwrap().id;
    let b = store.create_site("CallbacksB").await.unwrap().id;
    let mut of_b = Vec::new();
    for _ in 0..6 {
        of_b.push(finished_calling_back(store, b, t(0)).await);
    }
    let of_a = finished_calling_back(store, a, t(1)).await;

    let due = store.due_callbacks(t(5), 4, 100).await.unwrap();
    let seen: Vec<(i64, i64)> = due.iter().map(|c| (c.site_id, c.sync.id)).collect();
    let expected: Vec<(i64, i64)> = of_b[..4]
        .iter()
        .map(|id| (b, *id))
        .chain([(a, of_a)])
        .collect();
    assert_eq!(seen, expected, "four of site B's, then site A's");
    assert!(due.iter().all(|c| c.attempts == 0));
    assert_eq!(store.due_callbacks(t(5), 4, 2).await.unwrap().len(), 2);
    assert!(
        store.due_callbacks(t(0), 4, 100).await.unwrap().len() == 4,
        "A's is not due yet"
    );

    assert!(store.claim_callback(of_b[0], t(5), t(15)).await.unwrap());
    assert!(
        !store.claim_callback(of_b[0], t(5), t(15)).await.unwrap(),
        "claimed once"
    );
    let due = store.due_callbacks(t(5), 4, 100).await.unwrap();
    let ids: Vec<i64> = due.iter().map(|c| c.sync.id).collect();
    assert_eq!(ids, [of_b[1], of_b[2], of_b[3], of_b[4], of_a]);
    let lapsed = store.due_callbacks(t(16), 10, 100).await.unwrap();
    assert!(
        lapsed.iter().any(|c| c.sync.id == of_b[0]),
        "due again once the claim lapses"
    );

    store.callback_attempted(of_b[0], None).await.unwrap();
    assert!(
        !store.claim_callback(of_b[0], t(20), t(30)).await.unwrap(),
        "done"
    );
    store.callback_attempted(of_a, Some(t(40))).await.unwrap();
    let due = store.due_callbacks(t(40), 4, 100).await.unwrap();
    let a_due = due.iter().find(|c| c.sync.id == of_a).unwrap();
    assert_eq!(a_due.attempts, 1);
}

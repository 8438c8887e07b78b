//! Staging limits hold for every definition kind that stages data (sync actions and imports):
//! the files a definition may hold before a sync, and a site's quota of staged bytes.

use super::kinds::{
    ROW, action_upload, definitions_sharing_an_id, import_upload, unsynced_action_files,
};
use crate::store::{Imports, SyncActions, definitions};
use crate::store::{NewSync, StageError, Store};

fn new_sync() -> NewSync {
    NewSync {
        record_type: &crate::domain::record_type::CONTACTS,
        created_by: "u".into(),
        callback_url: None,
    }
}

/// A definition kind that stages uploads.
#[derive(Debug, Clone, Copy)]
enum Kind {
    SyncAction,
    Import,
}

/// Stages one row for definition `id` of `kind` under the given limits.
async fn stage(
    store: &dyn Store,
    kind: Kind,
    site: i64,
    id: i64,
    max_files: u32,
    quota: u64,
) -> Result<(), StageError> {
    match kind {
        Kind::SyncAction => {
            store
                .stage_file(site, action_upload(id, max_files, quota))
                .await
        }
        Kind::Import => {
            store
                .stage_import(site, import_upload(id, max_files, quota))
                .await
        }
    }
    .map(|_| ())
}

/// The `n`-th file is refused once `max_files` are staged, and a sync taking them frees room;
/// past the site's quota an upload is refused, and nothing of a refused upload is kept.
pub async fn staging_limits_hold_for_sync_actions_and_imports(store: &dyn Store) {
    let site = store.create_site("Limits").await.unwrap().id;
    let id = definitions_sharing_an_id(store, site).await;
    for kind in [Kind::SyncAction, Kind::Import] {
        // Three files allowed: the third is accepted, the fourth is not (`>=`, not `>`).
        for _ in 0..3 {
            stage(store, kind, site, id, 3, u64::MAX).await.unwrap();
        }
        let fourth = stage(store, kind, site, id, 3, u64::MAX).await;
        assert!(matches!(fourth, Err(StageError::TooManyFiles)), "{kind:?}");
    }
    assert_eq!(
        unsynced_action_files(store, site, id).await,
        3,
        "the refused file left nothing"
    );
    // A sync owns the files it takes: the definitions have room again.
    definitions::<SyncActions>(store)
        .create_sync(site, id, new_sync())
        .await
        .unwrap();
    definitions::<Imports>(store)
        .create_sync(site, id, new_sync())
        .await
        .unwrap();
    for kind in [Kind::SyncAction, Kind::Import] {
        stage(store, kind, site, id, 3, u64::MAX).await.unwrap();
    }

    // A quota of exactly two rows' bytes on a fresh site: two uploads fit, the third does not.
    let other = store.create_site("Quota").await.unwrap().id;
    let id = definitions_sharing_an_id(store, other).await;
    let quota = 2 * ROW.len() as u64;
    for kind in [Kind::SyncAction, Kind::Import] {
        for _ in 0..2 {
            stage(store, kind, other, id, 500, quota).await.unwrap();
        }
        let third = stage(store, kind, other, id, 500, quota).await;
        assert!(matches!(third, Err(StageError::QuotaExceeded)), "{kind:?}");
        if let Kind::SyncAction = kind {
            assert_eq!(
                unsynced_action_files(store, other, id).await,
                2,
                "nothing kept"
            );
            definitions::<SyncActions>(store)
                .discard_staged(other, id)
                .await
                .unwrap();
        }
    }
}

/// Discarding a definition's unsynced data, or deleting the definition, frees its staged rows,
/// for both kinds that stage; another definition's rows stay.
pub async fn discarding_or_deleting_frees_staged_rows(store: &dyn Store) {
    let site = store.create_site("Discard").await.unwrap().id;
    let first = definitions_sharing_an_id(store, site).await;
    let second = definitions_sharing_an_id(store, site).await;
    for id in [first, second] {
        for kind in [Kind::SyncAction, Kind::Import] {
            stage(store, kind, site, id, 500, u64::MAX).await.unwrap();
        }
    }
    assert_eq!(store.staged_rows().await.unwrap(), 4);
    definitions::<SyncActions>(store)
        .delete_definition(site, first)
        .await
        .unwrap();
    definitions::<Imports>(store)
        .delete_definition(site, first)
        .await
        .unwrap();
    assert_eq!(store.staged_rows().await.unwrap(), 2);
    definitions::<SyncActions>(store)
        .discard_staged(site, second)
        .await
        .unwrap();
    assert_eq!(store.staged_rows().await.unwrap(), 1);
    definitions::<Imports>(store)
        .discard_staged(site, second)
        .await
        .unwrap();
    assert_eq!(store.staged_rows().await.unwrap(), 0);
}

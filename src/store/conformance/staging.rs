//! Staging limits hold for every definition kind that stages data (sync actions and imports):
//! the files a definition may hold before a sync, and a site's quota of staged bytes.

use super::kinds::{ROW, action_upload, definitions_sharing_an_id, import_upload};
use crate::store::{NewSync, StageError, Store};

fn new_sync() -> NewSync {
    NewSync {
        created_by: "u".into(),
        callback_url: None,
    }
}

/// The `n`-th file is refused once `max_files` are staged, and a sync taking them frees room;
/// past the site's quota an upload is refused, and nothing of a refused upload is kept.
pub async fn staging_limits_hold_for_sync_actions_and_imports(store: &dyn Store) {
    let site = store.create_site("Limits").await.unwrap().id;
    let id = definitions_sharing_an_id(store, site).await;
    let files = |site, id| async move {
        let staged = store.staged_files(site, &[id]).await.unwrap();
        staged.iter().map(|s| s.files).sum::<u64>()
    };

    // Three files allowed: the third is accepted, the fourth is not (`>=`, not `>`).
    for _ in 0..3 {
        store
            .stage_file(site, action_upload(id, 3, u64::MAX))
            .await
            .unwrap();
        store
            .stage_import(site, import_upload(id, 3, u64::MAX))
            .await
            .unwrap();
    }
    assert!(matches!(
        store.stage_file(site, action_upload(id, 3, u64::MAX)).await,
        Err(StageError::TooManyFiles)
    ));
    assert!(matches!(
        store
            .stage_import(site, import_upload(id, 3, u64::MAX))
            .await,
        Err(StageError::TooManyFiles)
    ));
    assert_eq!(files(site, id).await, 3, "the refused file left nothing");
    // A sync owns the files it takes: the definitions have room again.
    store.create_sync(site, id, new_sync()).await.unwrap();
    store
        .create_import_sync(site, id, new_sync())
        .await
        .unwrap();
    store
        .stage_file(site, action_upload(id, 3, u64::MAX))
        .await
        .unwrap();
    store
        .stage_import(site, import_upload(id, 3, u64::MAX))
        .await
        .unwrap();

    // A quota of exactly two rows' bytes on a fresh site: two uploads fit, the third does not.
    let other = store.create_site("Quota").await.unwrap().id;
    let id = definitions_sharing_an_id(store, other).await;
    let quota = 2 * ROW.len() as u64;
    for _ in 0..2 {
        store
            .stage_file(other, action_upload(id, 500, quota))
            .await
            .unwrap();
    }
    assert!(matches!(
        store.stage_file(other, action_upload(id, 500, quota)).await,
        Err(StageError::QuotaExceeded)
    ));
    assert_eq!(files(other, id).await, 2, "the refused upload left nothing");
    store.discard_staged(other, id).await.unwrap();
    for _ in 0..2 {
        store
            .stage_import(other, import_upload(id, 500, quota))
            .await
            .unwrap();
    }
    assert!(matches!(
        store
            .stage_import(other, import_upload(id, 500, quota))
            .await,
        Err(StageError::QuotaExceeded)
    ));
}

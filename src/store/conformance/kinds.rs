//! Sync action, import and export definitions are numbered separately, so one id can name a
//! definition of each kind; every lookup of syncs by definition must also match the kind.

use serde_json::json;

use crate::domain::clock::Timestamp;
use crate::domain::sync::{SyncKind, SyncStatus};
use crate::store::{Exports, Imports, SyncActions, definitions};
use crate::store::{ImportUpload, NewSync, Store, StoreError, Upload};

fn new_sync() -> NewSync {
    NewSync {
        record_type: &crate::domain::record_type::CONTACTS,
        created_by: "u".into(),
        callback_url: None,
    }
}

/// One sync action, one import and one export definition of `site` sharing one id.
pub(super) async fn definitions_sharing_an_id(store: &dyn Store, site: i64) -> i64 {
    let fields = json!({"E": "{{Contact.Field(C_EmailAddress)}}"});
    let action = crate::domain::definition::validate_contact_definition(&json!({
        "name": "s", "fields": fields, "identifierFieldName": "E",
        "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
    }))
    .unwrap();
    let import = crate::domain::definition::validate_import_definition(
        &json!({"name": "i", "fields": fields, "identifierFieldName": "E"}),
    )
    .unwrap();
    let export = crate::domain::definition::validate_export_definition(
        &json!({"name": "x", "fields": fields}),
    )
    .unwrap();
    let mut ids = [
        definitions::<SyncActions>(store)
            .create_definition(site, "u", &action)
            .await
            .unwrap()
            .id,
        definitions::<Imports>(store)
            .create_definition(site, "u", &import)
            .await
            .unwrap()
            .id,
        definitions::<Exports>(store)
            .create_definition(site, "u", &export)
            .await
            .unwrap()
            .id,
    ];
    // Each kind counts on its own: create more of the lagging kinds until the three meet.
    while ids[0] != ids[1] || ids[1] != ids[2] {
        let target = ids.iter().copied().max().unwrap_or(0);
        if ids[0] < target {
            ids[0] = definitions::<SyncActions>(store)
                .create_definition(site, "u", &action)
                .await
                .unwrap()
                .id;
        }
        if ids[1] < target {
            ids[1] = definitions::<Imports>(store)
                .create_definition(site, "u", &import)
                .await
                .unwrap()
                .id;
        }
        if ids[2] < target {
            ids[2] = definitions::<Exports>(store)
                .create_definition(site, "u", &export)
                .await
                .unwrap()
                .id;
        }
    }
    ids[0]
}

/// The one-row file (`a@example.com` in column `E`) every scenario stages.
pub(super) const ROW: &[u8] = b"E\na@example.com\n";

/// An upload of [`ROW`] to sync action definition `id` under the given limits.
pub(super) fn action_upload(id: i64, max_files: u32, site_quota_bytes: u64) -> Upload {
    Upload {
        definition_id: id,
        format: crate::upload::Format::Csv,
        body: bytes::Bytes::from_static(ROW),
        column: "E".into(),
        max_files,
        site_quota_bytes,
        trigger: None,
    }
}

/// An upload of [`ROW`] to import definition `id` under the given limits.
pub(super) fn import_upload(id: i64, max_files: u32, site_quota_bytes: u64) -> ImportUpload {
    ImportUpload {
        definition_id: id,
        format: crate::upload::Format::Csv,
        body: bytes::Bytes::from_static(ROW),
        columns: vec!["E".into()],
        max_files,
        site_quota_bytes,
        retention_seconds: 3600,
        trigger: None,
    }
}

/// Stages [`ROW`] for sync action definition `id`.
pub(super) async fn stage_action_row(store: &dyn Store, site: i64, id: i64) {
    let upload = action_upload(id, 500, u64::MAX);
    store.stage_file(site, upload).await.unwrap();
}

async fn stage_import_row(store: &dyn Store, site: i64, id: i64) {
    let upload = import_upload(id, 500, u64::MAX);
    store.stage_import(site, upload).await.unwrap();
}

/// Staged files of sync action definition `id` not yet owned by a sync.
pub(super) async fn unsynced_action_files(store: &dyn Store, site: i64, id: i64) -> u64 {
    let staged = store.staged_files(site, &[id]).await.unwrap();
    staged.iter().map(|s| s.files).sum()
}

/// Discarding staged data, and claiming syncs one per definition, look only at syncs of the
/// same kind: a running import or export never blocks the sync action of the same id.
pub async fn overlapping_ids_across_kinds_stay_apart(store: &dyn Store) {
    let site = store.create_site("Kinds").await.unwrap().id;
    let id = definitions_sharing_an_id(store, site).await;
    let t = |s: u64| Timestamp::from_nanos(1_700_000_000_000_000_000).plus_seconds(s);

    // An import and an export of this id are syncing: the sync action's data can go.
    stage_import_row(store, site, id).await;
    let import_sync = definitions::<Imports>(store)
        .create_sync(site, id, new_sync())
        .await
        .unwrap();
    let export_sync = definitions::<Exports>(store)
        .create_sync(site, id, new_sync())
        .await
        .unwrap();
    stage_action_row(store, site, id).await;
    assert_eq!(unsynced_action_files(store, site, id).await, 1);
    definitions::<SyncActions>(store)
        .discard_staged(site, id)
        .await
        .unwrap();
    assert_eq!(unsynced_action_files(store, site, id).await, 0);

    // The sync action's own sync does block it.
    stage_action_row(store, site, id).await;
    let action_sync = definitions::<SyncActions>(store)
        .create_sync(site, id, new_sync())
        .await
        .unwrap();
    assert!(matches!(
        definitions::<SyncActions>(store)
            .discard_staged(site, id)
            .await,
        Err(StoreError::Conflict {
            constraint: "sync_in_progress"
        })
    ));

    // One sync per definition at a time means per definition of a kind: all three run at once.
    let mut claimed = Vec::new();
    while let Some(job) = store.claim_sync(t(0), "n", t(30)).await.unwrap() {
        assert_eq!(job.definition_id, id);
        claimed.push(job);
    }
    let mut kinds: Vec<(i64, SyncKind)> = claimed.iter().map(|j| (j.sync_id, j.kind)).collect();
    kinds.sort_by_key(|(sync, _)| *sync);
    assert_eq!(
        kinds,
        [
            (import_sync.id, SyncKind::Import),
            (export_sync.id, SyncKind::Export),
            (action_sync.id, SyncKind::SyncAction)
        ]
    );
    // With only the sync action's sync left running, the import's new data can go.
    for job in claimed.iter().filter(|j| j.kind != SyncKind::SyncAction) {
        store
            .finish_sync(job, SyncStatus::Success, Vec::new(), t(1))
            .await
            .unwrap();
    }
    stage_import_row(store, site, id).await;
    definitions::<Imports>(store)
        .discard_staged(site, id)
        .await
        .unwrap();
}

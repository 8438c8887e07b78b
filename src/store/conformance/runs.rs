//! A sync of each kind run through the store as the engine runs it: a sync action applied with
//! rejects, an import creating contacts and rejecting a row, an export snapshotting the
//! contacts its filter selects.

use serde_json::json;

use super::contact;
use crate::domain::clock::Timestamp;
use crate::domain::definition::{
    validate_contact_definition, validate_export_definition, validate_import_definition,
};
use crate::domain::fields::NoField;
use crate::domain::import_plan::{ImportPlan, ImportReject};
use crate::domain::plan::{ApplyPlan, RejectReason};
use crate::domain::query::ListQuery;
use crate::domain::sync::SyncStatus;
use crate::store::{Exports, Imports, SyncActions, definitions};
use crate::store::{ImportUpload, NewSync, Store, StoreError, SyncJob, Upload, batches};

fn new_sync() -> NewSync {
    NewSync {
        record_type: &crate::domain::record_type::CONTACTS,
        created_by: "u".into(),
        callback_url: None,
    }
}

/// Claims the one pending sync.
async fn claim(store: &dyn Store) -> SyncJob {
    let t = |s: u64| Timestamp::from_nanos(1_700_000_000_000_000_000).plus_seconds(s);
    store.claim_sync(t(0), "n", t(60)).await.unwrap().unwrap()
}

/// Unmatched and repeated identifiers are rejected by their 1-based record index across the
/// sync's files; the matched contact is counted once.
pub async fn apply_counts_and_records_rejects(store: &dyn Store) {
    let site = store.create_site("Rejects").await.unwrap().id;
    store
        .create_contact(site, contact("a@example.com"))
        .await
        .unwrap();
    let definition = validate_contact_definition(&json!({
        "name": "s", "fields": {"E": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "E",
        "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
    }))
    .unwrap();
    let id = definitions::<SyncActions>(store)
        .create_definition(site, "u", &definition)
        .await
        .unwrap()
        .id;
    for body in [
        &b"E\nA@example.com\nnobody@example.com\n"[..],
        b"E\na@example.com\n",
    ] {
        let upload = Upload {
            body: bytes::Bytes::from_static(body),
            ..super::kinds::action_upload(id, 500, u64::MAX)
        };
        store.stage_file(site, upload).await.unwrap();
    }
    definitions::<SyncActions>(store)
        .create_sync(site, id, new_sync())
        .await
        .unwrap();
    let job = claim(store).await;
    let files = store.begin_apply(&job, "E").await.unwrap();
    let plan = ApplyPlan::of(&definition);
    let counts = store
        .apply_batches(&job, &plan, &batches(&files, 10)[0])
        .await
        .unwrap();
    let rejected = |reason| {
        let of = counts.rejected.iter().filter(|(r, _)| *r == reason);
        of.map(|(_, n)| n).sum::<u64>()
    };
    assert_eq!(counts.per_action, [1]);
    assert_eq!(
        (
            rejected(RejectReason::Unmatched),
            rejected(RejectReason::Duplicate)
        ),
        (1, 1)
    );
    let (column, page) = store
        .sync_rejects(site, job.sync_id, &ListQuery::<NoField>::all())
        .await
        .unwrap();
    assert_eq!(column, "E");
    let rejects: Vec<(u64, Option<&str>)> = page
        .items
        .iter()
        .map(|r| (r.record_index, r.value.as_deref()))
        .collect();
    assert_eq!(
        rejects,
        [(2, Some("nobody@example.com")), (3, Some("a@example.com"))]
    );
}

/// Creates an import definition of `fields`, identified by its column `E`.
async fn create_import(
    store: &dyn Store,
    site: i64,
    fields: serde_json::Value,
) -> (crate::domain::definition::ImportDefinition, i64) {
    let definition = validate_import_definition(
        &json!({"name": "i", "fields": fields, "identifierFieldName": "E"}),
    )
    .unwrap();
    let id = definitions::<Imports>(store)
        .create_definition(site, "u", &definition)
        .await
        .unwrap()
        .id;
    (definition, id)
}

/// An import sync owns the staged file (no discard while it runs), creates the contact of a
/// valid row and rejects an invalid email; its staged kilobytes count until it ends.
pub async fn imports_create_contacts_and_reject_rows(store: &dyn Store) {
    let site = store.create_site("Imports").await.unwrap().id;
    let (definition, id) = create_import(
        store,
        site,
        json!({"E": "{{Contact.Field(C_EmailAddress)}}"}),
    )
    .await;
    let upload = ImportUpload {
        body: bytes::Bytes::from_static(b"E\nnew@example.com\nnot an email\n"),
        ..super::kinds::import_upload(id, 500, u64::MAX)
    };
    assert_eq!(store.stage_import(site, upload).await.unwrap().rows, 2);
    assert_eq!(
        definitions::<Imports>(store)
            .get_definition(site, id)
            .await
            .unwrap()
            .kb_used,
        1
    );
    definitions::<Imports>(store)
        .create_sync(site, id, new_sync())
        .await
        .unwrap();
    assert!(matches!(
        definitions::<Imports>(store).discard_staged(site, id).await,
        Err(StoreError::Conflict {
            constraint: "sync_in_progress"
        })
    ));
    let job = claim(store).await;
    let files = store.begin_import(&job).await.unwrap();
    assert_eq!(files.len(), 1);
    let plan = ImportPlan::of(&definition, &[]);
    let counts = store
        .apply_import_batch(&job, &plan, &files[0], 0, files[0].rows)
        .await
        .unwrap();
    assert_eq!((counts.created, counts.updated), (1, 0));
    let invalid = counts
        .rejected
        .iter()
        .filter(|(r, _)| *r == ImportReject::InvalidEmail);
    assert_eq!(invalid.map(|(_, n)| n).sum::<u64>(), 1);
    let t = Timestamp::from_nanos(1_700_000_000_000_000_000).plus_seconds(1);
    store
        .finish_sync(&job, SyncStatus::Warning, Vec::new(), t)
        .await
        .unwrap();
    assert_eq!(
        definitions::<Imports>(store)
            .get_definition(site, id)
            .await
            .unwrap()
            .kb_used,
        0
    );
    let search = crate::store::ContactSearch {
        email: Some("new@example.com".into()),
        page: 1,
        count: 10,
    };
    assert_eq!(store.search_contacts(site, search).await.unwrap().1, 1);
}

/// An import applied in two batches: a row repeating an address of the first batch (in
/// another letter case) is a duplicate, and a row repeating one of its own batch too; the
/// first row of each address wins.
pub async fn import_duplicates_carry_across_batches(store: &dyn Store) {
    let site = store.create_site("Import batches").await.unwrap().id;
    let fields =
        json!({"E": "{{Contact.Field(C_EmailAddress)}}", "F": "{{Contact.Field(C_FirstName)}}"});
    let (definition, id) = create_import(store, site, fields).await;
    let body = "E,F\na@x.example,first\nb@x.example,b\nA@X.EXAMPLE,second\nc@x.example,c\nc@x.example,again\n";
    let upload = ImportUpload {
        body: bytes::Bytes::from(body),
        columns: vec!["E".into(), "F".into()],
        ..super::kinds::import_upload(id, 500, u64::MAX)
    };
    assert_eq!(store.stage_import(site, upload).await.unwrap().rows, 5);
    definitions::<Imports>(store)
        .create_sync(site, id, new_sync())
        .await
        .unwrap();
    let job = claim(store).await;
    let files = store.begin_import(&job).await.unwrap();
    let plan = ImportPlan::of(&definition, &[]);
    let duplicates = |counts: &crate::store::ImportCounts| {
        counts
            .rejected
            .iter()
            .filter(|(r, _)| *r == ImportReject::Duplicate)
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    let first = store
        .apply_import_batch(&job, &plan, &files[0], 0, 2)
        .await
        .unwrap();
    assert_eq!(
        (first.created, first.updated, duplicates(&first)),
        (2, 0, 0)
    );
    let second = store
        .apply_import_batch(&job, &plan, &files[0], 2, 5)
        .await
        .unwrap();
    assert_eq!(
        (second.created, second.updated, duplicates(&second)),
        (1, 0, 2)
    );
    let search = crate::store::ContactSearch {
        email: Some("a@x.example".into()),
        page: 1,
        count: 10,
    };
    let (found, total) = store.search_contacts(site, search).await.unwrap();
    assert_eq!(total, 1);
    assert_eq!(found[0].first_name.as_deref(), Some("first"));
}

/// An export snapshots the contacts its filter selects, in batches by contact id, and serves
/// the snapshot by page until its data is deleted.
pub async fn exports_snapshot_selected_contacts(store: &dyn Store) {
    let site = store.create_site("Exports").await.unwrap().id;
    let mut kept = Vec::new();
    for email in ["a@keep.example", "b@drop.example", "c@keep.example"] {
        let created = store.create_contact(site, contact(email)).await.unwrap();
        if email.ends_with("@keep.example") {
            kept.push(created.id);
        }
    }
    let definition = validate_export_definition(&json!({
        "name": "x", "fields": {"E": "{{Contact.Field(C_EmailAddress)}}"},
        "filter": "'{{Contact.Field(C_EmailAddress)}}' ~ '*@keep.example'"
    }))
    .unwrap();
    let id = definitions::<Exports>(store)
        .create_definition(site, "u", &definition)
        .await
        .unwrap()
        .id;
    let sync = definitions::<Exports>(store)
        .create_sync(site, id, new_sync())
        .await
        .unwrap();
    let job = claim(store).await;
    store.begin_export(&job, &definition, 3600).await.unwrap();
    let first = store.export_batch(&job, &definition, 0, 1).await.unwrap();
    assert_eq!(first, (1, kept[0]));
    let rest = store
        .export_batch(&job, &definition, first.1, 10)
        .await
        .unwrap();
    assert_eq!(rest, (1, kept[1]));
    let page = store.export_page(site, sync.id, 1, 10).await.unwrap();
    assert_eq!((page.fields, page.total), (vec!["E".to_owned()], 2));
    let row: serde_json::Value = serde_json::from_str(&page.rows[0]).unwrap();
    assert_eq!(row, json!(["c@keep.example"]));
    store.delete_export_data(site, sync.id).await.unwrap();
    assert!(matches!(
        store.export_page(site, sync.id, 0, 10).await,
        Err(StoreError::NotFound)
    ));
}

//! Behaviour every backend must show, written once against `&dyn Store` and run on each
//! backend's test module with a fresh database.

mod accounts;
mod callbacks;
mod custom_objects;
mod fields;
mod kinds;
mod runs;
mod staging;

pub use accounts::{
    account_lists_hold_the_sites_accounts, accounts_are_replaced_whole_and_belong_to_their_site,
};
pub use callbacks::due_callbacks_are_fair_to_sites_and_claimed_once;
pub use custom_objects::{
    custom_object_records_belong_to_their_object,
    custom_objects_keep_field_ids_and_belong_to_their_site,
};
pub use fields::custom_fields_belong_to_their_record_type;
pub use kinds::overlapping_ids_across_kinds_stay_apart;
pub use runs::{
    apply_counts_and_records_rejects, exports_snapshot_selected_contacts,
    import_duplicates_carry_across_batches, imports_create_contacts_and_reject_rows,
};
pub use staging::{
    discarding_or_deleting_frees_staged_rows, staging_limits_hold_for_sync_actions_and_imports,
};

use crate::domain::appcloud::InstanceKind;
use crate::domain::asset::{ContactListInput, EmailGroupInput};
use crate::domain::clock::Timestamp;
use crate::domain::contact::ContactInput;
use crate::domain::fields::{ContainerField, DefinitionField};
use crate::domain::query::{Condition, Direction, ListQuery, Op, Operand};
use crate::domain::site::TokenKind;
use crate::domain::sync::SyncStatus;
use crate::store::{
    ContactSearch, LEASE_LOST, NewSync, NewToken, NewUser, Store, StoreError, SyncActions, batches,
    definitions,
};

mod tokens;
pub use tokens::refresh_tokens_are_redeemed_once_and_revoke_their_grant;

/// One `#[tokio::test]` per scenario, each on a fresh store from `$fresh` (an async function
/// giving `Some((guard, store))`, or `None` when the backend is not available to test).
/// The scenarios are listed here once for every backend.
macro_rules! conformance_tests {
    ($fresh:path) => {
        $crate::store::conformance::conformance_tests!(
            @each $fresh;
            sites_and_credentials,
            containers_are_scoped_by_site,
            lists_page_filter_and_sort,
            leases_fence_a_taken_over_sync,
            one_sync_per_definition_at_a_time,
            due_callbacks_are_fair_to_sites_and_claimed_once,
            counts_for_metrics_cover_every_site,
            overlapping_ids_across_kinds_stay_apart,
            staging_limits_hold_for_sync_actions_and_imports,
            refresh_tokens_are_redeemed_once_and_revoke_their_grant,
            apply_counts_and_records_rejects,
            imports_create_contacts_and_reject_rows,
            import_duplicates_carry_across_batches,
            exports_snapshot_selected_contacts,
            discarding_or_deleting_frees_staged_rows,
            custom_fields_belong_to_their_record_type,
            custom_objects_keep_field_ids_and_belong_to_their_site,
            accounts_are_replaced_whole_and_belong_to_their_site,
            account_lists_hold_the_sites_accounts,
            custom_object_records_belong_to_their_object,
        );
    };
    (@each $fresh:path; $($scenario:ident,)*) => {
        $(
            #[tokio::test]
            async fn $scenario() {
                if let Some((_guard, store)) = $fresh().await {
                    $crate::store::conformance::$scenario(&store).await;
                }
            }
        )*
    };
}
pub(crate) use conformance_tests;

fn contact(email: &str) -> ContactInput {
    ContactInput {
        email_address: email.into(),
        contact_id_ext: None,
        first_name: None,
        last_name: None,
        is_subscribed: true,
        is_bounced: false,
    }
}

/// Sites, users, credentials and tokens.
pub async fn sites_and_credentials(store: &dyn Store) {
    let site = store.create_site("Acme").await.unwrap();
    assert!(matches!(
        store.create_site("ACME").await,
        Err(StoreError::Conflict {
            constraint: "sites_name"
        })
    ));
    let user = NewUser {
        username: "Jane".into(),
        password_hash: "$hash".into(),
        display_name: None,
        email_address: None,
        api_access: true,
    };
    let jane = store.add_user(site.id, user.clone()).await.unwrap();
    assert!(matches!(
        store.add_user(site.id, user).await,
        Err(StoreError::Conflict {
            constraint: "users_login"
        })
    ));
    let found = store.credentials("acme", "JANE").await.unwrap().unwrap();
    assert_eq!(
        (
            found.user.id,
            found.password_hash.as_str(),
            found.site_name.as_str()
        ),
        (jane.id, "$hash", "Acme")
    );
    assert!(store.credentials("acme", "john").await.unwrap().is_none());

    store
        .add_oauth_client(crate::domain::site::OAuthClient {
            client_id: "c".into(),
            secret_hash: "s".into(),
            name: "n".into(),
        })
        .await
        .unwrap();
    let token = |hash: &str, expires: i64| NewToken {
        token_hash: hash.into(),
        kind: TokenKind::Access,
        user_id: jane.id,
        client_id: "c".into(),
        expires_at: Timestamp::from_nanos(expires),
        grant_id: hash.into(),
    };
    store.insert_token(token("live", i64::MAX)).await.unwrap();
    let now = Timestamp::from_nanos(1_000);
    assert_eq!(
        store
            .token_grant("live", TokenKind::Access, now)
            .await
            .unwrap()
            .unwrap()
            .principal
            .user
            .id,
        jane.id
    );
    assert!(
        store
            .token_grant("live", TokenKind::Refresh, now)
            .await
            .unwrap()
            .is_none()
    );
    store.insert_token(token("stale", 500)).await.unwrap();
    assert!(
        store
            .token_grant("stale", TokenKind::Access, now)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    store.set_password(site.id, "jane", "$new").await.unwrap();
    assert!(
        store
            .token_grant("live", TokenKind::Access, now)
            .await
            .unwrap()
            .is_none(),
        "a new password revokes tokens"
    );
    store.remove_user(site.id, "jane").await.unwrap();
    assert!(matches!(
        store.remove_user(site.id, "jane").await,
        Err(StoreError::NotFound)
    ));
}

/// Contacts, lists, groups and AppCloud instances, each scoped by site.
pub async fn containers_are_scoped_by_site(store: &dyn Store) {
    let (a, b) = (
        store.create_site("A").await.unwrap().id,
        store.create_site("B").await.unwrap().id,
    );
    let fred = store
        .create_contact(a, contact("Fred@Example.com"))
        .await
        .unwrap();
    assert!(matches!(
        store.create_contact(a, contact("fred@example.COM")).await,
        Err(StoreError::Conflict {
            constraint: "contacts_email"
        })
    ));
    store
        .create_contact(b, contact("fred@example.com"))
        .await
        .unwrap();
    assert!(matches!(
        store.get_contact(b, fred.id).await,
        Err(StoreError::NotFound)
    ));
    let (found, total) = store
        .search_contacts(
            a,
            ContactSearch {
                email: Some("*@EXAMPLE.com".into()),
                page: 1,
                count: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!((found.len(), total), (1, 1));

    let list = store
        .create_list(
            a,
            "jane",
            ContactListInput {
                name: "L".into(),
                membership_additions: vec![fred.id],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(list.count, 1);
    let foreign = ContactListInput {
        name: "L".into(),
        membership_additions: vec![fred.id],
        ..Default::default()
    };
    assert!(
        matches!(
            store.create_list(b, "bob", foreign).await,
            Err(StoreError::NotFound)
        ),
        "another site's contact"
    );
    assert!(matches!(
        store.get_list(b, list.id).await,
        Err(StoreError::NotFound)
    ));
    let removed = ContactListInput {
        name: "L2".into(),
        membership_deletions: vec![fred.id],
        ..Default::default()
    };
    assert_eq!(
        store
            .update_list(a, list.id, "jane", removed)
            .await
            .unwrap()
            .count,
        0
    );

    let group = store
        .create_group(
            a,
            "jane",
            EmailGroupInput {
                name: "G".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .get_subscription(a, fred.id, group.id)
            .await
            .unwrap()
            .is_subscribed
    );
    store
        .set_subscription(a, fred.id, group.id, false)
        .await
        .unwrap();
    assert!(
        !store
            .get_subscription(a, fred.id, group.id)
            .await
            .unwrap()
            .is_subscribed
    );
    assert!(matches!(
        store.get_group(b, group.id).await,
        Err(StoreError::NotFound)
    ));

    let guid = "0123456789abcdef0123456789abcdef".parse().unwrap();
    store
        .create_instance(a, "jane", &guid, InstanceKind::Action, None)
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_instance(a, "jane", &guid, InstanceKind::Action, None)
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let execution = store
        .create_execution(a, "jane", &guid, &[fred.id])
        .await
        .unwrap();
    assert_eq!(execution.member_count, 1);
    store
        .set_members(a, &guid, execution.id, &[fred.id], "complete")
        .await
        .unwrap();
    assert_eq!(
        store.list_members_of(a, &guid, execution.id).await.unwrap()[0].status,
        "complete"
    );
    assert!(matches!(
        store.get_instance(b, &guid).await,
        Err(StoreError::NotFound)
    ));

    store.delete_contact(a, fred.id).await.unwrap();
    assert!(
        store
            .list_members_of(a, &guid, execution.id)
            .await
            .unwrap()
            .is_empty(),
        "deleting a contact removes its memberships"
    );
}

/// Listing: filters, order, paging and totals.
pub async fn lists_page_filter_and_sort(store: &dyn Store) {
    let site = store.create_site("S").await.unwrap().id;
    for name in ["beta", "Alpha 100%", "gamma"] {
        store
            .create_list(
                site,
                "u",
                ContactListInput {
                    name: name.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let mut query = ListQuery::<ContainerField>::all();
    query.order = Some((ContainerField::Name, Direction::Descending));
    query.limit = 2;
    let page = store.list_lists(site, &query).await.unwrap();
    let names: Vec<_> = page.items.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        (names, page.total, page.has_more),
        (vec!["gamma", "beta"], Some(3), true)
    );
    query.conditions = vec![Condition {
        field: ContainerField::Name,
        op: Op::Eq,
        operand: Operand::Text("*100%*".into()),
    }];
    assert_eq!(
        store.list_lists(site, &query).await.unwrap().total,
        Some(1),
        "% is literal"
    );
    query.conditions = vec![Condition {
        field: ContainerField::Name,
        op: Op::Ne,
        operand: Operand::Text("BETA".into()),
    }];
    query.total_results = false;
    let page = store.list_lists(site, &query).await.unwrap();
    assert_eq!(
        (page.items.len(), page.total, page.has_more),
        (2, None, false)
    );
    let defs = definitions::<SyncActions>(store)
        .list_definitions(site, None, &ListQuery::<DefinitionField>::all())
        .await
        .unwrap();
    assert_eq!(defs.total, Some(0));
}

/// A definition that globally subscribes by email, with `files` one-row files staged and a
/// pending sync owning them; returns the definition id.
pub(super) async fn pending_sync(store: &dyn Store, site: i64, files: usize) -> i64 {
    let body = serde_json::json!({
        "name": "n", "fields": {"E": "{{Contact.Field(C_EmailAddress)}}"}, "identifierFieldName": "E",
        "syncActions": [{"action": "setStatus", "destination": "{{GlobalSubscribe}}", "status": "subscribed"}]
    });
    let definition = crate::domain::definition::validate_contact_definition(&body).unwrap();
    let id = definitions::<SyncActions>(store)
        .create_definition(site, "u", &definition)
        .await
        .unwrap()
        .id;
    for _ in 0..files {
        kinds::stage_action_row(store, site, id).await;
    }
    let new = NewSync {
        record_type: &crate::domain::record_type::CONTACTS,
        created_by: "u".into(),
        callback_url: None,
    };
    definitions::<SyncActions>(store)
        .create_sync(site, id, new)
        .await
        .unwrap();
    id
}

/// A sync is held under a lease: once it expires another node takes the sync over, and every
/// write of the earlier holder is refused from then on.
pub async fn leases_fence_a_taken_over_sync(store: &dyn Store) {
    let site = store.create_site("Leases").await.unwrap().id;
    let definition = pending_sync(store, site, 2).await;
    let t = |s: u64| Timestamp::from_nanos(1_700_000_000_000_000_000).plus_seconds(s);
    let first = store.claim_sync(t(0), "a", t(10)).await.unwrap().unwrap();
    assert_eq!((first.definition_id, first.attempt), (definition, 1));
    assert_eq!(
        store.claim_sync(t(5), "b", t(15)).await.unwrap(),
        None,
        "held"
    );
    assert!(store.renew_lease(&first, t(20)).await.unwrap());
    assert_eq!(
        store.claim_sync(t(15), "b", t(25)).await.unwrap(),
        None,
        "renewed"
    );
    let files = store.begin_apply(&first, "E").await.unwrap();
    assert_eq!(files.len(), 2);

    // A lease holds through its last instant: at exactly its end it is still a's.
    assert_eq!(
        store.claim_sync(t(20), "b", t(30)).await.unwrap(),
        None,
        "held at the lease's end"
    );
    // Past the lease, node b takes it over; node a can no longer write anything.
    let second = store.claim_sync(t(21), "b", t(31)).await.unwrap().unwrap();
    assert_eq!((second.sync_id, second.attempt), (first.sync_id, 2));
    let lost = |r: StoreError| matches!(r, StoreError::Conflict { constraint } if constraint == LEASE_LOST);
    assert!(lost(store.begin_apply(&first, "E").await.unwrap_err()));
    let plan = crate::domain::plan::ApplyPlan::of(
        &definitions::<SyncActions>(store)
            .get_definition(site, definition)
            .await
            .unwrap()
            .definition,
    );
    let group = &batches(&files, 10)[0];
    assert!(lost(
        store.apply_batches(&first, &plan, group).await.unwrap_err()
    ));
    let finish = store.finish_sync(&first, SyncStatus::Success, Vec::new(), t(22));
    assert!(lost(finish.await.unwrap_err()));
    assert!(!store.renew_lease(&first, t(40)).await.unwrap());
    store.release_sync(&first).await.unwrap();
    assert_eq!(
        store.get_sync(site, first.sync_id).await.unwrap().status,
        SyncStatus::Active,
        "releasing a lost sync does nothing"
    );

    // The new holder runs it to its end.
    let files = store.begin_apply(&second, "E").await.unwrap();
    let counts = store
        .apply_batches(&second, &plan, &batches(&files, 10)[0])
        .await
        .unwrap();
    assert_eq!(counts.per_action, [0], "no contact a@example.com");
    let done = store
        .finish_sync(&second, SyncStatus::Warning, Vec::new(), t(23))
        .await
        .unwrap();
    assert_eq!(done.status, SyncStatus::Warning);
    assert_eq!(store.claim_sync(t(100), "c", t(110)).await.unwrap(), None);
}

/// Syncs of one definition run one at a time, oldest first; a released sync is claimed again.
pub async fn one_sync_per_definition_at_a_time(store: &dyn Store) {
    let site = store.create_site("Order").await.unwrap().id;
    let one = pending_sync(store, site, 1).await;
    let new = || NewSync {
        record_type: &crate::domain::record_type::CONTACTS,
        created_by: "u".into(),
        callback_url: None,
    };
    let later = definitions::<SyncActions>(store)
        .create_sync(site, one, new())
        .await
        .unwrap();
    let other = pending_sync(store, site, 1).await;
    let t = |s: u64| Timestamp::from_nanos(1_700_000_000_000_000_000).plus_seconds(s);
    let a = store.claim_sync(t(0), "n", t(30)).await.unwrap().unwrap();
    let b = store.claim_sync(t(0), "n", t(30)).await.unwrap().unwrap();
    assert_eq!((a.definition_id, b.definition_id), (one, other));
    assert_eq!(store.claim_sync(t(0), "n", t(30)).await.unwrap(), None);
    store.release_sync(&a).await.unwrap();
    let again = store.claim_sync(t(1), "m", t(31)).await.unwrap().unwrap();
    assert_eq!((again.sync_id, again.attempt), (a.sync_id, 2));
    store
        .finish_sync(&again, SyncStatus::Success, Vec::new(), t(2))
        .await
        .unwrap();
    let next = store.claim_sync(t(3), "n", t(33)).await.unwrap().unwrap();
    assert_eq!(next.sync_id, later.id);
}

/// What the metrics endpoint reads covers every site: syncs by status, and rows staged until a
/// finished sync releases them.
pub async fn counts_for_metrics_cover_every_site(store: &dyn Store) {
    let counts = |mut c: Vec<(SyncStatus, u64)>| {
        c.sort_by_key(|(s, _)| s.as_str());
        c
    };
    assert_eq!(store.sync_counts().await.unwrap(), Vec::new());
    assert_eq!(store.staged_rows().await.unwrap(), 0);
    let a = store.create_site("CountsA").await.unwrap().id;
    let b = store.create_site("CountsB").await.unwrap().id;
    pending_sync(store, a, 2).await;
    pending_sync(store, b, 1).await;
    assert_eq!(
        counts(store.sync_counts().await.unwrap()),
        [(SyncStatus::Pending, 2)]
    );
    assert_eq!(store.staged_rows().await.unwrap(), 3, "rows of both sites");
    let t = |s: u64| Timestamp::from_nanos(1_700_000_000_000_000_000).plus_seconds(s);
    let first = store.claim_sync(t(0), "n", t(30)).await.unwrap().unwrap();
    let second = store.claim_sync(t(0), "n", t(30)).await.unwrap().unwrap();
    assert_eq!(
        counts(store.sync_counts().await.unwrap()),
        [(SyncStatus::Active, 2)]
    );
    store
        .finish_sync(&first, SyncStatus::Success, Vec::new(), t(1))
        .await
        .unwrap();
    assert_eq!(
        counts(store.sync_counts().await.unwrap()),
        [(SyncStatus::Active, 1), (SyncStatus::Success, 1)]
    );
    let left = if first.site_id == a { 1 } else { 2 };
    assert_eq!(store.staged_rows().await.unwrap(), left, "released");
    store
        .finish_sync(&second, SyncStatus::Error, Vec::new(), t(2))
        .await
        .unwrap();
    assert_eq!(store.staged_rows().await.unwrap(), 0);
}

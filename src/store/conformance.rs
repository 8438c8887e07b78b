//! Behaviour every backend must show, written once against `&dyn Store` and run on each
//! backend's test module with a fresh database.

use crate::domain::appcloud::InstanceKind;
use crate::domain::asset::{ContactListInput, EmailGroupInput};
use crate::domain::clock::Timestamp;
use crate::domain::contact::ContactInput;
use crate::domain::fields::{ContainerField, DefinitionField};
use crate::domain::query::{Condition, Direction, ListQuery, Op, Operand};
use crate::domain::site::TokenKind;
use crate::store::{ContactSearch, NewToken, NewUser, Store, StoreError};

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
    let defs = store
        .list_definitions(site, &ListQuery::<DefinitionField>::all())
        .await
        .unwrap();
    assert_eq!(defs.total, Some(0));
}

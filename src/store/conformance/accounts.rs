//! Accounts: their standard values, replaced whole, searched by company name, per site.

use std::collections::BTreeMap;

use crate::domain::account::AccountInput;
use crate::store::{Store, StoreError};

fn input(values: &[(&'static str, &str)]) -> AccountInput {
    AccountInput {
        values: values
            .iter()
            .map(|(column, value)| (*column, (*value).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// Accounts keep what a write gives them and belong to their site.
pub async fn accounts_are_replaced_whole_and_belong_to_their_site(store: &dyn Store) {
    let site = store.create_site("Acme").await.unwrap().id;
    let other = store.create_site("Other").await.unwrap().id;
    let acme = store
        .create_account(
            site,
            &input(&[
                ("company_name", "Acme Corp"),
                ("city", "Springfield"),
                ("company_id_ext", "A-1"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(
        acme.values.get("city").map(String::as_str),
        Some("Springfield")
    );
    assert_eq!(store.get_account(site, acme.id).await.unwrap(), acme);
    let globex = store
        .create_account(site, &input(&[("company_name", "Globex")]))
        .await
        .unwrap();

    let replaced = store
        .update_account(
            site,
            acme.id,
            &input(&[("company_name", "Acme Corporation"), ("industry", "Anvils")]),
        )
        .await
        .unwrap();
    assert_eq!(
        replaced.values,
        input(&[("company_name", "Acme Corporation"), ("industry", "Anvils")]).values,
        "a replace clears what it leaves out"
    );
    assert_eq!(replaced.created_at, acme.created_at);

    let (all, total) = store.search_accounts(site, None, 0, 10).await.unwrap();
    assert_eq!((all.len(), total), (2, 2));
    let (found, total) = store
        .search_accounts(site, Some("acme*"), 0, 10)
        .await
        .unwrap();
    assert_eq!((found[0].id, total), (acme.id, 1));
    let (page, _) = store.search_accounts(site, None, 1, 1).await.unwrap();
    assert_eq!(page[0].id, globex.id);

    assert!(matches!(
        store.get_account(other, acme.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.update_account(other, acme.id, &input(&[])).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_account(other, acme.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.search_accounts(other, None, 0, 10).await.unwrap().1,
        0
    );
    store.delete_account(site, acme.id).await.unwrap();
    assert!(matches!(
        store.get_account(site, acme.id).await,
        Err(StoreError::NotFound)
    ));
}

/// Account lists hold the site's accounts only, count them, and belong to their site.
pub async fn account_lists_hold_the_sites_accounts(store: &dyn Store) {
    use crate::domain::asset::ContactListInput;
    use crate::domain::query::ListQuery;
    let site = store.create_site("Acme").await.unwrap().id;
    let other = store.create_site("Other").await.unwrap().id;
    let one = store
        .create_account(site, &input(&[("company_name", "One")]))
        .await
        .unwrap();
    let two = store
        .create_account(site, &input(&[("company_name", "Two")]))
        .await
        .unwrap();
    let theirs = store
        .create_account(other, &input(&[("company_name", "Theirs")]))
        .await
        .unwrap();
    let list = store
        .create_account_list(
            site,
            "jane",
            ContactListInput {
                name: "Targets".into(),
                membership_additions: vec![one.id, two.id],
                ..ContactListInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((list.count, list.scope.as_str()), (2, "local"));
    let foreign = ContactListInput {
        name: "Targets".into(),
        membership_additions: vec![theirs.id],
        ..ContactListInput::default()
    };
    assert!(matches!(
        store
            .update_account_list(site, list.id, "jane", foreign)
            .await,
        Err(StoreError::NotFound)
    ));
    let removed = store
        .update_account_list(
            site,
            list.id,
            "bob",
            ContactListInput {
                name: "Renamed".into(),
                membership_deletions: vec![one.id],
                ..ContactListInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((removed.name.as_str(), removed.count), ("Renamed", 1));
    store.delete_account(site, two.id).await.unwrap();
    assert_eq!(
        store.get_account_list(site, list.id).await.unwrap().count,
        0
    );
    let page = store
        .list_account_lists(site, &ListQuery::all())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(
        store
            .list_account_lists(other, &ListQuery::all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        store.get_account_list(other, list.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_account_list(other, list.id).await,
        Err(StoreError::NotFound)
    ));
    store.delete_account_list(site, list.id).await.unwrap();
    assert!(matches!(
        store.get_account_list(site, list.id).await,
        Err(StoreError::NotFound)
    ));
}

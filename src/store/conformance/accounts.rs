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

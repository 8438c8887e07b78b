//! [`super::AssetListings`] and [`super::AccountListStore`]: methods that only run a generic
//! operation of the backend (creating, reading or replacing a list of one kind, deleting a
//! site's record, listing a page), written once for both backends: each backend expands
//! [`asset_listings`] and [`account_lists`] with its store type.

/// [`super::AssetListings`] for a backend: contact lists and email groups deleted and listed
/// by the backend's `delete_owned` and `list_page` (rows read by its `list_from` and
/// `group_from`).
macro_rules! asset_listings {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AssetListings for $store {
            /// Members go by trigger.
            async fn delete_list(&self, site_id: i64, id: i64) -> $crate::store::StoreResult<()> {
                self.delete_owned("contact_lists", site_id, id).await
            }

            async fn list_lists(
                &self,
                site_id: i64,
                query: &$crate::domain::query::ListQuery<$crate::domain::fields::ContainerField>,
            ) -> $crate::store::StoreResult<$crate::store::Page<$crate::domain::asset::ContactList>>
            {
                let listing =
                    $crate::store::contacts::list_listing(&$crate::store::contacts::CONTACT_LISTS);
                self.list_page(listing, site_id, query, list_from).await
            }

            /// Subscriptions go by trigger.
            async fn delete_group(&self, site_id: i64, id: i64) -> $crate::store::StoreResult<()> {
                self.delete_owned("email_groups", site_id, id).await
            }

            async fn list_groups(
                &self,
                site_id: i64,
                query: &$crate::domain::query::ListQuery<$crate::domain::fields::ContainerField>,
            ) -> $crate::store::StoreResult<$crate::store::Page<$crate::domain::asset::EmailGroup>>
            {
                let listing = $crate::store::contacts::group_listing();
                self.list_page(listing, site_id, query, group_from).await
            }
        }
    };
}
pub(crate) use asset_listings;

/// [`super::AccountListStore`] for a backend: account lists on the backend's list operations
/// (`create_list_of`, `get_list_of`, `update_list_of`) over `ACCOUNT_LISTS`, deleted and listed
/// as contact lists are.
macro_rules! account_lists {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AccountListStore for $store {
            async fn create_account_list(
                &self,
                site_id: i64,
                by: &str,
                input: $crate::domain::asset::ContactListInput,
            ) -> $crate::store::StoreResult<$crate::domain::asset::ContactList> {
                let tables = &$crate::store::contacts::ACCOUNT_LISTS;
                self.create_list_of(tables, site_id, by, input).await
            }

            async fn get_account_list(
                &self,
                site_id: i64,
                id: i64,
            ) -> $crate::store::StoreResult<$crate::domain::asset::ContactList> {
                let tables = &$crate::store::contacts::ACCOUNT_LISTS;
                self.get_list_of(tables, site_id, id).await
            }

            async fn update_account_list(
                &self,
                site_id: i64,
                id: i64,
                by: &str,
                input: $crate::domain::asset::ContactListInput,
            ) -> $crate::store::StoreResult<$crate::domain::asset::ContactList> {
                let tables = &$crate::store::contacts::ACCOUNT_LISTS;
                self.update_list_of(tables, site_id, id, by, input).await
            }

            /// Members go by trigger (SQLite) or cascade (PostgreSQL).
            async fn delete_account_list(
                &self,
                site_id: i64,
                id: i64,
            ) -> $crate::store::StoreResult<()> {
                self.delete_owned("account_lists", site_id, id).await
            }

            async fn list_account_lists(
                &self,
                site_id: i64,
                query: &$crate::domain::query::ListQuery<$crate::domain::fields::ContainerField>,
            ) -> $crate::store::StoreResult<$crate::store::Page<$crate::domain::asset::ContactList>>
            {
                let tables = &$crate::store::contacts::ACCOUNT_LISTS;
                let listing = $crate::store::contacts::list_listing(tables);
                self.list_page(listing, site_id, query, list_from).await
            }
        }
    };
}
pub(crate) use account_lists;

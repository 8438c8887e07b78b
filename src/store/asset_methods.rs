//! [`super::AssetListings`]: methods that only run a generic operation of the backend (deleting
//! a site's record, listing a page), written once for both backends: each backend expands
//! [`asset_listings`] with its store type.

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

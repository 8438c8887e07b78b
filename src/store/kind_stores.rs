//! The store traits' methods that only run a generic operation of the backend, written once
//! for both backends: a [`DefinitionKind`]'s operations, and the asset store's deletes and
//! listings. Each backend implements, for any kind, `create_kind`, `get_kind`,
//! `replace_kind`, `delete_kind`, `list_kind`, `create_sync_kind` and `discard_kind`; the
//! macros here name which trait method calls which, per kind, and each backend expands them
//! with its store type and the trait's other methods.
//!
//! [`DefinitionKind`]: super::definitions::DefinitionKind

/// Implements `$trait` for `$store`: the generic calls named in `crud(…)`, `sync(…)` and
/// `discard(…)` for kind `$kind` (whose definition type is `$definition`, spelled out because
/// the traits are public and the kinds are not), then the methods written after them.
macro_rules! kind_store {
    (
        $store:ty, $trait:path, $kind:ty, $definition:ty,
        $(crud($create:ident, $get:ident, $replace:ident, $delete:ident, $list:ident))?
        $(sync($sync:ident))?
        $(discard($discard:ident))?
        { $($rest:tt)* }
    ) => {
        #[async_trait::async_trait]
        impl $trait for $store {
            $(
                async fn $create(
                    &self,
                    site_id: i64,
                    by: &str,
                    definition: &$definition,
                ) -> $crate::store::StoreResult<$crate::store::DefinitionRecordOf<$definition>> {
                    self.create_kind::<$kind>(site_id, by, definition).await
                }

                async fn $get(
                    &self,
                    site_id: i64,
                    id: i64,
                ) -> $crate::store::StoreResult<$crate::store::DefinitionRecordOf<$definition>> {
                    self.get_kind::<$kind>(site_id, id).await
                }

                async fn $replace(
                    &self,
                    site_id: i64,
                    id: i64,
                    by: &str,
                    definition: &$definition,
                ) -> $crate::store::StoreResult<$crate::store::DefinitionRecordOf<$definition>> {
                    self.replace_kind::<$kind>(site_id, id, by, definition).await
                }

                async fn $delete(&self, site_id: i64, id: i64) -> $crate::store::StoreResult<()> {
                    self.delete_kind::<$kind>(site_id, id).await
                }

                async fn $list(
                    &self,
                    site_id: i64,
                    query: &$crate::domain::query::ListQuery<
                        $crate::domain::fields::DefinitionField,
                    >,
                ) -> $crate::store::StoreResult<
                    $crate::store::Page<$crate::store::DefinitionRecordOf<$definition>>,
                > {
                    self.list_kind::<$kind>(site_id, query).await
                }
            )?

            $(
                async fn $sync(
                    &self,
                    site_id: i64,
                    id: i64,
                    sync: $crate::store::NewSync,
                ) -> $crate::store::StoreResult<$crate::domain::sync::SyncRecord> {
                    self.create_sync_kind::<$kind>(site_id, id, sync).await
                }
            )?

            $(
                async fn $discard(&self, site_id: i64, id: i64) -> $crate::store::StoreResult<()> {
                    self.discard_kind::<$kind>(site_id, id).await
                }
            )?

            $($rest)*
        }
    };
}
pub(crate) use kind_store;

/// [`super::DefinitionStore`] for a backend: sync action definitions.
macro_rules! sync_action_store {
    ($store:ty) => {
        $crate::store::kind_stores::kind_store!(
            $store,
            $crate::store::DefinitionStore,
            $crate::store::definitions::SyncActions,
            $crate::domain::definition::SyncActionDefinition,
            crud(
                create_definition,
                get_definition,
                replace_definition,
                delete_definition,
                list_definitions
            )
            {}
        );
    };
}
pub(crate) use sync_action_store;

/// [`super::SyncStore`] for a backend: a sync action definition's syncs and discards, then
/// the methods given.
macro_rules! sync_store {
    ($store:ty { $($rest:tt)* }) => {
        $crate::store::kind_stores::kind_store!(
            $store,
            $crate::store::SyncStore,
            $crate::store::definitions::SyncActions,
            $crate::domain::definition::SyncActionDefinition,
            sync(create_sync)
            discard(discard_staged)
            { $($rest)* }
        );
    };
}
pub(crate) use sync_store;

/// [`super::ImportStore`] for a backend: import definitions, then the methods given.
macro_rules! import_store {
    ($store:ty { $($rest:tt)* }) => {
        $crate::store::kind_stores::kind_store!(
            $store,
            $crate::store::ImportStore,
            $crate::store::definitions::Imports,
            $crate::domain::definition::ImportDefinition,
            crud(create_import, get_import, replace_import, delete_import, list_imports)
            sync(create_import_sync)
            discard(discard_import_data)
            { $($rest)* }
        );
    };
}
pub(crate) use import_store;

/// [`super::ExportStore`] for a backend: export definitions, then the methods given.
macro_rules! export_store {
    ($store:ty { $($rest:tt)* }) => {
        $crate::store::kind_stores::kind_store!(
            $store,
            $crate::store::ExportStore,
            $crate::store::definitions::Exports,
            $crate::domain::definition::ExportDefinition,
            crud(create_export, get_export, replace_export, delete_export, list_exports)
            sync(create_export_sync)
            { $($rest)* }
        );
    };
}
pub(crate) use export_store;

/// [`super::AssetStore`] for a backend: contact lists and email groups deleted and listed by
/// the backend's `delete_owned` and `list_page` (rows read by its `list_from` and
/// `group_from`), then the methods given.
macro_rules! asset_store {
    ($store:ty { $($rest:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::store::AssetStore for $store {
            /// Members go by trigger.
            async fn delete_list(&self, site_id: i64, id: i64) -> $crate::store::StoreResult<()> {
                self.delete_owned("contact_lists", site_id, id).await
            }

            async fn list_lists(
                &self,
                site_id: i64,
                query: &$crate::domain::query::ListQuery<$crate::domain::fields::ContainerField>,
            ) -> $crate::store::StoreResult<
                $crate::store::Page<$crate::domain::asset::ContactList>,
            > {
                let listing = $crate::store::contacts::list_listing();
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
            ) -> $crate::store::StoreResult<
                $crate::store::Page<$crate::domain::asset::EmailGroup>,
            > {
                let listing = $crate::store::contacts::group_listing();
                self.list_page(listing, site_id, query, group_from).await
            }

            $($rest)*
        }
    };
}
pub(crate) use asset_store;

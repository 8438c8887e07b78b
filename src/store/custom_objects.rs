//! Custom object definitions and their fields.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::custom_object::{
    CustomObject, CustomObjectInput, CustomObjectRecord, CustomObjectRecordInput,
};

/// One page of a site's custom objects, by id, and how many match.
pub type CustomObjectPage = (Vec<CustomObject>, u64);

/// Persistence of custom object definitions.
///
/// In a [`CustomObjectInput`], a field with a positive id keeps that field of the object
/// (the caller has checked it is one), a field without one is added, and a negative id is a
/// placeholder for a field added by the same call: `uniqueCodeFieldId` and the other
/// references may name it, and are stored with the id the field receives.
#[async_trait]
pub trait CustomObjectStore: Send + Sync {
    /// Creates a custom object with its fields.
    async fn create_custom_object(
        &self,
        site_id: i64,
        by: &str,
        input: &CustomObjectInput,
    ) -> StoreResult<CustomObject>;
    /// One custom object of the site.
    async fn get_custom_object(&self, site_id: i64, id: i64) -> StoreResult<CustomObject>;
    /// Replaces a custom object's properties and fields (fields left out are deleted).
    async fn update_custom_object(
        &self,
        site_id: i64,
        id: i64,
        by: &str,
        input: &CustomObjectInput,
    ) -> StoreResult<CustomObject>;
    /// Deletes a custom object and its fields.
    async fn delete_custom_object(&self, site_id: i64, id: i64) -> StoreResult<()>;
    /// The site's custom objects whose name matches `pattern` (`*` a wildcard, ignoring
    /// case), `limit` from `offset`, by id.
    async fn list_custom_objects(
        &self,
        site_id: i64,
        pattern: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<CustomObjectPage>;
}

/// Persistence of custom object records. Every call names the record's object; an object or
/// record of another site is `NotFound`, and so is a `contact_id` that is not one of the
/// site's contacts (the caller tells them apart).
#[async_trait]
pub trait CustomObjectRecordStore: Send + Sync {
    /// Creates a record of custom object `object_id`.
    async fn create_record(
        &self,
        site_id: i64,
        object_id: i64,
        by: &str,
        input: &CustomObjectRecordInput,
    ) -> StoreResult<CustomObjectRecord>;
    /// One record.
    async fn get_record(
        &self,
        site_id: i64,
        object_id: i64,
        id: i64,
    ) -> StoreResult<CustomObjectRecord>;
    /// Replaces a record's link and values.
    async fn update_record(
        &self,
        site_id: i64,
        object_id: i64,
        id: i64,
        by: &str,
        input: &CustomObjectRecordInput,
    ) -> StoreResult<CustomObjectRecord>;
    /// Deletes a record.
    async fn delete_record(&self, site_id: i64, object_id: i64, id: i64) -> StoreResult<()>;
    /// `limit` records of the object from `offset`, by id, and how many it has.
    async fn list_records(
        &self,
        site_id: i64,
        object_id: i64,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<CustomObjectRecord>, u64)>;
    /// How many records each of `object_ids` holds, as (object id, records) in id order; ids
    /// naming no object of the site are left out.
    async fn record_counts(&self, site_id: i64, object_ids: &[i64])
    -> StoreResult<Vec<(i64, u64)>>;
}

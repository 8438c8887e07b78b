//! Custom fields of each record type.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::contact_fields::{FieldType, RecordField};
use crate::domain::record_type::RecordType;

/// Persistence of a site's custom fields, per record type (in the type's `custom_fields`
/// table).
#[async_trait]
pub trait FieldStore: Send + Sync {
    /// Adds a custom field to `record_type`.
    ///
    /// # Errors
    /// `Conflict { constraint: "<table>_name" }` when the site has that internal name for
    /// that record type.
    async fn create_custom_field(
        &self,
        site_id: i64,
        record_type: &'static RecordType,
        internal_name: &str,
        name: &str,
        data_type: FieldType,
    ) -> StoreResult<RecordField>;
    /// The site's custom fields of `record_type`, by id.
    async fn list_custom_fields(
        &self,
        site_id: i64,
        record_type: &'static RecordType,
    ) -> StoreResult<Vec<RecordField>>;
}

//! Custom contact fields.

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::contact_fields::{ContactField, FieldType};

/// Persistence of a site's custom contact fields.
#[async_trait]
pub trait FieldStore: Send + Sync {
    /// Adds a custom field.
    ///
    /// # Errors
    /// `Conflict { constraint: "contact_custom_fields_name" }` when the site has that internal name.
    async fn create_custom_field(
        &self,
        site_id: i64,
        internal_name: &str,
        name: &str,
        data_type: FieldType,
    ) -> StoreResult<ContactField>;
    /// The site's custom fields, by id.
    async fn list_custom_fields(&self, site_id: i64) -> StoreResult<Vec<ContactField>>;
}

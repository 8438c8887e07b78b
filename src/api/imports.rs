//! Contact import definitions (`/contacts/imports`) as a definition [`Kind`] whose data
//! (`…/{id}/data`) is staged as for sync actions ([`Staging`]).

use axum::body::Bytes;

use super::data::{Staging, stage_error, trigger};
use super::definitions::{self, Kind, Record};
use super::openapi::schemas::{ImportDefinitionDto, ImportDefinitionInput};
use super::sync_actions::missing_destinations;
use super::{ApiError, AppState};
use crate::domain::definition::{FieldTarget, ImportDefinition, validate_import_definition};
use crate::domain::failure::Failure;
use crate::domain::record_type::RecordType;
use crate::domain::site::Principal;
use crate::domain::staging::MAX_FILES;
use crate::store::{ImportUpload, Staged};
use crate::upload::Format;

/// Import definitions (`/contacts/imports`).
pub struct Imports;

impl Kind for Imports {
    type Definition = ImportDefinition;
    type Dto = serde_json::Value;
    type Schema = ImportDefinitionDto;
    type Input = ImportDefinitionInput;

    const NOUN: &'static str = "import definition";
    const OPERATION: &'static str = "Import";
    const TAG: &'static str = "imports";
    const STAGES_DATA: bool = true;

    /// Every rule, then that each mapped field and each destination exists for the site.
    async fn validate(
        state: &AppState,
        record_type: &'static RecordType,
        site_id: i64,
        body: &serde_json::Value,
    ) -> Result<ImportDefinition, ApiError> {
        let definition = validate_import_definition(body)?;
        let custom = state.store.list_custom_fields(site_id, record_type).await?;
        let mut failures: Vec<Failure> = definition
            .fields
            .iter()
            .filter_map(|field| match &field.target {
                FieldTarget::Field(name)
                    if !definitions::site_has_field(record_type, name, &custom) =>
                {
                    Some(Failure::new(
                        format!("fields.{}", field.column),
                        record_type.missing_field(name),
                        Some(field.statement.clone()),
                    ))
                }
                FieldTarget::Field(name)
                    if record_type
                        .fields
                        .standard(name)
                        .is_some_and(|f| f.read_only()) =>
                {
                    Some(Failure::new(
                        format!("fields.{}", field.column),
                        format!("{name} is read-only: the server keeps it"),
                        Some(field.statement.clone()),
                    ))
                }
                _ => None,
            })
            .collect();
        failures.extend(missing_destinations(state, site_id, &definition.sync_actions).await?);
        definitions::checked(definition, failures)
    }

    type Stored = crate::store::Imports;

    /// The definition's properties, then `kbUsed` (while something is staged), `uri` and the
    /// audit properties.
    fn dto(record: Record<Self>, uri: String) -> serde_json::Value {
        definitions::stored_json(
            record.definition.to_json(),
            Some(record.kb_used),
            uri,
            record.audit,
        )
    }
}

impl Staging for Imports {
    const BUSY: &'static str = "A sync of this import is pending or active.";

    async fn stage(
        state: &AppState,
        who: &Principal,
        record: Record<Self>,
        format: Format,
        body: Bytes,
    ) -> Result<Staged, ApiError> {
        let (id, record_type, definition) = (record.id, record.record_type, record.definition);
        let upload = ImportUpload {
            definition_id: id,
            format,
            body,
            columns: definition.fields.iter().map(|f| f.column.clone()).collect(),
            max_files: MAX_FILES,
            site_quota_bytes: state.staging_quota_bytes,
            retention_seconds: definition.data_retention_duration.seconds(),
            trigger: trigger(definition.is_sync_triggered_on_import, who, record_type),
        };
        state
            .store
            .stage_import(who.site.id, upload)
            .await
            .map_err(stage_error)
    }
}

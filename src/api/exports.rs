//! Contact export definitions (`/contacts/exports`) as a definition [`Kind`], and the data
//! export syncs produce (`GET`/`DELETE /syncs/{id}/data`, JSON or, with `Accept: text/csv`, CSV).

use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;

use super::definitions::{self, Kind, Record};
use super::extract::ListParams;
use super::openapi::schemas::{ExportDefinitionDto, ExportDefinitionInput};
use super::sync_actions::missing_reference;
use super::{ApiError, ApiResult, AppState, no_content};
use crate::domain::appcloud::InstanceKind;
use crate::domain::contact_fields::Storage;
use crate::domain::definition::{
    ContainerRef, ExportDefinition, FieldTarget, validate_export_definition_of,
};
use crate::domain::failure::Failure;
use crate::domain::fields::NoField;
use crate::domain::filter::{FieldRef, Filter, Membership};
use crate::domain::record_type::{ACCOUNTS, CONTACTS, RecordType};
use crate::domain::spreadsheet::CsvCells;
use crate::store::StoreError;

/// Largest page of `GET /syncs/{id}/data` (and its default is 1000).
pub const MAX_DATA_PAGE: u32 = 50_000;

/// Export definitions (`/contacts/exports`).
pub struct Exports;

impl Kind for Exports {
    type Definition = ExportDefinition;
    type Dto = serde_json::Value;
    type Schema = ExportDefinitionDto;
    type Input = ExportDefinitionInput;

    const NOUN: &'static str = "export definition";
    const OPERATION: &'static str = "Export";
    const TAG: &'static str = "exports";
    const STAGES_DATA: bool = false;

    /// Every rule, then that each field (in `fields` and in the filter) exists for the site.
    async fn validate(
        state: &AppState,
        record_type: &'static RecordType,
        site_id: i64,
        body: &serde_json::Value,
    ) -> Result<ExportDefinition, ApiError> {
        let definition = validate_export_definition_of(record_type, body)?;
        let custom = state.store.list_custom_fields(site_id, record_type).await?;
        let known = |name: &str| definitions::site_has_field(record_type, name, &custom);
        let mut failures: Vec<Failure> = definition
            .fields
            .iter()
            .filter_map(|field| match &field.target {
                FieldTarget::Field(name) if !known(name) => Some(Failure::new(
                    format!("fields.{}", field.name),
                    record_type.missing_field(name),
                    Some(field.statement.clone()),
                )),
                // An activity's contact's standard fields, kept in columns.
                FieldTarget::ContactField(name)
                    if !matches!(
                        CONTACTS.fields.standard(name).map(|f| f.storage),
                        Some(Storage::Column(_))
                    ) =>
                {
                    Some(Failure::new(
                        format!("fields.{}", field.name),
                        format!(
                            "{} (an activity export reads the standard fields of the activity's contact)",
                            CONTACTS.missing_field(name)
                        ),
                        Some(field.statement.clone()),
                    ))
                }
                // The linked account's standard fields (its custom ones are not served).
                FieldTarget::AccountField(name) if ACCOUNTS.fields.standard(name).is_none() => {
                    Some(Failure::new(
                        format!("fields.{}", field.name),
                        format!(
                            "{} (a contact export reads the standard fields of the contact's account)",
                            ACCOUNTS.missing_field(name)
                        ),
                        Some(field.statement.clone()),
                    ))
                }
                _ => None,
            })
            .collect();
        if let Some((text, filter)) = &definition.filter {
            let mut problems = Vec::new();
            let mut references = Vec::new();
            filter_problems(filter, &known, record_type, &mut problems, &mut references);
            for reference in references {
                if let Some(why) = missing_reference(state, site_id, &reference).await? {
                    problems.push(why);
                }
            }
            failures.extend(
                problems
                    .into_iter()
                    .map(|why| Failure::new("filter", why, Some(text.clone()))),
            );
        }
        definitions::checked(definition, failures)
    }

    type Stored = crate::store::Exports;

    /// The definition's properties, then `uri` and the audit properties (exports stage
    /// nothing, so never `kbUsed`).
    fn dto(record: Record<Self>, uri: String) -> serde_json::Value {
        definitions::stored_json(record.definition.to_json(), None, uri, record.audit)
    }
}

/// What in a parsed filter this server cannot evaluate for the site, and the lists and
/// AppCloud executions it names (checked against the store by the caller, as destinations are).
fn filter_problems(
    filter: &Filter,
    known: &dyn Fn(&str) -> bool,
    record_type: &RecordType,
    problems: &mut Vec<String>,
    references: &mut Vec<ContainerRef>,
) {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            filter_problems(a, known, record_type, problems, references);
            filter_problems(b, known, record_type, problems, references);
        }
        Filter::Not(inner) => filter_problems(inner, known, record_type, problems, references),
        Filter::Exists(Membership::ContactList(id)) => {
            references.push(ContainerRef::ContactList(*id))
        }
        Filter::Exists(Membership::AccountList(id)) => {
            references.push(ContainerRef::AccountList(*id))
        }
        Filter::Exists(Membership::ContactSegment(_) | Membership::ContactFilter(_)) => {
            problems.push("Loquat has no contact segments or shared filters; use EXISTS('{{ContactList[id]}}').".into());
        }
        Filter::Status {
            instance,
            kind,
            execution,
            value,
            ..
        } => {
            let allowed: &[&str] = match kind {
                InstanceKind::Decision => &["pending", "yes", "no", "errored"],
                _ => &["pending", "active", "complete", "errored"],
            };
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(value)) {
                problems.push(format!(
                    "A {} step member's status is one of {}, not '{value}'.",
                    kind.as_str(),
                    allowed.join(", ")
                ));
            }
            references.push(ContainerRef::AppCloudInstance {
                kind: *kind,
                instance: instance.clone(),
                execution: Some(*execution),
            });
        }
        Filter::Compare {
            field: FieldRef::Field(name),
            ..
        } if !known(name) => problems.push(record_type.missing_field(name)),
        Filter::Compare { .. } => {}
    }
}

/// `GET /syncs/{id}/data`: a page of an export sync's rows, as JSON or CSV.
pub(super) async fn data_page(
    state: &AppState,
    site_id: i64,
    sync_id: i64,
    headers: &HeaderMap,
    params: &ListParams,
) -> ApiResult {
    let query = params.query::<NoField>(MAX_DATA_PAGE)?;
    let page = state
        .store
        .export_page(site_id, sync_id, query.offset, query.limit)
        .await
        .map_err(not_export)?;
    let rows: Vec<Vec<Option<String>>> = page
        .rows
        .iter()
        .map(|row| serde_json::from_str(row).map_err(|e| ApiError::Internal(e.into())))
        .collect::<Result<_, _>>()?;
    let has_more = query.offset.saturating_add(rows.len() as u64) < page.total;
    let wants_csv = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("text/csv"));
    if wants_csv {
        return csv_response(state.csv_cells, &page.fields, &rows);
    }
    let items: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|row| {
            let object: serde_json::Map<String, serde_json::Value> = page
                .fields
                .iter()
                .cloned()
                .zip(row.into_iter().map(|v| v.unwrap_or_default().into()))
                .collect();
            serde_json::Value::Object(object)
        })
        .collect();
    let mut body = serde_json::Map::new();
    body.insert("count".into(), items.len().into());
    body.insert("items".into(), items.into());
    if query.total_results {
        body.insert("totalResults".into(), page.total.into());
    }
    body.insert("limit".into(), query.limit.into());
    body.insert("offset".into(), query.offset.into());
    body.insert("hasMore".into(), has_more.into());
    Ok(axum::Json(serde_json::Value::Object(body)).into_response())
}

fn csv_response(cells: CsvCells, fields: &[String], rows: &[Vec<Option<String>>]) -> ApiResult {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(64 * (rows.len() + 1)));
    let failed = |e: csv::Error| ApiError::Internal(e.into());
    writer
        .write_record(fields.iter().map(|f| cells.cell_bytes(f)))
        .map_err(failed)?;
    for row in rows {
        writer
            .write_record(
                row.iter()
                    .map(|v| cells.cell_bytes(v.as_deref().unwrap_or(""))),
            )
            .map_err(failed)?;
    }
    let body = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response())
}

/// `DELETE /syncs/{id}/data`.
pub(super) async fn delete_data(state: &AppState, site_id: i64, sync_id: i64) -> ApiResult {
    state
        .store
        .delete_export_data(site_id, sync_id)
        .await
        .map_err(not_export)?;
    Ok(no_content())
}

/// A sync without export data: 400 as Eloqua answers for import and sync action syncs.
fn not_export(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::invalid(
            "syncedInstanceUri",
            "Data can only be retrieved for export syncs that have finished and whose data was not deleted.",
            None,
        ),
        other => other.into(),
    }
}

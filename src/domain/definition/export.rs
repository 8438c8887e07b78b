//! Export definitions (`/contacts/exports`, `/accounts/exports`): which fields to export, under
//! which names, for which records (an Eloqua filter expression), and how long data is kept.

use serde_json::Value;

use super::columns::{check_field_map, insert_durations, named_json};
use super::import::FieldTarget;
use super::input::ExportDefinitionInput;
use super::lenient::{Lenient, value_text};
use super::rules::{
    Failures, Reported, check_auto_delete, check_flag, check_name, check_retention,
};
use crate::domain::duration::IsoDuration;
use crate::domain::failure::Failure;
use crate::domain::filter::{self, Filter};
use crate::domain::record_type::{CONTACTS, RecordType};

/// Most fields one export may hold (Eloqua's limit).
const MAX_FIELDS: usize = 250;
/// Default `dataRetentionDuration` of exported data.
pub const DEFAULT_EXPORT_RETENTION: &str = "PT12H";

/// One exported column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportField {
    /// Name of the column in the exported data.
    pub name: String,
    /// What it reads.
    pub target: FieldTarget,
    /// The statement as the client sent it.
    pub statement: String,
}

/// An export definition that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportDefinition {
    /// The record type it exports.
    pub record_type: &'static RecordType,
    /// Label.
    pub name: String,
    /// Exported columns, in the client's order.
    pub fields: Vec<ExportField>,
    /// The filter as sent, and parsed; `None` exports every contact.
    pub filter: Option<(String, Filter)>,
    /// At most this many contacts (lowest ids first).
    pub max_records: Option<u64>,
    /// How long a sync's data is kept.
    pub data_retention_duration: IsoDuration,
    /// When the definition deletes itself.
    pub auto_delete_duration: Option<IsoDuration>,
    /// `areSystemTimestampsInUTC` as sent (echoed; Loquat's times are always UTC).
    pub system_timestamps_in_utc: Option<bool>,
}

impl ExportDefinition {
    /// The definition as clients send and read it (without server properties); validating it
    /// gives the definition back, so it is also the stored form.
    pub fn to_json(&self) -> Value {
        let fields = self.fields.iter().map(|f| (&f.name, &f.statement));
        let mut obj = named_json(&self.name, fields);
        if let Some((text, _)) = &self.filter {
            obj.insert("filter".into(), text.clone().into());
        }
        if let Some(max) = self.max_records {
            obj.insert("maxRecords".into(), max.into());
        }
        if let Some(utc) = self.system_timestamps_in_utc {
            obj.insert("areSystemTimestampsInUTC".into(), utc.into());
        }
        insert_durations(
            &mut obj,
            &self.data_retention_duration,
            self.auto_delete_duration.as_ref(),
        );
        Value::Object(obj)
    }
}

/// Checks a contact export definition body (see [`validate_export_definition_of`]).
///
/// # Errors
/// Every broken rule, each naming its JSON path.
pub fn validate_export_definition(body: &Value) -> Result<ExportDefinition, Vec<Failure>> {
    validate_export_definition_of(&CONTACTS, body)
}

/// Checks an export definition body of `record_type` and reports every failure: its fields
/// and filter read that record type's statements.
///
/// # Errors
/// Every broken rule, each naming its JSON path.
pub fn validate_export_definition_of(
    record_type: &'static RecordType,
    body: &Value,
) -> Result<ExportDefinition, Vec<Failure>> {
    let input: ExportDefinitionInput = super::read_body(body)?;
    let mut f = Failures::default();
    let name = check_name(&input.name, &mut f);
    let checked = check_field_map(&input.fields, record_type, MAX_FIELDS, false, &mut f);
    let fields = checked.map(|checked| {
        let fields = checked
            .into_iter()
            .map(|(name, target, statement)| ExportField {
                name,
                target,
                statement,
            });
        fields.collect()
    });
    let filter = check_filter(&input.filter, record_type, &mut f);
    let max_records = check_max_records(&input.max_records, &mut f);
    let retention = check_retention(
        &input.data_retention_duration,
        &mut f,
        DEFAULT_EXPORT_RETENTION,
    );
    let auto_delete = check_auto_delete(&input.auto_delete_duration, &mut f);
    let utc = check_flag(
        &input.are_system_timestamps_in_utc,
        "areSystemTimestampsInUTC",
        &mut f,
    );
    match (
        name,
        fields,
        filter,
        max_records,
        retention,
        auto_delete,
        utc,
    ) {
        (
            Ok(name),
            Ok(fields),
            Ok(filter),
            Ok(max_records),
            Ok(retention),
            Ok(auto_delete),
            Ok(utc),
        ) if f.0.is_empty() => Ok(ExportDefinition {
            record_type,
            name,
            fields,
            filter,
            max_records,
            data_retention_duration: retention,
            auto_delete_duration: auto_delete,
            system_timestamps_in_utc: utc,
        }),
        _ => Err(f.0),
    }
}

fn check_filter(
    filter: &Lenient<String>,
    record_type: &RecordType,
    f: &mut Failures,
) -> Result<Option<(String, Filter)>, Reported> {
    match filter {
        Lenient::Absent => Ok(None),
        Lenient::Valid(text, _) if text.trim().is_empty() => Ok(None),
        Lenient::Valid(text, _) => match filter::parse_for(record_type, text) {
            Ok(parsed) => Ok(Some((text.clone(), parsed))),
            Err(e) => f.fail("filter", e.to_string(), Some(text.clone())),
        },
        Lenient::Invalid(other) => f.fail(
            "filter",
            "must be a filter expression string",
            Some(value_text(other)),
        ),
    }
}

fn check_max_records(max: &Lenient<u64>, f: &mut Failures) -> Result<Option<u64>, Reported> {
    match max {
        Lenient::Absent => Ok(None),
        Lenient::Valid(n, _) if *n > 0 => Ok(Some(*n)),
        other => f.fail("maxRecords", "must be a positive integer", other.text()),
    }
}

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
use crate::domain::activity::ActivityType;
use crate::domain::duration::IsoDuration;
use crate::domain::failure::Failure;
use crate::domain::filter::{self, CompareOp, FieldRef, Filter};
use crate::domain::record_type::{ACTIVITIES, CONTACTS, RecordType};

/// Most fields one export may hold (Eloqua's limit).
const MAX_FIELDS: usize = 250;
/// Most contact fields (`{{Activity.Contact.Field(…)}}`) one activity export reads (Oracle's
/// limit).
pub const MAX_ACTIVITY_CONTACT_FIELDS: usize = 10;
/// Most rows an activity export returns (Oracle's limit), `maxRecords` or not.
pub const MAX_ACTIVITY_ROWS: u64 = 5_000_000;
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
    /// The most rows a sync of it exports: `maxRecords`, and never more than Oracle's limit
    /// for activities.
    pub fn row_limit(&self) -> u64 {
        let cap = if self.record_type == &ACTIVITIES {
            MAX_ACTIVITY_ROWS
        } else {
            u64::MAX
        };
        self.max_records.unwrap_or(cap).min(cap)
    }

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
    if record_type == &ACTIVITIES {
        check_activity_export(filter.as_ref().ok(), fields.as_ref().ok(), &mut f);
        if let Ok(Some(max)) = max_records {
            if max > MAX_ACTIVITY_ROWS {
                let rule = "must be at most 5000000 for an activity export";
                f.push("maxRecords", rule, Some(max.to_string()));
            }
        }
    }
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

/// Eloqua's rules for an activity export: a filter naming exactly one activity type with
/// `'{{Activity.Type}}' = '<type>'`, any other condition on the date or id, joined by `AND`;
/// and fields that type has.
fn check_activity_export(
    filter: Option<&Option<(String, Filter)>>,
    fields: Option<&Vec<ExportField>>,
    f: &mut Failures,
) {
    let rule = "must name exactly one activity type, as '{{Activity.Type}}' = 'EmailOpen', \
                with any condition on '{{Activity.CreatedAt}}' or '{{Activity.Id}}' joined by AND";
    let Some(parsed) = filter else {
        return; // the filter's own failure is reported
    };
    let Some((text, filter)) = parsed else {
        f.push("filter", format!("is required: it {rule}"), None);
        return;
    };
    let mut types = Vec::new();
    let mut stack = vec![filter];
    while let Some(node) = stack.pop() {
        match node {
            Filter::And(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            Filter::Compare {
                field: FieldRef::Field(name),
                op: CompareOp::Eq,
                value,
            } if name == "ActivityType" => types.push(value.clone()),
            Filter::Compare {
                field: FieldRef::CreatedAt | FieldRef::Id,
                ..
            } => {}
            _ => {
                f.push("filter", rule, Some(text.clone()));
                return;
            }
        }
    }
    let [activity_type] = types.as_slice() else {
        f.push("filter", rule, Some(text.clone()));
        return;
    };
    let Some(activity_type) = ActivityType::parse(activity_type) else {
        let known: Vec<&str> = ActivityType::ALL.iter().map(|t| t.as_str()).collect();
        let why = format!(
            "names no activity type Loquat knows ('{activity_type}'); one of {}",
            known.join(", ")
        );
        f.push("filter", why, Some(text.clone()));
        return;
    };
    let own: Vec<&str> = activity_type
        .fields()
        .iter()
        .map(|field| field.internal_name)
        .collect();
    let contact_fields = fields
        .into_iter()
        .flatten()
        .filter(|field| matches!(field.target, FieldTarget::ContactField(_)))
        .count();
    if contact_fields > MAX_ACTIVITY_CONTACT_FIELDS {
        f.push(
            "fields",
            format!(
                "may read at most {MAX_ACTIVITY_CONTACT_FIELDS} contact fields ({{{{Activity.Contact.Field(…)}}}}), found {contact_fields}"
            ),
            None,
        );
    }
    for field in fields.into_iter().flatten() {
        if let FieldTarget::Field(name) = &field.target {
            if !own.contains(&name.as_str()) {
                f.push(
                    format!("fields.{}", field.name),
                    format!("{name} is not a field of {activity_type} activities"),
                    Some(field.statement.clone()),
                );
            }
        }
    }
}

fn check_max_records(max: &Lenient<u64>, f: &mut Failures) -> Result<Option<u64>, Reported> {
    match max {
        Lenient::Absent => Ok(None),
        Lenient::Valid(n, _) if *n > 0 => Ok(Some(*n)),
        other => f.fail("maxRecords", "must be a positive integer", other.text()),
    }
}

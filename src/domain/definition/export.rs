//! Contact export definitions (`/contacts/exports`): which contact fields to export, under
//! which names, for which contacts (an Eloqua filter expression), and how long data is kept.

use serde_json::{Map, Value};

use super::import::{FieldTarget, check_field_entry};
use super::rules::{
    Failures, Reported, check_auto_delete, check_name, check_retention, present, value_text,
};
use crate::domain::duration::IsoDuration;
use crate::domain::failure::Failure;
use crate::domain::filter::{self, Filter};

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

/// A contact export definition that passed every rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportDefinition {
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
}

impl ExportDefinition {
    /// The definition as clients send and read it (without server properties); validating it
    /// gives the definition back, so it is also the stored form.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("name".into(), self.name.clone().into());
        let fields: Map<String, Value> = self
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.statement.clone().into()))
            .collect();
        obj.insert("fields".into(), Value::Object(fields));
        if let Some((text, _)) = &self.filter {
            obj.insert("filter".into(), text.clone().into());
        }
        if let Some(max) = self.max_records {
            obj.insert("maxRecords".into(), max.into());
        }
        obj.insert(
            "dataRetentionDuration".into(),
            self.data_retention_duration.as_str().into(),
        );
        if let Some(duration) = &self.auto_delete_duration {
            obj.insert("autoDeleteDuration".into(), duration.as_str().into());
        }
        Value::Object(obj)
    }
}

/// Checks an export definition body and reports every failure.
///
/// # Errors
/// Every broken rule, each naming its JSON path.
pub fn validate_export_definition(body: &Value) -> Result<ExportDefinition, Vec<Failure>> {
    let Some(obj) = body.as_object() else {
        return Err(vec![Failure::new(
            "body",
            "must be a JSON object",
            Some(value_text(body)),
        )]);
    };
    let mut f = Failures::default();
    let name = check_name(obj, &mut f);
    let fields = check_fields(obj, &mut f);
    let filter = check_filter(obj, &mut f);
    let max_records = check_max_records(obj, &mut f);
    let retention = check_retention(obj, &mut f, DEFAULT_EXPORT_RETENTION);
    let auto_delete = check_auto_delete(obj, &mut f);
    match (name, fields, filter, max_records, retention, auto_delete) {
        (Ok(name), Ok(fields), Ok(filter), Ok(max_records), Ok(retention), Ok(auto_delete))
            if f.0.is_empty() =>
        {
            Ok(ExportDefinition {
                name,
                fields,
                filter,
                max_records,
                data_retention_duration: retention,
                auto_delete_duration: auto_delete,
            })
        }
        _ => Err(f.0),
    }
}

fn check_fields(obj: &Map<String, Value>, f: &mut Failures) -> Result<Vec<ExportField>, Reported> {
    let rule =
        "must be an object of 1 to 250 entries mapping column names to contact field statements";
    let entries = match present(obj, "fields") {
        None => return f.fail("fields", format!("is required; {rule}"), None),
        Some(Value::Object(entries)) if (1..=MAX_FIELDS).contains(&entries.len()) => entries,
        Some(other) => return f.fail("fields", rule, Some(value_text(other))),
    };
    let mut fields = Vec::with_capacity(entries.len());
    let mut outcome = Ok(());
    for (name, value) in entries {
        let (target, text) = match check_field_entry(name, value, f) {
            Ok(entry) => entry,
            Err(reported) => {
                outcome = Err(reported);
                continue;
            }
        };
        fields.push(ExportField {
            name: name.clone(),
            target,
            statement: text,
        });
    }
    outcome.map(|()| fields)
}

fn check_filter(
    obj: &Map<String, Value>,
    f: &mut Failures,
) -> Result<Option<(String, Filter)>, Reported> {
    match present(obj, "filter") {
        None => Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(Value::String(text)) => match filter::parse(text) {
            Ok(parsed) => Ok(Some((text.clone(), parsed))),
            Err(e) => f.fail("filter", e.to_string(), Some(text.clone())),
        },
        Some(other) => f.fail(
            "filter",
            "must be a filter expression string",
            Some(value_text(other)),
        ),
    }
}

fn check_max_records(obj: &Map<String, Value>, f: &mut Failures) -> Result<Option<u64>, Reported> {
    match present(obj, "maxRecords") {
        None => Ok(None),
        Some(v) => match v.as_u64().filter(|n| *n > 0) {
            Some(n) => Ok(Some(n)),
            None => f.fail(
                "maxRecords",
                "must be a positive integer",
                Some(value_text(v)),
            ),
        },
    }
}

//! What imports and exports share: `fields` (column names mapped to field statements of
//! their record type) and how long their data and the definition live.

use serde_json::{Map, Value};

use super::import::FieldTarget;
use super::input::Entries;
use super::lenient::{Lenient, value_text};
use super::rules::{Failures, Reported};
use crate::domain::activity::ActivityField;
use crate::domain::duration::IsoDuration;
use crate::domain::markup::{self, FieldName};
use crate::domain::record_type::{ACCOUNTS, ACTIVITIES, RecordType};

/// One checked `fields` entry: the column, what it reads or writes, the statement as sent.
pub(super) type FieldEntry = (String, FieldTarget, String);

/// Checks the `fields` of an import or export: an object of 1 to `max` entries, each a column
/// name mapped to a contact field statement. With `distinct` (imports), a column may not write
/// a field another column writes already.
pub(super) fn check_field_map(
    fields: &Lenient<Entries>,
    record_type: &RecordType,
    max: usize,
    distinct: bool,
    f: &mut Failures,
) -> Result<Vec<FieldEntry>, Reported> {
    let rule = format!(
        "must be an object of 1 to {max} entries mapping column names to {} field statements",
        record_type.noun
    );
    let entries = match fields {
        Lenient::Absent => return f.fail("fields", format!("is required; {rule}"), None),
        Lenient::Valid(entries, _) if (1..=max).contains(&entries.len()) => entries,
        other => return f.fail("fields", rule, other.text()),
    };
    let mut checked: Vec<FieldEntry> = Vec::with_capacity(entries.len());
    let mut outcome = Ok(());
    for (column, value) in entries {
        match check_field_entry(column, value, record_type, f) {
            Err(reported) => outcome = Err(reported),
            Ok((target, text)) if distinct && checked.iter().any(|(_, t, _)| *t == target) => {
                outcome = f.fail(
                    format!("fields.{column}"),
                    "maps a field another column maps already",
                    Some(text),
                );
            }
            Ok((target, text)) => checked.push((column.clone(), target, text)),
        }
    }
    outcome.map(|()| checked)
}

/// Checks one `fields` entry of an import or export: a column name of 1 to 100 characters
/// mapped to a field statement of `record_type`; returns what it reads or writes and the text
/// as sent.
fn check_field_entry(
    name: &str,
    value: &Value,
    record_type: &RecordType,
    f: &mut Failures,
) -> Result<(FieldTarget, String), Reported> {
    let path = format!("fields.{name}");
    if name.is_empty() || name.chars().count() > 100 {
        return f.fail(
            path,
            "a column name must be 1 to 100 characters",
            Some(name.to_owned()),
        );
    }
    let Value::String(text) = value else {
        let rule = format!("must be a {} field statement string", record_type.noun);
        return f.fail(path, rule, Some(value_text(value)));
    };
    if record_type == &ACTIVITIES {
        let contact_field = text
            .strip_prefix("{{Activity.Contact.Field(")
            .and_then(|rest| rest.strip_suffix(")}}"));
        if let Some(name) = contact_field {
            return match FieldName::parse(name) {
                Ok(name) => Ok((
                    FieldTarget::ContactField(name.as_str().to_owned()),
                    text.clone(),
                )),
                Err(e) => f.fail(path, e.to_string(), Some(text.clone())),
            };
        }
        // Activity statements (`{{Activity.Asset.Name}}`) are Oracle's fixed list.
        return match ActivityField::with_statement(text) {
            Some(field) => Ok((FieldTarget::Field(field.internal_name.to_owned()), text.clone())),
            None => f.fail(
                path,
                "must be an activity field statement, as /api/bulk/2.0/activities/fields lists them",
                Some(text.clone()),
            ),
        };
    }
    match markup::parse(text) {
        Ok(statement) => match FieldTarget::of(record_type, statement) {
            Some(target) => Ok((target, text.clone())),
            None if record_type == &ACCOUNTS => f.fail(
                path,
                "must be {{Account.Id}}, {{Account.Field(<internal name>)}}, {{Account.CreatedAt}} or {{Account.UpdatedAt}}",
                Some(text.clone()),
            ),
            None => f.fail(
                path,
                "must be {{Contact.Id}}, {{Contact.Field(<internal name>)}}, {{Contact.Email.IsSubscribed}} or {{Contact.Email.IsBounced}}",
                Some(text.clone()),
            ),
        },
        Err(e) => f.fail(path, e.to_string(), Some(text.clone())),
    }
}

/// A JSON object of text by column name, in the definition's order.
pub(super) fn entries_json<'a>(
    entries: impl Iterator<Item = (&'a String, impl AsRef<str>)>,
) -> Value {
    let entries = entries.map(|(column, text)| (column.clone(), text.as_ref().into()));
    Value::Object(entries.collect())
}

/// The stored form's first properties: `name`, then `fields` (column to statement).
pub(super) fn named_json<'a>(
    name: &str,
    fields: impl Iterator<Item = (&'a String, &'a String)>,
) -> Map<String, Value> {
    let mut obj = Map::new();
    obj.insert("name".into(), name.into());
    obj.insert("fields".into(), entries_json(fields));
    obj
}

/// Writes `dataRetentionDuration`, and `autoDeleteDuration` when there is one.
pub(super) fn insert_durations(
    obj: &mut Map<String, Value>,
    retention: &IsoDuration,
    auto_delete: Option<&IsoDuration>,
) {
    obj.insert("dataRetentionDuration".into(), retention.as_str().into());
    if let Some(duration) = auto_delete {
        obj.insert("autoDeleteDuration".into(), duration.as_str().into());
    }
}

//! Checks for the top-level properties of a definition body, and the failure collector they share.

use serde_json::{Map, Value};

use super::sync_action::{self, SyncAction};
use super::{Destination, Identifier, destination_field};
use crate::domain::duration::IsoDuration;
use crate::domain::failure::Failure;
use crate::domain::markup;

/// Longest `name`, `fields` key and `identifierFieldName`, in characters.
const MAX_TEXT_CHARS: usize = 100;
/// Most sync actions one definition may hold [DOC].
const MAX_SYNC_ACTIONS: usize = 10;
/// Shortest `autoDeleteDuration` Eloqua accepts (`PT1H`).
const MIN_AUTO_DELETE_SECONDS: u64 = 3_600;

/// Failures gathered so far; checks push here and return [`Reported`] so validation continues.
#[derive(Default)]
pub(super) struct Failures(pub(super) Vec<Failure>);

/// Marker that a check failed and its failure is already recorded.
#[derive(Debug)]
pub(super) struct Reported;

impl Failures {
    /// Records a failure without stopping the caller.
    pub(super) fn push(
        &mut self,
        field: impl Into<String>,
        constraint: impl Into<String>,
        value: Option<String>,
    ) {
        self.0.push(Failure::new(field, constraint, value));
    }

    /// Records a failure and returns the marker, for `return f.fail(...)`.
    pub(super) fn fail<T>(
        &mut self,
        field: impl Into<String>,
        constraint: impl Into<String>,
        value: Option<String>,
    ) -> Result<T, Reported> {
        self.push(field, constraint, value);
        Err(Reported)
    }
}

/// A property's value, treating JSON `null` as absent (clients send `null` for "not set").
pub(super) fn present<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// How a value is quoted in a failure: a string's content, anything else as JSON text.
pub(super) fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON bool, or `"true"`/`"false"` in any case (pyeloqua sends strings).
pub(super) fn lenient_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Checks a required string of 1 to 100 characters (not bytes) that is not only whitespace.
fn check_text<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
    f: &mut Failures,
) -> Result<&'v str, Reported> {
    let rule = "must be a string of 1 to 100 characters";
    match present(obj, key) {
        None => f.fail(key, format!("is required; {rule}"), None),
        Some(Value::String(s)) if s.trim().is_empty() => {
            f.fail(key, "must not be empty or only whitespace", Some(s.clone()))
        }
        Some(Value::String(s)) if s.chars().count() > MAX_TEXT_CHARS => {
            f.fail(key, "must be at most 100 characters", Some(s.clone()))
        }
        Some(Value::String(s)) => Ok(s),
        Some(other) => f.fail(key, rule, Some(value_text(other))),
    }
}

pub(super) fn check_text_field<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
    f: &mut Failures,
) -> Result<&'v str, Reported> {
    check_text(obj, key, f)
}

pub(super) fn check_name(obj: &Map<String, Value>, f: &mut Failures) -> Result<String, Reported> {
    check_text(obj, "name", f).map(str::to_owned)
}

/// Checks `fields`; the outer result carries the column (usable even if the statement is bad).
pub(super) fn check_fields(
    obj: &Map<String, Value>,
    f: &mut Failures,
) -> Result<(String, Result<Identifier, Reported>), Reported> {
    let allowed = Identifier::ALL.map(Identifier::markup).join(", ");
    let rule = format!(
        "must be an object with exactly one entry mapping a column name to one of {allowed}"
    );
    let entries = match present(obj, "fields") {
        None => return f.fail("fields", format!("is required; {rule}"), None),
        Some(Value::Object(entries)) if entries.len() == 1 => entries,
        Some(other) => return f.fail("fields", rule, Some(value_text(other))),
    };
    let Some((key, value)) = entries.iter().next() else {
        return f.fail("fields", rule, Some("{}".to_owned()));
    };
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_TEXT_CHARS {
        return f.fail(
            "fields",
            "the column name must be 1 to 100 characters",
            Some(key.clone()),
        );
    }
    let identifier = match value {
        Value::String(text) => match markup::parse(text) {
            Err(e) => f.fail("fields", e.to_string(), Some(text.clone())),
            Ok(statement) => Identifier::from_statement(&statement).map_or_else(
                || {
                    f.fail(
                        "fields",
                        format!("the identifier must be one of {allowed}{}", case_hint(text)),
                        Some(text.clone()),
                    )
                },
                Ok,
            ),
        },
        other => f.fail(
            "fields",
            format!("the identifier must be a string, one of {allowed}"),
            Some(value_text(other)),
        ),
    };
    Ok((key.clone(), identifier))
}

/// Suggests the allowed identifier that differs from `text` only in case.
fn case_hint(text: &str) -> String {
    Identifier::ALL
        .into_iter()
        .find(|i| i.markup().eq_ignore_ascii_case(text))
        .map(|i| format!(" (did you mean {}?)", i.markup()))
        .unwrap_or_default()
}

pub(super) fn check_identifier_field_name(
    obj: &Map<String, Value>,
    column: Option<&str>,
    f: &mut Failures,
) -> Result<(), Reported> {
    let name = check_text(obj, "identifierFieldName", f)?;
    match column {
        Some(column) if column != name => f.fail(
            "identifierFieldName",
            format!("must equal the column name in fields ({column:?})"),
            Some(name.to_owned()),
        ),
        _ => Ok(()),
    }
}

pub(super) fn check_sync_actions(
    obj: &Map<String, Value>,
    f: &mut Failures,
) -> Result<Vec<SyncAction>, Reported> {
    check_sync_action_list(obj, f, true)
}

/// Checks `syncActions`: 1 to 10 entries when `required` (sync action definitions), 0 to 10
/// and optional otherwise (imports, whose actions run for every imported row).
pub(super) fn check_sync_action_list(
    obj: &Map<String, Value>,
    f: &mut Failures,
    required: bool,
) -> Result<Vec<SyncAction>, Reported> {
    let rule = if required {
        "must be an array of 1 to 10 sync actions"
    } else {
        "must be an array of at most 10 sync actions"
    };
    let (list, items) = match present(obj, "syncActions") {
        None if !required => return Ok(Vec::new()),
        None => return f.fail("syncActions", format!("is required; {rule}"), None),
        Some(list @ Value::Array(items)) => (list, items),
        Some(other) => return f.fail("syncActions", rule, Some(value_text(other))),
    };
    let mut outcome = match items.len() {
        0 if !required => Ok(()),
        0 => f.fail(
            "syncActions",
            "must contain at least one sync action",
            Some("[]".to_owned()),
        ),
        n if n > MAX_SYNC_ACTIONS => f.fail(
            "syncActions",
            format!("must contain at most 10 sync actions, found {n}"),
            Some(value_text(list)),
        ),
        _ => Ok(()),
    };
    let mut actions = Vec::with_capacity(items.len());
    let mut seen: Vec<(usize, Destination)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let path = format!("syncActions[{index}]");
        let (destination, action) = sync_action::check(item, &path, f);
        if let Some(destination) = destination {
            if let Some((earlier, _)) = seen.iter().find(|(_, d)| *d == destination) {
                outcome = f.fail(
                    destination_field(index),
                    format!(
                        "repeats the destination of syncActions[{earlier}]; \
                         each destination may appear in only one action"
                    ),
                    present_text(item, "destination"),
                );
            }
            seen.push((index, destination));
        }
        match action {
            Ok(action) => actions.push(action),
            Err(reported) => outcome = Err(reported),
        }
    }
    outcome.map(|()| actions)
}

/// The text of `item[key]` when it is present, for quoting in a failure.
fn present_text(item: &Value, key: &str) -> Option<String> {
    item.get(key).filter(|v| !v.is_null()).map(value_text)
}

pub(super) fn check_triggered(
    obj: &Map<String, Value>,
    f: &mut Failures,
) -> Result<bool, Reported> {
    let field = "isSyncTriggeredOnImport";
    match present(obj, field) {
        // Default `false` (spec §4.2): Oracle documents none for sync actions.
        None => Ok(false),
        Some(v) => match lenient_bool(v) {
            Some(b) => Ok(b),
            None => f.fail(field, "must be true or false", Some(value_text(v))),
        },
    }
}

pub(super) fn check_auto_delete(
    obj: &Map<String, Value>,
    f: &mut Failures,
) -> Result<Option<IsoDuration>, Reported> {
    let field = "autoDeleteDuration";
    match present(obj, field) {
        None => Ok(None),
        Some(Value::String(text)) => match IsoDuration::parse(text) {
            Err(e) => f.fail(field, e.to_string(), Some(text.clone())),
            Ok(d) if d.seconds() < MIN_AUTO_DELETE_SECONDS => {
                f.fail(field, "must be at least PT1H", Some(text.clone()))
            }
            Ok(d) => Ok(Some(d)),
        },
        Some(other) => f.fail(
            field,
            "must be an ISO-8601 duration string such as PT1H",
            Some(value_text(other)),
        ),
    }
}

/// `dataRetentionDuration` bounds in seconds (imports and exports): PT1H to P14D.
const RETENTION: (u64, u64) = (3_600, 14 * 86_400);

/// Checks `dataRetentionDuration`: an ISO-8601 duration from PT1H to P14D, `default` when absent.
pub(super) fn check_retention(
    obj: &Map<String, Value>,
    f: &mut Failures,
    default: &str,
) -> Result<IsoDuration, Reported> {
    let key = "dataRetentionDuration";
    let text = match present(obj, key) {
        None => default.to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => {
            return f.fail(
                key,
                "must be an ISO-8601 duration from PT1H to P14D",
                Some(value_text(other)),
            );
        }
    };
    match IsoDuration::parse(&text) {
        Ok(d) if (RETENTION.0..=RETENTION.1).contains(&d.seconds()) => Ok(d),
        Ok(_) => f.fail(key, "must be from PT1H to P14D", Some(text)),
        Err(e) => f.fail(key, e.to_string(), Some(text)),
    }
}

//! Checks for the top-level properties of a definition body, and the failure collector they share.

use super::input::{Entries, SyncActionList};
use super::lenient::{Flag, Lenient, value_text};
use super::sync_action::{self, SyncAction};
use super::vocabulary::one_of;
use super::{Destination, Identifier, destination_field};
use crate::domain::duration::IsoDuration;
use crate::domain::failure::Failure;
use crate::domain::markup;
use crate::domain::record_type::RecordType;
use serde_json::Value;

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

/// Checks a required string of 1 to 100 characters (not bytes) that is not only whitespace.
pub(super) fn check_text<'v>(
    text: &'v Lenient<String>,
    key: &str,
    f: &mut Failures,
) -> Result<&'v str, Reported> {
    let rule = "must be a string of 1 to 100 characters";
    match text {
        Lenient::Absent => f.fail(key, format!("is required; {rule}"), None),
        Lenient::Valid(s, _) if s.trim().is_empty() => {
            f.fail(key, "must not be empty or only whitespace", Some(s.clone()))
        }
        Lenient::Valid(s, _) if s.chars().count() > MAX_TEXT_CHARS => {
            f.fail(key, "must be at most 100 characters", Some(s.clone()))
        }
        Lenient::Valid(s, _) => Ok(s),
        Lenient::Invalid(other) => f.fail(key, rule, Some(value_text(other))),
    }
}

pub(super) fn check_name(name: &Lenient<String>, f: &mut Failures) -> Result<String, Reported> {
    check_text(name, "name", f).map(str::to_owned)
}

/// Checks a sync action definition's `fields` for `record_type`; the outer result carries the
/// column (usable even if the statement is bad).
pub(super) fn check_fields(
    fields: &Lenient<Entries>,
    record_type: &RecordType,
    f: &mut Failures,
) -> Result<(String, Result<Identifier, Reported>), Reported> {
    let allowed = record_type.identifiers.join(", ");
    let rule = format!(
        "must be an object with exactly one entry mapping a column name to one of {allowed}"
    );
    let entries = match fields {
        Lenient::Absent => return f.fail("fields", format!("is required; {rule}"), None),
        Lenient::Valid(entries, _) if entries.len() == 1 => entries,
        other => return f.fail("fields", rule, other.text()),
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
            Ok(statement) => Identifier::from_statement(record_type, &statement).map_or_else(
                || {
                    f.fail(
                        "fields",
                        format!(
                            "the identifier must be one of {allowed}{}",
                            case_hint(record_type, text)
                        ),
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
fn case_hint(record_type: &RecordType, text: &str) -> String {
    Identifier::of(record_type)
        .find(|i| i.markup().eq_ignore_ascii_case(text))
        .map(|i| format!(" (did you mean {}?)", i.markup()))
        .unwrap_or_default()
}

pub(super) fn check_identifier_field_name(
    name: &Lenient<String>,
    column: Option<&str>,
    f: &mut Failures,
) -> Result<(), Reported> {
    let name = check_text(name, "identifierFieldName", f)?;
    match column {
        Some(column) if column != name => f.fail(
            "identifierFieldName",
            format!("must equal the column name in fields ({column:?})"),
            Some(name.to_owned()),
        ),
        _ => Ok(()),
    }
}

/// Checks `syncActions`: 1 to 10 entries when `required` (sync action definitions), 0 to 10
/// and optional otherwise (imports, whose actions run for every imported row).
pub(super) fn check_sync_actions(
    list: &SyncActionList,
    f: &mut Failures,
    required: bool,
    record_type: &RecordType,
) -> Result<Vec<SyncAction>, Reported> {
    let rule = if required {
        "must be an array of 1 to 10 sync actions"
    } else {
        "must be an array of at most 10 sync actions"
    };
    let items = match list {
        Lenient::Absent if !required => return Ok(Vec::new()),
        Lenient::Absent => return f.fail("syncActions", format!("is required; {rule}"), None),
        Lenient::Valid(items, _) => items,
        Lenient::Invalid(other) => return f.fail("syncActions", rule, Some(value_text(other))),
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
            list.text(),
        ),
        _ => Ok(()),
    };
    let mut actions = Vec::with_capacity(items.len());
    let mut seen: Vec<(usize, Destination)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let path = format!("syncActions[{index}]");
        let (destination, mut action) = sync_action::check(item, &path, record_type, f);
        if let Some(destination) = &destination {
            if !record_type.accepts(destination) {
                let accepted: Vec<&str> = record_type
                    .sync_actions
                    .iter()
                    .map(|r| r.destination)
                    .collect();
                action = f.fail(
                    destination_field(index),
                    format!(
                        "{} sync actions take no {} destination; expected {}",
                        record_type.noun,
                        destination.name(),
                        one_of(&accepted)
                    ),
                    Some(destination.statement().to_string()),
                );
            }
        }
        if let Some(destination) = destination {
            if let Some((earlier, _)) = seen.iter().find(|(_, d)| *d == destination) {
                let sent = match item {
                    Lenient::Valid(item, _) => item.destination.text(),
                    _ => None,
                };
                outcome = f.fail(
                    destination_field(index),
                    format!(
                        "repeats the destination of syncActions[{earlier}]; \
                         each destination may appear in only one action"
                    ),
                    sent,
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

/// Checks an optional boolean property (`true`, `false` or those words as strings).
pub(super) fn check_flag(
    flag: &Lenient<Flag>,
    field: impl Into<String>,
    f: &mut Failures,
) -> Result<Option<bool>, Reported> {
    match flag {
        Lenient::Absent => Ok(None),
        Lenient::Valid(Flag(b), _) => Ok(Some(*b)),
        Lenient::Invalid(v) => f.fail(field, "must be true or false", Some(value_text(v))),
    }
}

pub(super) fn check_triggered(flag: &Lenient<Flag>, f: &mut Failures) -> Result<bool, Reported> {
    // Default `false` (spec §4.2): Oracle documents none for sync actions.
    check_flag(flag, "isSyncTriggeredOnImport", f).map(Option::unwrap_or_default)
}

pub(super) fn check_auto_delete(
    duration: &Lenient<String>,
    f: &mut Failures,
) -> Result<Option<IsoDuration>, Reported> {
    let field = "autoDeleteDuration";
    match duration {
        Lenient::Absent => Ok(None),
        Lenient::Valid(text, _) => match IsoDuration::parse(text) {
            Err(e) => f.fail(field, e.to_string(), Some(text.clone())),
            Ok(d) if d.seconds() < MIN_AUTO_DELETE_SECONDS => {
                f.fail(field, "must be at least PT1H", Some(text.clone()))
            }
            Ok(d) => Ok(Some(d)),
        },
        Lenient::Invalid(other) => f.fail(
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
    duration: &Lenient<String>,
    f: &mut Failures,
    default: &str,
) -> Result<IsoDuration, Reported> {
    let key = "dataRetentionDuration";
    let text = match duration {
        Lenient::Absent => default.to_owned(),
        Lenient::Valid(text, _) => text.clone(),
        Lenient::Invalid(other) => {
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

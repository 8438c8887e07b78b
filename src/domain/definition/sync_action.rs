//! One entry of `syncActions`: its rules (action, destination, status, updateAll) and its stored JSON form.

use serde_json::{Map, Value};

use super::destination::Destination;
use super::input::SyncActionItem;
use super::lenient::{Flag, Lenient, value_text};
use super::rules::{Failures, Reported, check_flag};
use super::vocabulary::{ActionKind, MemberStatus, one_of};
use crate::domain::failure::Failure;
use crate::domain::markup;
use crate::domain::record_type::RecordType;

/// One validated action of a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncAction {
    /// What to do.
    pub action: ActionKind,
    /// What to do it to.
    pub destination: Destination,
    /// The destination exactly as the client sent it, echoed back unchanged.
    pub destination_markup: String,
    /// The status `setStatus` sets; `None` for `add`/`remove`.
    pub status: Option<MemberStatus>,
    /// `updateAll` if the client sent it (AppCloud executions only).
    pub update_all: Option<bool>,
}

impl SyncAction {
    /// The action as the client sent it, keys in Eloqua's echo order: `destination`, `action`,
    /// then `status` and `updateAll` only when present.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert(
            "destination".into(),
            Value::String(self.destination_markup.clone()),
        );
        obj.insert("action".into(), self.action.as_str().into());
        if let Some(status) = self.status {
            obj.insert("status".into(), status.as_str().into());
        }
        if let Some(update_all) = self.update_all {
            obj.insert("updateAll".into(), Value::Bool(update_all));
        }
        Value::Object(obj)
    }

    /// Loads an action written by [`to_json`](Self::to_json), re-checking every rule.
    ///
    /// # Errors
    /// The failures of the stored value, with fields under `syncAction` (stored data should
    /// never fail; if it does, the rules changed or the store was edited).
    pub fn from_stored_json(
        record_type: &RecordType,
        value: &Value,
    ) -> Result<SyncAction, Vec<Failure>> {
        let mut f = Failures::default();
        let item = Lenient::of(value.clone());
        check(&item, "syncAction", record_type, &mut f)
            .1
            .map_err(|Reported| f.0)
    }
}

/// Checks one action at JSON path `path`; also returns the destination whenever it parsed, so
/// the caller can spot duplicates even among otherwise invalid actions.
pub(super) fn check(
    item: &Lenient<SyncActionItem>,
    path: &str,
    record_type: &RecordType,
    f: &mut Failures,
) -> (Option<Destination>, Result<SyncAction, Reported>) {
    // A JSON array can also fill a struct's fields in order; only an object is an action.
    let obj = match item {
        Lenient::Valid(obj, Value::Object(_)) => obj,
        _ => {
            let sent = item.sent().map_or_else(|| "null".to_owned(), value_text);
            let failed = f.fail(
                path,
                "must be an object with action and destination",
                Some(sent),
            );
            return (None, failed);
        }
    };
    let before = f.0.len();
    let action = check_action(&obj.action, path, f);
    let destination = check_destination(&obj.destination, path, f);
    let known_action = action.as_ref().ok().copied();
    let known_destination = destination.as_ref().ok().map(|(d, _)| d);
    if let (Some(action), Some(destination)) = (known_action, known_destination) {
        if !destination.allowed_actions().contains(&action) {
            let allowed: Vec<_> = destination
                .allowed_actions()
                .iter()
                .map(|a| a.as_str())
                .collect();
            let rule = format!(
                "must be {} for {}",
                one_of(&allowed),
                destination.describe()
            );
            f.push(
                format!("{path}.action"),
                rule,
                Some(action.as_str().to_owned()),
            );
        }
    }
    let status = Statuses {
        record_type,
        action: known_action,
        destination: known_destination,
    }
    .check(&obj.status, path, f);
    let update_all = check_update_all(&obj.update_all, path, known_destination, f);
    let parsed = known_destination.cloned();
    let result = match (action, destination, status, update_all) {
        (Ok(action), Ok((destination, destination_markup)), Ok(status), Ok(update_all))
            if f.0.len() == before =>
        {
            Ok(SyncAction {
                action,
                destination,
                destination_markup,
                status,
                update_all,
            })
        }
        _ => Err(Reported),
    };
    (parsed, result)
}

fn check_action(
    action: &Lenient<String>,
    path: &str,
    f: &mut Failures,
) -> Result<ActionKind, Reported> {
    let field = format!("{path}.action");
    let rule = "must be one of add, remove, setStatus";
    match action {
        // No default: Swagger's `add` default would silently change what the client meant.
        Lenient::Absent => f.fail(field, format!("is required; {rule}"), None),
        Lenient::Valid(s, _) => s.parse().or_else(|_| {
            let hint = ActionKind::ALL
                .into_iter()
                .find(|a| a.as_str().eq_ignore_ascii_case(s))
                .map(|a| format!(" exactly as written (did you mean {a}?)"))
                .unwrap_or_default();
            f.fail(field, format!("{rule}{hint}"), Some(s.clone()))
        }),
        Lenient::Invalid(other) => f.fail(field, rule, Some(value_text(other))),
    }
}

/// Returns the parsed destination and the text the client sent.
fn check_destination(
    destination: &Lenient<String>,
    path: &str,
    f: &mut Failures,
) -> Result<(Destination, String), Reported> {
    let field = format!("{path}.destination");
    let rule = "must be a markup statement naming a ContactList, EmailGroup, GlobalSubscribe, \
                ActionInstance, DecisionInstance or FeederInstance";
    match destination {
        Lenient::Absent => f.fail(field, format!("is required; {rule}"), None),
        Lenient::Valid(text, _) => match markup::parse(text) {
            Err(e) => f.fail(field, e.to_string(), Some(text.clone())),
            Ok(statement) => match Destination::from_statement(statement) {
                Some(destination) => Ok((destination, text.clone())),
                None => f.fail(field, rule, Some(text.clone())),
            },
        },
        Lenient::Invalid(other) => f.fail(field, rule, Some(value_text(other))),
    }
}

/// What decides which statuses an action may set: its record type, action and destination.
struct Statuses<'a> {
    record_type: &'a RecordType,
    action: Option<ActionKind>,
    destination: Option<&'a Destination>,
}

impl Statuses<'_> {
    fn check(
        &self,
        status: &Lenient<String>,
        path: &str,
        f: &mut Failures,
    ) -> Result<Option<MemberStatus>, Reported> {
        let field = format!("{path}.status");
        let allowed = self.destination.map(|d| self.record_type.statuses(d));
        let text = match status {
            // No default: Swagger's `bounced` default would silently change what the client meant.
            Lenient::Absent => {
                return match (self.action, allowed) {
                    (Some(ActionKind::SetStatus), Some(allowed)) if !allowed.is_empty() => {
                        let rule = format!("is required for setStatus; {}", self.accepted());
                        f.fail(field, rule, None)
                    }
                    (Some(ActionKind::SetStatus), None) => {
                        f.fail(field, "is required for setStatus", None)
                    }
                    _ => Ok(None),
                };
            }
            Lenient::Valid(text, _) => text,
            Lenient::Invalid(other) => {
                let rule = "must be a status string such as subscribed";
                return f.fail(field, rule, Some(value_text(other)));
            }
        };
        let value = Some(text.clone());
        let status = match self.parse(text) {
            Ok(status) => status,
            Err(rule) => return f.fail(field, rule, value),
        };
        if matches!(self.action, Some(ActionKind::Add | ActionKind::Remove)) {
            return f.fail(field, "must be omitted when action is add or remove", value);
        }
        match (self.destination, allowed) {
            (Some(d), Some([])) => f.fail(
                field,
                format!("must be omitted for {}", d.describe()),
                value,
            ),
            (Some(_), Some(allowed)) if !allowed.contains(&status) => {
                let rule = format!("{status} is not allowed here; {}", self.accepted());
                f.fail(field, rule, value)
            }
            _ => Ok(Some(status)),
        }
    }

    /// Parses a status word; the error is the constraint text, explaining refused and
    /// mistyped words.
    fn parse(&self, text: &str) -> Result<MemberStatus, String> {
        let known = text.parse::<MemberStatus>().ok();
        let settable = |status: &MemberStatus| {
            self.record_type
                .sync_actions
                .iter()
                .any(|rule| rule.statuses.contains(status))
        };
        match known {
            Some(status) if settable(&status) => return Ok(status),
            Some(_) => {}
            None if !MemberStatus::REFUSED.contains(&text) => {
                let all: Vec<_> = MemberStatus::ALL.map(MemberStatus::as_str).to_vec();
                let hint = MemberStatus::ALL
                    .into_iter()
                    .find(|s| s.as_str().eq_ignore_ascii_case(text))
                    .map(|s| format!(" (statuses are lowercase: did you mean {s}?)"))
                    .unwrap_or_default();
                return Err(format!("must be one of {}{hint}", all.join(", ")));
            }
            None => {}
        }
        let accepted = self
            .destination
            .map(|_| format!("; {}", self.accepted()))
            .unwrap_or_default();
        Err(format!(
            "{text} cannot be set by {} {} sync action{accepted}",
            crate::domain::definition::article(self.record_type.noun),
            self.record_type.noun
        ))
    }

    /// "an EmailGroup destination accepts subscribed or unsubscribed"
    fn accepted(&self) -> String {
        let Some(destination) = self.destination else {
            return String::new();
        };
        let words: Vec<_> = self
            .record_type
            .statuses(destination)
            .iter()
            .map(|s| s.as_str())
            .collect();
        format!("{} accepts {}", destination.describe(), one_of(&words))
    }
}

fn check_update_all(
    update_all: &Lenient<Flag>,
    path: &str,
    destination: Option<&Destination>,
    f: &mut Failures,
) -> Result<Option<bool>, Reported> {
    let field = format!("{path}.updateAll");
    let Some(value) = check_flag(update_all, field.clone(), f)? else {
        return Ok(None);
    };
    match destination {
        Some(d) if !d.accepts_update_all() => f.fail(
            field,
            format!(
                "is only allowed on ActionInstance(...).Execution[...] and \
                 DecisionInstance(...).Execution[...] destinations, not {}",
                d.describe()
            ),
            update_all.text(),
        ),
        _ => Ok(Some(value)),
    }
}

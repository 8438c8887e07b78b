//! One entry of `syncActions`: its rules (action, destination, status, updateAll) and its stored JSON form.

use serde_json::{Map, Value};

use super::destination::Destination;
use super::input::SyncActionItem;
use super::lenient::{Flag, Lenient, value_text};
use super::rules::{Failures, Reported, check_flag};
use super::vocabulary::{ActionKind, MemberStatus, one_of};
use crate::domain::failure::Failure;
use crate::domain::markup;

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
    pub fn from_stored_json(value: &Value) -> Result<SyncAction, Vec<Failure>> {
        let mut f = Failures::default();
        let item = Lenient::of(value.clone());
        check(&item, "syncAction", &mut f).1.map_err(|Reported| f.0)
    }
}

/// Checks one action at JSON path `path`; also returns the destination whenever it parsed, so
/// the caller can spot duplicates even among otherwise invalid actions.
pub(super) fn check(
    item: &Lenient<SyncActionItem>,
    path: &str,
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
    let status = check_status(&obj.status, path, known_action, known_destination, f);
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

fn check_status(
    status: &Lenient<String>,
    path: &str,
    action: Option<ActionKind>,
    destination: Option<&Destination>,
    f: &mut Failures,
) -> Result<Option<MemberStatus>, Reported> {
    let field = format!("{path}.status");
    let text = match status {
        // No default: Swagger's `bounced` default is never a valid contact status.
        Lenient::Absent => {
            return match (action, destination) {
                (Some(ActionKind::SetStatus), Some(d)) if !d.allowed_statuses().is_empty() => {
                    let rule = format!("is required for setStatus; {}", accepted_statuses(d));
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
    let status = match parse_status(text, destination) {
        Ok(status) => status,
        Err(rule) => return f.fail(field, rule, value),
    };
    if matches!(action, Some(ActionKind::Add | ActionKind::Remove)) {
        return f.fail(field, "must be omitted when action is add or remove", value);
    }
    match destination {
        Some(d) if d.allowed_statuses().is_empty() => f.fail(
            field,
            format!("must be omitted for {}", d.describe()),
            value,
        ),
        Some(d) if !d.allowed_statuses().contains(&status) => {
            let rule = format!("{status} is not allowed here; {}", accepted_statuses(d));
            f.fail(field, rule, value)
        }
        _ => Ok(Some(status)),
    }
}

/// Parses a status word; the error is the constraint text, explaining refused and mistyped words.
fn parse_status(text: &str, destination: Option<&Destination>) -> Result<MemberStatus, String> {
    if let Ok(status) = text.parse::<MemberStatus>() {
        return Ok(status);
    }
    if MemberStatus::REFUSED.contains(&text) {
        let accepted = destination
            .map(|d| format!("; {}", accepted_statuses(d)))
            .unwrap_or_default();
        return Err(format!(
            "{text} cannot be set by a contact sync action{accepted}"
        ));
    }
    let all: Vec<_> = MemberStatus::ALL.map(MemberStatus::as_str).to_vec();
    let hint = MemberStatus::ALL
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(text))
        .map(|s| format!(" (statuses are lowercase: did you mean {s}?)"))
        .unwrap_or_default();
    Err(format!("must be one of {}{hint}", all.join(", ")))
}

/// "an EmailGroup destination accepts subscribed or unsubscribed"
fn accepted_statuses(destination: &Destination) -> String {
    let words: Vec<_> = destination
        .allowed_statuses()
        .iter()
        .map(|s| s.as_str())
        .collect();
    format!("{} accepts {}", destination.describe(), one_of(&words))
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

//! The quoted markup inside a filter: what `EXISTS` tests, what `STATUS` reads and which
//! contact field a comparison reads. Statements are parsed by [`crate::domain::markup`];
//! `ContactSegment` and `ContactFilter` are not markup statements, so they are read here.

use crate::domain::appcloud::InstanceKind;
use crate::domain::markup::{self, EmailProperty, InstanceId, MarkupError, Statement};

use super::FilterError;
use super::ast::{FieldRef, Membership};
use super::lexer::excerpt;

const MEMBERSHIPS: &str =
    "'{{ContactList[<id>]}}', '{{ContactSegment[<id>]}}' or '{{ContactFilter[<id>]}}'";
const STEPS: &str = "'{{ActionInstance(<32 hex digits>).Execution[<id>]}}' or \
                     '{{DecisionInstance(<32 hex digits>).Execution[<id>]}}'";
const FIELDS: &str = "'{{Contact.Id}}', '{{Contact.Field(<name>)}}', \
                      '{{Contact.Email.IsSubscribed}}', '{{Contact.Email.IsBounced}}', \
                      '{{Contact.CreatedAt}}' or '{{Contact.UpdatedAt}}'";

/// Markup text from between two quotes, and the byte offset of its first character in the filter.
#[derive(Debug, Clone, Copy)]
pub(super) struct Quoted<'a> {
    pub raw: &'a str,
    pub at: usize,
}

impl Quoted<'_> {
    fn error(&self, offset: usize, reason: impl Into<String>) -> FilterError {
        FilterError::new(self.at + offset, reason)
    }

    fn parse(&self) -> Result<Statement, FilterError> {
        markup::parse(self.raw).map_err(|e| self.shifted(e))
    }

    /// Re-bases a markup error; the end of the markup is the closing quote, so say so.
    fn shifted(&self, e: MarkupError) -> FilterError {
        let reason = e
            .reason
            .replace("found end of input", "found the closing quote");
        self.error(e.at, reason)
    }

    /// The statement name after `{{`, if the text starts like markup.
    fn name(&self) -> Option<&str> {
        let rest = self.raw.strip_prefix("{{")?;
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        Some(&rest[..end]).filter(|name| !name.is_empty())
    }

    /// Describes the character at `offset` for "found …" messages; the end is the closing quote.
    fn found(&self, offset: usize) -> String {
        match self.raw.get(offset..).and_then(|rest| rest.chars().next()) {
            None => "the closing quote".to_owned(),
            Some(c) => format!("'{}'", c.escape_debug()),
        }
    }
}

/// The target of `EXISTS('…')`.
pub(super) fn membership(quoted: Quoted<'_>) -> Result<Membership, FilterError> {
    match quoted.name() {
        Some("ContactSegment") => indexed(quoted, "ContactSegment").map(Membership::ContactSegment),
        Some("ContactFilter") => indexed(quoted, "ContactFilter").map(Membership::ContactFilter),
        Some(name) if name != "ContactList" => {
            let near = ["ContactList", "ContactSegment", "ContactFilter"]
                .into_iter()
                .find(|known| known.eq_ignore_ascii_case(name));
            if let Some(known) = near {
                return Err(quoted.error(
                    2,
                    format!("unknown statement '{name}'; did you mean {known}?"),
                ));
            }
            // A statement this server knows but EXISTS cannot test deserves a precise message.
            let reason = match markup::parse(quoted.raw) {
                Ok(Statement::EmailGroup(_)) => format!(
                    "EXISTS cannot test email-group membership (Bulk exports cannot filter on it); it takes {MEMBERSHIPS}"
                ),
                Ok(other) => format!("EXISTS cannot test {other}; it takes {MEMBERSHIPS}"),
                Err(_) => format!(
                    "unknown statement '{}'; EXISTS takes {MEMBERSHIPS}",
                    excerpt(name)
                ),
            };
            Err(quoted.error(2, reason))
        }
        _ => match quoted.parse()? {
            Statement::ContactList(id) => Ok(Membership::ContactList(id)),
            other => Err(quoted.error(
                0,
                format!("EXISTS cannot test {other}; it takes {MEMBERSHIPS}"),
            )),
        },
    }
}

/// The target of `EXISTS('…')` in an account export: an account list.
pub(super) fn account_membership(quoted: Quoted<'_>) -> Result<Membership, FilterError> {
    match quoted.parse()? {
        Statement::AccountList(id) => Ok(Membership::AccountList(id)),
        other => Err(quoted.error(
            0,
            format!("EXISTS cannot test {other} in an account export; it takes '{{{{AccountList[<id>]}}}}'"),
        )),
    }
}

/// The account value on the left of a comparison in an account export.
pub(super) fn account_field(quoted: Quoted<'_>) -> Result<FieldRef, FilterError> {
    const ACCOUNT_FIELDS: &str = "'{{Account.Id}}', '{{Account.Field(<name>)}}', \
                                  '{{Account.CreatedAt}}' or '{{Account.UpdatedAt}}'";
    if !quoted.raw.starts_with("{{") {
        let reason = format!(
            "expected an account field on the left of the comparison ({ACCOUNT_FIELDS}), found the string '{}'",
            excerpt(quoted.raw)
        );
        return Err(quoted.error(0, reason));
    }
    match quoted.parse()? {
        Statement::AccountId => Ok(FieldRef::Id),
        Statement::AccountField(name) => Ok(FieldRef::Field(name.as_str().to_owned())),
        Statement::AccountCreatedAt => Ok(FieldRef::CreatedAt),
        Statement::AccountUpdatedAt => Ok(FieldRef::UpdatedAt),
        other => Err(quoted.error(
            0,
            format!("{other} is not an account field; compare {ACCOUNT_FIELDS}"),
        )),
    }
}

/// The activity value on the left of a comparison in an activity export: its type, date or id.
pub(super) fn activity_field(quoted: Quoted<'_>) -> Result<FieldRef, FilterError> {
    match quoted.raw {
        "{{Activity.Type}}" => Ok(FieldRef::Field("ActivityType".to_owned())),
        "{{Activity.CreatedAt}}" => Ok(FieldRef::CreatedAt),
        "{{Activity.Id}}" => Ok(FieldRef::Id),
        other => Err(quoted.error(
            0,
            format!(
                "an activity export compares '{{{{Activity.Type}}}}', '{{{{Activity.CreatedAt}}}}' or '{{{{Activity.Id}}}}', not '{}'",
                excerpt(other)
            ),
        )),
    }
}

/// Reads `{{<name>[<id>]}}` with the markup parser's id rules: a positive integer without leading zeros.
fn indexed(quoted: Quoted<'_>, name: &str) -> Result<u64, FilterError> {
    let raw = quoted.raw;
    let open = 2 + name.len();
    let expected = |at: usize, what: &str| {
        quoted.error(at, format!("expected {what}, found {}", quoted.found(at)))
    };
    if !raw[open..].starts_with('[') {
        return Err(expected(
            open,
            &format!("'[' and an id after {name}, like {{{{{name}[123]}}}}"),
        ));
    }
    let start = open + 1;
    let digits_len = raw[start..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(raw.len() - start);
    let digits = &raw[start..start + digits_len];
    if digits.is_empty() {
        return Err(expected(start, "a positive integer id after '['"));
    }
    if digits == "0" {
        return Err(quoted.error(start, "an id must be a positive integer, found 0"));
    }
    if digits.starts_with('0') {
        let reason = format!(
            "an id must not have leading zeros, found {}",
            excerpt(digits)
        );
        return Err(quoted.error(start, reason));
    }
    let id = digits.parse::<u64>().map_err(|_| {
        let reason = format!(
            "id {} is too large (the largest is {})",
            excerpt(digits),
            u64::MAX
        );
        quoted.error(start, reason)
    })?;
    let close = start + digits_len;
    if !raw[close..].starts_with(']') {
        return Err(expected(close, "']' to close the id"));
    }
    for at in [close + 1, close + 2] {
        if raw.as_bytes().get(at) != Some(&b'}') {
            return Err(expected(at, "'}}' to close the statement"));
        }
    }
    if raw.len() > close + 3 {
        return Err(expected(close + 3, "the closing quote after '}}'"));
    }
    Ok(id)
}

/// The AppCloud step `STATUS('…')` reads: an action or decision instance and one execution.
pub(super) fn step(quoted: Quoted<'_>) -> Result<(InstanceId, InstanceKind, u64), FilterError> {
    if quoted.raw.starts_with("CloudConnectorStatus") {
        let reason = format!("cloud connector status is not supported; STATUS takes {STEPS}");
        return Err(quoted.error(0, reason));
    }
    match quoted.parse()? {
        Statement::ActionInstance {
            instance,
            execution: Some(execution),
        } => Ok((instance, InstanceKind::Action, execution)),
        Statement::DecisionInstance {
            instance,
            execution,
        } => Ok((instance, InstanceKind::Decision, execution)),
        Statement::ActionInstance {
            execution: None, ..
        } => {
            // Valid markup ends in `}}`; the execution belongs just before it.
            let at = quoted.raw.len().saturating_sub(2);
            let reason = "expected '.Execution[<id>]' after ActionInstance(…): STATUS reads one canvas execution, found '}}'";
            Err(quoted.error(at, reason))
        }
        other => Err(quoted.error(0, format!("STATUS cannot read {other}; it takes {STEPS}"))),
    }
}

/// The contact value on the left of a comparison.
pub(super) fn field(quoted: Quoted<'_>) -> Result<FieldRef, FilterError> {
    if !quoted.raw.starts_with("{{") {
        let reason = format!(
            "expected a contact field on the left of the comparison ({FIELDS}), found the string '{}'",
            excerpt(quoted.raw)
        );
        return Err(quoted.error(0, reason));
    }
    let hint = match quoted.parse()? {
        Statement::ContactId => return Ok(FieldRef::Id),
        Statement::RecordField(name) => return Ok(FieldRef::Field(name.as_str().to_owned())),
        Statement::ContactEmail(EmailProperty::IsSubscribed) => return Ok(FieldRef::IsSubscribed),
        Statement::ContactEmail(EmailProperty::IsBounced) => return Ok(FieldRef::IsBounced),
        Statement::ContactCreatedAt => return Ok(FieldRef::CreatedAt),
        Statement::ContactUpdatedAt => return Ok(FieldRef::UpdatedAt),
        Statement::ContactEmail(EmailProperty::Format) => {
            format!("{{{{Contact.Email.Format}}}} cannot be compared in a filter; compare {FIELDS}")
        }
        list @ Statement::ContactList(_) => {
            format!("{list} is not a contact field; test membership with EXISTS('{list}')")
        }
        step @ (Statement::ActionInstance { .. } | Statement::DecisionInstance { .. }) => {
            format!(
                "{step} is not a contact field; test a step status with STATUS('{step}') = '<status>'"
            )
        }
        other => format!("{other} is not a contact field; compare {FIELDS}"),
    };
    Err(quoted.error(0, hint))
}

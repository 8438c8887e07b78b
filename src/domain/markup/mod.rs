//! Eloqua markup statements (`{{Contact.Field(C_EmailAddress)}}`, `{{AccountList[12]}}`, …): parsing and rendering.
//!
//! Parsing happens in two steps: `lexer` checks the generic syntax
//! `{{` segment (`.` segment)* `}}` and `resolve` maps the segments onto [`Statement`].
//! Rendering is canonical, so `parse(s)?.to_string() == s` for every accepted input
//! whose instance GUIDs are lowercase.

mod ids;
mod lexer;
mod resolve;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

pub use ids::{EmailProperty, FieldName, InstanceId};

/// A markup statement this server understands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Statement {
    /// `{{Contact.Id}}`
    ContactId,
    /// `{{Contact.CreatedAt}}`: when the contact was created.
    ContactCreatedAt,
    /// `{{Contact.UpdatedAt}}`: when the contact last changed.
    ContactUpdatedAt,
    /// `{{Contact.Field(C_EmailAddress)}}`
    RecordField(FieldName),
    /// `{{Contact.Email.IsSubscribed}}`, `IsBounced` or `Format`
    ContactEmail(EmailProperty),
    /// `{{Contact.Account.Field(M_CompanyName)}}`: a field of the account the contact is linked to.
    ContactAccountField(FieldName),
    /// `{{ContactList[12]}}`
    ContactList(u64),
    /// `{{Account.Id}}`
    AccountId,
    /// `{{Account.CreatedAt}}`: when the account was created.
    AccountCreatedAt,
    /// `{{Account.UpdatedAt}}`: when the account last changed.
    AccountUpdatedAt,
    /// `{{Account.Field(M_CompanyName)}}`
    AccountField(FieldName),
    /// `{{AccountList[3]}}`
    AccountList(u64),
    /// `{{EmailGroup[7]}}`
    EmailGroup(u64),
    /// `{{GlobalSubscribe}}`
    GlobalSubscribe,
    /// `{{ActionInstance(<32 hex>)}}` or `{{ActionInstance(<32 hex>).Execution[5]}}`
    ActionInstance {
        /// The AppCloud action service instance.
        instance: InstanceId,
        /// The canvas execution, absent for the older "whole instance" form.
        execution: Option<u64>,
    },
    /// `{{DecisionInstance(<32 hex>).Execution[5]}}`
    DecisionInstance {
        /// The AppCloud decision service instance.
        instance: InstanceId,
        /// The canvas execution; decisions always answer for one execution.
        execution: u64,
    },
    /// `{{FeederInstance(<32 hex>)}}`
    FeederInstance {
        /// The AppCloud feeder service instance.
        instance: InstanceId,
    },
}

/// Why a markup text was refused, with the byte offset where the problem starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid markup at byte {at}: {reason}")]
pub struct MarkupError {
    /// Byte offset into the parsed text.
    pub at: usize,
    /// What was expected and what was found.
    pub reason: String,
}

impl MarkupError {
    fn new(at: usize, reason: impl Into<String>) -> Self {
        Self {
            at,
            reason: reason.into(),
        }
    }

    /// Re-bases an error found in a substring that starts at byte `by` of the whole input.
    fn shifted(self, by: usize) -> Self {
        Self {
            at: self.at + by,
            ..self
        }
    }
}

/// Parses one complete markup statement; no whitespace is allowed anywhere and names are case-sensitive.
///
/// # Errors
/// A [`MarkupError`] naming the byte offset, what was expected there and what was found.
pub fn parse(input: &str) -> Result<Statement, MarkupError> {
    let segments = lexer::lex(input)?;
    resolve::resolve(input, &segments)
}

impl FromStr for Statement {
    type Err = MarkupError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{{{{` and `}}}}` are escaped braces: each renders as `{{` / `}}`.
        match self {
            Self::ContactId => f.write_str("{{Contact.Id}}"),
            Self::ContactCreatedAt => f.write_str("{{Contact.CreatedAt}}"),
            Self::ContactUpdatedAt => f.write_str("{{Contact.UpdatedAt}}"),
            Self::RecordField(name) => write!(f, "{{{{Contact.Field({name})}}}}"),
            Self::ContactEmail(property) => write!(f, "{{{{Contact.Email.{property}}}}}"),
            Self::ContactAccountField(name) => write!(f, "{{{{Contact.Account.Field({name})}}}}"),
            Self::ContactList(id) => write!(f, "{{{{ContactList[{id}]}}}}"),
            Self::AccountId => f.write_str("{{Account.Id}}"),
            Self::AccountCreatedAt => f.write_str("{{Account.CreatedAt}}"),
            Self::AccountUpdatedAt => f.write_str("{{Account.UpdatedAt}}"),
            Self::AccountField(name) => write!(f, "{{{{Account.Field({name})}}}}"),
            Self::AccountList(id) => write!(f, "{{{{AccountList[{id}]}}}}"),
            Self::EmailGroup(id) => write!(f, "{{{{EmailGroup[{id}]}}}}"),
            Self::GlobalSubscribe => f.write_str("{{GlobalSubscribe}}"),
            Self::ActionInstance {
                instance,
                execution: None,
            } => write!(f, "{{{{ActionInstance({instance})}}}}"),
            Self::ActionInstance {
                instance,
                execution: Some(execution),
            } => write!(
                f,
                "{{{{ActionInstance({instance}).Execution[{execution}]}}}}"
            ),
            Self::DecisionInstance {
                instance,
                execution,
            } => write!(
                f,
                "{{{{DecisionInstance({instance}).Execution[{execution}]}}}}"
            ),
            Self::FeederInstance { instance } => write!(f, "{{{{FeederInstance({instance})}}}}"),
        }
    }
}

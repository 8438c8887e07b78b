//! Eloqua's export filter expression language (§8.2): `EXISTS('{{ContactList[12]}}')`,
//! `STATUS('{{ActionInstance(…).Execution[5]}}') = 'complete'`, field comparisons such as
//! `'{{Contact.Field(C_EmailAddress)}}' ~ '*@example.com'`, combined with `AND`, `OR`, `NOT`
//! and parentheses.
//!
//! Parsing is pure and linear in the input: `lexer` turns text into tokens on demand, `parser`
//! builds the [`Filter`] tree and `operand` interprets the quoted markup with
//! [`crate::domain::markup`]. Evaluating a filter against contacts is the caller's job, and so
//! is refusing constructs it does not support (segments, shared filters, …).

mod ast;
mod keyword;
mod lexer;
mod operand;
mod parser;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_operands;

use std::str::FromStr;

pub use ast::{CompareOp, FieldRef, Filter, Membership, StatusOp};

use super::failure::Failure;
use super::record_type::RecordType;

/// Deepest nesting of parentheses and `NOT` accepted; deeper input is refused, never overflows the stack.
pub const MAX_DEPTH: usize = 64;

/// Most conditions (comparisons, `EXISTS`, `STATUS`) in one filter.
///
/// `AND`/`OR` chains are left-associative, so the tree is as deep as the chain is long; bounding
/// the chain keeps the recursive `Drop`, `Display` and `PartialEq` of [`Filter`] far from the stack limit.
pub const MAX_CONDITIONS: usize = 1000;

/// Why a filter was refused, with the byte offset where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter at byte {at}: {reason}")]
pub struct FilterError {
    /// Byte offset into the filter text.
    pub at: usize,
    /// What was expected and what was found.
    pub reason: String,
}

impl FilterError {
    fn new(at: usize, reason: impl Into<String>) -> Self {
        Self {
            at,
            reason: reason.into(),
        }
    }

    /// The error as a `failures` entry for the definition property `filter`, quoting the filter text.
    pub fn to_failure(&self, filter: &str) -> Failure {
        Failure::new("filter", self.to_string(), Some(filter.to_owned()))
    }
}

/// Parses a complete filter expression.
///
/// Keywords are case-insensitive; markup inside quotes is case-sensitive, as everywhere else.
/// An empty or whitespace-only filter is refused: an absent filter is the caller's concern.
///
/// # Errors
/// A [`FilterError`] naming the byte offset, what was expected there and what was found; also
/// when the filter has more than one `EXISTS`/`STATUS`, nests deeper than [`MAX_DEPTH`] or has
/// more than [`MAX_CONDITIONS`] conditions.
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    parser::Parser::new(text, parser::Root::Contact).filter()
}

/// Parses a filter over `record_type`'s records: account exports compare `{{Account.…}}`
/// values and test `EXISTS('{{AccountList[id]}}')`, activity exports compare the activity's
/// type, date and id; every other record type reads contacts.
///
/// # Errors
/// As [`parse`], and for a statement of another record type.
pub fn parse_for(record_type: &RecordType, text: &str) -> Result<Filter, FilterError> {
    let root = match record_type.markup_root {
        "Account" => parser::Root::Account,
        "Activity" => parser::Root::Activity,
        _ => parser::Root::Contact,
    };
    parser::Parser::new(text, root).filter()
}

impl FromStr for Filter {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

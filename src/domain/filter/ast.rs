//! The filter tree and its canonical rendering: uppercase keywords, single spaces, parentheses
//! only where precedence needs them, quotes doubled inside strings.

use std::fmt;

use crate::domain::appcloud::InstanceKind;
use crate::domain::markup::InstanceId;

/// A parsed export filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `left AND right`
    And(Box<Filter>, Box<Filter>),
    /// `left OR right`
    Or(Box<Filter>, Box<Filter>),
    /// `NOT inner`
    Not(Box<Filter>),
    /// `EXISTS('{{ContactList[12]}}')`: membership in a list, segment or shared filter.
    Exists(Membership),
    /// `STATUS('{{ActionInstance(<guid>).Execution[5]}}') = 'complete'`: a contact's status in an
    /// AppCloud step. [`parse`](super::parse) only produces `Action` and `Decision` kinds.
    Status {
        /// The AppCloud service instance.
        instance: InstanceId,
        /// Whether it is an action or a decision service.
        kind: InstanceKind,
        /// The canvas execution.
        execution: u64,
        /// `=` or `!=`.
        op: StatusOp,
        /// The status as written (`complete`, `yes`, …); comparing case-insensitively is the caller's job.
        value: String,
    },
    /// `'{{Contact.Field(C_EmailAddress)}}' ~ '*@example.com'`
    Compare {
        /// The contact field on the left.
        field: FieldRef,
        /// The comparison.
        op: CompareOp,
        /// The literal on the right, unquoted; a bare number is kept as its text.
        value: String,
    },
}

/// What `EXISTS` tests membership of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Membership {
    /// `{{ContactList[id]}}`
    ContactList(u64),
    /// `{{ContactSegment[id]}}`
    ContactSegment(u64),
    /// `{{ContactFilter[id]}}`
    ContactFilter(u64),
    /// `{{AccountList[id]}}` (account exports)
    AccountList(u64),
}

/// A contact value a comparison can read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldRef {
    /// `{{Contact.Id}}`
    Id,
    /// `{{Contact.Field(Name)}}`, the internal field name as written (already validated).
    Field(String),
    /// `{{Contact.Email.IsSubscribed}}`
    IsSubscribed,
    /// `{{Contact.Email.IsBounced}}`
    IsBounced,
    /// `{{Contact.CreatedAt}}`, compared with a date (`'2024-01-01 00:00:00'`).
    CreatedAt,
    /// `{{Contact.UpdatedAt}}`, compared with a date.
    UpdatedAt,
}

/// A comparison operator between a field and a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `<`
    Lt,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `~`: SQL LIKE, with `*` as the wildcard.
    Like,
}

/// The operators `STATUS(…)` can be compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
}

impl CompareOp {
    /// Every operator, in the order messages list them.
    pub const ALL: [CompareOp; 7] = [
        Self::Eq,
        Self::Ne,
        Self::Gt,
        Self::Lt,
        Self::Ge,
        Self::Le,
        Self::Like,
    ];

    /// The operator as written in a filter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Gt => ">",
            Self::Lt => "<",
            Self::Ge => ">=",
            Self::Le => "<=",
            Self::Like => "~",
        }
    }
}

impl StatusOp {
    /// The operator as written in a filter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
        }
    }
}

impl Filter {
    /// Binding strength when rendering: higher binds tighter (`NOT` > `AND` > `OR` > conditions last).
    fn precedence(&self) -> u8 {
        match self {
            Self::Or(..) => 1,
            Self::And(..) => 2,
            Self::Not(_) => 3,
            Self::Exists(_) | Self::Status { .. } | Self::Compare { .. } => 4,
        }
    }

    fn binary(
        f: &mut fmt::Formatter<'_>,
        left: &Filter,
        keyword: &str,
        right: &Filter,
        precedence: u8,
    ) -> fmt::Result {
        // Left-associative: a same-precedence child needs parentheses only on the right.
        grouped(f, left, left.precedence() < precedence)?;
        write!(f, " {keyword} ")?;
        grouped(f, right, right.precedence() <= precedence)
    }
}

fn grouped(f: &mut fmt::Formatter<'_>, filter: &Filter, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({filter})")
    } else {
        write!(f, "{filter}")
    }
}

/// Writes `text` single-quoted, doubling the quotes inside.
fn quoted(f: &mut fmt::Formatter<'_>, text: &dyn fmt::Display) -> fmt::Result {
    f.write_str("'")?;
    f.write_str(&text.to_string().replace('\'', "''"))?;
    f.write_str("'")
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Or(left, right) => Self::binary(f, left, "OR", right, 1),
            Self::And(left, right) => Self::binary(f, left, "AND", right, 2),
            Self::Not(inner) => {
                f.write_str("NOT ")?;
                grouped(f, inner, inner.precedence() < 3)
            }
            Self::Exists(membership) => write!(f, "EXISTS('{membership}')"),
            Self::Status {
                instance,
                kind,
                execution,
                op,
                value,
            } => {
                let name = match kind {
                    InstanceKind::Action => "ActionInstance",
                    InstanceKind::Decision => "DecisionInstance",
                    // Never parsed (feeders have no executions); rendered for completeness only.
                    InstanceKind::Feeder => "FeederInstance",
                };
                write!(
                    f,
                    "STATUS('{{{{{name}({instance}).Execution[{execution}]}}}}') {} ",
                    op.as_str()
                )?;
                quoted(f, value)
            }
            Self::Compare { field, op, value } => {
                quoted(f, field)?;
                write!(f, " {} ", op.as_str())?;
                quoted(f, value)
            }
        }
    }
}

impl fmt::Display for Membership {
    /// The markup statement, e.g. `{{ContactList[12]}}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `{{{{` and `}}}}` are escaped braces: each renders as `{{` / `}}`.
        match self {
            Self::ContactList(id) => write!(f, "{{{{ContactList[{id}]}}}}"),
            Self::ContactSegment(id) => write!(f, "{{{{ContactSegment[{id}]}}}}"),
            Self::ContactFilter(id) => write!(f, "{{{{ContactFilter[{id}]}}}}"),
            Self::AccountList(id) => write!(f, "{{{{AccountList[{id}]}}}}"),
        }
    }
}

impl fmt::Display for FieldRef {
    /// The markup statement, e.g. `{{Contact.Field(C_EmailAddress)}}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id => f.write_str("{{Contact.Id}}"),
            Self::Field(name) => write!(f, "{{{{Contact.Field({name})}}}}"),
            Self::IsSubscribed => f.write_str("{{Contact.Email.IsSubscribed}}"),
            Self::IsBounced => f.write_str("{{Contact.Email.IsBounced}}"),
            Self::CreatedAt => f.write_str("{{Contact.CreatedAt}}"),
            Self::UpdatedAt => f.write_str("{{Contact.UpdatedAt}}"),
        }
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for StatusOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

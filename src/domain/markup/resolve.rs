//! Maps generic segments onto the typed `Statement`; owns the statement names and "did you mean" hints.

use super::ids::{EmailProperty, FieldName, InstanceId};
use super::lexer::{Segment, Suffix, found};
use super::{MarkupError, Statement};

/// Every statement name this server understands, in the order messages list them.
const STATEMENTS: [&str; 9] = [
    "Contact",
    "ContactList",
    "Account",
    "AccountList",
    "EmailGroup",
    "GlobalSubscribe",
    "ActionInstance",
    "DecisionInstance",
    "FeederInstance",
];
const CONTACT_PARTS: [&str; 6] = ["Id", "Field", "Email", "CreatedAt", "UpdatedAt", "Account"];
const ACCOUNT_PARTS: [&str; 4] = ["Id", "Field", "CreatedAt", "UpdatedAt"];
const EMAIL_PARTS: [&str; 3] = ["IsSubscribed", "IsBounced", "Format"];
const INSTANCE_PARTS: [&str; 1] = ["Execution"];

/// Turns lexed segments into a statement; `input` is only used to quote text in messages.
pub(super) fn resolve(input: &str, segments: &[Segment<'_>]) -> Result<Statement, MarkupError> {
    let r = Resolver { input };
    let Some((head, rest)) = segments.split_first() else {
        return Err(MarkupError::new(0, "expected a statement"));
    };
    let statement = match head.name {
        "Contact" => return r.contact(head, rest),
        "ContactList" => Statement::ContactList(r.index(head, "{{ContactList[123]}}")?),
        "Account" => return r.account(head, rest),
        "AccountList" => Statement::AccountList(r.index(head, "{{AccountList[123]}}")?),
        "EmailGroup" => Statement::EmailGroup(r.index(head, "{{EmailGroup[123]}}")?),
        "GlobalSubscribe" => {
            r.no_suffix(head)?;
            Statement::GlobalSubscribe
        }
        "ActionInstance" => {
            let instance = r.instance(head)?;
            let Some((exec, rest)) = rest.split_first() else {
                return Ok(Statement::ActionInstance {
                    instance,
                    execution: None,
                });
            };
            let execution = Some(r.execution(exec)?);
            r.finish(exec, rest)?;
            return Ok(Statement::ActionInstance {
                instance,
                execution,
            });
        }
        "DecisionInstance" => {
            let instance = r.instance(head)?;
            let Some((exec, rest)) = rest.split_first() else {
                return Err(r.expected(head.end, "'.Execution[<id>]' after DecisionInstance(...)"));
            };
            let execution = r.execution(exec)?;
            r.finish(exec, rest)?;
            return Ok(Statement::DecisionInstance {
                instance,
                execution,
            });
        }
        "FeederInstance" => Statement::FeederInstance {
            instance: r.instance(head)?,
        },
        _ => return Err(unknown(head, "statement", &STATEMENTS)),
    };
    r.finish(head, rest)?;
    Ok(statement)
}

struct Resolver<'i> {
    input: &'i str,
}

impl Resolver<'_> {
    fn expected(&self, at: usize, what: &str) -> MarkupError {
        MarkupError::new(
            at,
            format!("expected {what}, found {}", found(self.input, at)),
        )
    }

    fn contact(&self, head: &Segment<'_>, rest: &[Segment<'_>]) -> Result<Statement, MarkupError> {
        self.no_suffix(head)?;
        let Some((part, rest)) = rest.split_first() else {
            return Err(self.expected(
                head.end,
                "'.Id', '.Field(<name>)' or '.Email.<property>' after Contact",
            ));
        };
        let (last, statement) = match part.name {
            "Id" => {
                self.no_suffix(part)?;
                (part, Statement::ContactId)
            }
            "CreatedAt" => {
                self.no_suffix(part)?;
                (part, Statement::ContactCreatedAt)
            }
            "UpdatedAt" => {
                self.no_suffix(part)?;
                (part, Statement::ContactUpdatedAt)
            }
            "Field" => {
                let (at, text) = self.argument(part, "{{Contact.Field(C_EmailAddress)}}")?;
                let name = FieldName::parse(text).map_err(|e| e.shifted(at))?;
                (part, Statement::RecordField(name))
            }
            "Account" => {
                self.no_suffix(part)?;
                let Some((field, rest)) = rest.split_first() else {
                    return Err(self.expected(part.end, "'.Field(<name>)' after Contact.Account"));
                };
                if field.name != "Field" {
                    return Err(unknown(field, "Contact.Account property", &["Field"]));
                }
                let (at, text) =
                    self.argument(field, "{{Contact.Account.Field(M_CompanyName)}}")?;
                let name = FieldName::parse(text).map_err(|e| e.shifted(at))?;
                self.finish(field, rest)?;
                return Ok(Statement::ContactAccountField(name));
            }
            "Email" => {
                self.no_suffix(part)?;
                let Some((property, rest)) = rest.split_first() else {
                    return Err(self.expected(
                        part.end,
                        "'.IsSubscribed', '.IsBounced' or '.Format' after Contact.Email",
                    ));
                };
                let value = EmailProperty::from_name(property.name)
                    .ok_or_else(|| unknown(property, "email property", &EMAIL_PARTS))?;
                self.no_suffix(property)?;
                return self
                    .finish(property, rest)
                    .map(|()| Statement::ContactEmail(value));
            }
            _ => return Err(unknown(part, "Contact property", &CONTACT_PARTS)),
        };
        self.finish(last, rest)?;
        Ok(statement)
    }

    fn account(&self, head: &Segment<'_>, rest: &[Segment<'_>]) -> Result<Statement, MarkupError> {
        self.no_suffix(head)?;
        let Some((part, rest)) = rest.split_first() else {
            return Err(self.expected(
                head.end,
                "'.Id', '.Field(<name>)', '.CreatedAt' or '.UpdatedAt' after Account",
            ));
        };
        let statement = match part.name {
            "Id" => Statement::AccountId,
            "CreatedAt" => Statement::AccountCreatedAt,
            "UpdatedAt" => Statement::AccountUpdatedAt,
            "Field" => {
                let (at, text) = self.argument(part, "{{Account.Field(M_CompanyName)}}")?;
                let name = FieldName::parse(text).map_err(|e| e.shifted(at))?;
                self.finish(part, rest)?;
                return Ok(Statement::AccountField(name));
            }
            _ => return Err(unknown(part, "Account property", &ACCOUNT_PARTS)),
        };
        self.no_suffix(part)?;
        self.finish(part, rest)?;
        Ok(statement)
    }

    /// Refuses anything after `last`: every statement has a fixed number of segments.
    fn finish(&self, last: &Segment<'_>, rest: &[Segment<'_>]) -> Result<(), MarkupError> {
        match rest.first() {
            None => Ok(()),
            Some(next) => Err(MarkupError::new(
                // Point at the '.' that starts the unwanted segment.
                next.at.saturating_sub(1),
                format!(
                    "expected '}}}}' after {}, found '.{}'",
                    self.input.get(last.at..last.end).unwrap_or(last.name),
                    next.name
                ),
            )),
        }
    }

    fn no_suffix(&self, seg: &Segment<'_>) -> Result<(), MarkupError> {
        match seg.suffix {
            None => Ok(()),
            Some((open, _)) => Err(MarkupError::new(
                open,
                format!(
                    "{} takes no [id] or (argument), found {}",
                    seg.name,
                    found(self.input, open)
                ),
            )),
        }
    }

    fn index(&self, seg: &Segment<'_>, example: &str) -> Result<u64, MarkupError> {
        match seg.suffix {
            Some((_, Suffix::Index(id))) => Ok(id),
            Some((open, Suffix::Arg(_))) => Err(MarkupError::new(
                open,
                format!(
                    "{} takes an id in square brackets, like {example}, found '('",
                    seg.name
                ),
            )),
            None => Err(self.expected(
                seg.end,
                &format!("'[' and an id after {}, like {example}", seg.name),
            )),
        }
    }

    /// Returns the argument text and its byte offset in the input.
    fn argument<'s>(
        &self,
        seg: &Segment<'s>,
        example: &str,
    ) -> Result<(usize, &'s str), MarkupError> {
        match seg.suffix {
            Some((open, Suffix::Arg(text))) => Ok((open + 1, text)),
            Some((open, Suffix::Index(_))) => Err(MarkupError::new(
                open,
                format!(
                    "{} takes an argument in parentheses, like {example}, found '['",
                    seg.name
                ),
            )),
            None => Err(self.expected(
                seg.end,
                &format!("'(' and an argument after {}, like {example}", seg.name),
            )),
        }
    }

    fn instance(&self, seg: &Segment<'_>) -> Result<InstanceId, MarkupError> {
        let example = format!("{{{{{}(<32 hex digits>)}}}}", seg.name);
        let (at, text) = self.argument(seg, &example)?;
        InstanceId::parse(text).map_err(|e| e.shifted(at))
    }

    fn execution(&self, seg: &Segment<'_>) -> Result<u64, MarkupError> {
        if seg.name != "Execution" {
            return Err(unknown(seg, "instance part", &INSTANCE_PARTS));
        }
        self.index(seg, "Execution[12345]")
    }
}

fn unknown(seg: &Segment<'_>, what: &str, candidates: &[&str]) -> MarkupError {
    let reason = match suggest(seg.name, candidates) {
        Some(close) => format!("unknown {what} '{}'; did you mean {close}?", seg.name),
        None => format!(
            "unknown {what} '{}'; expected one of {}",
            seg.name,
            candidates.join(", ")
        ),
    };
    MarkupError::new(seg.at, reason)
}

/// The candidate equal to `name` ignoring case, else the one within two edits (a typo).
fn suggest<'c>(name: &str, candidates: &[&'c str]) -> Option<&'c str> {
    if let Some(exact) = candidates.iter().find(|c| c.eq_ignore_ascii_case(name)) {
        return Some(exact);
    }
    let name = name.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&name, &c.to_ascii_lowercase()), *c))
        // Short names are all "close" to each other, so demand most of the name to match.
        .filter(|(d, c)| *d <= 2 && *d * 3 <= c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over ASCII bytes (segment names are ASCII by construction).
fn edit_distance(a: &str, b: &str) -> usize {
    // Long inputs cannot be within two edits of a short name; skip the quadratic work.
    if a.len().abs_diff(b.len()) > 2 {
        return usize::MAX;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.bytes().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

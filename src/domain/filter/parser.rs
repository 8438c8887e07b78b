//! Recursive-descent parser: `or := and (OR and)*`, `and := not (AND not)*`,
//! `not := NOT not | primary`, `primary := '(' or ')' | EXISTS(…) | STATUS(…) op value | field op value`.
//! Recursion only happens through `(` and `NOT`, both counted against [`MAX_DEPTH`].

use super::ast::{CompareOp, FieldRef, Filter, StatusOp};
use super::keyword::Keyword;
use super::lexer::{Lexer, Token, TokenKind, excerpt};
use super::operand::{self, Quoted};
use super::{FilterError, MAX_CONDITIONS, MAX_DEPTH};
use crate::domain::clock::Timestamp;

const CONDITION: &str =
    "a condition (EXISTS('…'), STATUS('…') = '…', '{{Contact.Field(<name>)}}' = '…', NOT or '(')";

/// The records a filter reads, which decides the statements it may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Root {
    /// `{{Contact.…}}`, `{{ContactList[…]}}`, AppCloud steps.
    Contact,
    /// `{{Account.…}}`, `{{AccountList[…]}}`.
    Account,
    /// `{{Activity.Type}}`, `{{Activity.CreatedAt}}`, `{{Activity.Id}}`.
    Activity,
}

/// Parser state: one token of lookahead plus the counters behind the filter-wide limits.
pub(super) struct Parser<'a> {
    /// The records the filter reads.
    root: Root,
    input: &'a str,
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    depth: usize,
    conditions: usize,
    /// Byte offset of the first `EXISTS`/`STATUS`: Eloqua allows only one per filter.
    step_or_membership: Option<usize>,
}

fn expected(what: &str, found: &Token<'_>) -> FilterError {
    FilterError::new(
        found.at,
        format!("expected {what}, found {}", found.describe()),
    )
}

impl<'a> Parser<'a> {
    /// A parser of a filter over the records of `root`.
    pub(super) fn new(input: &'a str, root: Root) -> Self {
        Self {
            root,
            input,
            lexer: Lexer::new(input),
            peeked: None,
            depth: 0,
            conditions: 0,
            step_or_membership: None,
        }
    }

    /// Parses the whole input as one filter.
    pub(super) fn filter(mut self) -> Result<Filter, FilterError> {
        if self.input.trim().is_empty() {
            return Err(FilterError::new(
                0,
                "the filter is empty; write a condition such as EXISTS('{{ContactList[123]}}'), \
                 or leave the filter out to export every contact",
            ));
        }
        let filter = self.or()?;
        let next = self.advance()?;
        match next.kind {
            TokenKind::End => Ok(filter),
            TokenKind::RParen => Err(FilterError::new(next.at, "unmatched ')'")),
            _ => Err(self.after_condition("AND, OR or end of filter", &next)),
        }
    }

    fn peek(&mut self) -> Result<&Token<'a>, FilterError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        Ok(self.peeked.insert(token))
    }

    fn advance(&mut self) -> Result<Token<'a>, FilterError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    fn eat_keyword(&mut self, keyword: Keyword) -> Result<bool, FilterError> {
        let hit = matches!(&self.peek()?.kind,
            TokenKind::Word(word) if Keyword::from_word(word) == Some(keyword));
        if hit {
            self.peeked = None;
        }
        Ok(hit)
    }

    fn expect(&mut self, want: TokenKind<'static>, what: &str) -> Result<Token<'a>, FilterError> {
        let token = self.advance()?;
        if token.kind == want {
            Ok(token)
        } else {
            Err(expected(what, &token))
        }
    }

    /// "expected AND, OR …" with a hint when the word looks like a misspelt AND/OR.
    fn after_condition(&self, what: &str, found: &Token<'_>) -> FilterError {
        let mut error = expected(what, found);
        if let TokenKind::Word(word) = found.kind {
            if let Some(keyword) = Keyword::suggest(word, &[Keyword::And, Keyword::Or]) {
                error.reason = format!("{}; did you mean {}?", error.reason, keyword.as_str());
            }
        }
        error
    }

    /// Steps one level into `(` or `NOT`, refusing to go deeper than [`MAX_DEPTH`].
    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::new(
                at,
                format!(
                    "the filter nests too deeply: at most {MAX_DEPTH} levels of parentheses and NOT"
                ),
            ));
        }
        Ok(())
    }

    fn count_condition(&mut self, at: usize) -> Result<(), FilterError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(FilterError::new(
                at,
                format!("the filter has too many conditions: at most {MAX_CONDITIONS}"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Filter, FilterError> {
        self.chain(Keyword::Or, Self::and, Filter::Or)
    }

    fn and(&mut self) -> Result<Filter, FilterError> {
        self.chain(Keyword::And, Self::not, Filter::And)
    }

    /// `operand (keyword operand)*`, grouped from the left (`a OR b OR c` is `(a OR b) OR c`).
    fn chain(
        &mut self,
        keyword: Keyword,
        operand: fn(&mut Self) -> Result<Filter, FilterError>,
        join: fn(Box<Filter>, Box<Filter>) -> Filter,
    ) -> Result<Filter, FilterError> {
        let mut left = operand(self)?;
        while self.eat_keyword(keyword)? {
            let right = operand(self)?;
            left = join(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Filter, FilterError> {
        let at = self.peek()?.at;
        if !self.eat_keyword(Keyword::Not)? {
            return self.primary();
        }
        self.enter(at)?;
        let inner = self.not()?;
        self.depth -= 1;
        Ok(Filter::Not(Box::new(inner)))
    }

    fn primary(&mut self) -> Result<Filter, FilterError> {
        let token = self.advance()?;
        match token.kind {
            TokenKind::LParen => self.group(token.at),
            TokenKind::Str { raw, .. } => self.compare(token.at, raw),
            TokenKind::Word(word) => match Keyword::from_word(word) {
                Some(Keyword::Exists) => self.exists(token.at),
                Some(Keyword::Status) => self.status(token.at),
                Some(_) => Err(expected(CONDITION, &token)),
                None => {
                    let candidates = [Keyword::Not, Keyword::Exists, Keyword::Status];
                    let reason = match Keyword::suggest(word, &candidates) {
                        Some(keyword) => format!(
                            "unknown keyword '{}'; did you mean {}?",
                            excerpt(word),
                            keyword.as_str()
                        ),
                        None => format!(
                            "expected {CONDITION}, found '{}'; fields are written as quoted markup, \
                             like '{{{{Contact.Field(C_EmailAddress)}}}}'",
                            excerpt(word)
                        ),
                    };
                    Err(FilterError::new(token.at, reason))
                }
            },
            _ => Err(expected(CONDITION, &token)),
        }
    }

    fn group(&mut self, open: usize) -> Result<Filter, FilterError> {
        self.enter(open)?;
        let inner = self.or()?;
        self.depth -= 1;
        let close = self.advance()?;
        if close.kind == TokenKind::RParen {
            return Ok(inner);
        }
        let what = format!("AND, OR or ')' to close the '(' at byte {open}");
        Err(self.after_condition(&what, &close))
    }

    /// Counts an `EXISTS`/`STATUS` and refuses a second one.
    fn claim_step_or_membership(&mut self, at: usize) -> Result<(), FilterError> {
        self.count_condition(at)?;
        match self.step_or_membership {
            Some(first) => Err(FilterError::new(
                at,
                format!(
                    "only one EXISTS or STATUS is allowed per filter; the first is at byte {first}"
                ),
            )),
            None => {
                self.step_or_membership = Some(at);
                Ok(())
            }
        }
    }

    /// `'…'` inside `KEYWORD( … )`, returned with its position.
    fn parenthesised(&mut self, keyword: &str, example: &str) -> Result<Quoted<'a>, FilterError> {
        self.expect(TokenKind::LParen, &format!("'(' after {keyword}"))?;
        let token = self.advance()?;
        let TokenKind::Str { raw, .. } = token.kind else {
            return Err(expected(
                &format!("a quoted statement like {example} inside {keyword}(…)"),
                &token,
            ));
        };
        Ok(Quoted {
            raw,
            at: token.at + 1,
        })
    }

    fn close(&mut self, keyword: &str) -> Result<(), FilterError> {
        self.expect(TokenKind::RParen, &format!("')' to close {keyword}(…)"))?;
        Ok(())
    }

    fn exists(&mut self, at: usize) -> Result<Filter, FilterError> {
        self.claim_step_or_membership(at)?;
        let quoted = self.parenthesised("EXISTS", "'{{ContactList[123]}}'")?;
        let membership = match self.root {
            Root::Contact => operand::membership(quoted)?,
            Root::Account => operand::account_membership(quoted)?,
            Root::Activity => {
                let reason = "an activity export filters on its type, date and id only; EXISTS is not allowed";
                return Err(FilterError::new(quoted.at, reason));
            }
        };
        self.close("EXISTS")?;
        Ok(Filter::Exists(membership))
    }

    fn status(&mut self, at: usize) -> Result<Filter, FilterError> {
        self.claim_step_or_membership(at)?;
        let example = "'{{ActionInstance(<32 hex digits>).Execution[<id>]}}'";
        let quoted = self.parenthesised("STATUS", example)?;
        if self.root != Root::Contact {
            let reason = "STATUS reads contacts' AppCloud steps; only a contact export has them";
            return Err(FilterError::new(quoted.at, reason));
        }
        let (instance, kind, execution) = operand::step(quoted)?;
        self.close("STATUS")?;
        let token = self.advance()?;
        let op = match token.kind {
            TokenKind::Op(CompareOp::Eq) => StatusOp::Eq,
            TokenKind::Op(CompareOp::Ne) => StatusOp::Ne,
            TokenKind::Op(other) => {
                let reason =
                    format!("STATUS can only be compared with '=' or '!=', found '{other}'");
                return Err(FilterError::new(token.at, reason));
            }
            _ => return Err(expected("'=' or '!=' after STATUS(…)", &token)),
        };
        let token = self.advance()?;
        let value = match token.kind {
            TokenKind::Str { value, .. } if !value.is_empty() => value.into_owned(),
            _ => {
                return Err(expected(
                    &format!("a quoted status such as 'complete' after '{op}'"),
                    &token,
                ));
            }
        };
        Ok(Filter::Status {
            instance,
            kind,
            execution,
            op,
            value,
        })
    }

    fn compare(&mut self, at: usize, raw: &'a str) -> Result<Filter, FilterError> {
        self.count_condition(at)?;
        let quoted = Quoted { raw, at: at + 1 };
        let field = match self.root {
            Root::Contact => operand::field(quoted)?,
            Root::Account => operand::account_field(quoted)?,
            Root::Activity => operand::activity_field(quoted)?,
        };
        let token = self.advance()?;
        let TokenKind::Op(op) = token.kind else {
            let ops: Vec<&str> = CompareOp::ALL.iter().map(|op| op.as_str()).collect();
            let what = format!("a comparison operator ({}) after '{field}'", ops.join(", "));
            return Err(expected(&what, &token));
        };
        let token = self.advance()?;
        let value = match token.kind {
            TokenKind::Str { value, .. } => value.into_owned(),
            TokenKind::Number(number) => number.to_owned(),
            _ => {
                return Err(expected(
                    &format!("a quoted value or a number after '{op}'"),
                    &token,
                ));
            }
        };
        if matches!(field, FieldRef::CreatedAt | FieldRef::UpdatedAt) {
            if op == CompareOp::Like {
                return Err(FilterError::new(
                    token.at,
                    format!("'{field}' is a date: compare it with =, !=, <, <=, > or >=, not '~'"),
                ));
            }
            if Timestamp::parse_lenient(&value).is_none() {
                return Err(FilterError::new(
                    token.at,
                    format!(
                        "expected a date such as '2024-01-01 00:00:00' after '{op}', found '{value}'"
                    ),
                ));
            }
        }
        Ok(Filter::Compare { field, op, value })
    }
}

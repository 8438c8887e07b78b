//! Splits filter text into tokens on demand, so the first error in reading order is the one reported.

use std::borrow::Cow;

use super::FilterError;
use super::ast::CompareOp;

/// What a token is; text borrows from the input wherever possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TokenKind<'a> {
    LParen,
    RParen,
    Op(CompareOp),
    /// A single-quoted string: `raw` is the text between the quotes as written (quotes still
    /// doubled), `value` the text it means.
    Str {
        raw: &'a str,
        value: Cow<'a, str>,
    },
    /// `-?[0-9]+(.[0-9]+)?`, kept as written.
    Number(&'a str),
    /// `[A-Za-z_][A-Za-z0-9_]*`: a keyword, or a mistake the parser explains.
    Word(&'a str),
    End,
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub at: usize,
    pub kind: TokenKind<'a>,
}

/// Longest piece of user text quoted back in a message, in characters.
const QUOTE_LIMIT: usize = 40;

/// `text` cut to [`QUOTE_LIMIT`] characters, with `…` when something was cut.
pub(super) fn excerpt(text: &str) -> String {
    match text.char_indices().nth(QUOTE_LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

impl Token<'_> {
    /// Describes the token for "found …" messages.
    pub(super) fn describe(&self) -> String {
        match &self.kind {
            TokenKind::LParen => "'('".to_owned(),
            TokenKind::RParen => "')'".to_owned(),
            TokenKind::Op(op) => format!("'{}'", op.as_str()),
            TokenKind::Str { raw, .. } => format!("the string '{}'", excerpt(raw)),
            TokenKind::Number(text) => format!("the number {}", excerpt(text)),
            TokenKind::Word(word) => format!("'{}'", excerpt(word)),
            TokenKind::End => "end of input".to_owned(),
        }
    }
}

/// A byte position in the input; every token boundary it stops at is a char boundary.
pub(super) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(input: &'a str) -> Self {
        Self { input, pos: 0 }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.input.as_bytes().get(at).copied()
    }

    fn skip_whitespace(&mut self) {
        let rest = &self.input[self.pos..];
        let trimmed = rest.trim_start();
        self.pos += rest.len() - trimmed.len();
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) {
        while self.byte(self.pos).is_some_and(&keep) {
            self.pos += 1;
        }
    }

    /// Reads the next token; after `End` it keeps returning `End`.
    pub(super) fn next_token(&mut self) -> Result<Token<'a>, FilterError> {
        self.skip_whitespace();
        let at = self.pos;
        let Some(first) = self.byte(at) else {
            return Ok(Token {
                at,
                kind: TokenKind::End,
            });
        };
        let kind = match first {
            b'(' => self.fixed(1, TokenKind::LParen),
            b')' => self.fixed(1, TokenKind::RParen),
            b'\'' => self.string()?,
            b'0'..=b'9' => self.number()?,
            b'-' if self.byte(at + 1).is_some_and(|b| b.is_ascii_digit()) => self.number()?,
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                self.take_while(|b| b.is_ascii_alphanumeric() || b == b'_');
                TokenKind::Word(&self.input[at..self.pos])
            }
            _ => self.operator()?,
        };
        Ok(Token { at, kind })
    }

    fn fixed(&mut self, len: usize, kind: TokenKind<'a>) -> TokenKind<'a> {
        self.pos += len;
        kind
    }

    fn operator(&mut self) -> Result<TokenKind<'a>, FilterError> {
        let at = self.pos;
        let refuse = |reason: &str| Err(FilterError::new(at, reason));
        let (len, op) = match (self.byte(at), self.byte(at + 1)) {
            (Some(b'='), Some(b'=')) => return refuse("'==' is not an operator; use '='"),
            (Some(b'='), _) => (1, CompareOp::Eq),
            (Some(b'!'), Some(b'=')) => (2, CompareOp::Ne),
            (Some(b'!'), _) => {
                return refuse("expected '!=', found '!' (use NOT to negate a condition)");
            }
            (Some(b'<'), Some(b'>')) => return refuse("'<>' is not an operator; use '!='"),
            (Some(b'<'), Some(b'=')) => (2, CompareOp::Le),
            (Some(b'<'), _) => (1, CompareOp::Lt),
            (Some(b'>'), Some(b'=')) => (2, CompareOp::Ge),
            (Some(b'>'), _) => (1, CompareOp::Gt),
            (Some(b'~'), _) => (1, CompareOp::Like),
            (Some(b'&'), _) => return refuse("'&' is not an operator; use AND"),
            (Some(b'|'), _) => return refuse("'|' is not an operator; use OR"),
            (Some(b'"'), _) => {
                return refuse("strings are written in single quotes, found '\"'");
            }
            (Some(b'{'), _) => {
                return refuse("markup must be quoted, like '{{Contact.Field(C_EmailAddress)}}'");
            }
            _ => return refuse(&format!("unexpected character {}", self.found_here())),
        };
        self.pos += len;
        Ok(TokenKind::Op(op))
    }

    /// Reads `'…'` with the cursor on the opening quote; `''` inside stands for one quote.
    fn string(&mut self) -> Result<TokenKind<'a>, FilterError> {
        let open = self.pos;
        let mut escaped = false;
        let mut pos = open + 1;
        loop {
            // `'` is ASCII, so every position found here is a char boundary.
            let Some(offset) = self.input[pos..].find('\'') else {
                return Err(FilterError::new(
                    self.input.len(),
                    format!("unterminated string: the quote opened at byte {open} is never closed"),
                ));
            };
            pos += offset;
            if self.byte(pos + 1) == Some(b'\'') {
                escaped = true;
                pos += 2;
                continue;
            }
            break;
        }
        let raw = &self.input[open + 1..pos];
        self.pos = pos + 1;
        let value = if escaped {
            Cow::Owned(raw.replace("''", "'"))
        } else {
            Cow::Borrowed(raw)
        };
        Ok(TokenKind::Str { raw, value })
    }

    /// Reads `-?[0-9]+(.[0-9]+)?`; a letter straight after it is a mistake, not a new token.
    fn number(&mut self) -> Result<TokenKind<'a>, FilterError> {
        let at = self.pos;
        if self.byte(at) == Some(b'-') {
            self.pos += 1;
        }
        self.take_while(|b| b.is_ascii_digit());
        if self.byte(self.pos) == Some(b'.') {
            self.pos += 1;
            let fraction = self.pos;
            self.take_while(|b| b.is_ascii_digit());
            if self.pos == fraction {
                return Err(FilterError::new(
                    self.pos,
                    format!(
                        "expected a digit after the decimal point, found {}",
                        self.found_here()
                    ),
                ));
            }
        }
        if self
            .byte(self.pos)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            return Err(FilterError::new(
                self.pos,
                format!(
                    "expected a space, operator or ')' after the number {}, found {}; quote text values",
                    excerpt(&self.input[at..self.pos]),
                    self.found_here(),
                ),
            ));
        }
        Ok(TokenKind::Number(&self.input[at..self.pos]))
    }

    fn found_here(&self) -> String {
        match self.input[self.pos..].chars().next() {
            Some(c) => format!("'{}'", c.escape_debug()),
            None => "end of input".to_owned(),
        }
    }
}

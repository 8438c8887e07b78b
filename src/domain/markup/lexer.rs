//! Splits markup text into generic segments (`Name`, `Name[12]`, `Name(arg)`): the syntax only, not which names exist.

use super::MarkupError;

/// What follows a segment name, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Suffix<'a> {
    /// `[12]`: a positive integer id without leading zeros.
    Index(u64),
    /// `(text)`: an argument of letters, digits, `_` or `-`; its meaning depends on the segment.
    Arg(&'a str),
}

/// One dot-separated part of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Segment<'a> {
    /// Byte offset of the first character of the name.
    pub at: usize,
    /// The identifier, `[A-Za-z][A-Za-z0-9_]*`.
    pub name: &'a str,
    /// Byte offset of the opening `[`/`(` and the suffix it starts.
    pub suffix: Option<(usize, Suffix<'a>)>,
    /// Byte offset just past the segment (where `.` or `}}` follows).
    pub end: usize,
}

/// Describes what sits at `at` for "found …" messages; whitespace gets a hint because it is a common slip.
pub(super) fn found(input: &str, at: usize) -> String {
    match input.get(at..).and_then(|rest| rest.chars().next()) {
        None => "end of input".to_owned(),
        Some(c) if c.is_whitespace() => {
            format!(
                "'{}' (markup must not contain whitespace)",
                c.escape_debug()
            )
        }
        Some(c) => format!("'{}'", c.escape_debug()),
    }
}

/// Splits `input` (`{{` segment (`.` segment)* `}}`) into segments; never returns an empty list.
pub(super) fn lex(input: &str) -> Result<Vec<Segment<'_>>, MarkupError> {
    let mut cursor = Cursor { input, pos: 0 };
    cursor.expect_pair(b'{', "'{{' to open the statement")?;
    let mut segments = Vec::new();
    loop {
        segments.push(cursor.segment()?);
        match cursor.peek() {
            Some(b'.') => cursor.pos += 1,
            Some(b'}') => break,
            _ => return Err(cursor.expected(cursor.pos, "'.' or '}}'")),
        }
    }
    cursor.expect_pair(b'}', "'}}' to close the statement")?;
    if cursor.pos < input.len() {
        return Err(cursor.expected(cursor.pos, "end of input after '}}'"));
    }
    Ok(segments)
}

/// A byte position in the input; it only ever steps over ASCII, so it stays on char boundaries.
struct Cursor<'a> {
    input: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.input.as_bytes().get(self.pos).copied()
    }

    fn expected(&self, at: usize, what: &str) -> MarkupError {
        MarkupError::new(
            at,
            format!("expected {what}, found {}", found(self.input, at)),
        )
    }

    /// Consumes two copies of `byte`, reporting the position of whichever is missing.
    fn expect_pair(&mut self, byte: u8, what: &str) -> Result<(), MarkupError> {
        for _ in 0..2 {
            if self.peek() != Some(byte) {
                return Err(self.expected(self.pos, what));
            }
            self.pos += 1;
        }
        Ok(())
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        // Only ASCII bytes were consumed, so both ends are char boundaries.
        &self.input[start..self.pos]
    }

    fn segment(&mut self) -> Result<Segment<'a>, MarkupError> {
        let at = self.pos;
        if !self.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
            return Err(self.expected(at, "a statement name starting with a letter"));
        }
        let name = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'_');
        let open = self.pos;
        let suffix = match self.peek() {
            Some(b'[') => Some((open, self.index()?)),
            Some(b'(') => Some((open, self.argument()?)),
            _ => None,
        };
        Ok(Segment {
            at,
            name,
            suffix,
            end: self.pos,
        })
    }

    /// Parses `[digits]` with the cursor on `[`.
    fn index(&mut self) -> Result<Suffix<'a>, MarkupError> {
        self.pos += 1;
        let at = self.pos;
        let digits = self.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() {
            return Err(self.expected(at, "a positive integer id after '['"));
        }
        if digits == "0" {
            return Err(MarkupError::new(
                at,
                "an id must be a positive integer, found 0",
            ));
        }
        if digits.starts_with('0') {
            return Err(MarkupError::new(
                at,
                format!("an id must not have leading zeros, found {digits}"),
            ));
        }
        let value = digits.parse::<u64>().map_err(|_| {
            MarkupError::new(
                at,
                format!("id {digits} is too large (the largest is {})", u64::MAX),
            )
        })?;
        if self.peek() != Some(b']') {
            return Err(self.expected(self.pos, "']' to close the id"));
        }
        self.pos += 1;
        Ok(Suffix::Index(value))
    }

    /// Parses `(text)` with the cursor on `(`; dashes are let through so GUID errors can be specific.
    fn argument(&mut self) -> Result<Suffix<'a>, MarkupError> {
        self.pos += 1;
        let at = self.pos;
        let text = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if text.is_empty() {
            return Err(self.expected(at, "an argument after '('"));
        }
        if self.peek() != Some(b')') {
            return Err(self.expected(self.pos, "')' to close the argument"));
        }
        self.pos += 1;
        Ok(Suffix::Arg(text))
    }
}

//! JSON bodies: the input's objects, one at a time, gathered into arrays.
//!
//! serde_json streams whitespace-separated values but not the elements of one big array, so a
//! small scanner finds where each element ends (tracking strings, escapes and nesting) and
//! serde_json parses each element on its own: memory holds one element, never the file.

use std::io::{BufRead, Seek, SeekFrom};

use serde_json::{Map, Value};

use super::{Chunk, Cursor, InputError};

/// How the objects are laid out in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonLayout {
    /// `[ {…}, {…} ]`
    Array,
    /// `{…}` one after another (JSON Lines, or any whitespace between them).
    Lines,
}

/// What the scanner expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// After `[`: an element or `]`.
    FirstOrClose,
    /// After an element of an array: `,` or `]`.
    CommaOrClose,
    /// After `,`: an element.
    Element,
    /// In JSON Lines: an object or the end of the file.
    ObjectOrEnd,
    /// After the closing `]`: only whitespace.
    Trailing,
}

/// A JSON file read element by element into array bodies of at most `limit` bytes.
pub struct JsonChunker<R> {
    input: R,
    limit: usize,
    expect: Expect,
    /// Byte offset of the next unread byte.
    offset: u64,
    /// Where the next row not yet in a returned chunk starts (after the previous element).
    cursor: Cursor,
    raw: Vec<u8>,
    carry: Option<(Vec<u8>, Cursor)>,
}

impl<R: BufRead + Seek> JsonChunker<R> {
    /// Finds the layout from the file's first byte, then moves to `from`.
    ///
    /// # Errors
    /// The file starts with something other than `[` or `{`.
    pub fn open(input: R, from: Cursor, limit: usize) -> Result<Self, InputError> {
        let mut chunker = Self {
            input,
            limit,
            expect: Expect::ObjectOrEnd,
            offset: 0,
            cursor: Cursor::default(),
            raw: Vec::new(),
            carry: None,
        };
        chunker.skip_bom()?;
        let layout = match chunker.skip_whitespace()? {
            Some(b'[') => {
                chunker.consume(1);
                JsonLayout::Array
            }
            Some(b'{') | None => JsonLayout::Lines,
            Some(_) => {
                return Err(chunker.error(1, "expected a JSON array of objects or JSON Lines"));
            }
        };
        chunker.expect = match layout {
            JsonLayout::Array => Expect::FirstOrClose,
            JsonLayout::Lines => Expect::ObjectOrEnd,
        };
        chunker.cursor.byte = chunker.offset;
        if from.byte > 0 {
            chunker.input.seek(SeekFrom::Start(from.byte))?;
            chunker.offset = from.byte;
            chunker.cursor = from;
            if layout == JsonLayout::Array {
                chunker.expect = Expect::CommaOrClose;
            }
        }
        Ok(chunker)
    }
}

impl<R: BufRead> JsonChunker<R> {
    /// The next body, or `None` once every element was returned.
    ///
    /// # Errors
    /// Malformed JSON, an element that is not a flat object, or one too big for an upload.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, InputError> {
        let start = self.cursor;
        let mut end = start;
        let mut body = Vec::with_capacity(self.limit.min(4 << 20));
        body.push(b'[');
        if let Some((row, after)) = self.carry.take() {
            body.extend_from_slice(&row);
            end = after;
        }
        while let Some(element) = self.next_element(end.rows + 1)? {
            let next = Cursor {
                byte: self.offset,
                line: 0,
                rows: end.rows + 1,
            };
            // One byte for the separator, one for the closing bracket.
            if body.len() + element.len() + 2 > self.limit {
                if element.len() + 2 > self.limit {
                    return Err(InputError::RowTooLarge {
                        row: next.rows,
                        bytes: element.len(),
                        limit: self.limit,
                    });
                }
                if body.len() > 1 {
                    self.carry = Some((element, next));
                    break;
                }
            }
            if body.len() > 1 {
                body.push(b',');
            }
            body.extend_from_slice(&element);
            end = next;
        }
        body.push(b']');
        self.cursor = end;
        Ok((end.rows > start.rows).then_some(Chunk { body, start, end }))
    }

    /// The next element re-serialised compactly, or `None` at the end.
    fn next_element(&mut self, row: u64) -> Result<Option<Vec<u8>>, InputError> {
        loop {
            let byte = self.skip_whitespace()?;
            match (self.expect, byte) {
                (Expect::Trailing, None) | (Expect::ObjectOrEnd, None) => return Ok(None),
                (Expect::Trailing, Some(_)) => {
                    return Err(self.error(row, "unexpected data after the closing ]"));
                }
                (Expect::FirstOrClose | Expect::CommaOrClose, Some(b']')) => {
                    self.consume(1);
                    self.expect = Expect::Trailing;
                }
                (Expect::CommaOrClose, Some(b',')) => {
                    self.consume(1);
                    self.expect = Expect::Element;
                }
                (Expect::FirstOrClose | Expect::Element | Expect::ObjectOrEnd, Some(b'{')) => {
                    self.read_raw(row)?;
                    if self.expect != Expect::ObjectOrEnd {
                        self.expect = Expect::CommaOrClose;
                    }
                    return self.reserialise(row).map(Some);
                }
                (_, None) => return Err(self.error(row, "the file ends inside the array")),
                (Expect::CommaOrClose, Some(_)) => {
                    return Err(self.error(row, "expected , or ] after an element"));
                }
                (_, Some(_)) => return Err(self.error(row, "each row must be a JSON object")),
            }
        }
    }

    /// Copies one object's bytes (from its `{` to the matching `}`) into `raw`.
    fn read_raw(&mut self, row: u64) -> Result<(), InputError> {
        self.raw.clear();
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Err(self.error(row, "the file ends inside an object"));
            }
            let mut used = buf.len();
            let mut done = false;
            for (i, &b) in buf.iter().enumerate() {
                if in_string {
                    match (escaped, b) {
                        (true, _) => escaped = false,
                        (false, b'\\') => escaped = true,
                        (false, b'"') => in_string = false,
                        _ => {}
                    }
                    continue;
                }
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            used = i + 1;
                            done = true;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            self.raw.extend_from_slice(&buf[..used]);
            self.consume(used);
            if self.raw.len() > self.limit {
                return Err(InputError::RowTooLarge {
                    row,
                    bytes: self.raw.len(),
                    limit: self.limit,
                });
            }
            if done {
                return Ok(());
            }
        }
    }

    /// Parses `raw` as a flat object and writes it back without insignificant whitespace.
    fn reserialise(&self, row: u64) -> Result<Vec<u8>, InputError> {
        let object: Map<String, Value> = serde_json::from_slice(&self.raw).map_err(|e| {
            // serde_json counts lines and columns within the element; the byte offset says more.
            let text = e.to_string();
            let reason = text
                .split_once(" at line ")
                .map_or(text.as_str(), |(head, _)| head)
                .to_owned();
            InputError::Json {
                byte: self.offset - self.raw.len() as u64,
                row,
                reason,
            }
        })?;
        if let Some((key, _)) = object.iter().find(|(_, v)| v.is_array() || v.is_object()) {
            return Err(InputError::Json {
                byte: self.offset - self.raw.len() as u64,
                row,
                reason: format!("the value of \"{key}\" is nested; rows must be flat objects"),
            });
        }
        serde_json::to_vec(&object).map_err(|e| InputError::Json {
            byte: self.offset,
            row,
            reason: e.to_string(),
        })
    }

    /// Skips JSON whitespace and returns the next byte without consuming it.
    fn skip_whitespace(&mut self) -> Result<Option<u8>, InputError> {
        loop {
            let buf = self.input.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            {
                Some(i) => {
                    let next = buf[i];
                    self.consume(i);
                    return Ok(Some(next));
                }
                None => {
                    let n = buf.len();
                    self.consume(n);
                }
            }
        }
    }

    fn skip_bom(&mut self) -> Result<(), InputError> {
        if self.input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
            self.consume(3);
        }
        Ok(())
    }

    fn consume(&mut self, n: usize) {
        self.input.consume(n);
        self.offset += n as u64;
    }

    fn error(&self, row: u64, reason: &str) -> InputError {
        InputError::Json {
            byte: self.offset,
            row,
            reason: reason.to_owned(),
        }
    }
}

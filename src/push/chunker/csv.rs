//! CSV bodies: the header line, then as many records as fit, re-serialised by the `csv` crate
//! so quoting stays valid whatever the input's dialect of line endings.

use std::io::{Read, Seek};

use csv::{ByteRecord, Position, Reader, ReaderBuilder, Writer, WriterBuilder};

use super::{Chunk, Cursor, InputError};

/// Reads bigger blocks than the crate's 8 KiB default: uploads are tens of megabytes.
const READ_BUFFER: usize = 256 * 1024;

/// A CSV file read record by record into bodies of at most `limit` bytes.
pub struct CsvChunker<R> {
    reader: Reader<R>,
    header: Vec<u8>,
    limit: usize,
    record: ByteRecord,
    /// Where the next row not yet in a returned chunk starts.
    cursor: Cursor,
    /// A serialised row read but not fitting in the previous body, and the cursor after it.
    carry: Option<(Vec<u8>, Cursor)>,
}

impl<R: Read + Seek> CsvChunker<R> {
    /// Reads the header (checking it names `column`), then moves to `from`.
    ///
    /// # Errors
    /// No header, a header without `column`, or a malformed header line.
    pub fn open(input: R, column: &str, from: Cursor, limit: usize) -> Result<Self, InputError> {
        let mut reader = ReaderBuilder::new()
            .buffer_capacity(READ_BUFFER)
            .from_reader(input);
        let mut names = reader.byte_headers().map_err(csv_error)?.clone();
        if names.is_empty() {
            return Err(InputError::NoHeader);
        }
        strip_bom(&mut names);
        let text: Vec<String> = names
            .iter()
            .map(|n| String::from_utf8(n.to_vec()))
            .collect::<Result<_, _>>()
            .map_err(|_| InputError::NotUtf8 { row: 0, line: 1 })?;
        if !text.iter().any(|n| n == column) {
            return Err(InputError::MissingColumn {
                column: column.to_owned(),
                found: text.join(","),
            });
        }
        let header = serialise(&names)?;
        let mut cursor = from;
        if from.byte > 0 {
            let mut pos = Position::new();
            pos.set_byte(from.byte)
                .set_line(from.line)
                .set_record(from.rows + 1);
            reader.seek(pos).map_err(csv_error)?;
        } else {
            let pos = reader.position();
            cursor = Cursor {
                byte: pos.byte(),
                line: pos.line(),
                rows: 0,
            };
        }
        if header.len() > limit {
            return Err(InputError::RowTooLarge {
                row: 0,
                bytes: header.len(),
                limit,
            });
        }
        Ok(Self {
            reader,
            header,
            limit,
            record: ByteRecord::new(),
            cursor,
            carry: None,
        })
    }
}

impl<R: Read> CsvChunker<R> {
    /// The next body, or `None` once every row was returned.
    ///
    /// # Errors
    /// A malformed, non-UTF-8 or oversized record.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, InputError> {
        let start = self.cursor;
        let mut end = start;
        let mut initial = Vec::with_capacity(self.limit.min(4 << 20));
        initial.extend_from_slice(&self.header);
        if let Some((row, after)) = self.carry.take() {
            initial.extend_from_slice(&row);
            end = after;
        }
        let mut writer = WriterBuilder::new().from_writer(initial);
        let body = loop {
            if !self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(csv_error)?
            {
                break into_body(writer)?;
            }
            let pos = self.reader.position();
            let next = Cursor {
                byte: pos.byte(),
                line: pos.line(),
                rows: end.rows + 1,
            };
            if self.record.iter().any(|f| std::str::from_utf8(f).is_err()) {
                return Err(InputError::NotUtf8 {
                    row: next.rows,
                    line: end.line,
                });
            }
            let before = writer.get_ref().len();
            writer.write_byte_record(&self.record)?;
            writer.flush()?;
            if writer.get_ref().len() <= self.limit {
                end = next;
                continue;
            }
            let mut body = into_body(writer)?;
            let row = body.split_off(before);
            if self.header.len() + row.len() > self.limit {
                return Err(InputError::RowTooLarge {
                    row: next.rows,
                    bytes: row.len(),
                    limit: self.limit,
                });
            }
            self.carry = Some((row, next));
            break body;
        };
        self.cursor = end;
        Ok((end.rows > start.rows).then_some(Chunk { body, start, end }))
    }
}

/// The header with a UTF-8 byte order mark removed from its first name.
fn strip_bom(names: &mut ByteRecord) {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if names.get(0).is_some_and(|n| n.starts_with(BOM)) {
        let fixed: ByteRecord = names
            .iter()
            .enumerate()
            .map(|(i, n)| if i == 0 { &n[BOM.len()..] } else { n })
            .collect();
        *names = fixed;
    }
}

/// One record as a CSV line.
fn serialise(record: &ByteRecord) -> Result<Vec<u8>, InputError> {
    let mut writer = WriterBuilder::new().from_writer(Vec::new());
    writer.write_byte_record(record)?;
    into_body(writer)
}

fn into_body(writer: Writer<Vec<u8>>) -> Result<Vec<u8>, InputError> {
    writer
        .into_inner()
        .map_err(|e| InputError::Io(e.into_error()))
}

fn csv_error(error: csv::Error) -> InputError {
    let line = error.position().map_or(0, Position::line);
    let reason = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("this record has {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Io(e) => {
            return InputError::Io(std::io::Error::new(e.kind(), e.to_string()));
        }
        _ => error.to_string(),
    };
    InputError::Csv { line, reason }
}

impl From<csv::Error> for InputError {
    fn from(error: csv::Error) -> Self {
        csv_error(error)
    }
}

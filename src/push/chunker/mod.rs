//! Cutting an input file into upload bodies just under Eloqua's 32 MB limit, reading it as a
//! stream: memory holds one body (plus one row) whatever the file's size.
//!
//! CSV is read record by record with the `csv` crate and each body starts with the header line
//! again; JSON (an array of objects, or JSON Lines) is split element by element and each body
//! is a JSON array. Rows are never split across bodies, and every body carries a [`Cursor`] so
//! a later run can reopen the file where an acknowledged body ended.

mod csv;
mod json;
#[cfg(test)]
mod tests;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use self::csv::CsvChunker;
pub use self::json::{JsonChunker, JsonLayout};

/// Eloqua refuses upload bodies over 32 MB (with a 404); staying under 32,000,000 bytes keeps
/// clear of that limit whichever way "MB" is counted.
pub const DEFAULT_CHUNK_BYTES: usize = 31_900_000;

/// A place in the input: where the next unread row starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    /// Byte offset in the file.
    pub byte: u64,
    /// Line number (1-based) of that byte; CSV only, 0 for JSON.
    pub line: u64,
    /// Data rows before this point (the header is not a row).
    pub rows: u64,
}

/// One upload body and the rows it holds.
#[derive(Debug)]
pub struct Chunk {
    /// The body: a CSV header plus rows, or a JSON array of objects.
    pub body: Vec<u8>,
    /// Where the chunk's first row starts.
    pub start: Cursor,
    /// Where the row after the chunk's last row starts.
    pub end: Cursor,
}

impl Chunk {
    /// Rows in the body.
    pub fn rows(&self) -> u64 {
        self.end.rows - self.start.rows
    }
}

/// Why the input cannot be sent. Each names where in the file it went wrong.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Reading the file failed.
    #[error("reading the input: {0}")]
    Io(#[from] std::io::Error),
    /// A CSV record the `csv` crate refused (unequal field counts, bad quoting, …).
    #[error("malformed CSV at line {line}: {reason}")]
    Csv {
        /// Line where the record starts.
        line: u64,
        /// What was wrong.
        reason: String,
    },
    /// JSON that is not an array of flat objects (or JSON Lines of them).
    #[error("malformed JSON at byte {byte} (row {row}): {reason}")]
    Json {
        /// Byte offset of the problem.
        byte: u64,
        /// 1-based row it concerns.
        row: u64,
        /// What was wrong.
        reason: String,
    },
    /// Text that is not UTF-8.
    #[error("row {row} (line {line}) is not valid UTF-8; convert the file to UTF-8 first")]
    NotUtf8 {
        /// 1-based row.
        row: u64,
        /// Line where it starts (0 for JSON).
        line: u64,
    },
    /// A single row larger than an upload may be.
    #[error(
        "row {row} is {bytes} bytes, more than one upload may carry ({limit} bytes with the header)"
    )]
    RowTooLarge {
        /// 1-based row.
        row: u64,
        /// Its size (at least; reading stops once it is too big).
        bytes: usize,
        /// The body limit.
        limit: usize,
    },
    /// The CSV header lacks the definition's identifier column.
    #[error("the CSV header has no column \"{column}\" (columns: {found})")]
    MissingColumn {
        /// The identifier column the definition expects.
        column: String,
        /// The header's columns, comma-separated.
        found: String,
    },
    /// A file with no header line at all.
    #[error("the CSV file is empty: it needs a header line")]
    NoHeader,
}

/// The input's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum InputFormat {
    /// Comma-separated values with a header line (RFC 4180).
    Csv,
    /// A JSON array of flat objects, or JSON Lines (one object per line).
    Json,
}

impl InputFormat {
    /// The format a file name suggests: `.json`, `.jsonl` and `.ndjson` are JSON, anything else CSV.
    pub fn guess(path: &Path) -> Self {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("json" | "jsonl" | "ndjson") => Self::Json,
            _ => Self::Csv,
        }
    }

    /// The `Content-Type` of bodies in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::Json => "application/json",
        }
    }
}

/// Either chunker, opened on a file.
pub enum Chunker {
    /// CSV input.
    Csv(CsvChunker<File>),
    /// JSON input.
    Json(JsonChunker<BufReader<File>>),
}

impl Chunker {
    /// Opens `path` at `from` (the start, or where an acknowledged chunk ended), checking that
    /// a CSV header has `column`.
    ///
    /// # Errors
    /// The file cannot be read, or its start is malformed.
    pub fn open(
        path: &Path,
        format: InputFormat,
        column: &str,
        from: Cursor,
        limit: usize,
    ) -> Result<Self, InputError> {
        let file = File::open(path)?;
        Ok(match format {
            InputFormat::Csv => Self::Csv(CsvChunker::open(file, column, from, limit)?),
            InputFormat::Json => Self::Json(JsonChunker::open(BufReader::new(file), from, limit)?),
        })
    }

    /// The next body, or `None` at the end of the input.
    ///
    /// # Errors
    /// A malformed or oversized row; the chunks before it are still good.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, InputError> {
        match self {
            Self::Csv(c) => c.next_chunk(),
            Self::Json(j) => j.next_chunk(),
        }
    }
}

//! Where CSV records start and how they end, for error locations and the unterminated-quote
//! check the csv crate does not make.

use ::csv::ByteRecord;

/// Where a record starts, as the csv crate reports it: possibly before skipped blank lines.
#[derive(Debug, Clone, Copy)]
pub(super) struct Start {
    pub(super) byte: u64,
    pub(super) line: u64,
}

impl Start {
    pub(super) fn of(record: &ByteRecord) -> Self {
        record
            .position()
            .map_or(Self { byte: 0, line: 1 }, |pos| Self {
                byte: pos.byte(),
                line: pos.line(),
            })
    }

    /// The line of the record's first byte, past any blank lines.
    pub(super) fn line_in(self, bytes: &[u8]) -> u64 {
        let from = usize::try_from(self.byte)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let blank = bytes[from..]
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .filter(|&&b| b == b'\n')
            .count();
        self.line + blank as u64
    }
}

/// How a record ends, by the same rules as the csv crate's default reader.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scan {
    /// A record terminator, or the end of input outside quotes.
    Complete,
    /// The end of input inside a quoted field opened on this line.
    Unterminated { line: u64 },
}

/// Scans one record from `start` to its end. Costs the length of that record only.
pub(super) fn scan_record(bytes: &[u8], start: Start) -> Scan {
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        RecordStart,
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let from = usize::try_from(start.byte)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let (mut state, mut line, mut opened) = (St::RecordStart, start.line, start.line);
    for &b in &bytes[from..] {
        let ends_record = b == b'\r' || b == b'\n';
        state = match (state, b) {
            (St::RecordStart, _) if ends_record => St::RecordStart,
            (St::Quoted, b'"') => St::QuoteInQuoted,
            (St::Quoted, _) => St::Quoted,
            (St::QuoteInQuoted, b'"') => St::Quoted,
            (_, _) if ends_record => return Scan::Complete,
            (St::RecordStart | St::FieldStart, b'"') => {
                opened = line;
                St::Quoted
            }
            (_, b',') => St::FieldStart,
            _ => St::Unquoted,
        };
        line += u64::from(b == b'\n');
    }
    if state == St::Quoted {
        Scan::Unterminated { line: opened }
    } else {
        Scan::Complete
    }
}

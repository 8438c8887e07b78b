//! The chunker: bodies under the limit, the header on every CSV body, rows never split,
//! resuming at a cursor, and clear errors for bad or oversized rows.

use std::io::{BufReader, Cursor as Bytes};

use super::*;

fn csv_chunks(text: &str, limit: usize) -> Result<Vec<Chunk>, InputError> {
    csv_from(text, Cursor::default(), limit)
}

fn csv_from(text: &str, from: Cursor, limit: usize) -> Result<Vec<Chunk>, InputError> {
    let mut chunker = CsvChunker::open(Bytes::new(text.as_bytes().to_vec()), "Email", from, limit)?;
    let mut chunks = Vec::new();
    while let Some(chunk) = chunker.next_chunk()? {
        chunks.push(chunk);
    }
    Ok(chunks)
}

fn json_chunks(text: &str, from: Cursor, limit: usize) -> Result<Vec<Chunk>, InputError> {
    let reader = BufReader::with_capacity(16, Bytes::new(text.as_bytes().to_vec()));
    let mut chunker = JsonChunker::open(reader, from, limit)?;
    let mut chunks = Vec::new();
    while let Some(chunk) = chunker.next_chunk()? {
        chunks.push(chunk);
    }
    Ok(chunks)
}

fn csv_rows(n: usize) -> String {
    let mut text = String::from("Email,Name\n");
    for i in 0..n {
        text.push_str(&format!("user{i}@example.com,\"Name, {i}\"\n"));
    }
    text
}

fn body(chunk: &Chunk) -> &str {
    std::str::from_utf8(&chunk.body).unwrap()
}

#[test]
fn csv_chunks_stay_under_the_limit_and_repeat_the_header() {
    let text = csv_rows(1000);
    let chunks = csv_chunks(&text, 2048).unwrap();
    assert!(chunks.len() > 10, "{} chunks", chunks.len());
    let mut rows = Vec::new();
    for chunk in &chunks {
        assert!(chunk.body.len() <= 2048);
        let lines: Vec<&str> = body(chunk).lines().collect();
        assert_eq!(lines[0], "Email,Name");
        assert_eq!(lines.len() as u64 - 1, chunk.rows());
        rows.extend(lines[1..].iter().map(|l| l.to_string()));
    }
    let original: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows, original, "every row once, in order, never split");
    assert_eq!(chunks.last().unwrap().end.rows, 1000);
    assert_eq!(chunks.last().unwrap().end.byte, text.len() as u64);
}

#[test]
fn csv_quoting_survives_reserialisation() {
    let text = "Email,Note\r\na@x.com,\"two\nlines, and \"\"quotes\"\"\"\r\n\"\",\r\n";
    let chunks = csv_chunks(text, 1 << 20).unwrap();
    assert_eq!(chunks.len(), 1);
    let mut reader = ::csv::Reader::from_reader(chunks[0].body.as_slice());
    let records: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&records[0][1], "two\nlines, and \"quotes\"");
    assert_eq!(records.len(), 2);
}

#[test]
fn csv_resumes_exactly_where_a_chunk_ended() {
    let text = csv_rows(300);
    let all = csv_chunks(&text, 1500).unwrap();
    let resumed = csv_from(&text, all[2].end, 1500).unwrap();
    assert_eq!(resumed.len(), all.len() - 3);
    for (a, b) in all[3..].iter().zip(&resumed) {
        assert_eq!(a.body, b.body);
        assert_eq!((a.start, a.end), (b.start, b.end));
    }
}

#[test]
fn csv_with_a_bom_and_only_a_header_has_no_chunks() {
    assert!(csv_chunks("\u{FEFF}Email\n", 100).unwrap().is_empty());
}

#[test]
fn csv_refuses_a_row_too_big_for_one_upload() {
    let text = format!("Email\nsmall@x.com\n{}@x.com\n", "a".repeat(200));
    match csv_chunks(&text, 100) {
        Err(InputError::RowTooLarge { row: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn csv_with_unequal_fields_names_the_line() {
    let error = csv_chunks("Email,Name\na@x.com,A\nb@x.com\n", 1000).unwrap_err();
    assert_eq!(
        error.to_string(),
        "malformed CSV at line 3: this record has 1 fields where the header has 2"
    );
}

#[test]
fn csv_without_the_identifier_column_is_refused_before_any_row() {
    let error = csv_chunks("Mail,Name\na@x.com,A\n", 1000).unwrap_err();
    assert!(error.to_string().contains("no column \"Email\""), "{error}");
    assert!(matches!(csv_chunks("", 1000), Err(InputError::NoHeader)));
}

#[test]
fn csv_that_is_not_utf8_is_refused() {
    let mut bytes = b"Email\n".to_vec();
    bytes.extend_from_slice(b"caf\xe9@x.com\n");
    let mut chunker = CsvChunker::open(Bytes::new(bytes), "Email", Cursor::default(), 100).unwrap();
    assert!(matches!(
        chunker.next_chunk(),
        Err(InputError::NotUtf8 { row: 1, line: 2 })
    ));
}

#[test]
fn json_arrays_split_into_arrays_under_the_limit() {
    let rows: Vec<String> = (0..500)
        .map(|i| format!("{{ \"Email\" : \"u{i}@x.com\", \"n\": {i}, \"s\": \"a}}]\\\"b\" }}"))
        .collect();
    let text = format!(" [\n{}\n] \n", rows.join(",\n"));
    let chunks = json_chunks(&text, Cursor::default(), 1000).unwrap();
    assert!(chunks.len() > 5);
    let mut seen = 0;
    for chunk in &chunks {
        assert!(chunk.body.len() <= 1000);
        let parsed: Vec<serde_json::Value> = serde_json::from_slice(&chunk.body).unwrap();
        assert_eq!(parsed.len() as u64, chunk.rows());
        for row in parsed {
            assert_eq!(row["Email"], format!("u{seen}@x.com"));
            assert_eq!(row["s"], "a}]\"b");
            seen += 1;
        }
    }
    assert_eq!(seen, 500);
    let resumed = json_chunks(&text, chunks[1].end, 1000).unwrap();
    assert_eq!(resumed[0].body, chunks[2].body);
    assert_eq!(resumed.len(), chunks.len() - 2);
}

#[test]
fn json_lines_are_read_as_rows() {
    let text = "{\"Email\":\"a@x.com\"}\n{\"Email\":\"b@x.com\"}\n\n";
    let chunks = json_chunks(text, Cursor::default(), 1000).unwrap();
    assert_eq!(
        body(&chunks[0]),
        r#"[{"Email":"a@x.com"},{"Email":"b@x.com"}]"#
    );
    let resumed = json_chunks(
        text,
        Cursor {
            byte: 20,
            line: 0,
            rows: 1,
        },
        1000,
    )
    .unwrap();
    assert_eq!(body(&resumed[0]), r#"[{"Email":"b@x.com"}]"#);
    assert_eq!(resumed[0].end.rows, 2);
    assert!(json_chunks("[]", Cursor::default(), 10).unwrap().is_empty());
    assert!(json_chunks("", Cursor::default(), 10).unwrap().is_empty());
}

#[test]
fn json_errors_name_the_row() {
    let cases = [
        (
            "[{\"Email\":\"a\"} {\"Email\":\"b\"}]",
            "expected , or ] after an element",
        ),
        ("[{\"Email\":\"a\"},[1]]", "each row must be a JSON object"),
        ("[{\"Email\":{\"x\":1}}]", "nested"),
        ("[{\"Email\":\"a\"", "ends inside an object"),
        ("[{\"Email\":\"a\"},", "ends inside the array"),
        ("[{\"Email\" \"a\"}]", "expected `:`"),
        ("[{}] x", "after the closing ]"),
        ("\"rows\"", "expected a JSON array"),
    ];
    for (text, expected) in cases {
        let error = json_chunks(text, Cursor::default(), 1000).unwrap_err();
        assert!(error.to_string().contains(expected), "{text}: {error}");
    }
    let big = format!("[{{\"Email\":\"{}\"}}]", "a".repeat(5000));
    assert!(matches!(
        json_chunks(&big, Cursor::default(), 1000),
        Err(InputError::RowTooLarge { row: 1, .. })
    ));
}

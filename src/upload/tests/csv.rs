//! CSV rules: RFC 4180 quoting, line endings, blank lines, headers, refusals with locations.

use super::{Row::Empty, Row::Missing, accepts, refuses, v};
use crate::upload::Format;

#[test]
#[rustfmt::skip]
fn csv_accepts_rfc4180_quoting_and_any_line_ending() {
    accepts(Format::Csv, &[
        ("EmailAddress", vec![], &[]),
        ("EmailAddress\na@x\nb@x\n", vec![v("a@x"), v("b@x")], &[]),
        ("EmailAddress\na@x\nb@x", vec![v("a@x"), v("b@x")], &[]),
        ("EmailAddress\r\na\r\nb\r\n", vec![v("a"), v("b")], &[]),
        ("EmailAddress,N\r\na,1\nb,2\rc,3", vec![v("a"), v("b"), v("c")], &["N"]),
        ("EmailAddress,Note\n\"a,b@x\",\"say \"\"hi\"\"\nthere\"\n", vec![v("a,b@x")], &["Note"]),
        ("EmailAddress\n\"multi\r\nline\"\n\"\"\"\"\n", vec![v("multi\r\nline"), v("\"")], &[]),
        ("EmailAddress\n\"a\"\"\"", vec![v("a\"")], &[]),
        ("EmailAddress\na\"b\n", vec![v("a\"b")], &[]),
        ("EmailAddress\n a \n", vec![v(" a ")], &[]),
        ("\"EmailAddress\",\"Ünï\"\nü@例え.jp,🙂\n", vec![v("ü@例え.jp")], &["Ünï"]),
    ]);
}

#[test]
#[rustfmt::skip]
fn csv_skips_blank_lines_and_classifies_missing_and_empty_rows() {
    accepts(Format::Csv, &[
        ("\n\nEmailAddress\n\na\n\r\n\nb\n\n", vec![v("a"), v("b")], &[]),
        ("EmailAddress,Other\n,\n,x\na,\n", vec![Empty, Missing, v("a")], &["Other"]),
        ("EmailAddress\n\"\"\n", vec![Empty], &[]),
        ("Other,EmailAddress\nx,a\n", vec![v("a")], &["Other"]),
        ("Other,emailaddress\nx,\n\"\",\"\"\n", vec![Missing, Empty], &["Other", "emailaddress"]),
    ]);
}

#[test]
#[rustfmt::skip]
fn csv_refuses_ragged_rows_with_row_and_line() {
    refuses(Format::Csv, &[
        (b"EmailAddress\na\nb,c\n", "expected 1 field, found 2", Some(2), Some(3)),
        (b"A,EmailAddress\n1,2\n3\n", "expected 2 fields, found 1", Some(2), Some(3)),
        (b"EmailAddress,N\n\"a\nb\",1\nc\n", "expected 2 fields, found 1", Some(2), Some(4)),
        (b"EmailAddress\r\n\r\n\r\nb,c\r\n", "expected 1 field, found 2", Some(1), Some(4)),
    ]);
}

#[test]
#[rustfmt::skip]
fn csv_refuses_an_unterminated_quote_at_the_line_it_opened() {
    refuses(Format::Csv, &[
        (b"EmailAddress\na\n\"b\nc\n", "opened on line 3 is never closed", Some(2), Some(3)),
        (b"EmailAddress,N\na,1\nb,\"2\nc,3\n", "opened on line 3", Some(2), Some(3)),
        (b"EmailAddress,N\na,1\n\"b,2\nc,3\n", "opened on line 3", Some(2), Some(3)),
        (b"EmailAddress\n\"a\"\"", "opened on line 2", Some(1), Some(2)),
        (b"EmailAddress\na\n\n\"", "opened on line 4", Some(2), Some(4)),
        (b"\"EmailAddress\n", "opened on line 1", None, Some(1)),
    ]);
}

#[test]
#[rustfmt::skip]
fn csv_refuses_bad_headers_and_nul() {
    refuses(Format::Csv, &[
        (b"EmailAddress,\na,b\n", "header column 2 has an empty name", None, Some(1)),
        (b"\"\"\na\n", "header column 1 has an empty name", None, Some(1)),
        (b"\nEmailAddress,Other,EmailAddress\n", "\"EmailAddress\" more than once", None, Some(2)),
        (b"A,B,A\n", "\"A\" more than once", None, Some(1)),
        (b"Email\0\na\n", "header column 1 contains a NUL", None, Some(1)),
        (b"EmailAddress,N\na,1\n\nb,\"x\0\"\n", "contains a NUL", Some(2), Some(4)),
    ]);
}

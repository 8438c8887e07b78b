//! The `charset` parameter of an upload's `Content-Type`: bodies in another encoding are
//! transcoded to UTF-8 before decoding.
//!
//! Supported: `utf-8` (the default), `us-ascii` (checked, never transcoded), `iso-8859-1` and
//! `windows-1252`. Labels are matched without regard to case, surrounding blanks or quotes.
//! `iso-8859-1` is taken literally (bytes 0x80–0x9F are the C1 controls), unlike the WHATWG
//! Encoding Standard, which reads it as windows-1252: the Java and .NET encoders that Eloqua
//! clients use never emit those bytes for ISO-8859-1 text, so a literal reading loses nothing.

use std::borrow::Cow;

use super::DecodeError;

/// Transcodes `body` from `charset` to UTF-8, borrowing when nothing needs to change.
///
/// UTF-8 bodies are returned as they are: [`super::decode`] checks them and reports where
/// invalid bytes are. Pure-ASCII bodies are borrowed whatever the charset.
///
/// # Errors
///
/// A [`DecodeError`] naming the charset when it is not supported, or locating (byte offset and
/// line) the first byte above 0x7F in a `us-ascii` body.
pub fn to_utf8<'a>(body: &'a [u8], charset: Option<&str>) -> Result<Cow<'a, [u8]>, DecodeError> {
    let Some(label) = charset else {
        return Ok(Cow::Borrowed(body));
    };
    let label = label.trim().trim_matches('"').trim();
    let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(label));
    let ascii_compatible = is(US_ASCII) || is(ISO_8859_1) || is(WINDOWS_1252);
    if is(&["utf-8", "utf8"]) || (body.is_ascii() && ascii_compatible) {
        Ok(Cow::Borrowed(body))
    } else if is(US_ASCII) {
        match body.iter().position(|b| !b.is_ascii()) {
            Some(at) => {
                let message = format!("byte 0x{:02X} is not US-ASCII (charset={label})", body[at]);
                Err(DecodeError::new(message).at_byte(body, at))
            }
            None => Ok(Cow::Borrowed(body)),
        }
    } else if is(ISO_8859_1) {
        Ok(Cow::Owned(transcode(body, char::from)))
    } else if is(WINDOWS_1252) {
        Ok(Cow::Owned(transcode(body, windows_1252)))
    } else {
        Err(DecodeError::new(format!(
            "unsupported charset {label:?}; use utf-8, us-ascii, iso-8859-1 or windows-1252"
        )))
    }
}

// Labels of the single-byte charsets; all three read ASCII as ASCII.
const US_ASCII: &[&str] = &["us-ascii", "ascii"];
const ISO_8859_1: &[&str] = &[
    "iso-8859-1",
    "iso8859-1",
    "iso_8859-1",
    "latin1",
    "latin-1",
    "l1",
];
const WINDOWS_1252: &[&str] = &["windows-1252", "cp1252", "x-cp1252"];

/// Maps every byte through `decode` (ASCII bytes are copied as they are).
fn transcode(body: &[u8], decode: impl Fn(u8) -> char) -> Vec<u8> {
    let high = body.iter().filter(|b| !b.is_ascii()).count();
    // Every byte above 0x7F becomes at most three UTF-8 bytes.
    let mut out = Vec::with_capacity(body.len() + 2 * high);
    let mut utf8 = [0; 4];
    for &b in body {
        if b.is_ascii() {
            out.push(b);
        } else {
            out.extend_from_slice(decode(b).encode_utf8(&mut utf8).as_bytes());
        }
    }
    out
}

/// windows-1252 as the WHATWG index defines it: 0x80–0x9F hold typographic characters (the
/// five unassigned ones map to the C1 controls); every other byte is ISO-8859-1.
fn windows_1252(b: u8) -> char {
    const C1: [char; 32] = [
        '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}',
        '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
        '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}',
        '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
    ];
    match b {
        0x80..=0x9F => C1[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

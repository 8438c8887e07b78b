//! SQL functions that give set-based statements Loquat's own rules, so validation runs inside
//! one `INSERT … SELECT` instead of row by row from Rust.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

use crate::domain::contact_fields::FieldType;

/// Registers `loquat_valid(type, value)` and `loquat_bool(value)` on `conn`.
pub(super) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    // 1 when `value` suits a field of `type` (see `FieldType::accepts`), else 0.
    conn.create_scalar_function("loquat_valid", 2, flags, |ctx| {
        let data_type: String = ctx.get(0)?;
        let value: Option<String> = ctx.get(1)?;
        let valid = match (FieldType::parse(&data_type), value) {
            (_, None) => true,
            (Some(t), Some(v)) => t.accepts(&v),
            (None, Some(_)) => true,
        };
        Ok(valid)
    })?;
    // 1 or 0 for the ways clients write booleans (true/false, 1/0, yes/no, on/off), else NULL.
    conn.create_scalar_function("loquat_bool", 1, flags, |ctx| {
        let value: Option<String> = ctx.get(0)?;
        Ok(
            value.and_then(|v| match v.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(1),
                "false" | "0" | "no" | "off" => Some(0),
                _ => None,
            }),
        )
    })
}

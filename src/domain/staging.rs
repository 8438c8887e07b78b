//! Eloqua's limits on staged data, the same for every record type and definition kind.

/// Largest upload body: 32 MB (a larger body answers 404, Eloqua's documented quirk).
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

/// Files a definition may hold before a sync (the 501st upload answers 400).
pub const MAX_FILES: u32 = 500;

-- Staged rows keyed by one integer, (file id << 32) | position: appending to a rowid table is
-- the cheapest insert SQLite has, and a file's rows stay one contiguous key range.
-- `value` is the identifier trimmed, as it is matched; `raw` keeps the text as uploaded when
-- trimming changed it, for rejects.
CREATE TABLE staged_rows_new (
    id    INTEGER PRIMARY KEY,
    kind  INTEGER NOT NULL,
    value TEXT,
    raw   TEXT
);
INSERT INTO staged_rows_new (id, kind, value) SELECT (file_id << 32) | seq, kind, value FROM staged_rows;
DROP TABLE staged_rows;
ALTER TABLE staged_rows_new RENAME TO staged_rows;

-- A file's rows go with it, however the file is deleted (discard, expiry, a sync's end, or
-- the cascade from its definition or site).
CREATE TRIGGER staged_files_rows AFTER DELETE ON staged_files BEGIN
    DELETE FROM staged_rows WHERE id >= (old.id << 32) AND id < ((old.id + 1) << 32);
END;

-- Contact export definitions and the data their syncs snapshot.
CREATE TABLE export_definitions (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id             INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    -- The validated definition in its JSON form (validating it again gives it back).
    body                TEXT NOT NULL,
    auto_delete_seconds INTEGER,
    created_by          TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_by          TEXT NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX export_definitions_site ON export_definitions (site_id);

-- One per export sync that ran: the column names and how many rows it holds.
CREATE TABLE export_data (
    sync_id      INTEGER PRIMARY KEY REFERENCES syncs (id) ON DELETE CASCADE,
    fields       TEXT NOT NULL,
    row_count    INTEGER NOT NULL,
    retain_until INTEGER NOT NULL
);

-- Exported rows keyed (sync id << 32) | position; `data` is a JSON array of the values.
CREATE TABLE export_rows (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL,
    data       TEXT NOT NULL
);
CREATE TRIGGER export_data_rows AFTER DELETE ON export_data BEGIN
    DELETE FROM export_rows WHERE id >= (old.sync_id << 32) AND id < ((old.sync_id + 1) << 32);
END;

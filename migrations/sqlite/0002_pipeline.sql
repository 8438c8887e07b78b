-- Staged uploads: one row per successful POST …/data ("file"), its rows normalised to the
-- identifier value, so a sync is a join rather than a re-parse.
CREATE TABLE staged_files (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    definition_id   INTEGER NOT NULL REFERENCES sync_action_definitions (id) ON DELETE CASCADE,
    -- NULL while staged; the sync that took ownership otherwise.
    sync_id         INTEGER REFERENCES syncs (id) ON DELETE CASCADE,
    row_count       INTEGER NOT NULL,
    bytes           INTEGER NOT NULL,
    ignored_columns TEXT NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL
);
CREATE INDEX staged_files_definition ON staged_files (definition_id, sync_id);
CREATE INDEX staged_files_sync ON staged_files (sync_id);
CREATE INDEX staged_files_site ON staged_files (site_id);

-- kind: 0 = identifier value present, 1 = identifier missing, 2 = empty row.
CREATE TABLE staged_rows (
    file_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    kind    INTEGER NOT NULL,
    value   TEXT,
    PRIMARY KEY (file_id, seq)
) WITHOUT ROWID;

CREATE TABLE syncs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id             INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    -- Not a foreign key: a sync outlives its definition and reports ELQ-00143 when it is gone.
    definition_id       INTEGER NOT NULL,
    synced_instance_uri TEXT NOT NULL,
    callback_url        TEXT,
    status              TEXT NOT NULL CHECK (status IN ('pending', 'active', 'success', 'warning', 'error')),
    -- The identifier column of the definition when the sync started, to render rejects.
    field_column        TEXT,
    created_by          TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    started_at          INTEGER,
    ended_at            INTEGER
);
CREATE INDEX syncs_site ON syncs (site_id, id);
CREATE INDEX syncs_status ON syncs (status, id);
CREATE INDEX syncs_definition ON syncs (definition_id, status);

CREATE TABLE sync_logs (
    sync_id     INTEGER NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    severity    TEXT NOT NULL,
    status_code TEXT NOT NULL,
    message     TEXT NOT NULL,
    count       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (sync_id, seq)
) WITHOUT ROWID;

CREATE TABLE sync_rejects (
    sync_id      INTEGER NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
    record_index INTEGER NOT NULL,
    status_code  TEXT NOT NULL,
    value        TEXT,
    PRIMARY KEY (sync_id, record_index)
) WITHOUT ROWID;

-- Callbacks still owed after a terminal commit (survive a restart).
CREATE TABLE sync_callbacks (
    sync_id     INTEGER PRIMARY KEY REFERENCES syncs (id) ON DELETE CASCADE,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL
);

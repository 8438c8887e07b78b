-- Contact import definitions, their staged uploads (rows keep every mapped column), and the
-- kind of definition a sync belongs to.
CREATE TABLE import_definitions (
    id                          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id                     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name                        TEXT NOT NULL,
    -- The validated definition in its JSON form (validating it again gives it back).
    body                        TEXT NOT NULL,
    auto_delete_seconds         INTEGER,
    created_by                  TEXT NOT NULL,
    created_at                  INTEGER NOT NULL,
    updated_by                  TEXT NOT NULL,
    updated_at                  INTEGER NOT NULL
);
CREATE INDEX import_definitions_site ON import_definitions (site_id);

CREATE TABLE import_files (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    definition_id   INTEGER NOT NULL REFERENCES import_definitions (id) ON DELETE CASCADE,
    sync_id         INTEGER REFERENCES syncs (id) ON DELETE CASCADE,
    row_count       INTEGER NOT NULL,
    bytes           INTEGER NOT NULL,
    ignored_columns TEXT NOT NULL DEFAULT '[]',
    retain_until    INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX import_files_definition ON import_files (definition_id, sync_id);
CREATE INDEX import_files_sync ON import_files (sync_id);

-- One row per uploaded record, key (file id << 32) | position; v0 to v99 hold the values of
-- the definition's columns in its order (NULL when absent). Trailing NULL columns cost a byte
-- each, and the apply reads columns directly, without parsing anything.
CREATE TABLE import_rows (
    id  INTEGER PRIMARY KEY,
    v0 TEXT,
    v1 TEXT,
    v2 TEXT,
    v3 TEXT,
    v4 TEXT,
    v5 TEXT,
    v6 TEXT,
    v7 TEXT,
    v8 TEXT,
    v9 TEXT,
    v10 TEXT,
    v11 TEXT,
    v12 TEXT,
    v13 TEXT,
    v14 TEXT,
    v15 TEXT,
    v16 TEXT,
    v17 TEXT,
    v18 TEXT,
    v19 TEXT,
    v20 TEXT,
    v21 TEXT,
    v22 TEXT,
    v23 TEXT,
    v24 TEXT,
    v25 TEXT,
    v26 TEXT,
    v27 TEXT,
    v28 TEXT,
    v29 TEXT,
    v30 TEXT,
    v31 TEXT,
    v32 TEXT,
    v33 TEXT,
    v34 TEXT,
    v35 TEXT,
    v36 TEXT,
    v37 TEXT,
    v38 TEXT,
    v39 TEXT,
    v40 TEXT,
    v41 TEXT,
    v42 TEXT,
    v43 TEXT,
    v44 TEXT,
    v45 TEXT,
    v46 TEXT,
    v47 TEXT,
    v48 TEXT,
    v49 TEXT,
    v50 TEXT,
    v51 TEXT,
    v52 TEXT,
    v53 TEXT,
    v54 TEXT,
    v55 TEXT,
    v56 TEXT,
    v57 TEXT,
    v58 TEXT,
    v59 TEXT,
    v60 TEXT,
    v61 TEXT,
    v62 TEXT,
    v63 TEXT,
    v64 TEXT,
    v65 TEXT,
    v66 TEXT,
    v67 TEXT,
    v68 TEXT,
    v69 TEXT,
    v70 TEXT,
    v71 TEXT,
    v72 TEXT,
    v73 TEXT,
    v74 TEXT,
    v75 TEXT,
    v76 TEXT,
    v77 TEXT,
    v78 TEXT,
    v79 TEXT,
    v80 TEXT,
    v81 TEXT,
    v82 TEXT,
    v83 TEXT,
    v84 TEXT,
    v85 TEXT,
    v86 TEXT,
    v87 TEXT,
    v88 TEXT,
    v89 TEXT,
    v90 TEXT,
    v91 TEXT,
    v92 TEXT,
    v93 TEXT,
    v94 TEXT,
    v95 TEXT,
    v96 TEXT,
    v97 TEXT,
    v98 TEXT,
    v99 TEXT
);
CREATE TRIGGER import_files_rows AFTER DELETE ON import_files BEGIN
    DELETE FROM import_rows WHERE id >= (old.id << 32) AND id < ((old.id + 1) << 32);
END;

ALTER TABLE syncs ADD COLUMN kind TEXT NOT NULL DEFAULT 'syncAction';
DROP INDEX syncs_definition;
CREATE INDEX syncs_definition ON syncs (kind, definition_id, status);

-- Import rejects carry the whole row and the columns at fault.
ALTER TABLE sync_rejects ADD COLUMN field_values TEXT;
ALTER TABLE sync_rejects ADD COLUMN invalid_fields TEXT;

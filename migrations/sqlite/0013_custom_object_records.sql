-- Custom object records (Eloqua's custom object data) and their field values.
CREATE TABLE custom_object_records (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id   INTEGER NOT NULL REFERENCES custom_objects (id) ON DELETE CASCADE,
    contact_id  INTEGER,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX custom_object_records_object ON custom_object_records (object_id);
CREATE INDEX custom_object_records_contact ON custom_object_records (contact_id);

CREATE TABLE custom_object_values (
    record_id  INTEGER NOT NULL REFERENCES custom_object_records (id) ON DELETE CASCADE,
    field_id   INTEGER NOT NULL REFERENCES custom_object_fields (id) ON DELETE CASCADE,
    value      TEXT NOT NULL,
    PRIMARY KEY (record_id, field_id)
) WITHOUT ROWID;
CREATE INDEX custom_object_values_field ON custom_object_values (field_id);

-- A deleted contact leaves the records linked to it unlinked, as Eloqua does by default.
CREATE TRIGGER custom_object_records_unlink AFTER DELETE ON contacts BEGIN
    UPDATE custom_object_records SET contact_id = NULL WHERE contact_id = old.id;
END;

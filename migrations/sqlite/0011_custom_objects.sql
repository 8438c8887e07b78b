-- Custom object definitions (Eloqua's REST 2.0 assets/customObject) and their fields.
CREATE TABLE custom_objects (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id                 INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name                    TEXT NOT NULL,
    description             TEXT,
    unique_code_field_id    INTEGER,
    email_address_field_id  INTEGER,
    display_name_field_id   INTEGER,
    created_by              TEXT NOT NULL,
    created_at              INTEGER NOT NULL,
    updated_by              TEXT NOT NULL,
    updated_at              INTEGER NOT NULL
);
CREATE INDEX custom_objects_site ON custom_objects (site_id);

CREATE TABLE custom_object_fields (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    object_id      INTEGER NOT NULL REFERENCES custom_objects (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    internal_name  TEXT NOT NULL,
    data_type      TEXT NOT NULL
);
CREATE INDEX custom_object_fields_object ON custom_object_fields (object_id);

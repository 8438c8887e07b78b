-- The rest of the standard contact fields, and custom fields per site.
ALTER TABLE contacts ADD COLUMN company TEXT;
ALTER TABLE contacts ADD COLUMN title TEXT;
ALTER TABLE contacts ADD COLUMN salutation TEXT;
ALTER TABLE contacts ADD COLUMN bus_phone TEXT;
ALTER TABLE contacts ADD COLUMN mobile_phone TEXT;
ALTER TABLE contacts ADD COLUMN fax TEXT;
ALTER TABLE contacts ADD COLUMN address1 TEXT;
ALTER TABLE contacts ADD COLUMN address2 TEXT;
ALTER TABLE contacts ADD COLUMN address3 TEXT;
ALTER TABLE contacts ADD COLUMN city TEXT;
ALTER TABLE contacts ADD COLUMN state_prov TEXT;
ALTER TABLE contacts ADD COLUMN zip_postal TEXT;
ALTER TABLE contacts ADD COLUMN country TEXT;

CREATE TABLE contact_custom_fields (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    internal_name TEXT NOT NULL,
    name          TEXT NOT NULL,
    data_type     TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX contact_custom_fields_name ON contact_custom_fields (site_id, internal_name COLLATE NOCASE);
-- Custom field ids start at 100200, above the standard ones.
INSERT INTO sqlite_sequence (name, seq) VALUES ('contact_custom_fields', 100199);

CREATE TABLE contact_custom_values (
    field_id   INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (field_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX contact_custom_values_contact ON contact_custom_values (contact_id);

DROP TRIGGER contacts_cascade;
CREATE TRIGGER contacts_cascade AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_list_members WHERE contact_id = old.id;
    DELETE FROM email_group_subscriptions WHERE contact_id = old.id;
    DELETE FROM appcloud_members WHERE contact_id = old.id;
    DELETE FROM contact_custom_values WHERE contact_id = old.id;
END;
CREATE TRIGGER contact_custom_fields_cascade AFTER DELETE ON contact_custom_fields BEGIN
    DELETE FROM contact_custom_values WHERE field_id = old.id;
END;

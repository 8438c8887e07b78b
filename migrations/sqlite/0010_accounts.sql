-- Accounts (Eloqua's companies): the standard account fields as columns, custom account
-- fields and their values beside them, as for contacts.
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    company_name    TEXT,
    address1        TEXT,
    address2        TEXT,
    address3        TEXT,
    city            TEXT,
    state_prov      TEXT,
    zip_postal      TEXT,
    country         TEXT,
    business_phone  TEXT,
    fax             TEXT,
    industry        TEXT,
    revenue         TEXT,
    company_id_ext  TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX accounts_name ON accounts (site_id, company_name);
CREATE INDEX accounts_ext ON accounts (site_id, company_id_ext);

CREATE TABLE account_custom_fields (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    internal_name TEXT NOT NULL,
    name          TEXT NOT NULL,
    data_type     TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX account_custom_fields_name ON account_custom_fields (site_id, internal_name COLLATE NOCASE);
-- Custom field ids start at 100200, above the standard ones.
INSERT INTO sqlite_sequence (name, seq) VALUES ('account_custom_fields', 100199);

CREATE TABLE account_custom_values (
    field_id   INTEGER NOT NULL,
    account_id INTEGER NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (field_id, account_id)
) WITHOUT ROWID;
CREATE INDEX account_custom_values_account ON account_custom_values (account_id);

-- Values go with their account and their field.
CREATE TRIGGER accounts_cascade AFTER DELETE ON accounts BEGIN
    DELETE FROM account_custom_values WHERE account_id = old.id;
END;
CREATE TRIGGER account_custom_fields_cascade AFTER DELETE ON account_custom_fields BEGIN
    DELETE FROM account_custom_values WHERE field_id = old.id;
END;

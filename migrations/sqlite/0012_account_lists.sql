-- Account lists (`{{AccountList[id]}}`), shaped as contact lists so one set of statements
-- serves both; members carry no foreign-key checks, triggers keep the cascades.
CREATE TABLE account_lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    scope       TEXT NOT NULL DEFAULT 'local',
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX account_lists_site ON account_lists (site_id);

CREATE TABLE account_list_members (
    list_id     INTEGER NOT NULL,
    account_id  INTEGER NOT NULL,
    PRIMARY KEY (list_id, account_id)
) WITHOUT ROWID;
CREATE INDEX account_list_members_account ON account_list_members (account_id);

CREATE TRIGGER account_lists_cascade AFTER DELETE ON account_lists BEGIN
    DELETE FROM account_list_members WHERE list_id = old.id;
END;
CREATE TRIGGER account_list_members_cascade AFTER DELETE ON accounts BEGIN
    DELETE FROM account_list_members WHERE account_id = old.id;
END;

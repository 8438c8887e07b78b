-- Sites (Eloqua instances), their users and the credentials that authenticate them.
CREATE TABLE sites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX sites_name ON sites (name COLLATE NOCASE);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    display_name  TEXT,
    email_address TEXT,
    api_access    INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_login ON users (site_id, username COLLATE NOCASE);

CREATE TABLE oauth_clients (
    client_id   TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Access and refresh tokens, stored as SHA-256 digests of the token text.
CREATE TABLE oauth_tokens (
    token_hash  TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id   TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX oauth_tokens_user ON oauth_tokens (user_id);

-- Contacts and the containers sync actions point at.
CREATE TABLE contacts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id             INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    email_address       TEXT NOT NULL,
    contact_id_ext      TEXT,
    first_name          TEXT,
    last_name           TEXT,
    is_subscribed       INTEGER NOT NULL DEFAULT 1,
    is_bounced          INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX contacts_email ON contacts (site_id, email_address COLLATE NOCASE);
CREATE INDEX contacts_ext ON contacts (site_id, contact_id_ext);

CREATE TABLE contact_lists (
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
CREATE INDEX contact_lists_site ON contact_lists (site_id);

CREATE TABLE contact_list_members (
    list_id     INTEGER NOT NULL REFERENCES contact_lists (id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX contact_list_members_contact ON contact_list_members (contact_id);

CREATE TABLE email_groups (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    display_name  TEXT,
    description   TEXT,
    is_visible_in_public_subscription_list INTEGER NOT NULL DEFAULT 0,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX email_groups_site ON email_groups (site_id);

CREATE TABLE email_group_subscriptions (
    group_id      INTEGER NOT NULL REFERENCES email_groups (id) ON DELETE CASCADE,
    contact_id    INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    is_subscribed INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (group_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX email_group_subscriptions_contact ON email_group_subscriptions (contact_id);

-- AppCloud service instances (by GUID, 32 lowercase hex digits) and their executions.
CREATE TABLE appcloud_instances (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    guid        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('action', 'decision', 'feeder')),
    name        TEXT,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX appcloud_instances_guid ON appcloud_instances (site_id, guid);

CREATE TABLE appcloud_executions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id INTEGER NOT NULL REFERENCES appcloud_instances (id) ON DELETE CASCADE,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX appcloud_executions_instance ON appcloud_executions (instance_id);

-- A contact in an execution (or in a feeder instance when execution_id is 0) and its status.
CREATE TABLE appcloud_members (
    instance_id  INTEGER NOT NULL REFERENCES appcloud_instances (id) ON DELETE CASCADE,
    execution_id INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (instance_id, execution_id, contact_id)
) WITHOUT ROWID;

-- Sync action definitions; actions are kept as the JSON the client sent (validated).
CREATE TABLE sync_action_definitions (
    id                          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id                     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    record_type                 TEXT NOT NULL DEFAULT 'contacts',
    name                        TEXT NOT NULL,
    field_column                TEXT NOT NULL,
    field_statement             TEXT NOT NULL,
    identifier_field_name       TEXT NOT NULL,
    sync_actions                TEXT NOT NULL,
    is_sync_triggered_on_import INTEGER NOT NULL,
    auto_delete_duration        TEXT,
    auto_delete_seconds         INTEGER,
    kb_used                     INTEGER NOT NULL DEFAULT 0,
    created_by                  TEXT NOT NULL,
    created_at                  INTEGER NOT NULL,
    updated_by                  TEXT NOT NULL,
    updated_at                  INTEGER NOT NULL
);
CREATE INDEX sync_action_definitions_site ON sync_action_definitions (site_id);

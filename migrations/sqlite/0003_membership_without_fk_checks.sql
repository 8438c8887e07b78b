-- Membership tables take millions of rows per sync. Foreign-key checks cost two extra
-- lookups per inserted row, and every writer already guarantees the references (the engine
-- joins contacts of the site; the REST API checks ids), so the tables drop their foreign keys
-- and triggers keep the cascades.

CREATE TABLE contact_list_members_new (
    list_id     INTEGER NOT NULL,
    contact_id  INTEGER NOT NULL,
    PRIMARY KEY (list_id, contact_id)
) WITHOUT ROWID;
INSERT INTO contact_list_members_new SELECT list_id, contact_id FROM contact_list_members;
DROP TABLE contact_list_members;
ALTER TABLE contact_list_members_new RENAME TO contact_list_members;
CREATE INDEX contact_list_members_contact ON contact_list_members (contact_id);

CREATE TABLE email_group_subscriptions_new (
    group_id      INTEGER NOT NULL,
    contact_id    INTEGER NOT NULL,
    is_subscribed INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (group_id, contact_id)
) WITHOUT ROWID;
INSERT INTO email_group_subscriptions_new SELECT group_id, contact_id, is_subscribed, updated_at FROM email_group_subscriptions;
DROP TABLE email_group_subscriptions;
ALTER TABLE email_group_subscriptions_new RENAME TO email_group_subscriptions;
CREATE INDEX email_group_subscriptions_contact ON email_group_subscriptions (contact_id);

CREATE TABLE appcloud_members_new (
    instance_id  INTEGER NOT NULL,
    execution_id INTEGER NOT NULL,
    contact_id   INTEGER NOT NULL,
    status       TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (instance_id, execution_id, contact_id)
) WITHOUT ROWID;
INSERT INTO appcloud_members_new SELECT instance_id, execution_id, contact_id, status, updated_at FROM appcloud_members;
DROP TABLE appcloud_members;
ALTER TABLE appcloud_members_new RENAME TO appcloud_members;
CREATE INDEX appcloud_members_contact ON appcloud_members (contact_id);

CREATE TRIGGER contacts_cascade AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_list_members WHERE contact_id = old.id;
    DELETE FROM email_group_subscriptions WHERE contact_id = old.id;
    DELETE FROM appcloud_members WHERE contact_id = old.id;
END;
CREATE TRIGGER contact_lists_cascade AFTER DELETE ON contact_lists BEGIN
    DELETE FROM contact_list_members WHERE list_id = old.id;
END;
CREATE TRIGGER email_groups_cascade AFTER DELETE ON email_groups BEGIN
    DELETE FROM email_group_subscriptions WHERE group_id = old.id;
END;
CREATE TRIGGER appcloud_instances_cascade AFTER DELETE ON appcloud_instances BEGIN
    DELETE FROM appcloud_members WHERE instance_id = old.id;
END;

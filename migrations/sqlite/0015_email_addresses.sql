-- Email addresses an email address import (`/emailAddresses/imports`) recorded, with or
-- without a contact: every present and future contact with the address follows their
-- global unsubscribe and bounceback.
CREATE TABLE email_addresses (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    address         TEXT NOT NULL COLLATE NOCASE,
    is_unsubscribed INTEGER NOT NULL DEFAULT 0,
    is_bounced      INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX email_addresses_address ON email_addresses (site_id, address);

-- A contact created with a recorded address, or given one, starts unsubscribed or bounced
-- as the address is, whichever path wrote it (REST, imports, the command line).
CREATE TRIGGER contacts_follow_address_on_update AFTER UPDATE OF email_address ON contacts
WHEN EXISTS (SELECT 1 FROM email_addresses e WHERE e.site_id = new.site_id
             AND e.address = new.email_address AND (e.is_unsubscribed OR e.is_bounced))
BEGIN
    UPDATE contacts SET
        is_subscribed = is_subscribed AND NOT (SELECT e.is_unsubscribed FROM email_addresses e
            WHERE e.site_id = new.site_id AND e.address = new.email_address),
        is_bounced = is_bounced OR (SELECT e.is_bounced FROM email_addresses e
            WHERE e.site_id = new.site_id AND e.address = new.email_address)
    WHERE id = new.id;
END;
-- An insert rewrites the address so the trigger above applies it (a trigger may fire another).
CREATE TRIGGER contacts_follow_address_on_insert AFTER INSERT ON contacts
WHEN EXISTS (SELECT 1 FROM email_addresses e WHERE e.site_id = new.site_id
             AND e.address = new.email_address AND (e.is_unsubscribed OR e.is_bounced))
BEGIN
    UPDATE contacts SET email_address = new.email_address WHERE id = new.id;
END;

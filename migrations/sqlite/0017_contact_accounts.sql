-- The account a contact belongs to (`{{Contact.Account.Field(…)}}`), set by imports that link
-- contacts by company name or external id. Indexed only where set, so contacts without an
-- account (most, and every new one an import of people creates) cost the index nothing.
ALTER TABLE contacts ADD COLUMN account_id INTEGER;
CREATE INDEX contacts_account ON contacts (account_id) WHERE account_id IS NOT NULL;

-- A deleted account leaves its contacts unlinked.
CREATE TRIGGER contacts_unlink_account AFTER DELETE ON accounts BEGIN
    UPDATE contacts SET account_id = NULL WHERE account_id = old.id;
END;

-- The account a contact belongs to (`{{Contact.Account.Field(…)}}`), set by imports that link
-- contacts by company name or external id. Indexed only where set, so contacts without an
-- account (most, and every new one an import of people creates) cost the index nothing.
ALTER TABLE contacts ADD COLUMN account_id BIGINT;
CREATE INDEX contacts_account ON contacts (account_id) WHERE account_id IS NOT NULL;

-- A deleted account leaves its contacts unlinked.
CREATE FUNCTION contacts_unlink_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contacts SET account_id = NULL WHERE account_id = OLD.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_unlink_account AFTER DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION contacts_unlink_account();

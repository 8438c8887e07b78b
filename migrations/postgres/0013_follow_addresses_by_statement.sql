-- New contacts follow recorded email addresses (0010) per statement instead of per row: one
-- join of the rows an INSERT wrote with `email_addresses` (skipped while no address is
-- recorded) rather than a PL/pgSQL call for every contact an import creates. As on SQLite,
-- an inserted contact takes its address's unsubscribe and bounceback through an update of its
-- own row, which records the activities (0011). A contact whose address changes still follows
-- it row by row, before the update, as 0010 set up (updates name the column; inserts are the
-- bulk path).
DROP TRIGGER contacts_follow_address ON contacts;

CREATE OR REPLACE FUNCTION contacts_follow_address() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unsubscribed BOOLEAN;
    bounced BOOLEAN;
BEGIN
    SELECT e.is_unsubscribed, e.is_bounced INTO unsubscribed, bounced FROM email_addresses e
     WHERE e.site_id = NEW.site_id AND lower(e.address) = lower(NEW.email_address);
    IF FOUND THEN
        NEW.is_subscribed := NEW.is_subscribed AND NOT unsubscribed;
        NEW.is_bounced := NEW.is_bounced OR bounced;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER contacts_follow_address BEFORE UPDATE OF email_address ON contacts
    FOR EACH ROW EXECUTE FUNCTION contacts_follow_address();

CREATE FUNCTION contacts_follow_addresses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM email_addresses) THEN
        RETURN NULL;
    END IF;
    UPDATE contacts c
       SET is_subscribed = c.is_subscribed AND NOT e.is_unsubscribed,
           is_bounced = c.is_bounced OR e.is_bounced
      FROM written w
      JOIN email_addresses e ON e.site_id = w.site_id AND lower(e.address) = lower(w.email_address)
     WHERE c.id = w.id
       AND ((c.is_subscribed AND e.is_unsubscribed) OR (e.is_bounced AND NOT c.is_bounced));
    RETURN NULL;
END
$$;
CREATE TRIGGER contacts_follow_addresses AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_follow_addresses();

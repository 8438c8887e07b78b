-- Activities (`/activities/exports`): the Subscribe, Unsubscribe and Bounceback activities
-- Loquat's own changes cause, recorded here by triggers whatever path made the change (sync
-- actions, imports, REST, email address imports), and any a test suite adds. One column per
-- activity field of every type (`src/domain/activity.rs` names them), all text but the keys.
CREATE TABLE activities (
    id                              INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id                         INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    activity_type                   TEXT NOT NULL,
    created_at                      INTEGER NOT NULL,
    email_address                   TEXT,
    contact_id                      INTEGER,
    ip_address                      TEXT,
    visitor_id                      TEXT,
    email_recipient_id              TEXT,
    asset_type                      TEXT,
    asset_name                      TEXT,
    asset_id                        TEXT,
    subject_line                    TEXT,
    email_web_link                  TEXT,
    email_clicked_thru_link         TEXT,
    visitor_external_id             TEXT,
    campaign_id                     TEXT,
    external_id                     TEXT,
    deployment_id                   TEXT,
    email_send_type                 TEXT,
    campaign_response_date          TEXT,
    campaign_response_member_status TEXT,
    crm_campaign_id                 TEXT,
    campaign_name                   TEXT,
    smtp_error_code                 TEXT,
    smtp_status_code                TEXT,
    smtp_message                    TEXT,
    referrer_url                    TEXT,
    number_of_pages                 TEXT,
    first_page_view_url             TEXT,
    duration                        TEXT,
    web_visit_id                    TEXT,
    url                             TEXT,
    is_web_tracking_opted_in        TEXT,
    raw_data                        TEXT
);
CREATE INDEX activities_type ON activities (site_id, activity_type COLLATE NOCASE, id);

-- A contact's global subscription changing (including a contact created with an address an
-- email address import unsubscribed, whose insert sets it through the triggers of 0015).
CREATE TRIGGER activities_global_subscription AFTER UPDATE OF is_subscribed ON contacts
WHEN old.is_subscribed <> new.is_subscribed
BEGIN
    INSERT INTO activities (site_id, activity_type, created_at, email_address, contact_id, asset_type, asset_name)
    VALUES (new.site_id, CASE WHEN new.is_subscribed THEN 'Subscribe' ELSE 'Unsubscribe' END,
            new.updated_at, new.email_address, new.id, 'Global Subscription', 'Global Subscription');
END;

CREATE TRIGGER activities_bounceback AFTER UPDATE OF is_bounced ON contacts
WHEN new.is_bounced AND NOT old.is_bounced
BEGIN
    INSERT INTO activities (site_id, activity_type, created_at, email_address, contact_id)
    VALUES (new.site_id, 'Bounceback', new.updated_at, new.email_address, new.id);
END;

-- A contact's subscription to an email group: set for the first time, or changed.
CREATE TRIGGER activities_group_subscription_set AFTER INSERT ON email_group_subscriptions
BEGIN
    INSERT INTO activities (site_id, activity_type, created_at, email_address, contact_id, asset_type, asset_id, asset_name)
    SELECT c.site_id, CASE WHEN new.is_subscribed THEN 'Subscribe' ELSE 'Unsubscribe' END,
           new.updated_at, c.email_address, c.id, 'Email Group', new.group_id, g.name
    FROM contacts c JOIN email_groups g ON g.id = new.group_id WHERE c.id = new.contact_id;
END;
CREATE TRIGGER activities_group_subscription_changed AFTER UPDATE OF is_subscribed ON email_group_subscriptions
WHEN old.is_subscribed <> new.is_subscribed
BEGIN
    INSERT INTO activities (site_id, activity_type, created_at, email_address, contact_id, asset_type, asset_id, asset_name)
    SELECT c.site_id, CASE WHEN new.is_subscribed THEN 'Subscribe' ELSE 'Unsubscribe' END,
           new.updated_at, c.email_address, c.id, 'Email Group', new.group_id, g.name
    FROM contacts c JOIN email_groups g ON g.id = new.group_id WHERE c.id = new.contact_id;
END;

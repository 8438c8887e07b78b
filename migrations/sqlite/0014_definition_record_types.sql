-- Import and export definitions belong to a record type (`/contacts/imports`,
-- `/accounts/exports`, …) as sync action definitions do: its Bulk path segment. Every
-- definition before this migration is a contact's.
ALTER TABLE import_definitions ADD COLUMN record_type TEXT NOT NULL DEFAULT 'contacts';
ALTER TABLE export_definitions ADD COLUMN record_type TEXT NOT NULL DEFAULT 'contacts';

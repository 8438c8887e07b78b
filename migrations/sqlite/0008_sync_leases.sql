-- A running sync is held under a lease: `attempt` counts claims and fences every write of the
-- run (a run whose sync was claimed again finds its attempt outdated and stops), and
-- `lease_expires_at` tells when the sync may be claimed again because its holder stopped.
ALTER TABLE syncs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE syncs ADD COLUMN lease_owner TEXT;
ALTER TABLE syncs ADD COLUMN lease_expires_at INTEGER;

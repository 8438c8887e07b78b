-- The liveness key of the node holding an active sync: the key of a session-level advisory
-- lock that node holds on a connection of its own for as long as it lives. PostgreSQL drops
-- the lock when that session ends (the node died, or lost its connection), and from then on
-- the sync may be claimed without waiting for `lease_expires_at`. NULL for syncs claimed
-- before this migration: they are held by their lease alone.
ALTER TABLE syncs ADD COLUMN lease_key BIGINT;

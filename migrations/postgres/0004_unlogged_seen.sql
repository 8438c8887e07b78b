-- The contacts a running sync has matched are scratch of that run: only it reads them, and a
-- database crash or failover fails the run, which then starts again from its first batch with
-- its rows cleared (as `import_new`). Unlogged, they cost no WAL. A batch reads back the
-- contacts it claimed from its own temporary table, so the index by first record goes.
DROP INDEX IF EXISTS sync_seen_first;
ALTER TABLE sync_seen SET UNLOGGED;

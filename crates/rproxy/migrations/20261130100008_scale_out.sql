-- For several instances on one database (the PostgreSQL store has the same columns): a
-- queued call claimed by an instance carries its lease; an expired lease is handed back.
-- A single SQLite instance leaves them NULL (nothing to reap).
ALTER TABLE queue ADD COLUMN lease_owner TEXT;
ALTER TABLE queue ADD COLUMN lease_until INTEGER;
CREATE INDEX queue_leases ON queue (state, lease_until);
CREATE TABLE instances (
    id           TEXT    PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    rcd          TEXT    NOT NULL DEFAULT '',
    load         INTEGER NOT NULL DEFAULT 0
);

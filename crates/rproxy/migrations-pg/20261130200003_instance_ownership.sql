-- In step with SQLite's 20261130100010: group leases and the instance running each rcd job.
ALTER TABLE queue_groups ADD COLUMN owner TEXT;
ALTER TABLE queue_groups ADD COLUMN lease_until BIGINT;
ALTER TABLE jobs ADD COLUMN instance TEXT;
ALTER TABLE jobs ADD COLUMN snapshot TEXT;
CREATE INDEX queue_groups_leases ON queue_groups (lease_until);

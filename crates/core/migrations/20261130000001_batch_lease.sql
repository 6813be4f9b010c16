-- One runner per batch across processes (the app, `rcmd batch`, a cron job): the runner
-- holds a lease it renews with a heartbeat; a lease whose heartbeat is older than its
-- timeout may be taken over.
ALTER TABLE batches ADD COLUMN lease_owner TEXT;        -- random id of the runner
ALTER TABLE batches ADD COLUMN lease_host TEXT;
ALTER TABLE batches ADD COLUMN lease_pid INTEGER;
ALTER TABLE batches ADD COLUMN lease_heartbeat INTEGER; -- unix ms of the last renewal
ALTER TABLE batches ADD COLUMN lease_timeout INTEGER;   -- ms after which the lease is stale

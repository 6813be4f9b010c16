-- Several instances on one database: a queued group is run by the instance holding its lease
-- (renewed while it runs; an expired lease, or an owner that is gone, hands it to another);
-- an rcd job belongs to the instance whose rclone runs it, which keeps a snapshot of its
-- status here so any instance can answer job/status for it.
ALTER TABLE queue_groups ADD COLUMN owner TEXT;
ALTER TABLE queue_groups ADD COLUMN lease_until INTEGER;
ALTER TABLE jobs ADD COLUMN instance TEXT;
ALTER TABLE jobs ADD COLUMN snapshot TEXT;
CREATE INDEX queue_groups_leases ON queue_groups (lease_until);

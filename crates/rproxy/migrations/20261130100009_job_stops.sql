-- `job/stop` for a job another instance runs: the request is a row; the instance running the
-- job takes it (woken by NOTIFY on PostgreSQL, else by its poll) and stops the job there.
CREATE TABLE job_stops (
    job_id       INTEGER PRIMARY KEY,
    requested_at INTEGER NOT NULL,              -- unix ms
    requested_by TEXT    NOT NULL DEFAULT ''    -- the instance that was asked
);

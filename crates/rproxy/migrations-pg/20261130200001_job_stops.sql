-- `job/stop` for a job another instance runs (same as the SQLite migration ..09).
CREATE TABLE job_stops (
    job_id       BIGINT PRIMARY KEY,
    requested_at BIGINT NOT NULL,
    requested_by TEXT   NOT NULL DEFAULT ''
);

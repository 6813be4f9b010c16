-- rproxy's own job ids: stable when rcd restarts (its ids restart at 1) and when rproxy
-- restarts; finished jobs stay queryable.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    path        TEXT    NOT NULL,               -- the RC path that started it
    rcd_jobid   INTEGER,                        -- rcd's id, while rcd runs it
    execute_id  TEXT,                           -- the rcd process that runs it
    final       TEXT,                           -- job/status reply once finished (JSON)
    created_at  INTEGER NOT NULL
);
CREATE INDEX jobs_by_user ON jobs (user_id, id);

CREATE TABLE meta (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);

-- The durable queue of per-file calls (operations/copyfile, operations/movefile). A call is a
-- row before it is accepted; rows are grouped, and each group becomes one engine batch whose
-- origin is "rproxy-queue/<group id>", so a crash between the two never makes a second batch.
CREATE TABLE queue_groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,               -- copy | move
    src_root    TEXT    NOT NULL,               -- remote:path
    dst_root    TEXT    NOT NULL,
    batch_id    INTEGER,                        -- the engine batch, once created
    direct      INTEGER NOT NULL DEFAULT 0,     -- 1: few calls, sent to rcd one by one
    created_at  INTEGER NOT NULL
);

CREATE TABLE queue (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    job_id      INTEGER,                        -- rproxy job id of an _async call
    kind        TEXT    NOT NULL,               -- copy | move
    src_root    TEXT    NOT NULL,
    dst_root    TEXT    NOT NULL,
    item        TEXT    NOT NULL,               -- path below both roots
    input       TEXT    NOT NULL,               -- the call's parameters (JSON), for error replies
    group_id    INTEGER REFERENCES queue_groups(id),
    state       TEXT    NOT NULL,               -- queued | running | done | failed
    error       TEXT,
    error_status INTEGER,                       -- HTTP status of the failure (rcd's)
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX queue_waiting ON queue (state, id);
CREATE INDEX queue_by_roots ON queue (state, kind, src_root, dst_root, id);
CREATE INDEX queue_by_job ON queue (job_id);
CREATE INDEX queue_by_group ON queue (group_id);

-- jobs of queued calls have no rcd id until they finish
ALTER TABLE jobs ADD COLUMN queued INTEGER NOT NULL DEFAULT 0;

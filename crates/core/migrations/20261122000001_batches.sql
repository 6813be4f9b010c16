-- Batches of file operations with durable per-item checkpoints. Append-only: change the
-- schema with a new migration file, never by editing this one.

CREATE TABLE batches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,               -- copy | move | delete
    src         TEXT    NOT NULL,               -- remote:path root of the items
    dst         TEXT,                           -- remote:path root (copy, move)
    status      TEXT    NOT NULL,               -- queued | running | paused | completed | completed_with_errors | failed | cancelled
    pause_reason TEXT,
    created_at  INTEGER NOT NULL,               -- unix ms
    updated_at  INTEGER NOT NULL
);

CREATE TABLE items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id    INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    path        TEXT    NOT NULL,               -- relative to the batch's roots
    size        INTEGER NOT NULL,               -- bytes at planning time, -1 unknown
    mod_time    TEXT    NOT NULL,               -- RFC 3339 at planning time
    state       TEXT    NOT NULL,               -- pending | running | done | failed | skipped
    attempts    INTEGER NOT NULL DEFAULT 0,     -- times it was handed to rclone
    chunk       INTEGER,                        -- chunk that holds it while running
    bytes       INTEGER NOT NULL DEFAULT 0,     -- bytes moved for it
    failure_class  TEXT,
    failure_reason TEXT,
    last_error  TEXT,
    retryable   INTEGER NOT NULL DEFAULT 0,
    not_before  INTEGER NOT NULL DEFAULT 0,     -- unix ms: retry queue backoff
    UNIQUE (batch_id, path)
);
CREATE INDEX items_by_state ON items (batch_id, state, not_before);

CREATE TABLE batch_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id    INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE INDEX batch_events_by_batch ON batch_events (batch_id, id);

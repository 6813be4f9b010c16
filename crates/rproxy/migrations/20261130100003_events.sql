-- Durable events for the SSE stream: their id is the SSE id, so a client that reconnects
-- with Last-Event-ID gets exactly what it missed.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,               -- unix ms
    kind        TEXT    NOT NULL,               -- job_started | job_finished | rcd_state
    user_id     INTEGER,                        -- who may see it (and admins); NULL: everyone
    data        TEXT    NOT NULL                -- JSON
);

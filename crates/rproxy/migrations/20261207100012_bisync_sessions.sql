-- One unfinished run per two-way pair across instances: a pair's session (a hash of its
-- sides and filter) is held by the batch running it (0 while the batch is being made).
CREATE TABLE bisync_sessions (
    session TEXT PRIMARY KEY,
    batch_id INTEGER NOT NULL,
    store INTEGER,
    user_id INTEGER NOT NULL,
    at INTEGER NOT NULL
);

-- One unfinished run per two-way pair across instances (see the SQLite migration of the
-- same name).
CREATE TABLE bisync_sessions (
    session TEXT PRIMARY KEY,
    batch_id BIGINT NOT NULL,
    store BIGINT,
    user_id BIGINT NOT NULL,
    at BIGINT NOT NULL
);

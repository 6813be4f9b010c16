-- Server batches with several instances: each instance's engine store takes its own range of
-- batch ids (store n: ids above n << 32), so ids never meet in batch_owners; the instance
-- that runs a batch keeps its report here for the others to answer with, and takes the
-- pause/resume/cancel/retry requests asked for it on other instances.
CREATE TABLE batch_stores (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at  INTEGER NOT NULL
);
ALTER TABLE batch_owners ADD COLUMN store INTEGER;       -- NULL: created before stores
ALTER TABLE batch_owners ADD COLUMN snapshot TEXT;       -- the batch's report (JSON)
CREATE TABLE batch_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id     INTEGER NOT NULL,
    store        INTEGER NOT NULL,
    verb         TEXT    NOT NULL,                       -- pause | resume | cancel | retry
    requested_at INTEGER NOT NULL
);
CREATE INDEX batch_requests_by_store ON batch_requests (store, id);

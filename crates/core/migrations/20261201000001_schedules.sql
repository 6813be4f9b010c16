-- Scheduled batches. `checked_until` (unix ms) is how far their due times are handled: a
-- process moves it forward with a compare-and-set, so two processes on one database (the app
-- and `rcmd schedule run-due` from a system timer) never handle the same span twice.
CREATE TABLE schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    cron TEXT NOT NULL,
    kind TEXT NOT NULL,
    src TEXT NOT NULL,
    dst TEXT,
    overlap TEXT NOT NULL DEFAULT 'skip',
    catch_up INTEGER NOT NULL DEFAULT 1,
    enabled INTEGER NOT NULL DEFAULT 1,
    checked_until INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);

-- One row per due time that was started, missed, skipped, waited or failed: nothing is dropped
-- silently. UNIQUE: a due time is started once, whichever process gets there first.
CREATE TABLE schedule_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    due_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    batch_id INTEGER,
    detail TEXT,
    at_ms INTEGER NOT NULL,
    UNIQUE (schedule_id, due_ms)
);
CREATE INDEX schedule_runs_latest ON schedule_runs (schedule_id, due_ms DESC);

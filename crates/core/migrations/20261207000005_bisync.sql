-- Two-way sync pairs (rclone bisync). `spec` is the JSON of PairSpec; `state` new | ready |
-- locked_out (only a previewed resync leaves locked_out). A pair's runs are batches of kind
-- bisync; each run's report is kept in `bisync_runs`. Append-only: a new file for the next
-- change.
CREATE TABLE bisync_pairs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'new',
    detail TEXT,
    last_batch INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);

-- The run a bisync batch stands for (JSON of the run's settings: the pair as it was, the
-- resync mode, the backup folders) and, once it ended, its report (JSON of BisyncReport).
CREATE TABLE bisync_runs (
    batch_id INTEGER PRIMARY KEY REFERENCES batches (id) ON DELETE CASCADE,
    pair_id INTEGER,
    run TEXT NOT NULL,
    report TEXT
);
CREATE INDEX bisync_runs_by_pair ON bisync_runs (pair_id, batch_id DESC);

-- A schedule of kind bisync runs this pair.
ALTER TABLE schedules ADD COLUMN pair_id INTEGER;
-- Watch mode (JSON of WatchTrigger; NULL: runs by the clock only).
ALTER TABLE schedules ADD COLUMN watch TEXT;

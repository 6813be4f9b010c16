-- Flags are booleans on PostgreSQL (SQLite keeps 0/1 integers, which it reads as booleans):
-- the same SQL (`WHERE queued`, `NOT direct`, binding a bool) works on both.
ALTER TABLE jobs ALTER COLUMN queued DROP DEFAULT;
ALTER TABLE jobs ALTER COLUMN queued TYPE BOOLEAN USING queued <> 0;
ALTER TABLE jobs ALTER COLUMN queued SET DEFAULT FALSE;
ALTER TABLE queue_groups ALTER COLUMN direct DROP DEFAULT;
ALTER TABLE queue_groups ALTER COLUMN direct TYPE BOOLEAN USING direct <> 0;
ALTER TABLE queue_groups ALTER COLUMN direct SET DEFAULT FALSE;

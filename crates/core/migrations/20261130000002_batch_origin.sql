-- A batch created on behalf of another system (rproxy's queue) carries that system's key, so
-- creating it again after a crash finds the first one instead of making a second batch.
ALTER TABLE batches ADD COLUMN origin TEXT;
CREATE UNIQUE INDEX batches_by_origin ON batches (origin) WHERE origin IS NOT NULL;

-- What a copy or move does with files that exist at the destination: the policy the user
-- chose (update | overwrite | skip; NULL for batches made before this, which overwrote), and
-- the check its jobs run with (update | skip; NULL: none).
ALTER TABLE batches ADD COLUMN on_conflict TEXT;
ALTER TABLE batches ADD COLUMN guard TEXT;

-- Sync batches (a compare's rows run as one batch): each item's direction, and the folder
-- its delete may leave empty; the batch's backup places. NULL for copy, move and delete
-- batches. Append-only: a new file for the next change.
ALTER TABLE items ADD COLUMN action TEXT;    -- right | left | delete_right | delete_left
ALTER TABLE items ADD COLUMN prune TEXT;     -- folder (relative to the side's root) removed once empty
ALTER TABLE batches ADD COLUMN sync TEXT;    -- JSON {"backup_left": "remote:path"|null, "backup_right": ...}

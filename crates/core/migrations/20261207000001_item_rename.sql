-- An item copied (or moved) under another name at the destination (the conflict answer
-- "rename the copy"): its path there, relative to the batch's destination root. NULL: the
-- same path as at the source. Append-only: a new file for the next change.
ALTER TABLE items ADD COLUMN dst_path TEXT;

-- Folders (relative to the source, JSON array; "" = the source itself, kept) that a move or
-- delete removes once empty after every item succeeded: part of the batch, so every front end
-- does it and a restart does not forget it.
ALTER TABLE batches ADD COLUMN cleanup TEXT;

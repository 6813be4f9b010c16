-- A scheduled sync's filter, delete guard and backups (JSON of ScheduledSync); NULL for
-- copies and moves. Append-only: a new file for the next change.
ALTER TABLE schedules ADD COLUMN sync TEXT;

-- What a schedule's copy or move does with files that exist at the destination (update |
-- overwrite | skip); existing schedules get the safe default.
ALTER TABLE schedules ADD COLUMN on_conflict TEXT NOT NULL DEFAULT 'update';

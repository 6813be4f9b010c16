-- Batches run on the server for a user (rproxy/batch/create): who owns each engine batch.
-- The queue's own batches have no row here.
CREATE TABLE batch_owners (
    batch_id    INTEGER PRIMARY KEY,            -- the engine's batch id
    user_id     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL                -- unix ms
);
CREATE INDEX batch_owners_by_user ON batch_owners (user_id, batch_id);

-- In step with SQLite's 20261130100011: id ranges per engine store, batch reports and
-- requests for the instance that runs a batch.
CREATE TABLE batch_stores (
    id          BIGSERIAL PRIMARY KEY,
    created_at  BIGINT NOT NULL
);
ALTER TABLE batch_owners ADD COLUMN store BIGINT;
ALTER TABLE batch_owners ADD COLUMN snapshot TEXT;
CREATE TABLE batch_requests (
    id           BIGSERIAL PRIMARY KEY,
    batch_id     BIGINT NOT NULL,
    store        BIGINT NOT NULL,
    verb         TEXT   NOT NULL,
    requested_at BIGINT NOT NULL
);
CREATE INDEX batch_requests_by_store ON batch_requests (store, id);

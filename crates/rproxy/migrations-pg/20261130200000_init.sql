-- rproxy's store on PostgreSQL, for several instances sharing one database. The same tables
-- and columns as the SQLite migrations (tests/schema_parity.rs checks it); append-only from
-- here, each change made in both dialects. Times are unix ms.
CREATE TABLE users (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    role        TEXT    NOT NULL,
    remotes     TEXT    NOT NULL DEFAULT '',
    secret_hash TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE jobs (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT  NOT NULL,
    path        TEXT    NOT NULL,
    rcd_jobid   BIGINT,
    execute_id  TEXT,
    final       TEXT,
    created_at  BIGINT  NOT NULL,
    queued      BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_user ON jobs (user_id, id);

CREATE TABLE meta (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);

CREATE TABLE audit (
    id          BIGSERIAL PRIMARY KEY,
    at          BIGINT  NOT NULL,
    "user"      TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    remote      TEXT,
    status      BIGINT  NOT NULL
);
CREATE INDEX audit_by_time ON audit (at);

-- ids come from the database, so a client's Last-Event-ID means the same on every instance
CREATE TABLE events (
    id          BIGSERIAL PRIMARY KEY,
    at          BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
    user_id     BIGINT,
    data        TEXT    NOT NULL
);

CREATE TABLE queue_groups (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT    NOT NULL,
    src_root    TEXT    NOT NULL,
    dst_root    TEXT    NOT NULL,
    batch_id    BIGINT,
    direct      BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE queue (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT  NOT NULL,
    job_id      BIGINT,
    kind        TEXT    NOT NULL,
    src_root    TEXT    NOT NULL,
    dst_root    TEXT    NOT NULL,
    item        TEXT    NOT NULL,
    input       TEXT    NOT NULL,
    group_id    BIGINT REFERENCES queue_groups(id),
    state       TEXT    NOT NULL,
    error       TEXT,
    error_status BIGINT,
    created_at  BIGINT  NOT NULL,
    finished_at BIGINT,
    lease_owner TEXT,
    lease_until BIGINT
);
CREATE INDEX queue_waiting ON queue (state, id);
CREATE INDEX queue_by_roots ON queue (state, kind, src_root, dst_root, id);
CREATE INDEX queue_by_job ON queue (job_id);
CREATE INDEX queue_by_group ON queue (group_id);
CREATE INDEX queue_leases ON queue (state, lease_until);

CREATE TABLE tokens (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label       TEXT    NOT NULL DEFAULT '',
    secret_hash TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    revoked_at  BIGINT,
    expires_at  BIGINT
);
CREATE INDEX tokens_by_user ON tokens (user_id);

CREATE TABLE batch_owners (
    batch_id    BIGINT PRIMARY KEY,
    user_id     BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX batch_owners_by_user ON batch_owners (user_id, batch_id);

-- running instances: each renews its row; one silent for longer than the lease is gone
CREATE TABLE instances (
    id           TEXT PRIMARY KEY,
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    rcd          TEXT   NOT NULL DEFAULT '',
    load         BIGINT NOT NULL DEFAULT 0
);

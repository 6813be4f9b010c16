-- rproxy's users. Append-only: change the schema with a new migration file.
CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    role        TEXT    NOT NULL,               -- admin | operator | viewer
    remotes     TEXT    NOT NULL DEFAULT '',    -- comma-separated allowed remotes; '' = all
    secret_hash TEXT    NOT NULL,               -- argon2id PHC string of the user's token
    created_at  INTEGER NOT NULL                -- unix ms
);

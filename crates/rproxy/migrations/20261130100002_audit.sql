-- Who did what: every call rproxy answered, refused ones included (never a secret).
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,               -- unix ms
    user        TEXT    NOT NULL,               -- '-' when the credentials were not valid
    path        TEXT    NOT NULL,
    remote      TEXT,                           -- the first remote named in fs-like parameters
    status      INTEGER NOT NULL                -- HTTP status answered
);
CREATE INDEX audit_by_time ON audit (at);

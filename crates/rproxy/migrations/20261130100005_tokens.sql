-- Tokens apart from users: a user may hold several (one per client), each revocable on its
-- own. A token reads `rpx_<token id>_<random>`; the first token of each existing user keeps
-- its id (the user's id, which its token already carries), so issued tokens keep working.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label       TEXT    NOT NULL DEFAULT '',
    secret_hash TEXT    NOT NULL,               -- argon2id PHC string of the token
    created_at  INTEGER NOT NULL,               -- unix ms
    revoked_at  INTEGER                         -- unix ms; a revoked token is refused
);
CREATE INDEX tokens_by_user ON tokens (user_id);
INSERT INTO tokens (id, user_id, label, secret_hash, created_at) SELECT id, id, 'first', secret_hash, created_at FROM users;

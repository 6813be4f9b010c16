-- Tokens may expire: a token past `expires_at` is refused with a 401 that says so (the
-- client then asks for a new token instead of suspecting a typo). NULL: valid until revoked.
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;

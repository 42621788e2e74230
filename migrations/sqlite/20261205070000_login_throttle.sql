-- The login throttle's hits (src/identity/throttle.rs): one row per counted
-- attempt, keyed by throttle, kind and account or client address, so every
-- instance on this database counts against the same limits. Expired rows are
-- deleted as the throttle goes.
CREATE TABLE IF NOT EXISTS login_throttle (
    key    TEXT NOT NULL,
    hit_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_throttle_key ON login_throttle (key, hit_ms);

-- Who leads each background job (projection runner, process managers, hold
-- sweeper, ...) when several instances share this database. The lock itself is a
-- session advisory lock; this row is what operators and standbys read: the
-- leader's heartbeat, and a request by a CLI rebuild to be handed the job.
CREATE TABLE IF NOT EXISTS job_leaders (
    job          TEXT PRIMARY KEY,
    instance     TEXT NOT NULL,
    since_ms     BIGINT NOT NULL,
    heartbeat_ms BIGINT NOT NULL,
    wanted_by    TEXT,
    wanted_ms    BIGINT
);

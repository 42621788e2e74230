-- Checkpoints of the statistics fold of one conference (an auditor's "as of"):
-- the rows of the projections the statistics read, folded from the conference's
-- own events up to `position`. Derived data: the log is the truth; a checkpoint
-- is only used for the same projection versions (`views_version`), and the table
-- can be emptied at any time. Rows hold what the read models hold (personal
-- values sealed).
CREATE TABLE IF NOT EXISTS stats_fold_checkpoints (
    conference_id TEXT NOT NULL,
    views_version TEXT NOT NULL,
    position      BIGINT NOT NULL,
    state         TEXT NOT NULL,
    PRIMARY KEY (conference_id, views_version, position)
);

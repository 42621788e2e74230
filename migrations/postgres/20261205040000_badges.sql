-- Badge files (ATT-36): one per (attendee, template, format), generated once and
-- returned as stored afterwards. Derived from the log, so not events.
CREATE TABLE badge_files
(
    attendee_id   text NOT NULL,
    template_slug text NOT NULL,
    format        text NOT NULL,
    conference_id text NOT NULL,
    file_name     text NOT NULL,
    content       bytea NOT NULL,
    -- RFC 3339.
    generated_at  text NOT NULL,
    PRIMARY KEY (attendee_id, template_slug, format)
);

-- Bulk badge generation jobs (ATT-37) and their progress.
CREATE TABLE badge_jobs
(
    id            text PRIMARY KEY,
    conference_id text NOT NULL,
    template_slug text NOT NULL,
    format        text NOT NULL,
    ticket_type   text,
    total         bigint NOT NULL,
    done          bigint NOT NULL DEFAULT 0,
    failed        bigint NOT NULL DEFAULT 0,
    -- running, finished.
    status        text NOT NULL,
    created_at    text NOT NULL,
    finished_at   text
);

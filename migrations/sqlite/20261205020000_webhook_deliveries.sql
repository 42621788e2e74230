-- Outgoing webhooks: one row per (endpoint, event, round) to deliver, written by
-- the delivery worker before its checkpoint moves past the event, so each is
-- delivered once across crashes and instances. round = 0 for live delivery, else
-- the log position of the replay request that asked for it. Times are Unix ms.
CREATE TABLE webhook_deliveries
(
    endpoint_id     text    NOT NULL,
    position        integer  NOT NULL,
    round           integer  NOT NULL,
    conference_id   text    NOT NULL,
    event_id        text    NOT NULL,
    kind            text    NOT NULL,
    body            text    NOT NULL,
    status          text    NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at integer  NOT NULL,
    created_at      integer  NOT NULL,
    updated_at      integer  NOT NULL,
    last_status     integer,
    last_error      text,
    PRIMARY KEY (endpoint_id, position, round)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

-- Every delivery attempt: status code, response time, error.
CREATE TABLE webhook_attempts
(
    endpoint_id text    NOT NULL,
    position    integer  NOT NULL,
    round       integer  NOT NULL,
    attempt     integer NOT NULL,
    at          integer  NOT NULL,
    status_code integer,
    duration_ms integer  NOT NULL,
    error       text,
    PRIMARY KEY (endpoint_id, position, round, attempt)
);

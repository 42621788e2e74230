-- The cqrs-es event table, plus our global position and recorded_at
-- (postgres-es inserts named columns, so the defaults fill them).
CREATE TABLE events
(
    aggregate_type text                         NOT NULL,
    aggregate_id   text                         NOT NULL,
    sequence       bigint CHECK (sequence >= 0) NOT NULL,
    event_type     text                         NOT NULL,
    event_version  text                         NOT NULL,
    payload        json                         NOT NULL,
    metadata       json                         NOT NULL,
    position       bigint GENERATED ALWAYS AS IDENTITY,
    recorded_at    timestamptz                  NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
);
CREATE UNIQUE INDEX events_position ON events (position);

-- Snapshot table cqrs-es expects to exist (we run in event-sourced mode only).
CREATE TABLE snapshots
(
    aggregate_type   text   NOT NULL,
    aggregate_id     text   NOT NULL,
    last_sequence    bigint NOT NULL,
    current_snapshot bigint NOT NULL,
    payload          json   NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
);

-- One row per projection generation: the checkpoint lives here and is written in
-- the same transaction as the generation's rows.
CREATE TABLE projection_state
(
    name       text        NOT NULL,
    generation bigint      NOT NULL,
    version    integer     NOT NULL,
    position   bigint      NOT NULL DEFAULT 0,
    status     text        NOT NULL CHECK (status IN ('building', 'live', 'retired')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, generation)
);
CREATE UNIQUE INDEX projection_state_one_live ON projection_state (name) WHERE status = 'live';

CREATE TABLE projection_rows
(
    name       text   NOT NULL,
    generation bigint NOT NULL,
    key        text   NOT NULL,
    doc        text   NOT NULL,
    PRIMARY KEY (name, generation, key)
);

-- Idempotency-Key records: same key and body replay the stored response.
CREATE TABLE idempotency_keys
(
    actor      text        NOT NULL,
    key        text        NOT NULL,
    request    text        NOT NULL,
    status     integer,
    response   text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

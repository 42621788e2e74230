-- The cqrs-es event table, plus our global position and recorded_at. SQLite has
-- one writer, so rowid order is commit order; the trigger copies it into
-- `position` so that VACUUM can never renumber the log.
CREATE TABLE events
(
    aggregate_type text    NOT NULL,
    aggregate_id   text    NOT NULL,
    sequence       integer NOT NULL CHECK (sequence >= 0),
    event_type     text    NOT NULL,
    event_version  text    NOT NULL,
    payload        text    NOT NULL,
    metadata       text    NOT NULL,
    position       integer,
    recorded_at    text    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
);
CREATE UNIQUE INDEX events_position ON events (position);
CREATE TRIGGER events_assign_position AFTER INSERT ON events
BEGIN
    UPDATE events SET position = NEW.rowid WHERE rowid = NEW.rowid;
END;

CREATE TABLE snapshots
(
    aggregate_type   text    NOT NULL,
    aggregate_id     text    NOT NULL,
    last_sequence    integer NOT NULL,
    current_snapshot integer NOT NULL,
    payload          text    NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
);

CREATE TABLE projection_state
(
    name       text    NOT NULL,
    generation integer NOT NULL,
    version    integer NOT NULL,
    position   integer NOT NULL DEFAULT 0,
    status     text    NOT NULL CHECK (status IN ('building', 'live', 'retired')),
    updated_at text    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (name, generation)
);
CREATE UNIQUE INDEX projection_state_one_live ON projection_state (name) WHERE status = 'live';

CREATE TABLE projection_rows
(
    name       text    NOT NULL,
    generation integer NOT NULL,
    key        text    NOT NULL,
    doc        text    NOT NULL,
    PRIMARY KEY (name, generation, key)
);

CREATE TABLE idempotency_keys
(
    actor      text    NOT NULL,
    key        text    NOT NULL,
    request    text    NOT NULL,
    status     integer,
    response   text,
    created_at text    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (actor, key)
);

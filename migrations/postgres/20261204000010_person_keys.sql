-- One data key per person (AES-256-GCM), wrapped by the master personal-data key.
-- Erasing a person deletes the wrapped key and keeps the row with erased_at, so
-- their sealed fields in the event log can never be opened again.
CREATE TABLE person_keys
(
    person_id   text        PRIMARY KEY,
    wrapped_key text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    erased_at   timestamptz
);

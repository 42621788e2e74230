-- Files that belong to a person (GRANT-36 receipts, LETTER-8 visa letters), kept
-- in the database beside the log, never in an event (events hold the content's
-- hash and size). The content is sealed under the person's key (scheme byte,
-- nonce, ciphertext): erasing the person makes every copy unreadable.
CREATE TABLE personal_files
(
    id            text PRIMARY KEY,
    -- grant_receipt, visa_letter.
    kind          text NOT NULL,
    person_id     text NOT NULL,
    conference_id text NOT NULL,
    -- What the owner downloads it as; receipts live under
    -- "travel_grant_receipts/<person>/" (GRANT-36).
    file_name     text NOT NULL,
    content_type  text NOT NULL,
    content       bytea NOT NULL,
    sha256        text NOT NULL,
    size          bigint NOT NULL,
    -- RFC 3339.
    created_at    text NOT NULL
);
CREATE INDEX personal_files_person ON personal_files (person_id, kind);

-- The blind index of names (docs/lists.md): a keyed hash (HMAC-SHA256 under a key
-- derived from the master personal-data key) of each normalized name and name
-- word a person's values were sealed with, so the lists can find people by name
-- without plain names anywhere. Erasing the person deletes their rows.
CREATE TABLE person_name_tokens
(
    token     text NOT NULL,
    person_id text NOT NULL,
    PRIMARY KEY (token, person_id)
);
CREATE INDEX person_name_tokens_by_person ON person_name_tokens (person_id);

-- A conference's history (auditors, exports): its events by the conference id
-- the metadata names, in position order, as an index range scan.
CREATE INDEX events_conference ON events (json_extract(metadata, '$.conference_id'), position);

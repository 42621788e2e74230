-- Lists at real sizes: expression indexes on the fields the big lists scope, filter
-- and sort on (replay/src/listing.rs writes each expression exactly like this, with
-- the projection name as a literal so these partial indexes apply).
CREATE INDEX projection_rows_orders_by_placed ON projection_rows
    (generation, json_extract(doc, '$.conference_id'), (json_extract(doc, '$.placed_at') || ' ' || json_extract(doc, '$.reference')), key)
    WHERE name = 'orders';
CREATE INDEX projection_rows_orders_by_status ON projection_rows
    (generation, json_extract(doc, '$.conference_id'), json_extract(doc, '$.status'), (json_extract(doc, '$.placed_at') || ' ' || json_extract(doc, '$.reference')), key)
    WHERE name = 'orders';
CREATE INDEX projection_rows_orders_by_user ON projection_rows
    (generation, json_extract(doc, '$.user'), (json_extract(doc, '$.placed_at') || ' ' || json_extract(doc, '$.reference')), key)
    WHERE name = 'orders';
CREATE INDEX projection_rows_orders_by_reference ON projection_rows
    (generation, json_extract(doc, '$.reference'))
    WHERE name = 'orders';
CREATE INDEX projection_rows_orders_by_voucher ON projection_rows
    (generation, json_extract(doc, '$.voucher_code'))
    WHERE name = 'orders';
CREATE INDEX projection_rows_attendees_by_registered ON projection_rows
    (generation, json_extract(doc, '$.conference_id'), json_extract(doc, '$.registered_at'), key)
    WHERE name = 'attendees';
CREATE INDEX projection_rows_attendees_by_checked_in ON projection_rows
    (generation, json_extract(doc, '$.conference_id'), json_extract(doc, '$.checked_in'), json_extract(doc, '$.registered_at'), key)
    WHERE name = 'attendees';

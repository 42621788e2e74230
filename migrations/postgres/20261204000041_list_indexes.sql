-- Lists at real sizes: expression indexes on the fields the big lists scope, filter
-- and sort on (replay/src/listing.rs writes each expression exactly like this, with
-- the projection name as a literal so these partial indexes apply).
CREATE INDEX projection_rows_orders_by_placed ON projection_rows
    (generation, ((doc::jsonb ->> 'conference_id')), (((doc::jsonb ->> 'placed_at') || ' ' || (doc::jsonb ->> 'reference'))), key)
    WHERE name = 'orders';
CREATE INDEX projection_rows_orders_by_status ON projection_rows
    (generation, ((doc::jsonb ->> 'conference_id')), ((doc::jsonb ->> 'status')), (((doc::jsonb ->> 'placed_at') || ' ' || (doc::jsonb ->> 'reference'))), key)
    WHERE name = 'orders';
CREATE INDEX projection_rows_orders_by_user ON projection_rows
    (generation, ((doc::jsonb ->> 'user')), (((doc::jsonb ->> 'placed_at') || ' ' || (doc::jsonb ->> 'reference'))), key)
    WHERE name = 'orders';
CREATE INDEX projection_rows_orders_by_reference ON projection_rows
    (generation, ((doc::jsonb ->> 'reference')))
    WHERE name = 'orders';
CREATE INDEX projection_rows_orders_by_voucher ON projection_rows
    (generation, ((doc::jsonb ->> 'voucher_code')))
    WHERE name = 'orders';
CREATE INDEX projection_rows_attendees_by_registered ON projection_rows
    (generation, ((doc::jsonb ->> 'conference_id')), ((doc::jsonb ->> 'registered_at')), key)
    WHERE name = 'attendees';
CREATE INDEX projection_rows_attendees_by_checked_in ON projection_rows
    (generation, ((doc::jsonb ->> 'conference_id')), ((doc::jsonb ->> 'checked_in')), ((doc::jsonb ->> 'registered_at')), key)
    WHERE name = 'attendees';

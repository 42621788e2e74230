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

-- Ticket types and products: JSON containment (`@>`) served by GIN.
CREATE INDEX projection_rows_orders_by_lines ON projection_rows
    USING gin (((doc::jsonb -> 'lines')) jsonb_path_ops)
    WHERE name = 'orders';
CREATE INDEX projection_rows_attendees_by_products ON projection_rows
    USING gin (((doc::jsonb -> 'products')) jsonb_path_ops)
    WHERE name = 'attendees';

-- The planner ignores the statistics of partial expression indexes when it
-- weighs a condition, and without them guesses every field equally selective
-- (and picks the sort index for a one-row reference lookup). Expression
-- statistics give it the real figures.
CREATE STATISTICS projection_rows_conference_stats ON ((doc::jsonb ->> 'conference_id')) FROM projection_rows;
CREATE STATISTICS projection_rows_reference_stats ON ((doc::jsonb ->> 'reference')) FROM projection_rows;
CREATE STATISTICS projection_rows_user_stats ON ((doc::jsonb ->> 'user')) FROM projection_rows;
CREATE STATISTICS projection_rows_status_stats ON ((doc::jsonb ->> 'status')) FROM projection_rows;
CREATE STATISTICS projection_rows_voucher_stats ON ((doc::jsonb ->> 'voucher_code')) FROM projection_rows;
CREATE STATISTICS projection_rows_checked_in_stats ON ((doc::jsonb ->> 'checked_in')) FROM projection_rows;
CREATE STATISTICS projection_rows_placed_stats ON (((doc::jsonb ->> 'placed_at') || ' ' || (doc::jsonb ->> 'reference'))) FROM projection_rows;

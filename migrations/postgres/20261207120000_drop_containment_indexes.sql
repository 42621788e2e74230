-- The two GIN indexes for JSON containment (an order's `lines`, an attendee's
-- `products`) served a list filter that the narrow product index rows took over
-- (the `product_scope` indexes): no query reads them any more, yet every order
-- and attendee row written (each checkout, each rebuild) paid for their entries.
DROP INDEX IF EXISTS projection_rows_orders_by_lines;
DROP INDEX IF EXISTS projection_rows_attendees_by_products;

-- The orders list filtered by ticket type and status pages the product index
-- rows of one product with one status: scope, status, then the list's sort, as
-- the orders' own status index does (docs/lists.md).
CREATE INDEX projection_rows_orders_by_product_status ON projection_rows
    (generation, ((doc::jsonb ->> 'product_scope')), ((doc::jsonb ->> 'status')), (((doc::jsonb ->> 'placed_at') || ' ' || (doc::jsonb ->> 'reference'))), key)
    WHERE name = 'orders';

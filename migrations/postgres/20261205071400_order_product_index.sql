-- The orders list filtered by ticket type pages the narrow product index rows of
-- the orders read model (`product:{conference}:{slug}:{order}`, docs/lists.md):
-- scope, then the list's sort, like the orders' own sort index.
CREATE INDEX projection_rows_orders_by_product ON projection_rows
    (generation, ((doc::jsonb ->> 'product_scope')), (((doc::jsonb ->> 'placed_at') || ' ' || (doc::jsonb ->> 'reference'))), key)
    WHERE name = 'orders';
CREATE STATISTICS projection_rows_product_scope_stats ON ((doc::jsonb ->> 'product_scope')) FROM projection_rows;

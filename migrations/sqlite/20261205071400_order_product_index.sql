-- The orders list filtered by ticket type pages the narrow product index rows of
-- the orders read model (`product:{conference}:{slug}:{order}`, docs/lists.md):
-- scope, then the list's sort, like the orders' own sort index.
CREATE INDEX projection_rows_orders_by_product ON projection_rows
    (generation, json_extract(doc, '$.product_scope'), (json_extract(doc, '$.placed_at') || ' ' || json_extract(doc, '$.reference')), key)
    WHERE name = 'orders';

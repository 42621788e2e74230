-- The orders list filtered by ticket type and status pages the product index
-- rows of one product with one status: scope, status, then the list's sort, as
-- the orders' own status index does (docs/lists.md).
CREATE INDEX projection_rows_orders_by_product_status ON projection_rows
    (generation, json_extract(doc, '$.product_scope'), json_extract(doc, '$.status'), (json_extract(doc, '$.placed_at') || ' ' || json_extract(doc, '$.reference')), key)
    WHERE name = 'orders';

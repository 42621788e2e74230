-- The attendees list filtered by ticket type pages the narrow product index rows
-- of the attendees read model (`product:{conference}:{slug}:{user}`,
-- docs/lists.md): scope, then the list's sort, like the attendees' own sort
-- index.
CREATE INDEX projection_rows_attendees_by_product ON projection_rows
    (generation, json_extract(doc, '$.product_scope'), json_extract(doc, '$.registered_at'), key)
    WHERE name = 'attendees';
CREATE INDEX projection_rows_attendees_by_product_checked_in ON projection_rows
    (generation, json_extract(doc, '$.product_scope'), json_extract(doc, '$.checked_in'), json_extract(doc, '$.registered_at'), key)
    WHERE name = 'attendees';

-- The attendees list filtered by ticket type pages the narrow product index rows
-- of the attendees read model (`product:{conference}:{slug}:{user}`,
-- docs/lists.md): scope, then the list's sort, like the attendees' own sort
-- index. (The statistics on `product_scope` exist since the orders' index.)
CREATE INDEX projection_rows_attendees_by_product ON projection_rows
    (generation, ((doc::jsonb ->> 'product_scope')), ((doc::jsonb ->> 'registered_at')), key)
    WHERE name = 'attendees';
CREATE INDEX projection_rows_attendees_by_product_checked_in ON projection_rows
    (generation, ((doc::jsonb ->> 'product_scope')), ((doc::jsonb ->> 'checked_in')), ((doc::jsonb ->> 'registered_at')), key)
    WHERE name = 'attendees';

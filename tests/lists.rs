//! Lists at real sizes: every list endpoint walked page by page (`limit`,
//! `cursor`, `next_cursor`, `total`), with writes between the pages, compared with
//! the unpaged truth; the filters compared with the truth filtered here; bad
//! paging parameters refused with problem+json. On SQLite and PostgreSQL.

mod common;

#[path = "lists/domains.rs"]
mod domains;
#[path = "lists/later.rs"]
mod later;
#[path = "lists/names.rs"]
mod names;
#[path = "lists/orders.rs"]
mod orders;
#[path = "lists/outbox.rs"]
mod outbox;
#[path = "lists/people.rs"]
mod people;
#[path = "lists/pipeline.rs"]
mod pipeline;
#[path = "lists/small.rs"]
mod small;
#[path = "lists/staff.rs"]
mod staff;
#[path = "lists/walk.rs"]
mod walk;

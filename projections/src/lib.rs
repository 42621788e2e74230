//! Read models as pure folds over the global log. No storage here: the runner in
//! `tessera-replay` persists the rows each fold touches.

pub mod activity_roster;
pub mod attendees;
pub mod badges;
pub mod bulk_purchases;
pub mod carts_funnel;
pub mod conference_catalog;
pub mod credits;
mod envelope;
pub mod fundraising;
pub mod keys;
pub mod messages;
pub mod orders;
pub mod program;
pub mod purchase_orders;
mod rows;
pub mod sales;
pub mod sponsors;
pub mod stats;
pub mod stats_archive;
pub mod surveys;
pub mod tally;
#[cfg(test)]
mod testing;
pub mod travel_grants;
pub mod user_directory;
pub mod visa_letters;
pub mod volunteers;
pub mod webhooks;

pub use envelope::{DomainEvent, Envelope, EventMeta};
pub use rows::{Projection, Rows, fold_all};

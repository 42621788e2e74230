//! Read models as pure folds over the global log. No storage here: the runner in
//! `tessera-replay` persists the rows each fold touches.

pub mod activity_roster;
pub mod conference_catalog;
mod envelope;
mod rows;
pub mod user_directory;

pub use envelope::{DomainEvent, Envelope, EventMeta};
pub use rows::{Projection, Rows, fold_all};

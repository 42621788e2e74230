//! Tessera's domain: one module per aggregate (commands, events, state, rules).
//!
//! Pure: no I/O, no wall clock, no randomness. Everything from the outside comes in
//! through [`DomainServices`].

pub mod activity;
pub mod attendee;
pub mod badge;
pub mod bulk_purchase;
pub mod cart;
pub mod conference;
pub mod credit;
mod edit;
pub mod fundraising;
pub mod inventory;
pub mod message;
pub mod money;
pub mod order;
pub mod pricing;
pub mod profile;
pub mod program;
pub mod purchase_order;
pub mod series;
mod services;
pub mod session_rating;
pub mod sponsor;
mod stream;
pub mod stripe_customer;
pub mod stripe_event;
pub mod survey;
pub mod team;
pub mod terminal_intent;
pub mod travel_grant;
pub mod user;
pub mod visa_letter;
pub mod volunteer;
pub mod webhook;

pub use edit::{PartSlug, nullable};
pub use services::{Clock, DomainServices, FixedClock, Timestamp};
pub use stream::StreamId;

use uuid::Uuid;

/// Namespace for the deterministic ids of natural keys (UUID v5).
const TESSERA_NAMESPACE: Uuid = Uuid::from_u128(0x6d2b_4c1e_8f0a_4b7e_9c3d_1a2b_3c4d_5e6f);

/// A deterministic id for a natural key: the same `(kind, key)` always gives the same
/// id, so uniqueness by natural key is enforced by the event stream itself.
pub fn natural_id(kind: &str, key: &str) -> Uuid {
    let mut name = String::with_capacity(kind.len() + key.len() + 1);
    name.push_str(kind);
    name.push(':');
    name.push_str(key);
    Uuid::new_v5(&TESSERA_NAMESPACE, name.as_bytes())
}

/// A slug as stored: non-empty, at most 200 characters, only `[a-z0-9-]` (CONF-1,
/// BOOT-5).
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 200
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

//! Stream ids derived from natural keys (UUID v5): the same key
//! names the same stream in every process, so a thing is found without an index
//! and created at most once.

use tessera_aggregates::natural_id;
use uuid::Uuid;

pub fn conference_id(slug: &str) -> Uuid {
    natural_id("conference", slug)
}

pub fn series_id(slug: &str) -> Uuid {
    natural_id("series", slug)
}

pub fn inventory_id(conference: Uuid) -> Uuid {
    natural_id("inventory", &conference.to_string())
}

/// An order's stream id comes from its reference (unique, AMB-3), so an order is
/// found by reference without an index.
pub fn order_id(reference: &str) -> Uuid {
    natural_id("order", reference)
}

pub fn user_id(email: &str) -> Uuid {
    natural_id("user", &email.trim().to_lowercase())
}

/// MY-5: one fundraising stream (pipeline and donations) per conference.
pub fn fundraising_id(conference: Uuid) -> Uuid {
    natural_id("fundraising", &conference.to_string())
}

/// SPONSOR-2: a sponsor's slug is unique per conference.
pub fn sponsor_id(conference: Uuid, slug: &str) -> Uuid {
    natural_id("sponsor", &format!("{conference}/{slug}"))
}

pub fn activity_id(conference: Uuid, slug: &str) -> Uuid {
    natural_id("activity", &format!("{conference}/{slug}"))
}

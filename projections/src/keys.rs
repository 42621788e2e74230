//! Key and map-key helpers shared by the registration read models.
//!
//! Row keys are ASCII and ordered as strings, so numbers inside keys are zero-padded
//! (`position_key`) to list in log order under a prefix. Maps inside rows are keyed
//! by strings (never integers: the tagged-enum row encoding cannot read integer map
//! keys back), products by [`product_key`].

use tessera_aggregates::pricing::{ProductKind, ProductRef};
use uuid::Uuid;

use crate::Envelope;

/// `ticket:{slug}` or `addon:{slug}`: a product as a map key.
pub fn product_key(product: &ProductRef) -> String {
    match product.kind {
        ProductKind::Ticket => format!("ticket:{}", product.slug),
        ProductKind::Addon => format!("addon:{}", product.slug),
    }
}

/// A log position padded to 20 digits, so keys sort in log order.
pub fn position_key(position: i64) -> String {
    format!("{position:020}")
}

/// `stream:{aggregate_id}`: the pointer row from a stream to the conference (and
/// owner) its creation event named, for the stream's later events.
pub fn stream_key(aggregate_id: &str) -> String {
    format!("stream:{aggregate_id}")
}

/// The conference of an event: the creation-event pointer when there is one, else
/// the command metadata (every command the service sends carries it).
pub(crate) fn conference_of(pointer: Option<Uuid>, env: &Envelope) -> Option<Uuid> {
    pointer.or(env.meta.conference_id)
}

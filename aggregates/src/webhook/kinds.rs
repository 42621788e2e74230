//! The published webhook event kinds (WH-2): a public, stable list. Adding a kind
//! is compatible; renaming or removing one is not.

/// Every kind an endpoint may subscribe to, in the order the docs list them.
pub const KINDS: &[&str] = &[
    "order.placed",
    "order.paid",
    "order.cancelled",
    "order.refunded",
    "attendee.registered",
    "attendee.checked_in",
    "volunteer.applied",
    "volunteer.approved",
    "volunteer.waitlisted",
    "volunteer.rejected",
    "volunteer.cancelled",
];

pub fn is_known_kind(kind: &str) -> bool {
    KINDS.contains(&kind)
}

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
    "grant.applied",
    "grant.reviewed",
    "grant.offer_accepted",
    "grant.offer_declined",
    "grant.withdrawn",
    "grant.disbursed",
    "visa_letter.requested",
    "visa_letter.approved",
    "visa_letter.rejected",
    "visa_letter.generated",
    "visa_letter.sent",
    "sponsorship_deal.opened",
    "sponsorship_deal.moved",
    "donation.recorded",
    "donation.refunded",
    "donation.failed",
    "bulk_purchase.requested",
    "bulk_purchase.approved",
    "bulk_purchase.fulfilled",
    "bulk_purchase.failed",
    "bulk_purchase.refunded",
];

pub fn is_known_kind(kind: &str) -> bool {
    KINDS.contains(&kind)
}

use serde::Deserialize;
use uuid::Uuid;

/// Bookkeeping of one Stripe event (PAY-40…44). The stream id is
/// `natural_id("stripe_event", event_id)`, so every delivery of one Stripe event,
/// to whichever conference endpoint, lands on the same stream.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum StripeEventCommand {
    /// A delivery whose signature verified. Accepted (and so to be processed) when the
    /// event is new, still in flight, or failed before; refused with
    /// [`StripeEventError::AlreadyProcessed`](super::StripeEventError::AlreadyProcessed)
    /// or [`AlreadyRefused`](super::StripeEventError::AlreadyRefused) (both
    /// `is_duplicate()`) otherwise.
    Receive {
        /// Stripe's event id (`evt_…`).
        event_id: String,
        /// Stripe's event type, e.g. `payment_intent.succeeded`.
        kind: String,
        /// The conference whose webhook endpoint received this delivery (PAY-54).
        endpoint_conference_id: Uuid,
        /// `data.object.metadata.order_id`, when it names an order.
        order_id: Option<Uuid>,
        /// `data.object.metadata.conference_id`, when present.
        conference_id: Option<Uuid>,
        /// SHA-256 of the raw payload, lowercase hex.
        payload_digest: String,
    },
    /// The handlers ran to completion.
    MarkProcessed,
    /// A handler failed: the delivery is answered 5xx and the next delivery of the
    /// same event is processed again.
    MarkFailed { error: String },
    /// The event names an order (or purchase) of a conference other than the one
    /// whose endpoint received it (PAY-53): recorded, never processed for that
    /// endpoint.
    Refuse {
        endpoint_conference_id: Uuid,
        reason: String,
    },
}

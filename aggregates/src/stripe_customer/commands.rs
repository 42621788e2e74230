use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Commands on the Stripe customer of one (conference, user). The stream id is
/// [`super::stream_id`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StripeCustomerCommand {
    /// PAY-5/11: the customer Stripe made (or returned for the idempotency key).
    /// Recording it again is a no-op; when another customer is already stored, the
    /// stored one stays (a concurrent duplicate creation resolves to it).
    Record {
        conference_id: Uuid,
        user: Uuid,
        stripe_customer_id: String,
    },
}

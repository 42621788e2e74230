/// Refused Stripe-event commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StripeEventError {
    #[error("Stripe event not found.")]
    NotFound,
    /// A delivery of an event that was already processed: answer 200, do nothing
    /// (PAY-41).
    #[error("This Stripe event was already processed.")]
    AlreadyProcessed,
    /// A delivery of an event this endpoint already refused (PAY-53): answer 200, do
    /// nothing.
    #[error("This Stripe event was refused for this conference.")]
    AlreadyRefused,
    #[error("A Stripe event id must not be blank.")]
    BlankEventId,
    /// The command names another Stripe event than the one of this stream.
    #[error("This stream records another Stripe event.")]
    EventIdMismatch,
}

impl StripeEventError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "stripe_event.not_found",
            Self::AlreadyProcessed => "stripe_event.already_processed",
            Self::AlreadyRefused => "stripe_event.already_refused",
            Self::BlankEventId => "stripe_event.blank_event_id",
            Self::EventIdMismatch => "stripe_event.event_id_mismatch",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }

    /// A redelivery that must change nothing and be answered 200 (PAY-41).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, Self::AlreadyProcessed | Self::AlreadyRefused)
    }
}

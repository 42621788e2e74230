/// Refused Stripe-customer commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StripeCustomerError {
    #[error("A Stripe customer id must not be blank.")]
    BlankCustomerId,
    /// The command names another (conference, user) than the one of this stream.
    #[error("This stream records the Stripe customer of another user or conference.")]
    KeyMismatch,
}

impl StripeCustomerError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BlankCustomerId => "stripe_customer.blank_customer_id",
            Self::KeyMismatch => "stripe_customer.key_mismatch",
        }
    }

    pub fn is_not_found(&self) -> bool {
        false
    }
}

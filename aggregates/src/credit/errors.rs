use rust_decimal::Decimal;

/// Refused credit commands, with the SPEC message texts. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CreditError {
    #[error("Credit not found.")]
    NotFound,
    #[error("This credit was already issued with other details.")]
    AlreadyIssued,
    #[error("Credit amount must be greater than zero.")]
    AmountNotPositive,
    #[error("Only available credits can be applied.")]
    NotAvailable, // PAY-19
    #[error("Credit does not belong to this user.")]
    WrongUser, // PAY-19
    #[error("Credit does not belong to this conference.")]
    WrongConference, // PAY-19
    #[error("Credit has no remaining balance.")]
    NoRemainingBalance, // PAY-19
    #[error("Amount to apply must be greater than zero.")]
    ApplyAmountNotPositive,
    #[error("Amount {amount} exceeds the credit's remaining balance of {remaining}.")]
    ExceedsRemaining { amount: Decimal, remaining: Decimal },
    #[error("This credit was not applied with that payment.")]
    NotApplied,
}

impl CreditError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "credit.not_found",
            Self::AlreadyIssued => "credit.already_issued",
            Self::AmountNotPositive => "credit.amount_not_positive",
            Self::NotAvailable => "credit.not_available",
            Self::WrongUser => "credit.wrong_user",
            Self::WrongConference => "credit.wrong_conference",
            Self::NoRemainingBalance => "credit.no_remaining_balance",
            Self::ApplyAmountNotPositive => "credit.apply_amount_not_positive",
            Self::ExceedsRemaining { .. } => "credit.exceeds_remaining",
            Self::NotApplied => "credit.not_applied",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound | Self::NotApplied)
    }
}

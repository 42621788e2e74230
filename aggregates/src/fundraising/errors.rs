use super::DealStatus;

/// Refused fundraising commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FundraisingError {
    #[error("Sponsorship deal not found.")]
    DealNotFound,
    #[error("Donation not found.")]
    DonationNotFound,
    #[error("This fundraising belongs to another conference.")]
    OtherConference,
    #[error("A sponsorship tier needs a name and a price of at least 0.")]
    InvalidTier, // MY-5
    #[error("Sponsorship tier '{0}' does not exist for this conference.")]
    UnknownTier(String), // MY-5
    #[error("A deal needs an organisation name.")]
    BlankOrganisation,
    #[error("A deal's amount cannot be negative.")]
    NegativeAmount,
    #[error("A deal cannot move from {from:?} to {to:?}.")]
    InvalidTransition { from: DealStatus, to: DealStatus },
    #[error("A donation needs a donor name and an amount above 0.")]
    InvalidDonation, // MY-29
    #[error("A deal or donation with this id already exists.")]
    IdReused,
    #[error("This conference is not accepting donations.")]
    NotAcceptingDonations, // MY-29
    #[error("A donation can be at most {0}.")]
    DonationTooLarge(rust_decimal::Decimal),
    #[error("This donation is not paid.")]
    DonationNotPaid,
    #[error("This donation is not awaiting payment.")]
    DonationNotPending,
    #[error("This donation is paid through another checkout session.")]
    OtherSession,
}

impl FundraisingError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::DealNotFound => "fundraising.deal_not_found",
            Self::DonationNotFound => "fundraising.donation_not_found",
            Self::OtherConference => "fundraising.other_conference",
            Self::InvalidTier => "fundraising.invalid_tier",
            Self::UnknownTier(_) => "fundraising.unknown_tier",
            Self::BlankOrganisation => "fundraising.blank_organisation",
            Self::NegativeAmount => "fundraising.negative_amount",
            Self::InvalidTransition { .. } => "fundraising.invalid_transition",
            Self::InvalidDonation => "fundraising.invalid_donation",
            Self::IdReused => "fundraising.id_reused",
            Self::NotAcceptingDonations => "fundraising.not_accepting_donations",
            Self::DonationTooLarge(_) => "fundraising.donation_too_large",
            Self::DonationNotPaid => "fundraising.donation_not_paid",
            Self::DonationNotPending => "fundraising.donation_not_pending",
            Self::OtherSession => "fundraising.other_session",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::DealNotFound | Self::DonationNotFound)
    }
}

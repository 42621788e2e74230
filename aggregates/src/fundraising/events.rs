use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Deal, DealStatus, Donation, Tier};
use crate::Timestamp;

/// Facts about a conference's fundraising. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FundraisingEvent {
    /// The first fact of the stream.
    FundraisingOpened {
        conference_id: Uuid,
        at: Timestamp,
    },
    SponsorshipTierSaved {
        slug: String,
        tier: Tier,
        at: Timestamp,
    },
    SponsorshipDealOpened {
        id: Uuid,
        deal: Deal,
        at: Timestamp,
    },
    SponsorshipDealChanged {
        id: Uuid,
        deal: Deal,
        at: Timestamp,
    },
    SponsorshipDealMoved {
        id: Uuid,
        from: DealStatus,
        to: DealStatus,
        at: Timestamp,
    },
    DonationRecorded {
        id: Uuid,
        donation: Donation,
        at: Timestamp,
    },
    DonationRefunded {
        id: Uuid,
        at: Timestamp,
    },
    /// MY-29: a donor started paying through Stripe Checkout; pending.
    DonationCheckoutStarted {
        id: Uuid,
        donation: Donation,
        at: Timestamp,
    },
    DonationCheckoutSessionOpened {
        id: Uuid,
        session_id: String,
        at: Timestamp,
    },
    /// The session was paid: the donation counts from now on.
    DonationCheckoutCompleted {
        id: Uuid,
        session_id: String,
        #[serde(default)]
        payment_intent: Option<String>,
        /// The donation's amount (for the readers of the log).
        amount: rust_decimal::Decimal,
        at: Timestamp,
    },
    /// The session expired: the donation never counts.
    DonationCheckoutFailed {
        id: Uuid,
        reason: String,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for FundraisingEvent {
    fn event_type(&self) -> String {
        match self {
            Self::FundraisingOpened { .. } => "FundraisingOpened",
            Self::SponsorshipTierSaved { .. } => "SponsorshipTierSaved",
            Self::SponsorshipDealOpened { .. } => "SponsorshipDealOpened",
            Self::SponsorshipDealChanged { .. } => "SponsorshipDealChanged",
            Self::SponsorshipDealMoved { .. } => "SponsorshipDealMoved",
            Self::DonationRecorded { .. } => "DonationRecorded",
            Self::DonationRefunded { .. } => "DonationRefunded",
            Self::DonationCheckoutStarted { .. } => "DonationCheckoutStarted",
            Self::DonationCheckoutSessionOpened { .. } => "DonationCheckoutSessionOpened",
            Self::DonationCheckoutCompleted { .. } => "DonationCheckoutCompleted",
            Self::DonationCheckoutFailed { .. } => "DonationCheckoutFailed",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

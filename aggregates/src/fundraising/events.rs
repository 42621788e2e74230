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
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

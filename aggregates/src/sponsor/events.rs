use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Benefit, SponsorDetails, SponsorOverride};
use crate::Timestamp;

/// Facts about one sponsor. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SponsorEvent {
    /// SPONSOR-2; `comp_ticket_count` is the level's count at creation, the number
    /// of comp vouchers this creation issues (SPONSOR-12).
    SponsorCreated {
        conference_id: Uuid,
        slug: String,
        details: SponsorDetails,
        comp_ticket_count: u32,
        at: Timestamp,
    },
    SponsorUpdated {
        details: SponsorDetails,
        at: Timestamp,
    },
    /// SPONSOR-4: the sponsor's one override, as saved.
    SponsorOverrideSaved {
        over: SponsorOverride,
        at: Timestamp,
    },
    /// SPONSOR-6: an empty override was saved: there is none any more.
    SponsorOverrideRemoved {
        at: Timestamp,
    },
    SponsorBenefitSaved {
        id: Uuid,
        benefit: Benefit,
        at: Timestamp,
    },
    SponsorBenefitRemoved {
        id: Uuid,
        at: Timestamp,
    },
    SponsorRemoved {
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for SponsorEvent {
    fn event_type(&self) -> String {
        match self {
            Self::SponsorCreated { .. } => "SponsorCreated",
            Self::SponsorUpdated { .. } => "SponsorUpdated",
            Self::SponsorOverrideSaved { .. } => "SponsorOverrideSaved",
            Self::SponsorOverrideRemoved { .. } => "SponsorOverrideRemoved",
            Self::SponsorBenefitSaved { .. } => "SponsorBenefitSaved",
            Self::SponsorBenefitRemoved { .. } => "SponsorBenefitRemoved",
            Self::SponsorRemoved { .. } => "SponsorRemoved",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

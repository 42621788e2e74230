use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ConferenceDetails, FeatureOverrides, KpiTargets, Role, Section, SponsorLevel};
use crate::Timestamp;

/// Facts about one conference. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConferenceEvent {
    ConferenceCreated {
        series_id: Uuid,
        series_slug: String,
        slug: String,
        year: i32,
        details: ConferenceDetails,
        at: Timestamp,
    },
    ConferenceDetailsUpdated {
        details: ConferenceDetails,
        at: Timestamp,
    },
    SectionAdded {
        section: Section,
        at: Timestamp,
    },
    SectionUpdated {
        section: Section,
        at: Timestamp,
    },
    SponsorLevelAdded {
        level: SponsorLevel,
        at: Timestamp,
    },
    SponsorLevelUpdated {
        level: SponsorLevel,
        at: Timestamp,
    },
    FeatureOverridesSet {
        overrides: FeatureOverrides,
        at: Timestamp,
    },
    KpiTargetsSet {
        targets: KpiTargets,
        at: Timestamp,
    },
    RoleGranted {
        user: Uuid,
        role: Role,
        at: Timestamp,
    },
    RoleRevoked {
        user: Uuid,
        role: Role,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for ConferenceEvent {
    fn event_type(&self) -> String {
        match self {
            Self::ConferenceCreated { .. } => "ConferenceCreated",
            Self::ConferenceDetailsUpdated { .. } => "ConferenceDetailsUpdated",
            Self::SectionAdded { .. } => "SectionAdded",
            Self::SectionUpdated { .. } => "SectionUpdated",
            Self::SponsorLevelAdded { .. } => "SponsorLevelAdded",
            Self::SponsorLevelUpdated { .. } => "SponsorLevelUpdated",
            Self::FeatureOverridesSet { .. } => "FeatureOverridesSet",
            Self::KpiTargetsSet { .. } => "KpiTargetsSet",
            Self::RoleGranted { .. } => "RoleGranted",
            Self::RoleRevoked { .. } => "RoleRevoked",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

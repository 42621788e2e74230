use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    ConferenceDetails, FeatureOverrides, HistoricalFigures, KpiTargets, Role, Section,
    SponsorLevel, StatsSnapshot,
};
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
    /// MY-18, MY-21…26: the figures of a year that predates the portal.
    HistoricalFiguresRecorded {
        figures: HistoricalFigures,
        at: Timestamp,
    },
    /// MY-19: the conference's statistics frozen at a log position.
    StatsFrozen {
        snapshot: StatsSnapshot,
        reason: String,
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
            Self::HistoricalFiguresRecorded { .. } => "HistoricalFiguresRecorded",
            Self::StatsFrozen { .. } => "StatsFrozen",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

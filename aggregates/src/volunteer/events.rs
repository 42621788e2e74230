use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApplicationStatus, VolunteerForm, Year};
use crate::Timestamp;

/// Facts about one volunteer application. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum VolunteerEvent {
    /// Pending. `brought_forward_from` is the earlier conference an organizer
    /// copied it from.
    VolunteerApplied {
        year: Year,
        user: Uuid,
        form: Box<VolunteerForm>,
        brought_forward_from: Option<Uuid>,
        at: Timestamp,
    },
    /// Team slugs and volunteer roles, sorted.
    VolunteerApproved {
        teams: Vec<String>,
        roles: Vec<String>,
        at: Timestamp,
    },
    VolunteerWaitlisted {
        at: Timestamp,
    },
    VolunteerRejected {
        at: Timestamp,
    },
    VolunteerCancelled {
        was: ApplicationStatus,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for VolunteerEvent {
    fn event_type(&self) -> String {
        match self {
            Self::VolunteerApplied { .. } => "VolunteerApplied",
            Self::VolunteerApproved { .. } => "VolunteerApproved",
            Self::VolunteerWaitlisted { .. } => "VolunteerWaitlisted",
            Self::VolunteerRejected { .. } => "VolunteerRejected",
            Self::VolunteerCancelled { .. } => "VolunteerCancelled",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApplicationStatus, VolunteerForm, Year};
use crate::Timestamp;
use crate::user::Sealed;

/// Facts about one volunteer application. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum VolunteerEvent {
    /// Pending. `brought_forward_from` is the earlier conference an organizer
    /// copied it from. With `sealed_social`, the form's social handles are empty
    /// and sealed there (JSON, under the user's key).
    VolunteerApplied {
        year: Year,
        user: Uuid,
        form: Box<VolunteerForm>,
        brought_forward_from: Option<Uuid>,
        at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed_social: Option<Sealed>,
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

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ActivityDetails, SignupStatus};
use crate::Timestamp;

/// Facts about one activity and its roster. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ActivityEvent {
    ActivityCreated {
        conference_id: Uuid,
        slug: String,
        details: ActivityDetails,
        at: Timestamp,
    },
    ActivityUpdated {
        details: ActivityDetails,
        at: Timestamp,
    },
    SignupConfirmed {
        user: Uuid,
        note: String,
        at: Timestamp,
    },
    SignupWaitlisted {
        user: Uuid,
        note: String,
        at: Timestamp,
    },
    SignupCancelled {
        user: Uuid,
        was: SignupStatus,
        at: Timestamp,
    },
    /// A waitlisted signup became confirmed: automatically after a cancellation
    /// (`by` = None, ACT-9) or by an organizer (`by` = Some, ACT-10).
    WaitlistPromoted {
        user: Uuid,
        by: Option<Uuid>,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for ActivityEvent {
    fn event_type(&self) -> String {
        match self {
            Self::ActivityCreated { .. } => "ActivityCreated",
            Self::ActivityUpdated { .. } => "ActivityUpdated",
            Self::SignupConfirmed { .. } => "SignupConfirmed",
            Self::SignupWaitlisted { .. } => "SignupWaitlisted",
            Self::SignupCancelled { .. } => "SignupCancelled",
            Self::WaitlistPromoted { .. } => "WaitlistPromoted",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

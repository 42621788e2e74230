use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;

/// Facts about one series. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SeriesEvent {
    SeriesCreated {
        slug: String,
        name: String,
        at: Timestamp,
    },
    ConferenceRegistered {
        conference_id: Uuid,
        slug: String,
        year: i32,
        at: Timestamp,
    },
    /// `previous` is the conference this activation deactivates, if any (MY-2).
    ConferenceActivated {
        conference_id: Uuid,
        previous: Option<Uuid>,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for SeriesEvent {
    fn event_type(&self) -> String {
        match self {
            Self::SeriesCreated { .. } => "SeriesCreated",
            Self::ConferenceRegistered { .. } => "ConferenceRegistered",
            Self::ConferenceActivated { .. } => "ConferenceActivated",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

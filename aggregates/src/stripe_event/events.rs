use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;

/// Facts about one Stripe event. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StripeEventEvent {
    /// A verified delivery was accepted for processing. `attempt` counts the
    /// accepted deliveries of this event, from 1.
    StripeEventReceived {
        event_id: String,
        kind: String,
        endpoint_conference_id: Uuid,
        order_id: Option<Uuid>,
        conference_id: Option<Uuid>,
        payload_digest: String,
        attempt: u32,
        at: Timestamp,
    },
    StripeEventProcessed {
        at: Timestamp,
    },
    /// `error` is at most 500 characters (PAY-44).
    StripeEventFailed {
        error: String,
        at: Timestamp,
    },
    StripeEventRefused {
        endpoint_conference_id: Uuid,
        reason: String,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for StripeEventEvent {
    fn event_type(&self) -> String {
        match self {
            Self::StripeEventReceived { .. } => "StripeEventReceived",
            Self::StripeEventProcessed { .. } => "StripeEventProcessed",
            Self::StripeEventFailed { .. } => "StripeEventFailed",
            Self::StripeEventRefused { .. } => "StripeEventRefused",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

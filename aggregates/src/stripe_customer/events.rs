use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;

/// Facts about the Stripe customer of one (conference, user). Names are a stored
/// format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StripeCustomerEvent {
    StripeCustomerRecorded {
        conference_id: Uuid,
        user: Uuid,
        stripe_customer_id: String,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for StripeCustomerEvent {
    fn event_type(&self) -> String {
        match self {
            Self::StripeCustomerRecorded { .. } => "StripeCustomerRecorded",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

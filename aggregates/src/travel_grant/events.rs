use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{GrantApplication, GrantStatus, SealedPaymentInfo};
use crate::Timestamp;

/// Facts about one travel grant. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum GrantEvent {
    GrantApplied {
        conference_id: Uuid,
        applicant: Uuid,
        application: GrantApplication,
        at: Timestamp,
    },
    GrantApplicationEdited {
        application: GrantApplication,
        at: Timestamp,
    },
    GrantWithdrawn {
        at: Timestamp,
    },
    GrantOfferAccepted {
        at: Timestamp,
    },
    GrantOfferDeclined {
        at: Timestamp,
    },
    GrantInfoProvided {
        at: Timestamp,
    },
    /// A reviewer's save (GRANT-19): every reviewer field as saved, with the
    /// status it left and the one it set.
    GrantReviewed {
        by: Uuid,
        was: GrantStatus,
        status: GrantStatus,
        approved_amount: Option<Decimal>,
        promo_code: String,
        reviewer_notes: String,
        at: Timestamp,
    },
    GrantMessagePosted {
        author: Uuid,
        from_reviewer: bool,
        text: String,
        visible: bool,
        at: Timestamp,
    },
    GrantDisbursed {
        by: Uuid,
        amount: Decimal,
        at: Timestamp,
    },
    GrantPaymentInfoRecorded {
        info: Box<SealedPaymentInfo>,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for GrantEvent {
    fn event_type(&self) -> String {
        match self {
            Self::GrantApplied { .. } => "GrantApplied",
            Self::GrantApplicationEdited { .. } => "GrantApplicationEdited",
            Self::GrantWithdrawn { .. } => "GrantWithdrawn",
            Self::GrantOfferAccepted { .. } => "GrantOfferAccepted",
            Self::GrantOfferDeclined { .. } => "GrantOfferDeclined",
            Self::GrantInfoProvided { .. } => "GrantInfoProvided",
            Self::GrantReviewed { .. } => "GrantReviewed",
            Self::GrantMessagePosted { .. } => "GrantMessagePosted",
            Self::GrantDisbursed { .. } => "GrantDisbursed",
            Self::GrantPaymentInfoRecorded { .. } => "GrantPaymentInfoRecorded",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

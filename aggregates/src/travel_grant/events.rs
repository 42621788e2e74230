use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{GrantApplication, GrantStatus, ReceiptUpload, SealedPaymentInfo};
use crate::Timestamp;
use crate::user::Sealed;

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
    /// A message. Since messages are sealed, `text` holds only the fixed texts
    /// of GRANT-15/16 and `sealed_text` a person's words (under the applicant's
    /// key); events written before hold their words plain in `text`.
    GrantMessagePosted {
        author: Uuid,
        from_reviewer: bool,
        #[serde(default)]
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed_text: Option<Sealed>,
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
    /// GRANT-29…31.
    GrantReceiptUploaded {
        receipt: Box<ReceiptUpload>,
        at: Timestamp,
    },
    /// GRANT-33: its file is removed with it.
    GrantReceiptDeleted {
        receipt_id: Uuid,
        at: Timestamp,
    },
    /// GRANT-34.
    GrantReceiptApproved {
        receipt_id: Uuid,
        by: Uuid,
        at: Timestamp,
    },
    /// GRANT-34.
    GrantReceiptFlagged {
        receipt_id: Uuid,
        by: Uuid,
        reason: String,
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
            Self::GrantReceiptUploaded { .. } => "GrantReceiptUploaded",
            Self::GrantReceiptDeleted { .. } => "GrantReceiptDeleted",
            Self::GrantReceiptApproved { .. } => "GrantReceiptApproved",
            Self::GrantReceiptFlagged { .. } => "GrantReceiptFlagged",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

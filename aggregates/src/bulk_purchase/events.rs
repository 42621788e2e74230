use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{BulkTerms, VoucherConfig};
use crate::Timestamp;

/// Facts about a bulk purchase. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BulkPurchaseEvent {
    BulkPurchaseRequested {
        conference_id: Uuid,
        terms: BulkTerms,
        at: Timestamp,
    },
    BulkPurchaseApproved {
        by: Uuid,
        /// The voucher configuration as it now stands, when the approval set it.
        #[serde(default)]
        voucher_config: Option<VoucherConfig>,
        at: Timestamp,
    },
    BulkCheckoutStarted {
        session_id: String,
        at: Timestamp,
    },
    /// The codes newly linked (the earlier ones stay linked).
    BulkPurchaseFulfilled {
        codes: Vec<String>,
        #[serde(default)]
        payment_intent: Option<String>,
        at: Timestamp,
    },
    BulkPurchaseFailed {
        reason: String,
        #[serde(default)]
        payment_intent: Option<String>,
        at: Timestamp,
    },
    BulkPurchaseRefunded {
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for BulkPurchaseEvent {
    fn event_type(&self) -> String {
        match self {
            Self::BulkPurchaseRequested { .. } => "BulkPurchaseRequested",
            Self::BulkPurchaseApproved { .. } => "BulkPurchaseApproved",
            Self::BulkCheckoutStarted { .. } => "BulkCheckoutStarted",
            Self::BulkPurchaseFulfilled { .. } => "BulkPurchaseFulfilled",
            Self::BulkPurchaseFailed { .. } => "BulkPurchaseFailed",
            Self::BulkPurchaseRefunded { .. } => "BulkPurchaseRefunded",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::IssuedCredit;
use crate::Timestamp;

/// Facts about one credit. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CreditEvent {
    /// Written as `{"CreditIssued": {credit_id, …, at}}`, as before it had a type.
    CreditIssued(IssuedCredit),
    /// `remaining` is the balance left after it.
    CreditApplied {
        order_id: Uuid,
        payment_id: Uuid,
        amount: Decimal,
        remaining: Decimal,
        at: Timestamp,
    },
    /// `amount` came back; `remaining` is the balance after it.
    CreditRestored {
        order_id: Uuid,
        payment_id: Uuid,
        amount: Decimal,
        remaining: Decimal,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for CreditEvent {
    fn event_type(&self) -> String {
        match self {
            Self::CreditIssued { .. } => "CreditIssued",
            Self::CreditApplied { .. } => "CreditApplied",
            Self::CreditRestored { .. } => "CreditRestored",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

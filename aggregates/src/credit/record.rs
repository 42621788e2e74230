//! The one shape of a credit as it stands: the aggregate decides on it and the
//! credits projection stores it as the credit's row, so its fold
//! ([`CreditRecord::evolve`]) is written once, here. A stored format (projection
//! rows): never rename a field.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CreditApplication, CreditEvent, CreditSource, CreditStatus};
use crate::Timestamp;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreditRecord {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub user: Uuid,
    pub amount: Decimal,
    /// What can still be spent (0 for a credit note).
    pub remaining: Decimal,
    /// False for a credit note: a record of money returned to the card (AMB-9).
    pub spendable: bool,
    /// PAY-15 plus `credit_note`, stored lower_snake_case.
    pub status: CreditStatus,
    pub source: CreditSource,
    /// PAY-18: the order whose refund issued it.
    pub source_order: Option<Uuid>,
    /// PAY-18: the last order it paid.
    pub applied_to_order: Option<Uuid>,
    pub applications: Vec<CreditApplication>,
    pub issued_at: Timestamp,
}

impl CreditRecord {
    /// The use of the credit by this payment.
    pub fn application(&self, payment_id: Uuid) -> Option<&CreditApplication> {
        self.applications
            .iter()
            .find(|a| a.payment_id == payment_id)
    }

    /// Folds one event of the credit's stream (`CreditIssued` makes the record).
    pub fn evolve(&mut self, event: &CreditEvent) {
        use CreditEvent::*;
        match event {
            CreditIssued {
                credit_id,
                conference_id,
                user,
                amount,
                spendable,
                source,
                at,
            } => {
                *self = CreditRecord {
                    id: *credit_id,
                    conference_id: *conference_id,
                    user: *user,
                    amount: *amount,
                    // PAY-17; a credit note has nothing to spend (AMB-9).
                    remaining: if *spendable { *amount } else { Decimal::ZERO },
                    spendable: *spendable,
                    status: if *spendable {
                        CreditStatus::Available
                    } else {
                        CreditStatus::CreditNote
                    },
                    source: source.clone(),
                    source_order: match source {
                        CreditSource::Refund { order_id, .. } => Some(*order_id),
                        CreditSource::Manual { .. } => None,
                    },
                    applied_to_order: None,
                    applications: Vec::new(),
                    issued_at: *at,
                }
            }
            CreditApplied {
                order_id,
                payment_id,
                amount,
                remaining,
                at,
            } => {
                self.remaining = *remaining;
                self.applied_to_order = Some(*order_id);
                if *remaining <= Decimal::ZERO {
                    self.status = CreditStatus::Applied; // PAY-20
                }
                self.applications.push(CreditApplication {
                    order_id: *order_id,
                    payment_id: *payment_id,
                    amount: *amount,
                    at: *at,
                    restored: false,
                });
            }
            CreditRestored {
                order_id,
                payment_id,
                remaining,
                ..
            } => {
                self.remaining = *remaining;
                if self.status == CreditStatus::Applied {
                    self.status = CreditStatus::Available;
                }
                // ORDER-18: it loses applied_to_order.
                if self.applied_to_order == Some(*order_id) {
                    self.applied_to_order = None;
                }
                for a in self
                    .applications
                    .iter_mut()
                    .filter(|a| a.payment_id == *payment_id)
                {
                    a.restored = true;
                }
            }
        }
    }
}

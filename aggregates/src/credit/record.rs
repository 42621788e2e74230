//! The one shape of a credit. [`IssuedCredit`] is what issuing decides: the
//! command carries it and the `CreditIssued` event stores it. [`CreditRecord`] is
//! the credit as it stands: the aggregate decides on it and the credits projection
//! stores it as the credit's row, so its fold ([`CreditRecord::evolve`]) is
//! written once, here. Both are stored formats: never rename a field.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CreditApplication, CreditEvent, CreditSource, CreditStatus};
use crate::Timestamp;

/// PAY-17/28 with AMB-9: a store credit (`spendable`) or a credit note that
/// records a refund to the card (not spendable).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredit {
    pub credit_id: Uuid,
    pub conference_id: Uuid,
    pub user: Uuid,
    pub amount: Decimal,
    pub spendable: bool,
    pub source: CreditSource,
    /// When it was issued: the aggregate stamps its own clock on the event,
    /// whatever the command said.
    pub at: Timestamp,
}

impl IssuedCredit {
    /// The same credit, whenever it was asked for: issuing it again is a no-op.
    pub fn same_as(&self, other: &IssuedCredit) -> bool {
        IssuedCredit {
            at: other.at,
            ..self.clone()
        } == *other
    }
}

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
            CreditIssued(issued) => {
                let spendable = issued.spendable;
                *self = CreditRecord {
                    id: issued.credit_id,
                    conference_id: issued.conference_id,
                    user: issued.user,
                    amount: issued.amount,
                    // PAY-17; a credit note has nothing to spend (AMB-9).
                    remaining: if spendable {
                        issued.amount
                    } else {
                        Decimal::ZERO
                    },
                    spendable,
                    status: if spendable {
                        CreditStatus::Available
                    } else {
                        CreditStatus::CreditNote
                    },
                    source: issued.source.clone(),
                    source_order: match issued.source {
                        CreditSource::Refund { order_id, .. } => Some(order_id),
                        CreditSource::Manual { .. } => None,
                    },
                    applied_to_order: None,
                    applications: Vec::new(),
                    issued_at: issued.at,
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

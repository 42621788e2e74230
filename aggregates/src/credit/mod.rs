//! A credit (SPEC PAY-15…21, PAY-28 with AMB-9/20/22): store credit a user can spend
//! on their own orders at the same conference, or a non-spendable credit note that
//! records a refund to the card.

mod commands;
mod errors;
mod events;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::CreditCommand;
pub use errors::CreditError;
pub use events::CreditEvent;

use crate::{DomainServices, Timestamp};

/// PAY-15 statuses, stored lower_snake_case; `credit_note` (AMB-9) is a record of
/// money returned to the card, never spendable. Nothing sets `expired` (AMB-20).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditStatus {
    #[default]
    Available,
    Applied,
    Expired,
    CreditNote,
}

/// Where a credit comes from (PAY-18 source_order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditSource {
    Refund { order_id: Uuid, refund_id: Uuid },
    Manual { note: String },
}

/// One use of the credit on an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditApplication {
    pub order_id: Uuid,
    pub payment_id: Uuid,
    pub amount: Decimal,
    pub at: Timestamp,
    /// Given back by a cancellation or expiry (ORDER-18, AMB-22).
    pub restored: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Credit {
    issued: bool,
    credit_id: Uuid,
    conference_id: Uuid,
    user: Uuid,
    amount: Decimal,
    remaining: Decimal,
    spendable: bool,
    source: Option<CreditSource>,
    status: CreditStatus,
    /// PAY-18: the last order it paid.
    applied_to_order: Option<Uuid>,
    applications: Vec<CreditApplication>,
    issued_at: Option<Timestamp>,
}

impl Credit {
    pub fn exists(&self) -> bool {
        self.issued
    }
    pub fn credit_id(&self) -> Uuid {
        self.credit_id
    }
    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }
    pub fn user(&self) -> Uuid {
        self.user
    }
    pub fn amount(&self) -> Decimal {
        self.amount
    }
    /// What can still be spent (0 for a credit note).
    pub fn remaining(&self) -> Decimal {
        self.remaining
    }
    pub fn is_spendable(&self) -> bool {
        self.spendable
    }
    pub fn source(&self) -> Option<&CreditSource> {
        self.source.as_ref()
    }
    pub fn status(&self) -> CreditStatus {
        self.status
    }
    pub fn applied_to_order(&self) -> Option<Uuid> {
        self.applied_to_order
    }
    pub fn applications(&self) -> &[CreditApplication] {
        &self.applications
    }
    pub fn issued_at(&self) -> Option<Timestamp> {
        self.issued_at
    }

    /// Pure: state + command + now -> facts. No I/O, no clock. A refusal writes
    /// nothing.
    pub fn decide(
        &self,
        cmd: CreditCommand,
        now: Timestamp,
    ) -> Result<Vec<CreditEvent>, CreditError> {
        use CreditCommand::*;
        use CreditEvent::*;
        if let Issue {
            credit_id,
            conference_id,
            user,
            amount,
            spendable,
            source,
        } = cmd
        {
            if self.issued {
                let same = self.credit_id == credit_id
                    && self.conference_id == conference_id
                    && self.user == user
                    && self.amount == amount
                    && self.spendable == spendable
                    && self.source.as_ref() == Some(&source);
                return if same {
                    Ok(vec![])
                } else {
                    Err(CreditError::AlreadyIssued)
                };
            }
            if amount <= Decimal::ZERO {
                return Err(CreditError::AmountNotPositive);
            }
            return Ok(vec![CreditIssued {
                credit_id,
                conference_id,
                user,
                amount,
                spendable,
                source,
                at: now,
            }]);
        }
        if !self.issued {
            return Err(CreditError::NotFound);
        }
        match cmd {
            Issue { .. } => Ok(vec![]), // handled above
            Apply {
                order_id,
                payment_id,
                amount,
                order_user,
                order_conference,
            } => {
                if self.application(payment_id).is_some() {
                    return Ok(vec![]);
                }
                // PAY-19 order: available, same user, same conference, balance left.
                if self.status != CreditStatus::Available {
                    return Err(CreditError::NotAvailable);
                }
                if order_user != self.user {
                    return Err(CreditError::WrongUser);
                }
                if order_conference != self.conference_id {
                    return Err(CreditError::WrongConference);
                }
                if self.remaining <= Decimal::ZERO {
                    return Err(CreditError::NoRemainingBalance);
                }
                if amount <= Decimal::ZERO {
                    return Err(CreditError::ApplyAmountNotPositive);
                }
                if amount > self.remaining {
                    return Err(CreditError::ExceedsRemaining {
                        amount,
                        remaining: self.remaining,
                    });
                }
                Ok(vec![CreditApplied {
                    order_id,
                    payment_id,
                    amount,
                    remaining: self.remaining - amount,
                    at: now,
                }])
            }
            Restore {
                order_id,
                payment_id,
            } => {
                let applied = self
                    .application(payment_id)
                    .filter(|a| a.order_id == order_id)
                    .ok_or(CreditError::NotApplied)?;
                if applied.restored {
                    return Ok(vec![]);
                }
                // ORDER-18: regains min(payment amount, amount − remaining).
                let back = applied
                    .amount
                    .min(self.amount - self.remaining)
                    .max(Decimal::ZERO);
                Ok(vec![CreditRestored {
                    order_id,
                    payment_id,
                    amount: back,
                    remaining: self.remaining + back,
                    at: now,
                }])
            }
        }
    }

    fn application(&self, payment_id: Uuid) -> Option<&CreditApplication> {
        self.applications
            .iter()
            .find(|a| a.payment_id == payment_id)
    }

    fn evolve(&mut self, event: CreditEvent) {
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
                *self = Credit {
                    issued: true,
                    credit_id,
                    conference_id,
                    user,
                    amount,
                    // PAY-17; a credit note has nothing to spend (AMB-9).
                    remaining: if spendable { amount } else { Decimal::ZERO },
                    spendable,
                    source: Some(source),
                    status: if spendable {
                        CreditStatus::Available
                    } else {
                        CreditStatus::CreditNote
                    },
                    applied_to_order: None,
                    applications: Vec::new(),
                    issued_at: Some(at),
                }
            }
            CreditApplied {
                order_id,
                payment_id,
                amount,
                remaining,
                at,
            } => {
                self.remaining = remaining;
                self.applied_to_order = Some(order_id);
                if remaining <= Decimal::ZERO {
                    self.status = CreditStatus::Applied; // PAY-20
                }
                self.applications.push(CreditApplication {
                    order_id,
                    payment_id,
                    amount,
                    at,
                    restored: false,
                });
            }
            CreditRestored {
                order_id,
                payment_id,
                remaining,
                ..
            } => {
                self.remaining = remaining;
                if self.status == CreditStatus::Applied {
                    self.status = CreditStatus::Available;
                }
                if self.applied_to_order == Some(order_id) {
                    self.applied_to_order = None;
                }
                if let Some(a) = self
                    .applications
                    .iter_mut()
                    .find(|a| a.payment_id == payment_id)
                {
                    a.restored = true;
                }
            }
        }
    }
}

impl Aggregate for Credit {
    const TYPE: &'static str = "credit";
    type Command = CreditCommand;
    type Event = CreditEvent;
    type Error = CreditError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for fact in self.decide(command, services.now())? {
            sink.write(fact, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.evolve(event)
    }
}

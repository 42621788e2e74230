//! A credit (SPEC PAY-15…21, PAY-28 with AMB-9/20/22): store credit a user can spend
//! on their own orders at the same conference, or a non-spendable credit note that
//! records a refund to the card.

mod commands;
mod errors;
mod events;
mod record;
#[cfg(test)]
mod tests;

use std::ops::Deref;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::CreditCommand;
pub use errors::CreditError;
pub use events::CreditEvent;
pub use record::{CreditRecord, IssuedCredit};

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

/// Only the empty record of a credit not issued yet has no real source.
impl Default for CreditSource {
    fn default() -> Self {
        Self::Manual {
            note: String::new(),
        }
    }
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

/// The credit's state: its [`CreditRecord`], the same record the credits
/// projection serves, folded by the same code.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Credit {
    /// What issued it: issuing the same again is a no-op.
    issued: Option<IssuedCredit>,
    record: CreditRecord,
}

/// Decisions read the record's fields as the credit's own.
impl Deref for Credit {
    type Target = CreditRecord;
    fn deref(&self) -> &CreditRecord {
        &self.record
    }
}

impl Credit {
    pub fn exists(&self) -> bool {
        self.issued.is_some()
    }
    /// The credit as it stands (a default record before it is issued).
    pub fn record(&self) -> &CreditRecord {
        &self.record
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
        if let Issue(asked) = cmd {
            if let Some(issued) = &self.issued {
                return if issued.same_as(&asked) {
                    Ok(vec![])
                } else {
                    Err(CreditError::AlreadyIssued)
                };
            }
            if asked.amount <= Decimal::ZERO {
                return Err(CreditError::AmountNotPositive);
            }
            return Ok(vec![CreditIssued(IssuedCredit { at: now, ..asked })]);
        }
        if self.issued.is_none() {
            return Err(CreditError::NotFound);
        }
        match cmd {
            Issue(_) => Ok(vec![]), // handled above
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

    fn evolve(&mut self, event: CreditEvent) {
        if let CreditEvent::CreditIssued(issued) = &event {
            self.issued = Some(issued.clone());
        }
        self.record.evolve(&event);
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

//! An order (SPEC ORDER-*, PAY payments and refunds): placed pending by checkout,
//! paid by any mix of payments, cancelled or expired while pending, refunded once
//! paid. Every path to paid emits exactly one `OrderPaid` (AMB-6/7); card money
//! arriving for an order no longer awaiting payment is recorded and flagged (AMB-6).

mod commands;
mod decide;
mod errors;
mod events;
mod model;
mod payments;
mod record;
mod refunds;
mod terminal;
#[cfg(test)]
mod tests;

use std::ops::Deref;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::OrderCommand;
pub use decide::is_valid_reference;
pub use errors::OrderError;
pub use events::OrderEvent;
pub use model::{
    AttemptStatus, CancelReason, Dispute, OrderLine, OrderStatus, Payment, PaymentMethod,
    PaymentStatus, Refund, RefundReason, RefundTo, TerminalCaptureStatus, TerminalPayment,
    VoucherDetails, card_refund_idempotency_key,
};
pub use record::{OrderRecord, PaymentAttempt, PlacedOrder};
pub use terminal::terminal_payment_id;

use crate::DomainServices;

/// The order's state: its [`OrderRecord`] (the same record the orders
/// projection serves, folded by the same code), and the one thing only the
/// aggregate keeps: each intent's client secret, returned again to a retried
/// payment (PAY-7/8) and never shown in a read model.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Order {
    placed: bool,
    record: OrderRecord,
    client_secrets: Vec<(Uuid, String)>,
}

impl Order {
    pub fn exists(&self) -> bool {
        self.placed
    }
    /// The order as it stands (a default record before it is placed).
    pub fn record(&self) -> &OrderRecord {
        &self.record
    }
    /// The client secret of the attempt's intent, once created.
    pub fn client_secret(&self, attempt_id: Uuid) -> Option<&str> {
        self.client_secrets
            .iter()
            .find(|(id, _)| *id == attempt_id)
            .map(|(_, secret)| secret.as_str())
    }

    fn evolve(&mut self, event: OrderEvent) {
        match &event {
            OrderEvent::OrderPlaced(_) => self.placed = true,
            OrderEvent::PaymentIntentCreated {
                attempt_id,
                client_secret,
                ..
            } if self.client_secret(*attempt_id).is_none() => {
                self.client_secrets
                    .push((*attempt_id, client_secret.clone()));
            }
            _ => {}
        }
        self.record.evolve(&event);
    }
}

/// Decisions read the record's fields as the order's own.
impl Deref for Order {
    type Target = OrderRecord;
    fn deref(&self) -> &OrderRecord {
        &self.record
    }
}

impl Aggregate for Order {
    const TYPE: &'static str = "order";
    type Command = OrderCommand;
    type Event = OrderEvent;
    type Error = OrderError;
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

//! Which order a Stripe Terminal intent pays (PAY-35/36): one stream per intent
//! (`natural_id("terminal_intent", intent id)`), written when the intent is made
//! at the desk. Capture and cancel find the order, and its conference, from the
//! intent alone: an intent made without an order (PAY-34) carries no `order_id`
//! in its Stripe metadata, so Stripe cannot tell.

#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DomainServices, Timestamp};

/// The aggregate type, and the `kind` of its natural ids.
pub const TYPE: &str = "terminal_intent";

/// The stream id of a Stripe PaymentIntent id.
pub fn stream_id(payment_intent_id: &str) -> Uuid {
    crate::natural_id(TYPE, payment_intent_id)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TerminalIntentCommand {
    /// PAY-35: the intent pays `order_id` of `conference_id`. Registering the same
    /// again is a no-op.
    Register {
        payment_intent_id: String,
        conference_id: Uuid,
        order_id: Uuid,
        reader_id: String,
    },
}

/// Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TerminalIntentEvent {
    TerminalIntentRegistered {
        payment_intent_id: String,
        conference_id: Uuid,
        order_id: Uuid,
        reader_id: String,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for TerminalIntentEvent {
    fn event_type(&self) -> String {
        match self {
            Self::TerminalIntentRegistered { .. } => "TerminalIntentRegistered",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TerminalIntentError {
    #[error("A payment intent id must not be blank.")]
    BlankIntent,
    /// The intent is registered for another order.
    #[error("This payment intent already pays another order.")]
    AnotherOrder,
    #[error("amount must be a decimal greater than zero")]
    InvalidAmount, // PAY-39
    #[error("reader_id is required")]
    ReaderRequired,
    #[error("Either order_id or amount is required")]
    OrderOrAmountRequired,
}

impl TerminalIntentError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidAmount => "terminal.invalid_amount",
            Self::ReaderRequired => "terminal.reader_required",
            Self::OrderOrAmountRequired => "terminal.order_or_amount_required",
            Self::BlankIntent => "terminal_intent.blank_intent",
            Self::AnotherOrder => "terminal_intent.another_order",
        }
    }

    pub fn is_not_found(&self) -> bool {
        false
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct TerminalIntent {
    payment_intent_id: String,
    conference_id: Uuid,
    order_id: Option<Uuid>,
    reader_id: String,
}

impl TerminalIntent {
    pub fn exists(&self) -> bool {
        self.order_id.is_some()
    }
    pub fn payment_intent_id(&self) -> &str {
        &self.payment_intent_id
    }
    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }
    pub fn order_id(&self) -> Option<Uuid> {
        self.order_id
    }
    pub fn reader_id(&self) -> &str {
        &self.reader_id
    }

    /// Pure: state + command + now -> facts.
    pub fn decide(
        &self,
        cmd: TerminalIntentCommand,
        now: Timestamp,
    ) -> Result<Vec<TerminalIntentEvent>, TerminalIntentError> {
        let TerminalIntentCommand::Register {
            payment_intent_id,
            conference_id,
            order_id,
            reader_id,
        } = cmd;
        if payment_intent_id.trim().is_empty() {
            return Err(TerminalIntentError::BlankIntent);
        }
        match self.order_id {
            Some(known) if known == order_id && self.conference_id == conference_id => Ok(vec![]),
            Some(_) => Err(TerminalIntentError::AnotherOrder),
            None => Ok(vec![TerminalIntentEvent::TerminalIntentRegistered {
                payment_intent_id,
                conference_id,
                order_id,
                reader_id,
                at: now,
            }]),
        }
    }

    fn evolve(&mut self, event: TerminalIntentEvent) {
        match event {
            TerminalIntentEvent::TerminalIntentRegistered {
                payment_intent_id,
                conference_id,
                order_id,
                reader_id,
                ..
            } => {
                self.payment_intent_id = payment_intent_id;
                self.conference_id = conference_id;
                self.order_id = Some(order_id);
                self.reader_id = reader_id;
            }
        }
    }
}

impl Aggregate for TerminalIntent {
    const TYPE: &'static str = TYPE;
    type Command = TerminalIntentCommand;
    type Event = TerminalIntentEvent;
    type Error = TerminalIntentError;
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

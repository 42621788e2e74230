//! The record of one Stripe event: deduplication and retry bookkeeping of webhook
//! deliveries (SPEC PAY-40…44, PAY-53).
//!
//! One stream per Stripe event id (`natural_id("stripe_event", event_id)`). Every
//! delivery whose signature verified sends `Receive`:
//! - a new event, one still in flight (an earlier delivery crashed or timed out), or
//!   one whose processing failed is accepted (`StripeEventReceived`) and must be
//!   processed, then `MarkProcessed` or `MarkFailed`;
//! - an event already processed is refused with `AlreadyProcessed`
//!   (`is_duplicate()`): the delivery is answered 200 and changes nothing;
//! - an event that this endpoint's conference refused (PAY-53) is refused with
//!   `AlreadyRefused` (`is_duplicate()`).
//!
//! Refusals are per receiving conference: a Stripe account that serves several
//! conferences sends every event to every endpoint, so the endpoint of conference A
//! refusing an event that names an order of conference B must not stop B's endpoint
//! from processing it.

mod commands;
mod errors;
mod events;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::StripeEventCommand;
pub use errors::StripeEventError;
pub use events::StripeEventEvent;

use crate::{DomainServices, Timestamp};

/// The aggregate type, and the `kind` of its natural ids.
pub const TYPE: &str = "stripe_event";

/// PAY-44: a failure message keeps its first 500 characters.
pub const MAX_ERROR_CHARS: usize = 500;

/// The stream id of a Stripe event id.
pub fn stream_id(event_id: &str) -> Uuid {
    crate::natural_id(TYPE, event_id)
}

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StripeEventStatus {
    /// Accepted, being processed (or its processing crashed).
    Received,
    /// Processed: every later delivery is a duplicate.
    Processed,
    /// The last processing failed: the next delivery is processed again.
    Failed,
    /// The last decision was a refusal for the receiving conference (PAY-53).
    Refused,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StripeEventRecord {
    event_id: String,
    kind: String,
    status: Option<StripeEventStatus>,
    order_id: Option<Uuid>,
    conference_id: Option<Uuid>,
    /// The receiving conference of the latest accepted delivery.
    endpoint_conference_id: Option<Uuid>,
    payload_digest: String,
    attempts: u32,
    last_error: Option<String>,
    refused_for: BTreeSet<Uuid>,
}

impl StripeEventRecord {
    pub fn exists(&self) -> bool {
        self.status.is_some()
    }

    pub fn status(&self) -> Option<StripeEventStatus> {
        self.status
    }

    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    pub fn kind(&self) -> &str {
        &self.kind
    }

    pub fn order_id(&self) -> Option<Uuid> {
        self.order_id
    }

    pub fn conference_id(&self) -> Option<Uuid> {
        self.conference_id
    }

    pub fn endpoint_conference_id(&self) -> Option<Uuid> {
        self.endpoint_conference_id
    }

    pub fn payload_digest(&self) -> &str {
        &self.payload_digest
    }

    /// How many deliveries were accepted for processing.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    pub fn is_processed(&self) -> bool {
        self.status == Some(StripeEventStatus::Processed)
    }

    pub fn is_refused_for(&self, endpoint_conference_id: &Uuid) -> bool {
        self.refused_for.contains(endpoint_conference_id)
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: StripeEventCommand,
        now: Timestamp,
    ) -> Result<Vec<StripeEventEvent>, StripeEventError> {
        use StripeEventCommand::*;
        use StripeEventEvent::*;
        Ok(match cmd {
            Receive {
                event_id,
                kind,
                endpoint_conference_id,
                order_id,
                conference_id,
                payload_digest,
            } => {
                if event_id.trim().is_empty() {
                    return Err(StripeEventError::BlankEventId);
                }
                if self.exists() {
                    if event_id != self.event_id {
                        return Err(StripeEventError::EventIdMismatch);
                    }
                    if self.is_processed() {
                        return Err(StripeEventError::AlreadyProcessed); // PAY-41
                    }
                    if self.is_refused_for(&endpoint_conference_id) {
                        return Err(StripeEventError::AlreadyRefused); // PAY-53
                    }
                }
                // New, in flight (an earlier delivery crashed or timed out), failed,
                // or refused only by another conference's endpoint: process it.
                vec![StripeEventReceived {
                    event_id,
                    kind,
                    endpoint_conference_id,
                    order_id,
                    conference_id,
                    payload_digest,
                    attempt: self.attempts.saturating_add(1),
                    at: now,
                }]
            }
            MarkProcessed => match self.status {
                None => return Err(StripeEventError::NotFound),
                Some(StripeEventStatus::Processed) => vec![],
                Some(_) => vec![StripeEventProcessed { at: now }],
            },
            MarkFailed { error } => {
                let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
                match self.status {
                    None => return Err(StripeEventError::NotFound),
                    Some(StripeEventStatus::Processed) => {
                        return Err(StripeEventError::AlreadyProcessed);
                    }
                    Some(StripeEventStatus::Failed)
                        if self.last_error.as_deref() == Some(error.as_str()) =>
                    {
                        vec![] // the same failure reported again
                    }
                    Some(_) => vec![StripeEventFailed { error, at: now }],
                }
            }
            Refuse {
                endpoint_conference_id,
                reason,
            } => match self.status {
                None => return Err(StripeEventError::NotFound),
                Some(StripeEventStatus::Processed) => {
                    return Err(StripeEventError::AlreadyProcessed);
                }
                Some(_) if self.is_refused_for(&endpoint_conference_id) => vec![],
                Some(_) => vec![StripeEventRefused {
                    endpoint_conference_id,
                    reason,
                    at: now,
                }],
            },
        })
    }

    fn evolve(&mut self, event: StripeEventEvent) {
        use StripeEventEvent::*;
        match event {
            StripeEventReceived {
                event_id,
                kind,
                endpoint_conference_id,
                order_id,
                conference_id,
                payload_digest,
                attempt,
                ..
            } => {
                self.event_id = event_id;
                self.kind = kind;
                self.endpoint_conference_id = Some(endpoint_conference_id);
                self.order_id = order_id;
                self.conference_id = conference_id;
                self.payload_digest = payload_digest;
                self.attempts = attempt;
                self.status = Some(StripeEventStatus::Received);
            }
            StripeEventProcessed { .. } => self.status = Some(StripeEventStatus::Processed),
            StripeEventFailed { error, .. } => {
                self.last_error = Some(error);
                self.status = Some(StripeEventStatus::Failed);
            }
            StripeEventRefused {
                endpoint_conference_id,
                ..
            } => {
                self.refused_for.insert(endpoint_conference_id);
                self.status = Some(StripeEventStatus::Refused);
            }
        }
    }
}

impl Aggregate for StripeEventRecord {
    const TYPE: &'static str = TYPE;
    type Command = StripeEventCommand;
    type Event = StripeEventEvent;
    type Error = StripeEventError;
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

//! The Stripe customer of a user in a conference (SPEC PAY-5, PAY-11).
//!
//! One stream per (conference, user): `natural_id("stripe_customer",
//! "<conference id>/<user id>")`, so a user has at most one customer per conference
//! whatever the concurrency. The customer is created in Stripe first, with the
//! idempotency key `customer-<conference id>-<user id>`, then recorded here; two
//! concurrent first payments ask Stripe with the same key and get the same
//! customer, and should Stripe ever answer with another one, the first recorded
//! stays: every caller then uses the stored record.

mod commands;
mod errors;
mod events;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::StripeCustomerCommand;
pub use errors::StripeCustomerError;
pub use events::StripeCustomerEvent;

use crate::{DomainServices, Timestamp};

/// The aggregate type, and the `kind` of its natural ids.
pub const TYPE: &str = "stripe_customer";

/// The stream id of the Stripe customer of `user` in `conference_id`.
pub fn stream_id(conference_id: Uuid, user: Uuid) -> Uuid {
    crate::natural_id(TYPE, &format!("{conference_id}/{user}"))
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StripeCustomer {
    conference_id: Uuid,
    user: Uuid,
    stripe_customer_id: Option<String>,
    recorded_at: Option<Timestamp>,
}

impl StripeCustomer {
    pub fn exists(&self) -> bool {
        self.stripe_customer_id.is_some()
    }

    /// `cus_…`, once recorded.
    pub fn stripe_customer_id(&self) -> Option<&str> {
        self.stripe_customer_id.as_deref()
    }

    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }

    pub fn user(&self) -> Uuid {
        self.user
    }

    pub fn recorded_at(&self) -> Option<Timestamp> {
        self.recorded_at
    }

    /// Pure: state + command + now -> facts.
    pub fn decide(
        &self,
        cmd: StripeCustomerCommand,
        now: Timestamp,
    ) -> Result<Vec<StripeCustomerEvent>, StripeCustomerError> {
        use StripeCustomerCommand::*;
        match cmd {
            Record {
                conference_id,
                user,
                stripe_customer_id,
            } => {
                let stripe_customer_id = stripe_customer_id.trim().to_string();
                if stripe_customer_id.is_empty() {
                    return Err(StripeCustomerError::BlankCustomerId);
                }
                if self.exists() {
                    if self.conference_id != conference_id || self.user != user {
                        return Err(StripeCustomerError::KeyMismatch);
                    }
                    // PAY-11: the stored record wins.
                    return Ok(vec![]);
                }
                Ok(vec![StripeCustomerEvent::StripeCustomerRecorded {
                    conference_id,
                    user,
                    stripe_customer_id,
                    at: now,
                }])
            }
        }
    }

    fn evolve(&mut self, event: StripeCustomerEvent) {
        match event {
            StripeCustomerEvent::StripeCustomerRecorded {
                conference_id,
                user,
                stripe_customer_id,
                at,
            } => {
                self.conference_id = conference_id;
                self.user = user;
                self.stripe_customer_id = Some(stripe_customer_id);
                self.recorded_at = Some(at);
            }
        }
    }
}

impl Aggregate for StripeCustomer {
    const TYPE: &'static str = TYPE;
    type Command = StripeCustomerCommand;
    type Event = StripeCustomerEvent;
    type Error = StripeCustomerError;
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

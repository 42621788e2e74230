//! One outgoing message (an e-mail) of the outbox (MSG-*): recorded before it is
//! sent, sent once, retried with backoff, dead-lettered after the last attempt.
//!
//! The stream id is derived from the fact the message follows ([`message_id`]),
//! so reading the log again records nothing twice (MSG-1). The message holds no
//! personal data: it names its recipient by user id and carries the template's
//! values; the sender opens the address and renders the text when it sends.
//!
//! Sending: a sender claims the message for a lease (`MessageSendStarted`)
//! before it talks to the mail server, so two senders never send the same
//! message at once (MSG-3); a claim whose lease ran out (the sender crashed) can
//! be taken over.

mod events;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use events::MessageEvent;

use crate::{DomainServices, Timestamp, natural_id};

/// What a message is about: picks its template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    OrderConfirmation,
    OrderCancelled,
    OrderRefunded,
    AccessCode,
    PasswordReset,
    GrantStatus,
    VisaLetterStatus,
    VolunteerStatus,
    SponsorshipStatus,
    BulkPurchaseStatus,
}

impl MessageKind {
    pub const ALL: [MessageKind; 10] = [
        Self::OrderConfirmation,
        Self::OrderCancelled,
        Self::OrderRefunded,
        Self::AccessCode,
        Self::PasswordReset,
        Self::GrantStatus,
        Self::VisaLetterStatus,
        Self::VolunteerStatus,
        Self::SponsorshipStatus,
        Self::BulkPurchaseStatus,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderConfirmation => "order_confirmation",
            Self::OrderCancelled => "order_cancelled",
            Self::OrderRefunded => "order_refunded",
            Self::AccessCode => "access_code",
            Self::PasswordReset => "password_reset",
            Self::GrantStatus => "grant_status",
            Self::VisaLetterStatus => "visa_letter_status",
            Self::VolunteerStatus => "volunteer_status",
            Self::SponsorshipStatus => "sponsorship_status",
            Self::BulkPurchaseStatus => "bulk_purchase_status",
        }
    }
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    #[default]
    Queued,
    /// A sender claimed it until its lease ends.
    Sending,
    /// An attempt failed; the next is due at `retry_at`.
    Failed,
    Sent,
    DeadLettered,
}

/// MSG-1: the id of the message of `kind` that follows the fact `source` (the
/// source event's stream and sequence, or a request id).
pub fn message_id(kind: MessageKind, source: &str) -> Uuid {
    natural_id("message", &format!("{}:{source}", kind.as_str()))
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum MessageCommand {
    /// A no-op when the message is already recorded (MSG-1).
    Queue {
        kind: MessageKind,
        recipient: Uuid,
        conference_id: Option<Uuid>,
        source: String,
        data: BTreeMap<String, String>,
        #[serde(default)]
        address: Option<String>,
        #[serde(default)]
        sealed_address: Option<crate::user::Sealed>,
    },
    /// MSG-3: claim the message for sending until `lease_until`.
    StartSending { lease_until: Timestamp },
    /// The mail server accepted it. A no-op when already sent.
    RecordSent,
    /// MSG-4: an attempt failed: retried at `retry_at`, or dead-lettered when
    /// this was attempt `max_attempts`.
    RecordFailure {
        error: String,
        retry_at: Timestamp,
        max_attempts: u32,
    },
    /// MSG-5: an admin sends a dead-lettered message again.
    Retry { by: Uuid },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MessageError {
    #[error("Message not found.")]
    NotFound,
    #[error("Another sender is sending this message.")]
    InFlight,
    #[error("This message is not waiting to be sent.")]
    NotPending,
    #[error("Only a dead-lettered message can be retried.")]
    NotDeadLettered,
}

impl MessageError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "message.not_found",
            Self::InFlight => "message.in_flight",
            Self::NotPending => "message.not_pending",
            Self::NotDeadLettered => "message.not_dead_lettered",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Message {
    created: bool,
    kind: Option<MessageKind>,
    recipient: Uuid,
    status: MessageStatus,
    /// Attempts since it was queued (or last retried by an admin).
    attempts: u32,
    lease_until: Option<Timestamp>,
    retry_at: Option<Timestamp>,
}

impl Message {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn status(&self) -> MessageStatus {
        self.status
    }

    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub fn decide(
        &self,
        cmd: MessageCommand,
        now: Timestamp,
    ) -> Result<Vec<MessageEvent>, MessageError> {
        use MessageCommand::*;
        use MessageEvent::*;
        if !self.created {
            return match cmd {
                Queue {
                    kind,
                    recipient,
                    conference_id,
                    source,
                    data,
                    address,
                    sealed_address,
                } => Ok(vec![MessageQueued {
                    kind,
                    recipient,
                    conference_id,
                    source,
                    data,
                    at: now,
                    address,
                    sealed_address,
                }]),
                _ => Err(MessageError::NotFound),
            };
        }
        Ok(match cmd {
            Queue { .. } => vec![],
            StartSending { lease_until } => match self.status {
                MessageStatus::Queued | MessageStatus::Failed => vec![MessageSendStarted {
                    attempt: self.attempts + 1,
                    lease_until,
                    at: now,
                }],
                // A sender that crashed mid-send left its claim: taken over once
                // the lease ran out.
                MessageStatus::Sending if self.lease_until.is_some_and(|l| l <= now) => {
                    vec![MessageSendStarted {
                        attempt: self.attempts + 1,
                        lease_until,
                        at: now,
                    }]
                }
                MessageStatus::Sending => return Err(MessageError::InFlight),
                MessageStatus::Sent | MessageStatus::DeadLettered => {
                    return Err(MessageError::NotPending);
                }
            },
            RecordSent if self.status == MessageStatus::Sent => vec![],
            RecordSent if self.status == MessageStatus::Sending => vec![MessageSent {
                attempt: self.attempts,
                at: now,
            }],
            RecordSent => return Err(MessageError::NotPending),
            RecordFailure {
                error,
                retry_at,
                max_attempts,
            } => {
                if self.status != MessageStatus::Sending {
                    return Err(MessageError::NotPending);
                }
                if self.attempts >= max_attempts {
                    vec![MessageDeadLettered {
                        attempts: self.attempts,
                        error,
                        at: now,
                    }]
                } else {
                    vec![MessageFailed {
                        attempt: self.attempts,
                        error,
                        retry_at,
                        at: now,
                    }]
                }
            }
            Retry { by } if self.status == MessageStatus::DeadLettered => {
                vec![MessageRequeued { by, at: now }]
            }
            Retry { .. } => return Err(MessageError::NotDeadLettered),
        })
    }

    fn evolve(&mut self, event: MessageEvent) {
        use MessageEvent::*;
        match event {
            MessageQueued {
                kind, recipient, ..
            } => {
                self.created = true;
                self.kind = Some(kind);
                self.recipient = recipient;
                self.status = MessageStatus::Queued;
            }
            MessageSendStarted {
                attempt,
                lease_until,
                ..
            } => {
                self.status = MessageStatus::Sending;
                self.attempts = attempt;
                self.lease_until = Some(lease_until);
            }
            MessageSent { .. } => {
                self.status = MessageStatus::Sent;
                self.lease_until = None;
            }
            MessageFailed { retry_at, .. } => {
                self.status = MessageStatus::Failed;
                self.retry_at = Some(retry_at);
                self.lease_until = None;
            }
            MessageDeadLettered { .. } => {
                self.status = MessageStatus::DeadLettered;
                self.lease_until = None;
            }
            MessageRequeued { .. } => {
                self.status = MessageStatus::Queued;
                self.attempts = 0;
                self.retry_at = None;
            }
        }
    }
}

impl Aggregate for Message {
    const TYPE: &'static str = "message";
    type Command = MessageCommand;
    type Event = MessageEvent;
    type Error = MessageError;
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

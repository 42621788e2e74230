use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::MessageKind;
use crate::Timestamp;

/// Facts about one outgoing message. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MessageEvent {
    /// Recorded before any attempt to send (MSG-2). `source` names the fact it
    /// follows; `data` holds the template's values (never personal data).
    MessageQueued {
        kind: MessageKind,
        recipient: Uuid,
        conference_id: Option<Uuid>,
        source: String,
        data: BTreeMap<String, String>,
        at: Timestamp,
        /// An address outside the accounts (a sponsor's contact, already plain
        /// in the fact it follows); `recipient` is then nil.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
        /// An address outside the accounts sealed under `recipient`'s personal
        /// key (a sponsorship deal's contact): the sender opens it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sealed_address: Option<crate::user::Sealed>,
    },
    /// A sender claimed attempt `attempt` until `lease_until` (MSG-3).
    MessageSendStarted {
        attempt: u32,
        lease_until: Timestamp,
        at: Timestamp,
    },
    MessageSent {
        attempt: u32,
        at: Timestamp,
    },
    /// MSG-4: the attempt failed; the next is due at `retry_at`.
    MessageFailed {
        attempt: u32,
        error: String,
        retry_at: Timestamp,
        at: Timestamp,
    },
    /// MSG-4: the last attempt failed; an admin may retry it (MSG-5).
    MessageDeadLettered {
        attempts: u32,
        error: String,
        at: Timestamp,
    },
    /// MSG-5: an admin asked for a dead-lettered message to be sent again.
    MessageRequeued {
        by: Uuid,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for MessageEvent {
    fn event_type(&self) -> String {
        match self {
            Self::MessageQueued { .. } => "MessageQueued",
            Self::MessageSendStarted { .. } => "MessageSendStarted",
            Self::MessageSent { .. } => "MessageSent",
            Self::MessageFailed { .. } => "MessageFailed",
            Self::MessageDeadLettered { .. } => "MessageDeadLettered",
            Self::MessageRequeued { .. } => "MessageRequeued",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

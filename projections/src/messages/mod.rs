//! The outbox as admins and the sender read it (MSG-*): one row per message with
//! its status, attempts, last error and when the next attempt is due.
//!
//! Key: `message:{id}`.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::message::{MessageEvent, MessageKind, MessageStatus};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Messages;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRow {
    pub id: Uuid,
    pub kind: MessageKind,
    /// The user it is for (nil when sent to `address`).
    pub recipient: Uuid,
    #[serde(default)]
    pub address: Option<String>,
    /// The address sealed under `recipient`'s key (a deal's contact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_address: Option<tessera_aggregates::user::Sealed>,
    pub conference_id: Option<Uuid>,
    pub source: String,
    pub data: BTreeMap<String, String>,
    pub status: MessageStatus,
    pub attempts: u32,
    pub last_error: String,
    /// When a sender may (next) try it: set while queued or failed, and while
    /// sending (the lease's end, after which another sender may take over).
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub fn message_key(id: Uuid) -> String {
    format!("message:{id}")
}

pub const MESSAGES_PREFIX: &str = "message:";

impl Projection for Messages {
    const NAME: &'static str = "messages";
    const VERSION: u32 = 1;
    type Row = MessageRow;

    fn apply(rows: &mut Rows<MessageRow>, env: &Envelope) {
        let DomainEvent::Message(event) = &env.event else {
            return;
        };
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        if let MessageEvent::MessageQueued {
            kind,
            recipient,
            conference_id,
            source,
            data,
            at,
            address,
            sealed_address,
        } = event
        {
            rows.insert(
                message_key(id),
                MessageRow {
                    id,
                    kind: *kind,
                    recipient: *recipient,
                    address: address.clone(),
                    sealed_address: sealed_address.clone(),
                    conference_id: *conference_id,
                    source: source.clone(),
                    data: data.clone(),
                    status: MessageStatus::Queued,
                    attempts: 0,
                    last_error: String::new(),
                    due_at: Some(*at),
                    created_at: *at,
                    sent_at: None,
                },
            );
            return;
        }
        let Some(row) = rows.get_mut(&message_key(id)) else {
            return;
        };
        match event {
            MessageEvent::MessageQueued { .. } => {}
            MessageEvent::MessageSendStarted {
                attempt,
                lease_until,
                ..
            } => {
                row.status = MessageStatus::Sending;
                row.attempts = *attempt;
                row.due_at = Some(*lease_until);
            }
            MessageEvent::MessageSent { at, .. } => {
                row.status = MessageStatus::Sent;
                row.sent_at = Some(*at);
                row.due_at = None;
            }
            MessageEvent::MessageFailed {
                error, retry_at, ..
            } => {
                row.status = MessageStatus::Failed;
                row.last_error = error.clone();
                row.due_at = Some(*retry_at);
            }
            MessageEvent::MessageDeadLettered { error, .. } => {
                row.status = MessageStatus::DeadLettered;
                row.last_error = error.clone();
                row.due_at = None;
            }
            MessageEvent::MessageRequeued { at, .. } => {
                row.status = MessageStatus::Queued;
                row.attempts = 0;
                row.due_at = Some(*at);
            }
        }
    }
}

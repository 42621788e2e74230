//! The outbox's messages.

use std::collections::BTreeMap;

use tessera_aggregates::message::{Message, MessageEvent, MessageKind, message_id};

use super::{Fixture, at, conference_id, later, stream, uid};

pub fn message() -> Vec<Fixture> {
    let source = format!("order:{}:4", super::id("order", "ORD-1"));
    let events = vec![
        MessageEvent::MessageQueued {
            kind: MessageKind::OrderConfirmation,
            recipient: uid("ana"),
            conference_id: Some(conference_id()),
            source: source.clone(),
            data: BTreeMap::from([
                ("reference".to_string(), "ORD-1".to_string()),
                ("total".to_string(), "150.00".to_string()),
            ]),
            at: at(),
            address: None,
            sealed_address: None,
        },
        MessageEvent::MessageSendStarted {
            attempt: 1,
            lease_until: later(2),
            at: at(),
        },
        MessageEvent::MessageFailed {
            attempt: 1,
            error: "451 4.3.0 try again later".into(),
            retry_at: later(1),
            at: at(),
        },
        MessageEvent::MessageDeadLettered {
            attempts: 1,
            error: "550 5.1.1 no such user".into(),
            at: later(1),
        },
        MessageEvent::MessageRequeued {
            by: uid("admin"),
            at: later(10),
        },
        MessageEvent::MessageSent {
            attempt: 1,
            at: later(10),
        },
    ];
    stream::<Message>(message_id(MessageKind::OrderConfirmation, &source), events)
}

/// A new variant fails to compile here: give it a sample above first.
#[allow(dead_code)]
fn message_variants(e: &MessageEvent) {
    use MessageEvent::*;
    match e {
        MessageQueued { .. }
        | MessageSendStarted { .. }
        | MessageSent { .. }
        | MessageFailed { .. }
        | MessageDeadLettered { .. }
        | MessageRequeued { .. } => {}
    }
}

use std::collections::BTreeMap;

use tessera_aggregates::message::{MessageEvent, MessageKind, MessageStatus};
use tessera_aggregates::natural_id;

use super::*;
use crate::fold_all;
use crate::testing::{Logged, assert_round_trip, at, log, user};

fn logged(event: MessageEvent) -> Logged {
    Logged {
        kind: "message",
        id: natural_id("message", "m1"),
        conference: None,
        event: DomainEvent::Message(event),
    }
}

#[test]
fn msg_4_the_row_shows_attempts_the_last_error_and_the_next_attempt() {
    let rows = fold_all::<Messages>(&log(vec![
        logged(MessageEvent::MessageQueued {
            kind: MessageKind::AccessCode,
            recipient: user("ana"),
            conference_id: None,
            source: "attendee:1:1".into(),
            data: BTreeMap::new(),
            at: at(1, 9),
            address: None,
            sealed_address: None,
        }),
        logged(MessageEvent::MessageSendStarted {
            attempt: 1,
            lease_until: at(1, 10),
            at: at(1, 9),
        }),
        logged(MessageEvent::MessageFailed {
            attempt: 1,
            error: "421 busy".into(),
            retry_at: at(1, 11),
            at: at(1, 9),
        }),
    ]));
    assert_round_trip(&rows);
    let row = rows
        .get(&message_key(natural_id("message", "m1")))
        .cloned()
        .map(|r| (r.status, r.attempts, r.last_error, r.due_at));
    assert_eq!(
        row,
        Some((
            MessageStatus::Failed,
            1,
            "421 busy".to_string(),
            Some(at(1, 11))
        ))
    );
}

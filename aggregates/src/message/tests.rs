use chrono::{Duration, TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn framework() -> TestFramework<Message> {
    TestFramework::with(DomainServices::at(t0()))
}

fn ana() -> Uuid {
    crate::natural_id("user", "ana")
}

fn queue() -> MessageCommand {
    MessageCommand::Queue {
        kind: MessageKind::OrderConfirmation,
        recipient: ana(),
        conference_id: None,
        source: "order:1:3".into(),
        data: BTreeMap::from([("reference".into(), "ABC".into())]),
        address: None,
        sealed_address: None,
    }
}

fn queued() -> MessageEvent {
    MessageEvent::MessageQueued {
        kind: MessageKind::OrderConfirmation,
        recipient: ana(),
        conference_id: None,
        source: "order:1:3".into(),
        data: BTreeMap::from([("reference".into(), "ABC".into())]),
        at: t0(),
        address: None,
        sealed_address: None,
    }
}

fn started(attempt: u32, lease_minutes: i64) -> MessageEvent {
    MessageEvent::MessageSendStarted {
        attempt,
        lease_until: t0() + Duration::minutes(lease_minutes),
        at: t0(),
    }
}

fn failure(max_attempts: u32) -> MessageCommand {
    MessageCommand::RecordFailure {
        error: "421 busy".into(),
        retry_at: t0() + Duration::minutes(1),
        max_attempts,
    }
}

#[test]
fn msg_1_a_message_is_recorded_once_per_source() {
    assert_eq!(
        message_id(MessageKind::OrderConfirmation, "order:1:3"),
        message_id(MessageKind::OrderConfirmation, "order:1:3")
    );
    assert_ne!(
        message_id(MessageKind::OrderConfirmation, "order:1:3"),
        message_id(MessageKind::AccessCode, "order:1:3")
    );
    framework()
        .given_no_previous_events()
        .when(queue())
        .then_expect_events(vec![queued()]);
    framework()
        .given(vec![queued()])
        .when(queue())
        .then_expect_events(vec![]);
}

#[test]
fn msg_3_one_sender_at_a_time_until_its_lease_runs_out() {
    framework()
        .given(vec![queued()])
        .when(MessageCommand::StartSending {
            lease_until: t0() + Duration::minutes(2),
        })
        .then_expect_events(vec![started(1, 2)]);
    framework()
        .given(vec![queued(), started(1, 2)])
        .when(MessageCommand::StartSending {
            lease_until: t0() + Duration::minutes(2),
        })
        .then_expect_error(MessageError::InFlight);
    // A lease that ran out (the sender crashed) is taken over.
    framework()
        .given(vec![queued(), started(1, 0)])
        .when(MessageCommand::StartSending {
            lease_until: t0() + Duration::minutes(2),
        })
        .then_expect_events(vec![started(2, 2)]);
}

#[test]
fn msg_3_a_sent_message_is_never_sent_again() {
    let sent = MessageEvent::MessageSent {
        attempt: 1,
        at: t0(),
    };
    framework()
        .given(vec![queued(), started(1, 2)])
        .when(MessageCommand::RecordSent)
        .then_expect_events(vec![sent.clone()]);
    framework()
        .given(vec![queued(), started(1, 2), sent.clone()])
        .when(MessageCommand::RecordSent)
        .then_expect_events(vec![]);
    framework()
        .given(vec![queued(), started(1, 2), sent])
        .when(MessageCommand::StartSending {
            lease_until: t0() + Duration::minutes(2),
        })
        .then_expect_error(MessageError::NotPending);
}

#[test]
fn msg_4_failures_retry_then_dead_letter_at_the_last_attempt() {
    framework()
        .given(vec![queued(), started(1, 2)])
        .when(failure(3))
        .then_expect_events(vec![MessageEvent::MessageFailed {
            attempt: 1,
            error: "421 busy".into(),
            retry_at: t0() + Duration::minutes(1),
            at: t0(),
        }]);
    framework()
        .given(vec![queued(), started(3, 2)])
        .when(failure(3))
        .then_expect_events(vec![MessageEvent::MessageDeadLettered {
            attempts: 3,
            error: "421 busy".into(),
            at: t0(),
        }]);
    // A failure is only recorded for a claimed attempt.
    framework()
        .given(vec![queued()])
        .when(failure(3))
        .then_expect_error(MessageError::NotPending);
}

#[test]
fn msg_5_only_a_dead_lettered_message_is_retried_and_starts_over() {
    let dead = MessageEvent::MessageDeadLettered {
        attempts: 3,
        error: "550".into(),
        at: t0(),
    };
    let admin = crate::natural_id("user", "admin");
    framework()
        .given(vec![queued(), started(3, 2), dead.clone()])
        .when(MessageCommand::Retry { by: admin })
        .then_expect_events(vec![MessageEvent::MessageRequeued {
            by: admin,
            at: t0(),
        }]);
    framework()
        .given(vec![queued()])
        .when(MessageCommand::Retry { by: admin })
        .then_expect_error(MessageError::NotDeadLettered);
    let mut message = Message::default();
    for e in [
        queued(),
        started(3, 2),
        dead,
        MessageEvent::MessageRequeued {
            by: admin,
            at: t0(),
        },
    ] {
        message.evolve(e);
    }
    assert_eq!(
        (message.status(), message.attempts()),
        (MessageStatus::Queued, 0)
    );
}

#[test]
fn nothing_but_queue_on_an_unknown_message() {
    framework()
        .given_no_previous_events()
        .when(MessageCommand::RecordSent)
        .then_expect_error(MessageError::NotFound);
}

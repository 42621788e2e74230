use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

const EVT: &str = "evt_1PqRsTuVwXyZ";

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn conf(slug: &str) -> Uuid {
    crate::natural_id("conference", slug)
}

fn order() -> Uuid {
    crate::natural_id("order", "ORD-A1B2C3D4")
}

fn receive_at(endpoint: &str) -> StripeEventCommand {
    StripeEventCommand::Receive {
        event_id: EVT.into(),
        kind: "payment_intent.succeeded".into(),
        endpoint_conference_id: conf(endpoint),
        order_id: Some(order()),
        conference_id: Some(conf("pycon-2026")),
        payload_digest: "ab12".into(),
    }
}

fn receive() -> StripeEventCommand {
    receive_at("pycon-2026")
}

fn received_at(endpoint: &str, attempt: u32) -> StripeEventEvent {
    StripeEventEvent::StripeEventReceived {
        event_id: EVT.into(),
        kind: "payment_intent.succeeded".into(),
        endpoint_conference_id: conf(endpoint),
        order_id: Some(order()),
        conference_id: Some(conf("pycon-2026")),
        payload_digest: "ab12".into(),
        attempt,
        at: t0(),
    }
}

fn received(attempt: u32) -> StripeEventEvent {
    received_at("pycon-2026", attempt)
}

fn processed() -> StripeEventEvent {
    StripeEventEvent::StripeEventProcessed { at: t0() }
}

fn failed(error: &str) -> StripeEventEvent {
    StripeEventEvent::StripeEventFailed {
        error: error.into(),
        at: t0(),
    }
}

fn refused_at(endpoint: &str) -> StripeEventEvent {
    StripeEventEvent::StripeEventRefused {
        endpoint_conference_id: conf(endpoint),
        reason: "order of another conference".into(),
        at: t0(),
    }
}

fn refuse_at(endpoint: &str) -> StripeEventCommand {
    StripeEventCommand::Refuse {
        endpoint_conference_id: conf(endpoint),
        reason: "order of another conference".into(),
    }
}

fn framework() -> TestFramework<StripeEventRecord> {
    TestFramework::with(DomainServices::at(t0()))
}

fn state(events: Vec<StripeEventEvent>) -> StripeEventRecord {
    let mut s = StripeEventRecord::default();
    for e in events {
        s.evolve(e);
    }
    s
}

#[test]
fn stream_id_is_the_natural_id_of_the_stripe_event_id() {
    assert_eq!(stream_id(EVT), crate::natural_id("stripe_event", EVT));
    assert_ne!(stream_id(EVT), stream_id("evt_other"));
}

#[test]
fn pay_42_a_new_event_is_recorded_before_dispatch() {
    framework()
        .given_no_previous_events()
        .when(receive())
        .then_expect_events(vec![received(1)]);
}

#[test]
fn pay_42_a_blank_event_id_is_refused() {
    framework()
        .given_no_previous_events()
        .when(StripeEventCommand::Receive {
            event_id: "  ".into(),
            kind: "payment_intent.succeeded".into(),
            endpoint_conference_id: conf("pycon-2026"),
            order_id: None,
            conference_id: None,
            payload_digest: String::new(),
        })
        .then_expect_error(StripeEventError::BlankEventId);
}

#[test]
fn pay_41_a_delivery_of_a_processed_event_is_a_duplicate() {
    framework()
        .given(vec![received(1), processed()])
        .when(receive())
        .then_expect_error(StripeEventError::AlreadyProcessed);
    assert!(StripeEventError::AlreadyProcessed.is_duplicate());
}

#[test]
fn pay_41_a_processed_event_is_a_duplicate_at_every_endpoint() {
    framework()
        .given(vec![received(1), processed()])
        .when(receive_at("pycon-2025"))
        .then_expect_error(StripeEventError::AlreadyProcessed);
}

#[test]
fn arch_6_a_failed_event_is_processed_again_on_redelivery() {
    framework()
        .given(vec![received(1), failed("database is down")])
        .when(receive())
        .then_expect_events(vec![received(2)]);
}

#[test]
fn arch_6_an_event_still_in_flight_is_accepted_again() {
    // The first delivery crashed or timed out before it was marked: Stripe
    // delivers again and the idempotent handlers run again.
    framework()
        .given(vec![received(1)])
        .when(receive())
        .then_expect_events(vec![received(2)]);
}

#[test]
fn a_receive_naming_another_event_id_is_refused() {
    framework()
        .given(vec![received(1)])
        .when(StripeEventCommand::Receive {
            event_id: "evt_other".into(),
            kind: "payment_intent.succeeded".into(),
            endpoint_conference_id: conf("pycon-2026"),
            order_id: None,
            conference_id: None,
            payload_digest: String::new(),
        })
        .then_expect_error(StripeEventError::EventIdMismatch);
}

#[test]
fn pay_44_a_received_event_is_marked_processed() {
    framework()
        .given(vec![received(1)])
        .when(StripeEventCommand::MarkProcessed)
        .then_expect_events(vec![processed()]);
}

#[test]
fn pay_44_marking_processed_twice_is_a_no_op() {
    framework()
        .given(vec![received(1), processed()])
        .when(StripeEventCommand::MarkProcessed)
        .then_expect_events(vec![]);
}

#[test]
fn marking_an_unknown_event_is_refused() {
    for cmd in [
        StripeEventCommand::MarkProcessed,
        StripeEventCommand::MarkFailed { error: "x".into() },
        refuse_at("pycon-2026"),
    ] {
        framework()
            .given_no_previous_events()
            .when(cmd)
            .then_expect_error(StripeEventError::NotFound);
    }
    assert!(StripeEventError::NotFound.is_not_found());
}

#[test]
fn pay_44_a_failure_is_recorded() {
    framework()
        .given(vec![received(1)])
        .when(StripeEventCommand::MarkFailed {
            error: "database is down".into(),
        })
        .then_expect_events(vec![failed("database is down")]);
}

#[test]
fn pay_44_the_failure_message_keeps_its_first_500_characters() {
    let long = "é".repeat(600);
    let kept = "é".repeat(500);
    framework()
        .given(vec![received(1)])
        .when(StripeEventCommand::MarkFailed { error: long })
        .then_expect_events(vec![failed(&kept)]);
}

#[test]
fn the_same_failure_reported_twice_is_a_no_op() {
    framework()
        .given(vec![received(1), failed("boom")])
        .when(StripeEventCommand::MarkFailed {
            error: "boom".into(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn a_processed_event_cannot_fail_afterwards() {
    framework()
        .given(vec![received(1), processed()])
        .when(StripeEventCommand::MarkFailed {
            error: "late".into(),
        })
        .then_expect_error(StripeEventError::AlreadyProcessed);
}

#[test]
fn a_failed_event_reprocessed_is_marked_processed() {
    framework()
        .given(vec![received(1), failed("boom"), received(2)])
        .when(StripeEventCommand::MarkProcessed)
        .then_expect_events(vec![processed()]);
}

#[test]
fn pay_53_an_event_naming_an_order_of_another_conference_is_refused_and_recorded() {
    framework()
        .given(vec![received_at("pycon-2025", 1)])
        .when(refuse_at("pycon-2025"))
        .then_expect_events(vec![refused_at("pycon-2025")]);
}

#[test]
fn pay_53_a_redelivery_to_the_refusing_endpoint_is_a_duplicate() {
    framework()
        .given(vec![received_at("pycon-2025", 1), refused_at("pycon-2025")])
        .when(receive_at("pycon-2025"))
        .then_expect_error(StripeEventError::AlreadyRefused);
    assert!(StripeEventError::AlreadyRefused.is_duplicate());
}

#[test]
fn pay_53_refusing_twice_is_a_no_op() {
    framework()
        .given(vec![received_at("pycon-2025", 1), refused_at("pycon-2025")])
        .when(refuse_at("pycon-2025"))
        .then_expect_events(vec![]);
}

#[test]
fn pay_53_a_refusal_by_one_endpoint_does_not_stop_the_right_one() {
    framework()
        .given(vec![received_at("pycon-2025", 1), refused_at("pycon-2025")])
        .when(receive_at("pycon-2026"))
        .then_expect_events(vec![received_at("pycon-2026", 2)]);
}

#[test]
fn pay_53_the_right_endpoint_processes_while_another_refuses() {
    // Two endpoints receive the same event concurrently; the wrong one refuses
    // in between: the right one still marks it processed.
    framework()
        .given(vec![
            received_at("pycon-2026", 1),
            received_at("pycon-2025", 2),
            refused_at("pycon-2025"),
        ])
        .when(StripeEventCommand::MarkProcessed)
        .then_expect_events(vec![processed()]);
}

#[test]
fn a_processed_event_cannot_be_refused() {
    framework()
        .given(vec![received(1), processed()])
        .when(refuse_at("pycon-2025"))
        .then_expect_error(StripeEventError::AlreadyProcessed);
}

#[test]
fn the_state_follows_the_deliveries() {
    let s = state(vec![received(1)]);
    assert!(s.exists());
    assert_eq!(s.status(), Some(StripeEventStatus::Received));
    assert_eq!(s.event_id(), EVT);
    assert_eq!(s.kind(), "payment_intent.succeeded");
    assert_eq!(s.order_id(), Some(order()));
    assert_eq!(s.conference_id(), Some(conf("pycon-2026")));
    assert_eq!(s.endpoint_conference_id(), Some(conf("pycon-2026")));
    assert_eq!(s.payload_digest(), "ab12");
    assert_eq!(s.attempts(), 1);

    let s = state(vec![received(1), failed("boom"), received(2)]);
    assert_eq!(s.status(), Some(StripeEventStatus::Received));
    assert_eq!(s.attempts(), 2);
    assert_eq!(s.last_error(), Some("boom"));

    let s = state(vec![received_at("pycon-2025", 1), refused_at("pycon-2025")]);
    assert_eq!(s.status(), Some(StripeEventStatus::Refused));
    assert!(s.is_refused_for(&conf("pycon-2025")));
    assert!(!s.is_refused_for(&conf("pycon-2026")));

    let s = state(vec![received(1), processed()]);
    assert!(s.is_processed());
    assert!(!StripeEventRecord::default().exists());
}

#[test]
fn every_error_has_a_stable_code() {
    let all = [
        StripeEventError::NotFound,
        StripeEventError::AlreadyProcessed,
        StripeEventError::AlreadyRefused,
        StripeEventError::BlankEventId,
        StripeEventError::EventIdMismatch,
    ];
    let codes: std::collections::BTreeSet<_> = all.iter().map(|e| e.code()).collect();
    assert_eq!(codes.len(), all.len());
    assert!(codes.iter().all(|c| c.starts_with("stripe_event.")));
}

#[test]
fn events_round_trip_through_json() {
    for e in [
        received(3),
        processed(),
        failed("boom"),
        refused_at("pycon-2025"),
    ] {
        let json = serde_json::to_string(&e).unwrap_or_default();
        let back: Result<StripeEventEvent, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(e));
    }
}

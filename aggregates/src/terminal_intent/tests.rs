use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn id(name: &str) -> Uuid {
    crate::natural_id("test", name)
}

fn register(order: &str) -> TerminalIntentCommand {
    TerminalIntentCommand::Register {
        payment_intent_id: "pi_1".into(),
        conference_id: id("conf"),
        order_id: id(order),
        reader_id: "tmr_1".into(),
    }
}

fn registered(order: &str) -> TerminalIntentEvent {
    TerminalIntentEvent::TerminalIntentRegistered {
        payment_intent_id: "pi_1".into(),
        conference_id: id("conf"),
        order_id: id(order),
        reader_id: "tmr_1".into(),
        at: t0(),
    }
}

#[test]
fn pay_35_an_intent_is_registered_for_its_order() {
    TestFramework::<TerminalIntent>::with(DomainServices::at(t0()))
        .given_no_previous_events()
        .when(register("order-1"))
        .then_expect_events(vec![registered("order-1")]);
}

#[test]
fn pay_35_registering_again_is_a_no_op() {
    TestFramework::<TerminalIntent>::with(DomainServices::at(t0()))
        .given(vec![registered("order-1")])
        .when(register("order-1"))
        .then_expect_events(vec![]);
}

#[test]
fn pay_36_an_intent_pays_one_order_only() {
    TestFramework::<TerminalIntent>::with(DomainServices::at(t0()))
        .given(vec![registered("order-1")])
        .when(register("order-2"))
        .then_expect_error(TerminalIntentError::AnotherOrder);
}

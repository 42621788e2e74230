use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

type Given = TestFramework<StripeCustomer>;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn conf(slug: &str) -> Uuid {
    crate::natural_id("conference", slug)
}

fn user(name: &str) -> Uuid {
    crate::natural_id("user", name)
}

fn record(slug: &str, name: &str, customer: &str) -> StripeCustomerCommand {
    StripeCustomerCommand::Record {
        conference_id: conf(slug),
        user: user(name),
        stripe_customer_id: customer.into(),
    }
}

fn recorded(slug: &str, name: &str, customer: &str) -> StripeCustomerEvent {
    StripeCustomerEvent::StripeCustomerRecorded {
        conference_id: conf(slug),
        user: user(name),
        stripe_customer_id: customer.into(),
        at: t0(),
    }
}

#[test]
fn pay_5_a_new_customer_is_recorded() {
    Given::with(DomainServices::at(t0()))
        .given_no_previous_events()
        .when(record("pycon-2026", "ana", "cus_1"))
        .then_expect_events(vec![recorded("pycon-2026", "ana", "cus_1")]);
}

#[test]
fn pay_5_the_stored_customer_is_reused() {
    Given::with(DomainServices::at(t0()))
        .given(vec![recorded("pycon-2026", "ana", "cus_1")])
        .when(record("pycon-2026", "ana", "cus_1"))
        .then_expect_events(vec![]);
}

#[test]
fn pay_11_a_concurrent_duplicate_creation_resolves_to_the_stored_record() {
    Given::with(DomainServices::at(t0()))
        .given(vec![recorded("pycon-2026", "ana", "cus_1")])
        .when(record("pycon-2026", "ana", "cus_2"))
        .then_expect_events(vec![]);
}

#[test]
fn pay_11_a_stream_never_records_another_users_customer() {
    Given::with(DomainServices::at(t0()))
        .given(vec![recorded("pycon-2026", "ana", "cus_1")])
        .when(record("pycon-2026", "bo", "cus_1"))
        .then_expect_error(StripeCustomerError::KeyMismatch);
}

#[test]
fn pay_5_a_blank_customer_id_is_refused() {
    Given::with(DomainServices::at(t0()))
        .given_no_previous_events()
        .when(record("pycon-2026", "ana", "  "))
        .then_expect_error(StripeCustomerError::BlankCustomerId);
}

#[test]
fn pay_11_one_stream_per_conference_and_user() {
    assert_eq!(
        stream_id(conf("pycon-2026"), user("ana")),
        stream_id(conf("pycon-2026"), user("ana"))
    );
    assert_ne!(
        stream_id(conf("pycon-2026"), user("ana")),
        stream_id(conf("pycon-2027"), user("ana"))
    );
    assert_ne!(
        stream_id(conf("pycon-2026"), user("ana")),
        stream_id(conf("pycon-2026"), user("bo"))
    );
}

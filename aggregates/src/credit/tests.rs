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

fn dec(amount: i64) -> Decimal {
    Decimal::new(amount * 100, 2)
}

fn framework() -> TestFramework<Credit> {
    TestFramework::with(DomainServices::at(t0()))
}

fn source() -> CreditSource {
    CreditSource::Refund {
        order_id: id("order-0"),
        refund_id: id("refund-0"),
    }
}

fn issue(amount: i64, spendable: bool) -> CreditCommand {
    CreditCommand::Issue(IssuedCredit {
        at: t0() - chrono::Duration::days(1), // the aggregate's clock wins
        ..issued_credit(amount, spendable)
    })
}

fn issued_credit(amount: i64, spendable: bool) -> IssuedCredit {
    IssuedCredit {
        credit_id: id("credit-1"),
        conference_id: id("conf"),
        user: id("ana"),
        amount: dec(amount),
        spendable,
        source: source(),
        at: t0(),
    }
}

fn issued(amount: i64, spendable: bool) -> CreditEvent {
    CreditEvent::CreditIssued(issued_credit(amount, spendable))
}

fn apply(payment: &str, amount: i64) -> CreditCommand {
    CreditCommand::Apply {
        order_id: id("order-1"),
        payment_id: id(payment),
        amount: dec(amount),
        order_user: id("ana"),
        order_conference: id("conf"),
    }
}

fn applied(payment: &str, amount: i64, remaining: i64) -> CreditEvent {
    CreditEvent::CreditApplied {
        order_id: id("order-1"),
        payment_id: id(payment),
        amount: dec(amount),
        remaining: dec(remaining),
        at: t0(),
    }
}

fn restore(payment: &str) -> CreditCommand {
    CreditCommand::Restore {
        order_id: id("order-1"),
        payment_id: id(payment),
    }
}

fn state(events: Vec<CreditEvent>) -> Credit {
    let mut credit = Credit::default();
    for event in events {
        credit.apply(event);
    }
    credit
}

#[test]
fn pay_17_a_store_credit_starts_available_with_its_whole_amount() {
    framework()
        .given_no_previous_events()
        .when(issue(50, true))
        .then_expect_events(vec![issued(50, true)]);
    let credit = state(vec![issued(50, true)]);
    assert_eq!(credit.status, CreditStatus::Available);
    assert_eq!(credit.remaining, dec(50));
    assert_eq!(credit.user, id("ana"));
    assert_eq!(credit.conference_id, id("conf"));
}

#[test]
fn pay_17_re_issuing_the_same_credit_is_a_no_op() {
    framework()
        .given(vec![issued(50, true)])
        .when(issue(50, true))
        .then_expect_events(vec![]);
    framework()
        .given(vec![issued(50, true)])
        .when(issue(60, true))
        .then_expect_error(CreditError::AlreadyIssued);
}

#[test]
fn pay_17_refuses_a_credit_of_zero() {
    framework()
        .given_no_previous_events()
        .when(issue(0, true))
        .then_expect_error(CreditError::AmountNotPositive);
}

#[test]
fn amb_9_a_credit_note_for_a_card_refund_cannot_be_spent() {
    let credit = state(vec![issued(50, false)]);
    assert_eq!(credit.status, CreditStatus::CreditNote);
    assert_eq!(credit.remaining, dec(0));
    framework()
        .given(vec![issued(50, false)])
        .when(apply("p1", 10))
        .then_expect_error(CreditError::NotAvailable);
}

#[test]
fn pay_20_applying_part_of_a_credit_keeps_it_available() {
    framework()
        .given(vec![issued(50, true)])
        .when(apply("p1", 30))
        .then_expect_events(vec![applied("p1", 30, 20)]);
    let credit = state(vec![issued(50, true), applied("p1", 30, 20)]);
    assert_eq!(credit.status, CreditStatus::Available);
    assert_eq!(credit.applied_to_order, Some(id("order-1"))); // PAY-18
}

#[test]
fn pay_20_spending_the_whole_credit_makes_it_applied() {
    let credit = state(vec![issued(50, true), applied("p1", 50, 0)]);
    assert_eq!(credit.status, CreditStatus::Applied);
    framework()
        .given(vec![issued(50, true), applied("p1", 50, 0)])
        .when(apply("p2", 10))
        .then_expect_error(CreditError::NotAvailable);
}

#[test]
fn pay_20_re_applying_with_the_same_payment_is_a_no_op() {
    framework()
        .given(vec![issued(50, true), applied("p1", 30, 20)])
        .when(apply("p1", 30))
        .then_expect_events(vec![]);
}

#[test]
fn pay_16_a_credit_only_pays_its_owners_orders_at_its_conference() {
    framework()
        .given(vec![issued(50, true)])
        .when(CreditCommand::Apply {
            order_id: id("order-1"),
            payment_id: id("p1"),
            amount: dec(10),
            order_user: id("bo"),
            order_conference: id("other"),
        })
        .then_expect_error(CreditError::WrongUser);
    framework()
        .given(vec![issued(50, true)])
        .when(CreditCommand::Apply {
            order_id: id("order-1"),
            payment_id: id("p1"),
            amount: dec(10),
            order_user: id("ana"),
            order_conference: id("other"),
        })
        .then_expect_error(CreditError::WrongConference);
}

#[test]
fn pay_19_refuses_more_than_the_remaining_balance() {
    let error = CreditError::ExceedsRemaining {
        amount: dec(30),
        remaining: dec(20),
    };
    assert_eq!(
        error.to_string(),
        "Amount 30.00 exceeds the credit's remaining balance of 20.00."
    );
    framework()
        .given(vec![issued(50, true), applied("p1", 30, 20)])
        .when(apply("p2", 30))
        .then_expect_error(error);
    framework()
        .given(vec![issued(50, true)])
        .when(apply("p2", 0))
        .then_expect_error(CreditError::ApplyAmountNotPositive);
}

#[test]
fn pay_19_refuses_an_unknown_credit() {
    framework()
        .given_no_previous_events()
        .when(apply("p1", 10))
        .then_expect_error(CreditError::NotFound);
}

#[test]
fn order_18_restoring_gives_the_applied_amount_back() {
    let restored = CreditEvent::CreditRestored {
        order_id: id("order-1"),
        payment_id: id("p1"),
        amount: dec(50),
        remaining: dec(50),
        at: t0(),
    };
    framework()
        .given(vec![issued(50, true), applied("p1", 50, 0)])
        .when(restore("p1"))
        .then_expect_events(vec![restored.clone()]);
    let credit = state(vec![
        issued(50, true),
        applied("p1", 50, 0),
        restored.clone(),
    ]);
    assert_eq!(credit.status, CreditStatus::Available);
    assert_eq!(credit.remaining, dec(50));
    assert_eq!(credit.applied_to_order, None);
    framework()
        .given(vec![issued(50, true), applied("p1", 50, 0), restored])
        .when(restore("p1"))
        .then_expect_events(vec![]);
}

#[test]
fn order_18_restoring_an_unknown_payment_is_refused() {
    framework()
        .given(vec![issued(50, true), applied("p1", 50, 0)])
        .when(restore("p9"))
        .then_expect_error(CreditError::NotApplied);
    framework()
        .given(vec![issued(50, true), applied("p1", 50, 0)])
        .when(CreditCommand::Restore {
            order_id: id("order-2"),
            payment_id: id("p1"),
        })
        .then_expect_error(CreditError::NotApplied);
}

#[test]
fn amb_22_restoring_one_of_two_uses_returns_only_that_use() {
    framework()
        .given(vec![
            issued(50, true),
            applied("p1", 20, 30),
            applied("p2", 30, 0),
        ])
        .when(restore("p1"))
        .then_expect_events(vec![CreditEvent::CreditRestored {
            order_id: id("order-1"),
            payment_id: id("p1"),
            amount: dec(20),
            remaining: dec(20),
            at: t0(),
        }]);
}

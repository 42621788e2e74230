use super::*;

use PaymentMethod::{Credit, Manual, Stripe};

fn refund(name: &str, amount: Decimal, to: RefundTo) -> OrderCommand {
    OrderCommand::Refund {
        refund_id: id(name),
        amount,
        to,
        reason: RefundReason::RequestedByCustomer,
        by: Some(id("olga")),
    }
}

fn refunded(
    name: &str,
    amount: Decimal,
    to: RefundTo,
    pi: Option<&str>,
    status: OrderStatus,
) -> OrderEvent {
    OrderEvent::OrderRefunded {
        refund_id: id(name),
        amount,
        to,
        reason: RefundReason::RequestedByCustomer,
        stripe_payment_intent: pi.map(str::to_string),
        by: Some(id("olga")),
        status,
        at: t0(),
        stripe_idempotency_key: (to == RefundTo::Card).then(|| format!("refund-{}", id(name))),
    }
}

fn paid_by_card() -> Vec<OrderEvent> {
    vec![placed(100), paid_with("p1", Stripe, dec(100)), order_paid()]
}

#[test]
fn pay_25_only_paid_or_partially_refunded_orders_can_be_refunded() {
    let error = OrderError::NotRefundable {
        status: OrderStatus::Pending,
    };
    assert_eq!(
        error.to_string(),
        "Only paid or partially refunded orders can be refunded. This order is 'Pending'."
    );
    framework()
        .given(vec![placed(100)])
        .when(refund("r1", dec(10), RefundTo::Card))
        .then_expect_error(error);
}

#[test]
fn pay_25_refuses_a_refund_of_zero() {
    framework()
        .given(paid_by_card())
        .when(refund("r1", dec(0), RefundTo::Card))
        .then_expect_error(OrderError::RefundAmountNotPositive);
}

#[test]
fn pay_25_a_card_refund_needs_a_stripe_payment() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", Manual, dec(100)),
            order_paid(),
        ])
        .when(refund("r1", dec(10), RefundTo::Card))
        .then_expect_error(OrderError::NoStripePayment);
}

#[test]
fn amb_9_a_refund_to_store_credit_moves_no_money_and_needs_no_stripe_payment() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", Manual, dec(100)),
            order_paid(),
        ])
        .when(refund("r1", dec(100), RefundTo::Credit))
        .then_expect_events(vec![refunded(
            "r1",
            dec(100),
            RefundTo::Credit,
            None,
            OrderStatus::Refunded,
        )]);
}

#[test]
fn pay_26_refuses_more_than_the_refundable_balance() {
    let error = OrderError::RefundExceedsBalance {
        amount: dec(80),
        balance: dec(60),
    };
    assert_eq!(
        error.to_string(),
        "Refund amount 80.00 exceeds the refundable balance of 60.00."
    );
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(40),
        RefundTo::Credit,
        None,
        OrderStatus::PartiallyRefunded,
    ));
    framework()
        .given(given)
        .when(refund("r2", dec(80), RefundTo::Card))
        .then_expect_error(error);
}

#[test]
fn pay_27_pay_29_a_partial_card_refund_targets_the_first_stripe_intent() {
    framework()
        .given(paid_by_card())
        .when(refund("r1", dec(40), RefundTo::Card))
        .then_expect_events(vec![refunded(
            "r1",
            dec(40),
            RefundTo::Card,
            Some("pi_p1"),
            OrderStatus::PartiallyRefunded,
        )]);
}

#[test]
fn pay_29_refunding_the_rest_makes_the_order_refunded() {
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(40),
        RefundTo::Card,
        Some("pi_p1"),
        OrderStatus::PartiallyRefunded,
    ));
    framework()
        .given(given.clone())
        .when(refund("r2", dec(60), RefundTo::Card))
        .then_expect_events(vec![refunded(
            "r2",
            dec(60),
            RefundTo::Card,
            Some("pi_p1"),
            OrderStatus::Refunded,
        )]);
    framework()
        .given(given)
        .when(refund("r1", dec(40), RefundTo::Card))
        .then_expect_events(vec![]);
}

#[test]
fn amb_10_refund_status_compares_refunds_to_what_was_paid() {
    // Half by card, half by credit: the card part goes back to the card, the rest to
    // store credit, and the order ends refunded.
    let given = vec![
        placed(100),
        paid_with("p1", Stripe, dec(50)),
        paid_with("p2", Credit, dec(50)),
        order_paid(),
        refunded(
            "r1",
            dec(50),
            RefundTo::Card,
            Some("pi_p1"),
            OrderStatus::PartiallyRefunded,
        ),
    ];
    framework()
        .given(given.clone())
        .when(refund("r2", dec(1), RefundTo::Card))
        .then_expect_error(OrderError::RefundExceedsBalance {
            amount: dec(1),
            balance: dec(0),
        });
    framework()
        .given(given)
        .when(refund("r2", dec(50), RefundTo::Credit))
        .then_expect_events(vec![refunded(
            "r2",
            dec(50),
            RefundTo::Credit,
            None,
            OrderStatus::Refunded,
        )]);
}

#[test]
fn amb_9_a_failed_card_refund_is_undone() {
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(40),
        RefundTo::Card,
        Some("pi_p1"),
        OrderStatus::PartiallyRefunded,
    ));
    let failed = OrderEvent::RefundFailed {
        refund_id: id("r1"),
        amount: dec(40),
        reason: "card_declined".into(),
        status: OrderStatus::Paid,
        at: t0(),
    };
    framework()
        .given(given.clone())
        .when(OrderCommand::RecordRefundFailure {
            refund_id: id("r1"),
            reason: "card_declined".into(),
        })
        .then_expect_events(vec![failed.clone()]);
    given.push(failed);
    let order = state(given);
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(order.refunded, dec(0));
    assert_eq!(order.refundable_to_card(), dec(100));
    framework()
        .given(paid_by_card())
        .when(OrderCommand::RecordRefundFailure {
            refund_id: id("r9"),
            reason: String::new(),
        })
        .then_expect_error(OrderError::RefundNotFound);
}

fn card_refund_made(name: &str, stripe_refund: &str) -> OrderEvent {
    OrderEvent::CardRefundSucceeded {
        refund_id: id(name),
        stripe_refund_id: stripe_refund.into(),
        at: t0(),
    }
}

fn record_card_refund(name: &str, stripe_refund: &str) -> OrderCommand {
    OrderCommand::RecordCardRefund {
        refund_id: id(name),
        stripe_refund_id: stripe_refund.into(),
    }
}

#[test]
fn pay_27_a_card_refund_persists_one_stripe_key_per_refund() {
    // Two partial refunds of the same amount and reason: two keys (unlike PAY-27's
    // `refund-<intent>-<amount>-<reason>`, which made them one Stripe refund).
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(10),
        RefundTo::Card,
        Some("pi_p1"),
        OrderStatus::PartiallyRefunded,
    ));
    let order = state(given.clone());
    let first = order.refund(id("r1")).expect("r1");
    assert_eq!(
        first.stripe_idempotency_key.as_deref(),
        Some(format!("refund-{}", id("r1")).as_str())
    );
    assert!(first.awaits_stripe());
    framework()
        .given(given)
        .when(refund("r2", dec(10), RefundTo::Card))
        .then_expect_events(vec![refunded(
            "r2",
            dec(10),
            RefundTo::Card,
            Some("pi_p1"),
            OrderStatus::PartiallyRefunded,
        )]);
}

#[test]
fn amb_9_a_card_refund_made_in_stripe_is_recorded_once() {
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(40),
        RefundTo::Card,
        Some("pi_p1"),
        OrderStatus::PartiallyRefunded,
    ));
    framework()
        .given(given.clone())
        .when(record_card_refund("r1", "re_1"))
        .then_expect_events(vec![card_refund_made("r1", "re_1")]);
    given.push(card_refund_made("r1", "re_1"));
    let order = state(given.clone());
    let r1 = order.refund(id("r1")).expect("r1");
    assert_eq!(r1.stripe_refund_id.as_deref(), Some("re_1"));
    assert!(!r1.awaits_stripe());
    assert_eq!(order.refunded, dec(40));
    assert_eq!(order.status, OrderStatus::PartiallyRefunded);
    // A redelivery records nothing more; the refund can no longer be voided.
    framework()
        .given(given.clone())
        .when(record_card_refund("r1", "re_1"))
        .then_expect_events(vec![]);
    framework()
        .given(given)
        .when(OrderCommand::RecordRefundFailure {
            refund_id: id("r1"),
            reason: "late".into(),
        })
        .then_expect_error(OrderError::RefundAlreadySucceeded);
}

#[test]
fn amb_9_a_voided_or_credit_refund_is_never_recorded_as_made_in_stripe() {
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(40),
        RefundTo::Card,
        Some("pi_p1"),
        OrderStatus::PartiallyRefunded,
    ));
    given.push(OrderEvent::RefundFailed {
        refund_id: id("r1"),
        amount: dec(40),
        reason: "card_declined".into(),
        status: OrderStatus::Paid,
        at: t0(),
    });
    given.push(refunded(
        "r2",
        dec(10),
        RefundTo::Credit,
        None,
        OrderStatus::PartiallyRefunded,
    ));
    assert!(
        !state(given.clone())
            .refund(id("r1"))
            .expect("r1")
            .awaits_stripe()
    );
    framework()
        .given(given.clone())
        .when(record_card_refund("r1", "re_1"))
        .then_expect_error(OrderError::RefundAlreadyFailed);
    framework()
        .given(given.clone())
        .when(record_card_refund("r2", "re_2"))
        .then_expect_error(OrderError::NotACardRefund);
    framework()
        .given(given)
        .when(record_card_refund("r9", "re_9"))
        .then_expect_error(OrderError::RefundNotFound);
}

#[test]
fn pay_47_a_webhook_after_a_recorded_card_refund_adds_nothing() {
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(40),
        RefundTo::Card,
        Some("pi_p1"),
        OrderStatus::PartiallyRefunded,
    ));
    given.push(card_refund_made("r1", "re_1"));
    framework()
        .given(given)
        .when(stripe_refund("re_1", "pi_p1", dec(40)))
        .then_expect_events(vec![]);
}

fn stripe_refund(refund: &str, pi: &str, amount_refunded: Decimal) -> OrderCommand {
    OrderCommand::RecordStripeRefund {
        stripe_refund_id: refund.into(),
        payment_intent_id: pi.into(),
        amount_refunded,
    }
}

#[test]
fn pay_47_a_refund_made_in_stripe_moves_the_order_forward() {
    framework()
        .given(paid_by_card())
        .when(stripe_refund("re_1", "pi_p1", dec(30)))
        .then_expect_events(vec![OrderEvent::StripeRefundRecorded {
            stripe_refund_id: "re_1".into(),
            payment_intent_id: "pi_p1".into(),
            amount: dec(30),
            payment_refunded: false,
            status: OrderStatus::PartiallyRefunded,
            at: t0(),
        }]);
}

#[test]
fn pay_47_a_full_refund_in_stripe_marks_the_payment_refunded() {
    let recorded = OrderEvent::StripeRefundRecorded {
        stripe_refund_id: "re_1".into(),
        payment_intent_id: "pi_p1".into(),
        amount: dec(100),
        payment_refunded: true,
        status: OrderStatus::Refunded,
        at: t0(),
    };
    framework()
        .given(paid_by_card())
        .when(stripe_refund("re_1", "pi_p1", dec(100)))
        .then_expect_events(vec![recorded.clone()]);
    let mut given = paid_by_card();
    given.push(recorded);
    let order = state(given.clone());
    assert_eq!(order.refunded, dec(100));
    assert_eq!(
        order.payment(id("p1")).map(|p| p.status),
        Some(PaymentStatus::Refunded)
    );
    framework()
        .given(given)
        .when(stripe_refund("re_2", "pi_p1", dec(100)))
        .then_expect_events(vec![]);
}

/// PAY-47: the charge.refunded of a full refund made here reports nothing new: no
/// 0.00 refund is recorded.
#[test]
fn pay_47_a_full_refund_made_here_then_reported_adds_nothing() {
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(100),
        RefundTo::Card,
        Some("pi_p1"),
        OrderStatus::Refunded,
    ));
    framework()
        .given(given.clone())
        .when(stripe_refund("evt_1", "pi_p1", dec(100)))
        .then_expect_events(vec![]);
    given.push(card_refund_made("r1", "re_1"));
    framework()
        .given(given.clone())
        .when(stripe_refund("re_1", "pi_p1", dec(100)))
        .then_expect_events(vec![]);
    let order = state(given);
    assert_eq!(order.refunded, dec(100));
    assert_eq!(order.refunds.len(), 1);
}

/// PAY-47: a Stripe refund id already on the order (here, a card refund made here
/// and confirmed) is never recorded twice, whatever amount the report carries.
#[test]
fn pay_47_a_refund_known_by_its_stripe_id_is_not_recorded_again() {
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(40),
        RefundTo::Card,
        Some("pi_p1"),
        OrderStatus::PartiallyRefunded,
    ));
    given.push(card_refund_made("r1", "re_1"));
    framework()
        .given(given)
        .when(stripe_refund("re_1", "pi_p1", dec(70)))
        .then_expect_events(vec![]);
}

#[test]
fn pay_47_a_refund_already_recorded_here_changes_nothing() {
    let mut given = paid_by_card();
    given.push(refunded(
        "r1",
        dec(40),
        RefundTo::Card,
        Some("pi_p1"),
        OrderStatus::PartiallyRefunded,
    ));
    framework()
        .given(given)
        .when(stripe_refund("re_1", "pi_p1", dec(40)))
        .then_expect_events(vec![]);
}

#[test]
fn amb_31_a_refund_without_a_known_intent_matches_nothing() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", Manual, dec(100)),
            order_paid(),
        ])
        .when(stripe_refund("re_1", "", dec(100)))
        .then_expect_events(vec![]);
    framework()
        .given(paid_by_card())
        .when(stripe_refund("re_1", "pi_other", dec(100)))
        .then_expect_events(vec![]);
}

#[test]
fn pay_48_a_dispute_is_recorded_once() {
    let disputed = OrderEvent::OrderDisputed {
        dispute_id: "dp_1".into(),
        payment_intent_id: "pi_p1".into(),
        amount: dec(100),
        reason: "fraudulent".into(),
        at: t0(),
    };
    let cmd = OrderCommand::MarkDisputed {
        dispute_id: "dp_1".into(),
        payment_intent_id: "pi_p1".into(),
        amount: dec(100),
        reason: "fraudulent".into(),
    };
    framework()
        .given(paid_by_card())
        .when(cmd.clone())
        .then_expect_events(vec![disputed.clone()]);
    let mut given = paid_by_card();
    given.push(disputed);
    framework()
        .given(given.clone())
        .when(cmd)
        .then_expect_events(vec![]);
    assert_eq!(state(given).status, OrderStatus::Paid);
}

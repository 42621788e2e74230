use super::*;

use PaymentMethod::{Comp, Credit, Manual, Stripe};

#[test]
fn pay_12_comp_pays_a_zero_total_order() {
    framework()
        .given(vec![placed(0)])
        .when(pay("p1", Comp, dec(5)))
        .then_expect_events(vec![
            paid_with("p1", Comp, Decimal::new(0, 2)),
            order_paid(),
        ]);
}

#[test]
fn pay_12_refuses_comp_for_an_order_with_a_total() {
    framework()
        .given(vec![placed(100)])
        .when(pay("p1", Comp, dec(0)))
        .then_expect_error(OrderError::CompNonZeroTotal);
}

#[test]
fn pay_12_refuses_comp_unless_pending() {
    framework()
        .given(vec![placed(0), paid_with("p1", Comp, dec(0)), order_paid()])
        .when(pay("p2", Comp, dec(0)))
        .then_expect_error(OrderError::CompNotPending);
}

#[test]
fn pay_13_a_manual_payment_covering_the_total_pays_the_order() {
    framework()
        .given(vec![placed(100), paid_with("p1", Manual, dec(40))])
        .when(pay("p2", Manual, dec(60)))
        .then_expect_events(vec![paid_with("p2", Manual, dec(60)), order_paid()]);
}

#[test]
fn pay_13_a_partial_manual_payment_leaves_the_order_pending() {
    framework()
        .given(vec![placed(100)])
        .when(pay("p1", Manual, dec(40)))
        .then_expect_events(vec![paid_with("p1", Manual, dec(40))]);
    let order = state(vec![placed(100), paid_with("p1", Manual, dec(40))]);
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.paid, dec(40));
    assert_eq!(order.balance, dec(60));
}

/// PAY-13 (departing from "over-payments are accepted"): a manual payment above
/// the balance is refused; the balance never goes negative.
#[test]
fn pay_13_refuses_a_manual_payment_above_the_balance() {
    framework()
        .given(vec![placed(125)])
        .when(pay("p1", Manual, dec(1000)))
        .then_expect_error(OrderError::ManualExceedsBalance {
            amount: dec(1000),
            balance: dec(125),
        });
    framework()
        .given(vec![placed(125), paid_with("p1", Manual, dec(100))])
        .when(pay("p2", Manual, dec(26)))
        .then_expect_error(OrderError::ManualExceedsBalance {
            amount: dec(26),
            balance: dec(25),
        });
    framework()
        .given(vec![placed(125), paid_with("p1", Manual, dec(100))])
        .when(pay("p2", Manual, dec(25)))
        .then_expect_events(vec![paid_with("p2", Manual, dec(25)), order_paid()]);
    assert_eq!(
        OrderError::ManualExceedsBalance {
            amount: dec(1000),
            balance: dec(125)
        }
        .code(),
        "order.manual_exceeds_balance"
    );
}

#[test]
fn pay_13_refuses_a_manual_payment_of_zero() {
    framework()
        .given(vec![placed(100)])
        .when(pay("p1", Manual, dec(0)))
        .then_expect_error(OrderError::AmountNotPositive);
}

#[test]
fn pay_13_refuses_a_manual_payment_unless_pending() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", Manual, dec(100)),
            order_paid(),
        ])
        .when(pay("p2", Manual, dec(10)))
        .then_expect_error(OrderError::ManualNotPending);
}

#[test]
fn pay_20_a_credit_covering_the_balance_pays_the_order() {
    framework()
        .given(vec![placed(100), paid_with("p1", Manual, dec(70))])
        .when(pay("p2", Credit, dec(30)))
        .then_expect_events(vec![paid_with("p2", Credit, dec(30)), order_paid()]);
}

#[test]
fn pay_19_refuses_credit_unless_pending() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", Manual, dec(100)),
            order_paid(),
        ])
        .when(pay("p2", Credit, dec(10)))
        .then_expect_error(OrderError::CreditNotPending);
}

#[test]
fn pay_19_refuses_credit_for_a_fully_paid_order() {
    framework()
        .given(vec![placed(0)])
        .when(pay("p1", Credit, dec(10)))
        .then_expect_error(OrderError::AlreadyPaid);
}

#[test]
fn pay_20_refuses_credit_above_the_balance() {
    framework()
        .given(vec![placed(100), paid_with("p1", Manual, dec(70))])
        .when(pay("p2", Credit, dec(40)))
        .then_expect_error(OrderError::CreditExceedsBalance {
            amount: dec(40),
            balance: dec(30),
        });
}

#[test]
fn pay_20_refuses_a_credit_payment_without_its_credit() {
    framework()
        .given(vec![placed(100)])
        .when(OrderCommand::RecordPayment {
            payment_id: id("p1"),
            method: Credit,
            amount: dec(10),
            stripe_payment_intent: None,
            credit_id: None,
            reference: String::new(),
            note: String::new(),
            by: None,
        })
        .then_expect_error(OrderError::MissingCredit);
}

#[test]
fn pay_45_a_stripe_payment_pays_the_order_and_clears_the_hold() {
    framework()
        .given(vec![placed(100)])
        .when(pay("p1", Stripe, dec(100)))
        .then_expect_events(vec![paid_with("p1", Stripe, dec(100)), order_paid()]);
    let order = state(vec![
        placed(100),
        paid_with("p1", Stripe, dec(100)),
        order_paid(),
    ]);
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(order.hold_expires_at, None); // ORDER-22
    assert_eq!(order.paid_at, Some(t0()));
    assert!(order.holds_inventory(mins(60)));
}

#[test]
fn pay_45_a_second_delivery_for_the_same_intent_is_a_no_op() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", Stripe, dec(100)),
            order_paid(),
        ])
        .when(OrderCommand::RecordPayment {
            payment_id: id("p2"),
            method: Stripe,
            amount: dec(100),
            stripe_payment_intent: Some("pi_p1".into()),
            credit_id: None,
            reference: String::new(),
            note: String::new(),
            by: None,
        })
        .then_expect_events(vec![]);
}

#[test]
fn pay_2_re_recording_a_payment_is_a_no_op() {
    framework()
        .given(vec![placed(100), paid_with("p1", Manual, dec(40))])
        .when(pay("p1", Manual, dec(40)))
        .then_expect_events(vec![]);
}

#[test]
fn amb_31_refuses_a_card_payment_without_an_intent() {
    framework()
        .given(vec![placed(100)])
        .when(OrderCommand::RecordPayment {
            payment_id: id("p1"),
            method: Stripe,
            amount: dec(100),
            stripe_payment_intent: Some(String::new()),
            credit_id: None,
            reference: String::new(),
            note: String::new(),
            by: None,
        })
        .then_expect_error(OrderError::MissingPaymentIntent);
}

#[test]
fn amb_6_card_money_for_a_cancelled_order_is_recorded_and_flagged() {
    let cancelled = OrderEvent::OrderCancelled {
        reason: CancelReason::Expired,
        by: None,
        voucher_code: Some("SAVE".into()),
        at: mins(-1),
    };
    let flagged = OrderEvent::PaymentReceivedForClosedOrder {
        payment_id: id("p1"),
        status: OrderStatus::Cancelled,
        at: t0(),
    };
    framework()
        .given(vec![placed(100), cancelled.clone()])
        .when(pay("p1", Stripe, dec(100)))
        .then_expect_events(vec![paid_with("p1", Stripe, dec(100)), flagged.clone()]);
    let order = state(vec![
        placed(100),
        cancelled,
        paid_with("p1", Stripe, dec(100)),
        flagged,
    ]);
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert!(order.flagged_for_refund);
}

#[test]
fn amb_7_an_order_is_paid_once_even_when_paid_twice() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", Stripe, dec(100)),
            order_paid(),
        ])
        .when(pay("p2", Stripe, dec(100)))
        .then_expect_events(vec![
            paid_with("p2", Stripe, dec(100)),
            OrderEvent::PaymentReceivedForClosedOrder {
                payment_id: id("p2"),
                status: OrderStatus::Paid,
                at: t0(),
            },
        ]);
}

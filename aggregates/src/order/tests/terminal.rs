//! PAY-32…38, PAY-45/46: terminal (card-present) payments, paid with one
//! `OrderPaid` (AMB-6/7), failed by the failure webhook.

use super::*;

fn authorize(intent: &str, amount: Decimal) -> OrderCommand {
    OrderCommand::AuthorizeTerminalPayment {
        payment_id: terminal_payment_id(intent),
        payment_intent_id: intent.into(),
        reader_id: "tmr_1".into(),
        amount,
        by: Some(id("desk")),
    }
}

fn authorized(intent: &str, amount: Decimal) -> OrderEvent {
    OrderEvent::TerminalPaymentAuthorized {
        payment_id: terminal_payment_id(intent),
        payment_intent_id: intent.into(),
        reader_id: "tmr_1".into(),
        amount,
        by: Some(id("desk")),
        at: t0(),
    }
}

fn capture(intent: &str, amount: Decimal) -> OrderCommand {
    OrderCommand::CaptureTerminalPayment {
        payment_intent_id: intent.into(),
        amount,
    }
}

fn captured(intent: &str, amount: Decimal) -> OrderEvent {
    OrderEvent::TerminalPaymentCaptured {
        payment_id: terminal_payment_id(intent),
        payment_intent_id: intent.into(),
        amount,
        at: t0(),
    }
}

fn cancelled(intent: &str) -> OrderEvent {
    OrderEvent::TerminalPaymentCancelled {
        payment_id: terminal_payment_id(intent),
        payment_intent_id: intent.into(),
        at: t0(),
    }
}

fn failed(intent: &str) -> OrderEvent {
    OrderEvent::TerminalPaymentFailed {
        payment_id: terminal_payment_id(intent),
        payment_intent_id: intent.into(),
        at: t0(),
    }
}

/// The failure webhook's command (PAY-46).
fn payment_failed(intent: &str) -> OrderCommand {
    OrderCommand::RecordPaymentFailure {
        payment_intent_id: intent.into(),
    }
}

/// The webhook's command for a card intent (PAY-45).
fn succeeded(intent: &str, amount: Decimal) -> OrderCommand {
    OrderCommand::RecordPayment {
        payment_id: id(&format!("stripe-{intent}")),
        method: PaymentMethod::Stripe,
        amount,
        stripe_payment_intent: Some(intent.into()),
        credit_id: None,
        reference: "ch_1".into(),
        note: String::new(),
        by: None,
    }
}

#[test]
fn pay_35_authorizing_records_a_pending_terminal_payment() {
    framework()
        .given(vec![placed(100)])
        .when(authorize("pi_t", dec(100)))
        .then_expect_events(vec![authorized("pi_t", dec(100))]);
}

#[test]
fn pay_35_authorizing_the_same_intent_again_is_a_no_op() {
    framework()
        .given(vec![placed(100), authorized("pi_t", dec(100))])
        .when(authorize("pi_t", dec(100)))
        .then_expect_events(vec![]);
}

#[test]
fn pay_32_refuses_a_terminal_payment_unless_pending() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", PaymentMethod::Manual, dec(100)),
            order_paid(),
        ])
        .when(authorize("pi_t", dec(100)))
        .then_expect_error(OrderError::TerminalNotPending {
            status: OrderStatus::Paid,
        });
}

#[test]
fn pay_32_refuses_a_terminal_payment_without_a_balance() {
    framework()
        .given(vec![placed(0)])
        .when(authorize("pi_t", dec(10)))
        .then_expect_error(OrderError::AlreadyPaid);
}

/// AMB-6/7 (overrides PAY-36): the capture is the order's one transition to paid
/// and emits `OrderPaid`.
#[test]
fn amb_7_capture_pays_the_order_with_order_paid() {
    framework()
        .given(vec![placed(100), authorized("pi_t", dec(100))])
        .when(capture("pi_t", dec(100)))
        .then_expect_events(vec![captured("pi_t", dec(100)), order_paid()]);
}

/// AMB-6/7: `OrderPaid` releases the hold (PAY-36 kept it).
#[test]
fn amb_7_capture_clears_the_hold() {
    let order = state(vec![
        placed(100),
        authorized("pi_t", dec(100)),
        captured("pi_t", dec(100)),
        order_paid(),
    ]);
    assert_eq!(order.status, OrderStatus::Paid);
    assert_eq!(order.hold_expires_at, None);
    assert_eq!(order.paid_at, Some(t0()));
    assert_eq!(order.balance, Decimal::ZERO);
    let t = order.terminal_payment("pi_t").map(|t| t.capture_status);
    assert_eq!(t, Some(TerminalCaptureStatus::Captured));
    let p = order.payment(terminal_payment_id("pi_t")).map(|p| p.status);
    assert_eq!(p, Some(PaymentStatus::Succeeded));
}

/// The capture alone does not change the order's status: `OrderPaid` does.
#[test]
fn amb_7_the_capture_fact_alone_leaves_the_order_pending() {
    let order = state(vec![
        placed(100),
        authorized("pi_t", dec(100)),
        captured("pi_t", dec(100)),
    ]);
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.balance, Decimal::ZERO);
}

/// PAY-34 with AMB-6/7: a walk-up order (no lines, no hold) is paid by its
/// capture with `OrderPaid` too, though its intent never names the order.
#[test]
fn amb_7_capturing_a_walk_up_order_emits_order_paid() {
    let walk_up = OrderEvent::OrderPlaced(PlacedOrder {
        cart_id: None,
        lines: vec![],
        voucher_code: None,
        hold_expires_at: None,
        at: mins(-10),
        ..placed_order(25)
    });
    framework()
        .given(vec![walk_up, authorized("pi_w", dec(25))])
        .when(capture("pi_w", dec(25)))
        .then_expect_events(vec![captured("pi_w", dec(25)), order_paid()]);
}

#[test]
fn pay_36_capturing_again_is_a_no_op() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            captured("pi_t", dec(100)),
            order_paid(),
        ])
        .when(capture("pi_t", dec(100)))
        .then_expect_events(vec![]);
}

#[test]
fn pay_36_refuses_to_capture_an_unknown_intent() {
    framework()
        .given(vec![placed(100)])
        .when(capture("pi_other", dec(100)))
        .then_expect_error(OrderError::TerminalPaymentNotFound);
}

#[test]
fn pay_36_refuses_to_capture_a_cancelled_payment() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            cancelled("pi_t"),
        ])
        .when(capture("pi_t", dec(100)))
        .then_expect_error(OrderError::TerminalNotCapturable {
            status: "cancelled",
        });
}

#[test]
fn amb_6_capture_for_a_cancelled_order_is_recorded_and_flagged() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            OrderEvent::OrderCancelled {
                reason: CancelReason::Cancelled,
                by: None,
                voucher_code: Some("SAVE".into()),
                at: t0(),
            },
        ])
        .when(capture("pi_t", dec(100)))
        .then_expect_events(vec![
            captured("pi_t", dec(100)),
            OrderEvent::PaymentReceivedForClosedOrder {
                payment_id: terminal_payment_id("pi_t"),
                status: OrderStatus::Cancelled,
                at: t0(),
            },
        ]);
}

#[test]
fn pay_37_cancel_fails_the_payment_and_leaves_the_order() {
    framework()
        .given(vec![placed(100), authorized("pi_t", dec(100))])
        .when(OrderCommand::CancelTerminalPayment {
            payment_intent_id: "pi_t".into(),
        })
        .then_expect_events(vec![cancelled("pi_t")]);
}

#[test]
fn pay_37_cancelling_again_is_a_no_op() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            cancelled("pi_t"),
        ])
        .when(OrderCommand::CancelTerminalPayment {
            payment_intent_id: "pi_t".into(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn pay_37_refuses_to_cancel_a_captured_payment() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            captured("pi_t", dec(100)),
            order_paid(),
        ])
        .when(OrderCommand::CancelTerminalPayment {
            payment_intent_id: "pi_t".into(),
        })
        .then_expect_error(OrderError::TerminalAlreadyCaptured);
}

/// PAY-45 with AMB-6/7: the capture already paid the order; the success webhook
/// records no second payment and emits no second `OrderPaid`.
#[test]
fn pay_45_the_webhook_after_a_capture_changes_nothing() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            captured("pi_t", dec(100)),
            order_paid(),
        ])
        .when(succeeded("pi_t", dec(100)))
        .then_expect_events(vec![]);
}

/// AMB-6: a capture for an order cancelled meanwhile is flagged; the webhook
/// after it still changes nothing.
#[test]
fn pay_45_the_webhook_after_a_flagged_capture_changes_nothing() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            OrderEvent::OrderCancelled {
                reason: CancelReason::Cancelled,
                by: None,
                voucher_code: Some("SAVE".into()),
                at: t0(),
            },
            captured("pi_t", dec(100)),
            OrderEvent::PaymentReceivedForClosedOrder {
                payment_id: terminal_payment_id("pi_t"),
                status: OrderStatus::Cancelled,
                at: t0(),
            },
        ])
        .when(succeeded("pi_t", dec(100)))
        .then_expect_events(vec![]);
}

/// PAY-45: the webhook before the desk's capture is the capture: the pending
/// payment succeeds and the order is paid (`OrderPaid`, once); the desk's capture
/// then changes nothing.
#[test]
fn pay_45_the_webhook_before_a_capture_makes_the_pending_payment_succeed() {
    framework()
        .given(vec![placed(100), authorized("pi_t", dec(100))])
        .when(succeeded("pi_t", dec(100)))
        .then_expect_events(vec![captured("pi_t", dec(100)), order_paid()]);
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            captured("pi_t", dec(100)),
            order_paid(),
        ])
        .when(capture("pi_t", dec(100)))
        .then_expect_events(vec![]);
}

/// PAY-38/46: declined at the reader: the authorized record fails, with its
/// pending payment; the order is unchanged.
#[test]
fn pay_46_a_failed_terminal_intent_fails_its_record_and_payment() {
    framework()
        .given(vec![placed(100), authorized("pi_t", dec(100))])
        .when(payment_failed("pi_t"))
        .then_expect_events(vec![failed("pi_t")]);
}

#[test]
fn pay_46_the_failed_record_keeps_the_order_pending() {
    let order = state(vec![
        placed(100),
        authorized("pi_t", dec(100)),
        failed("pi_t"),
    ]);
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.balance, dec(100));
    let t = order.terminal_payment("pi_t").expect("the terminal record");
    assert_eq!(t.capture_status, TerminalCaptureStatus::Failed);
    assert_eq!(t.failed_at, Some(t0()));
    assert_eq!(t.captured_at, None);
    assert_eq!(t.cancelled_at, None);
    let p = order
        .payment(terminal_payment_id("pi_t"))
        .expect("the payment");
    assert_eq!(p.status, PaymentStatus::Failed);
}

/// Forward only: a duplicate failure changes nothing.
#[test]
fn pay_46_a_failure_reported_again_changes_nothing() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            failed("pi_t"),
        ])
        .when(payment_failed("pi_t"))
        .then_expect_events(vec![]);
}

/// Forward only: a failure after the capture changes nothing.
#[test]
fn pay_46_a_failure_after_a_capture_changes_nothing() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            captured("pi_t", dec(100)),
            order_paid(),
        ])
        .when(payment_failed("pi_t"))
        .then_expect_events(vec![]);
}

/// Forward only: a failure after the cancellation changes nothing.
#[test]
fn pay_46_a_failure_after_a_cancel_changes_nothing() {
    framework()
        .given(vec![
            placed(100),
            authorized("pi_t", dec(100)),
            cancelled("pi_t"),
        ])
        .when(payment_failed("pi_t"))
        .then_expect_events(vec![]);
}

/// PAY-38: a failed record is neither captured nor cancelled afterwards.
#[test]
fn pay_38_a_failed_record_cannot_be_captured_and_cancelling_it_is_a_no_op() {
    let given = vec![placed(100), authorized("pi_t", dec(100)), failed("pi_t")];
    framework()
        .given(given.clone())
        .when(capture("pi_t", dec(100)))
        .then_expect_error(OrderError::TerminalNotCapturable { status: "failed" });
    framework()
        .given(given)
        .when(OrderCommand::CancelTerminalPayment {
            payment_intent_id: "pi_t".into(),
        })
        .then_expect_events(vec![]);
}

/// The desk tries again: a new intent for the still pending order is authorized
/// and its capture pays the order.
#[test]
fn pay_46_after_a_failure_a_new_intent_can_pay_the_order() {
    let given = vec![placed(100), authorized("pi_t", dec(100)), failed("pi_t")];
    framework()
        .given(given.clone())
        .when(authorize("pi_t2", dec(100)))
        .then_expect_events(vec![authorized("pi_t2", dec(100))]);
    let mut then = given;
    then.push(authorized("pi_t2", dec(100)));
    framework()
        .given(then)
        .when(capture("pi_t2", dec(100)))
        .then_expect_events(vec![captured("pi_t2", dec(100)), order_paid()]);
}

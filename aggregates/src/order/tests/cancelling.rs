use super::*;

use PaymentMethod::{Credit, Manual, Stripe};

fn cancelled(reason: CancelReason, by: Option<Uuid>, at: Timestamp) -> OrderEvent {
    OrderEvent::OrderCancelled {
        reason,
        by,
        voucher_code: Some("SAVE".into()),
        at,
    }
}

fn reversed(payment: &str, amount: Decimal, at: Timestamp) -> OrderEvent {
    OrderEvent::CreditPaymentReversed {
        payment_id: id(payment),
        credit_id: id(&format!("credit-{payment}")),
        amount,
        at,
    }
}

#[test]
fn order_17_only_pending_orders_can_be_cancelled() {
    let error = OrderError::NotPending {
        status: OrderStatus::PartiallyRefunded,
    };
    assert_eq!(
        error.to_string(),
        "Only pending orders can be cancelled. This order is 'Partially Refunded'."
    );
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", Manual, dec(100)),
            order_paid(),
        ])
        .when(OrderCommand::Cancel { by: None })
        .then_expect_error(OrderError::NotPending {
            status: OrderStatus::Paid,
        });
}

#[test]
fn order_18_cancelling_gives_credit_payments_back_and_the_voucher_use() {
    framework()
        .given(vec![
            placed(100),
            paid_with("p1", Credit, dec(30)),
            paid_with("p2", Manual, dec(20)),
            paid_with("p3", Credit, dec(10)),
        ])
        .when(OrderCommand::Cancel {
            by: Some(id("olga")),
        })
        .then_expect_events(vec![
            reversed("p1", dec(30), t0()),
            reversed("p3", dec(10), t0()),
            cancelled(CancelReason::Cancelled, Some(id("olga")), t0()),
        ]);
}

#[test]
fn order_19_cancelling_leaves_other_payments_untouched() {
    let order = state(vec![
        placed(100),
        paid_with("p1", Credit, dec(30)),
        paid_with("p2", Manual, dec(20)),
        reversed("p1", dec(30), t0()),
        cancelled(CancelReason::Cancelled, None, t0()),
    ]);
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert_eq!(order.hold_expires_at, None); // ORDER-22
    assert_eq!(order.paid, dec(20));
    assert_eq!(
        order.payment(id("p1")).map(|p| p.status),
        Some(PaymentStatus::Refunded)
    );
    assert_eq!(
        order.payment(id("p2")).map(|p| p.status),
        Some(PaymentStatus::Succeeded)
    );
    assert!(!order.holds_inventory(t0()));
}

#[test]
fn order_17_cancelling_a_cancelled_order_is_a_no_op() {
    framework()
        .given(vec![
            placed(100),
            cancelled(CancelReason::Cancelled, None, t0()),
        ])
        .when(OrderCommand::Cancel { by: None })
        .then_expect_events(vec![]);
}

#[test]
fn order_20_a_stale_order_expires_when_its_hold_is_reached() {
    framework_at(mins(15))
        .given(vec![placed(100)])
        .when(OrderCommand::Expire)
        .then_expect_events(vec![cancelled(CancelReason::Expired, None, mins(15))]);
    let order = state(vec![placed(100)]);
    assert!(order.is_stale(mins(15)));
    assert!(!order.is_stale(mins(14)));
}

#[test]
fn amb_22_expiry_gives_credit_payments_back_like_a_cancellation() {
    framework_at(mins(20))
        .given(vec![placed(100), paid_with("p1", Credit, dec(30))])
        .when(OrderCommand::Expire)
        .then_expect_events(vec![
            reversed("p1", dec(30), mins(20)),
            cancelled(CancelReason::Expired, None, mins(20)),
        ]);
}

#[test]
fn order_20_expire_is_a_no_op_before_the_hold_ends_or_once_paid() {
    framework_at(mins(14))
        .given(vec![placed(100)])
        .when(OrderCommand::Expire)
        .then_expect_events(vec![]);
    framework_at(mins(60))
        .given(vec![
            placed(100),
            paid_with("p1", Stripe, dec(100)),
            order_paid(),
        ])
        .when(OrderCommand::Expire)
        .then_expect_events(vec![]);
}

#[test]
fn order_21_an_order_without_a_hold_never_expires() {
    let cmd = OrderCommand::Place(PlacedOrder {
        hold_expires_at: None,
        ..placed_order(100)
    });
    let order = Order::default();
    let facts = order.decide(cmd, t0()).unwrap_or_default();
    let order = state(facts);
    assert!(!order.is_stale(mins(10_000)));
    assert!(!order.holds_inventory(t0()));
    assert_eq!(order.decide(OrderCommand::Expire, mins(10_000)), Ok(vec![]));
}

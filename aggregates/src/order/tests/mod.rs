//! Given/when/then tests of the order, one per SPEC rule.

mod attempts;
mod cancelling;
mod payments;
mod placing;
mod refunds;
mod terminal;

use chrono::{TimeDelta, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use crate::Timestamp;
use crate::pricing::ProductRef;

pub(super) fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

pub(super) fn mins(n: i64) -> Timestamp {
    t0() + TimeDelta::minutes(n)
}

pub(super) fn id(name: &str) -> Uuid {
    crate::natural_id("test", name)
}

pub(super) fn dec(amount: i64) -> Decimal {
    Decimal::new(amount * 100, 2)
}

pub(super) fn framework() -> TestFramework<Order> {
    framework_at(t0())
}

pub(super) fn framework_at(now: Timestamp) -> TestFramework<Order> {
    TestFramework::with(DomainServices::at(now))
}

fn line(total: i64) -> OrderLine {
    OrderLine {
        product: ProductRef::ticket("standard"),
        description: "Standard".into(),
        unit_price: dec(total),
        quantity: 1,
        discount_amount: Decimal::ZERO,
        line_total: dec(total),
    }
}

/// Order-1 as checkout prices it (total `total`, hold until t0 + 15).
pub(super) fn placed_order(total: i64) -> PlacedOrder {
    PlacedOrder {
        order_id: id("order-1"),
        reference: "ORD-A1B2C3D4".into(),
        conference_id: id("conf"),
        user: id("ana"),
        cart_id: Some(id("cart-1")),
        lines: vec![line(total)],
        subtotal: dec(total),
        discount_amount: Decimal::ZERO,
        total: dec(total),
        voucher_code: Some("SAVE".into()),
        voucher_details: None,
        billing_name: "Ana".into(),
        billing_email: "ana@example.org".into(),
        billing_company: String::new(),
        hold_expires_at: Some(mins(15)),
        at: t0(),
        sealed_billing: None,
    }
}

/// The Place command of order-1.
pub(super) fn place(total: i64) -> OrderCommand {
    OrderCommand::Place(placed_order(total))
}

/// order-1 placed 10 minutes before t0.
pub(super) fn placed(total: i64) -> OrderEvent {
    placed_at(total, mins(-10))
}

pub(super) fn placed_at(total: i64, at: Timestamp) -> OrderEvent {
    OrderEvent::OrderPlaced(PlacedOrder {
        at,
        ..placed_order(total)
    })
}

pub(super) fn pay(payment: &str, method: PaymentMethod, amount: Decimal) -> OrderCommand {
    OrderCommand::RecordPayment {
        payment_id: id(payment),
        method,
        amount,
        stripe_payment_intent: method.is_card().then(|| format!("pi_{payment}")),
        credit_id: (method == PaymentMethod::Credit).then(|| id(&format!("credit-{payment}"))),
        reference: String::new(),
        note: String::new(),
        by: None,
    }
}

pub(super) fn paid_with(payment: &str, method: PaymentMethod, amount: Decimal) -> OrderEvent {
    OrderEvent::PaymentRecorded {
        payment_id: id(payment),
        method,
        amount,
        stripe_payment_intent: method.is_card().then(|| format!("pi_{payment}")),
        credit_id: (method == PaymentMethod::Credit).then(|| id(&format!("credit-{payment}"))),
        reference: String::new(),
        note: String::new(),
        by: None,
        at: t0(),
    }
}

pub(super) fn order_paid() -> OrderEvent {
    OrderEvent::OrderPaid {
        conference_id: id("conf"),
        user: id("ana"),
        at: t0(),
    }
}

pub(super) fn state(events: Vec<OrderEvent>) -> Order {
    let mut order = Order::default();
    for event in events {
        order.apply(event);
    }
    order
}

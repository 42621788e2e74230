//! Orders with their payments and refunds, credits, attendees, terminal intents.

use tessera_aggregates::attendee::{Attendee, AttendeeEvent, AttendeeProduct, attendee_id};
use tessera_aggregates::credit::{Credit, CreditEvent, CreditSource, IssuedCredit};
use tessera_aggregates::order::{
    CancelReason, Order, OrderEvent, OrderLine, OrderStatus, PaymentMethod, PlacedOrder,
    RefundReason, RefundTo, VoucherDetails, card_refund_idempotency_key,
};
use tessera_aggregates::pricing::{ProductRef, VoucherKind};
use tessera_aggregates::terminal_intent::{self, TerminalIntent, TerminalIntentEvent};

use super::{Fixture, at, conference_id, id, later, money, stream, uid};

const REFERENCE: &str = "PYCON-7K2M9QXA";

pub fn order() -> Vec<Fixture> {
    let order_id = id("order", REFERENCE);
    let attempt_id = id("attempt", "1");
    let (payment, credit_payment) = (id("payment", "1"), id("payment", "2"));
    let card_refund = id("refund", "2");
    let credit_id = id("credit", "ana/1");
    let events = vec![
        OrderEvent::OrderPlaced(PlacedOrder {
            order_id,
            reference: REFERENCE.into(),
            conference_id: conference_id(),
            user: uid("ana"),
            cart_id: Some(id("cart-generation", "ana/1")),
            lines: vec![
                OrderLine {
                    product: ProductRef::ticket("individual"),
                    description: "Individual".into(),
                    unit_price: money("400.00"),
                    quantity: 1,
                    discount_amount: money("72.00"),
                    line_total: money("288.00"),
                },
                OrderLine {
                    product: ProductRef::addon("tutorial"),
                    description: "Tutorial".into(),
                    unit_price: money("150.00"),
                    quantity: 2,
                    discount_amount: money("0.00"),
                    line_total: money("300.00"),
                },
            ],
            subtotal: money("700.00"),
            discount_amount: money("112.00"),
            total: money("588.00"),
            voucher_code: Some("STUDENT20".into()),
            voucher_details: Some(VoucherDetails {
                code: "STUDENT20".into(),
                voucher_type: VoucherKind::Percentage,
                discount_value: money("20"),
                unlocks_hidden_tickets: false,
            }),
            billing_name: "Ana Lovelace".into(),
            billing_email: "ana@example.org".into(),
            billing_company: "Analytical Engines Ltd".into(),
            hold_expires_at: Some(later(40)),
            at: later(10),
            // The stored fixture predates sealing: plain billing details.
            sealed_billing: None,
        }),
        OrderEvent::PaymentAttemptStarted {
            attempt_id,
            idempotency_key: format!("pay-{attempt_id}"),
            amount: money("488.00"),
            at: later(11),
        },
        OrderEvent::PaymentIntentCreated {
            attempt_id,
            payment_intent_id: "pi_3PqRsT2eZvKYlo2C0a1b2c3d".into(),
            client_secret: "pi_3PqRsT2eZvKYlo2C0a1b2c3d_secret_Xy9".into(),
            at: later(11),
        },
        OrderEvent::PaymentAttemptFailed {
            attempt_id,
            payment_intent_id: "pi_3PqRsT2eZvKYlo2C0a1b2c3d".into(),
            at: later(12),
        },
        OrderEvent::PaymentRecorded {
            payment_id: credit_payment,
            method: PaymentMethod::Credit,
            amount: money("100.00"),
            stripe_payment_intent: None,
            credit_id: Some(credit_id),
            reference: String::new(),
            note: String::new(),
            by: None,
            at: later(13),
        },
        OrderEvent::TerminalPaymentAuthorized {
            payment_id: payment,
            payment_intent_id: "pi_3TermT2eZvKYlo2C1d2e3f4g".into(),
            reader_id: "tmr_FZ2k3mQx9".into(),
            amount: money("488.00"),
            by: Some(uid("sam")),
            at: later(14),
        },
        OrderEvent::TerminalPaymentCaptured {
            payment_id: payment,
            payment_intent_id: "pi_3TermT2eZvKYlo2C1d2e3f4g".into(),
            amount: money("488.00"),
            at: later(15),
        },
        OrderEvent::OrderPaid {
            conference_id: conference_id(),
            user: uid("ana"),
            at: later(15),
        },
        OrderEvent::TerminalPaymentCancelled {
            payment_id: id("payment", "3"),
            payment_intent_id: "pi_3TermCancelled0a1b2c3d".into(),
            at: later(16),
        },
        OrderEvent::TerminalPaymentFailed {
            payment_id: id("payment", "4"),
            payment_intent_id: "pi_3TermDeclined0a1b2c3d".into(),
            at: later(17),
        },
        OrderEvent::PaymentReceivedForClosedOrder {
            payment_id: id("payment", "5"),
            status: OrderStatus::Paid,
            at: later(18),
        },
        OrderEvent::OrderRefunded {
            refund_id: card_refund,
            amount: money("150.00"),
            to: RefundTo::Card,
            reason: RefundReason::Duplicate,
            stripe_payment_intent: Some("pi_3TermT2eZvKYlo2C1d2e3f4g".into()),
            by: Some(uid("admin")),
            status: OrderStatus::PartiallyRefunded,
            at: later(21),
            stripe_idempotency_key: Some(card_refund_idempotency_key(card_refund)),
        },
        OrderEvent::CardRefundSucceeded {
            refund_id: card_refund,
            stripe_refund_id: "re_3PqRsT2eZvKYlo2C0r1s2t3u".into(),
            at: later(22),
        },
        OrderEvent::RefundFailed {
            refund_id: id("refund", "3"),
            amount: money("50.00"),
            reason: "charge_already_refunded".into(),
            status: OrderStatus::PartiallyRefunded,
            at: later(23),
        },
        OrderEvent::StripeRefundRecorded {
            stripe_refund_id: "re_3OutsideT2eZvKYlo2C9z8y".into(),
            payment_intent_id: "pi_3TermT2eZvKYlo2C1d2e3f4g".into(),
            amount: money("25.00"),
            payment_refunded: false,
            status: OrderStatus::PartiallyRefunded,
            at: later(24),
        },
        OrderEvent::OrderDisputed {
            dispute_id: "dp_1PqRsT2eZvKYlo2C".into(),
            payment_intent_id: "pi_3TermT2eZvKYlo2C1d2e3f4g".into(),
            amount: money("213.00"),
            reason: "fraudulent".into(),
            at: later(25),
        },
        OrderEvent::CreditPaymentReversed {
            payment_id: credit_payment,
            credit_id,
            amount: money("100.00"),
            at: later(26),
        },
        OrderEvent::OrderCancelled {
            reason: CancelReason::Expired,
            by: None,
            voucher_code: Some("STUDENT20".into()),
            at: later(41),
        },
    ];
    stream::<Order>(order_id, events)
}

#[allow(dead_code)]
fn order_variants(e: &OrderEvent) {
    use OrderEvent::*;
    match e {
        OrderPlaced(_)
        | PaymentAttemptStarted { .. }
        | PaymentIntentCreated { .. }
        | PaymentAttemptFailed { .. }
        | PaymentRecorded { .. }
        | OrderPaid { .. }
        | PaymentReceivedForClosedOrder { .. }
        | CreditPaymentReversed { .. }
        | OrderCancelled { .. }
        | OrderRefunded { .. }
        | CardRefundSucceeded { .. }
        | RefundFailed { .. }
        | StripeRefundRecorded { .. }
        | OrderDisputed { .. }
        | TerminalPaymentAuthorized { .. }
        | TerminalPaymentCaptured { .. }
        | TerminalPaymentCancelled { .. }
        | TerminalPaymentFailed { .. } => {}
    }
}

pub fn credit() -> Vec<Fixture> {
    let order_id = id("order", REFERENCE);
    let events = vec![
        CreditEvent::CreditIssued(IssuedCredit {
            credit_id: id("credit", "ana/1"),
            conference_id: conference_id(),
            user: uid("ana"),
            amount: money("100.00"),
            spendable: true,
            source: CreditSource::Refund {
                order_id: id("order", "PYCON-OLD00001"),
                refund_id: id("refund", "0"),
            },
            at: at(),
        }),
        CreditEvent::CreditApplied {
            order_id,
            payment_id: id("payment", "2"),
            amount: money("100.00"),
            remaining: money("0.00"),
            at: later(13),
        },
        CreditEvent::CreditRestored {
            order_id,
            payment_id: id("payment", "2"),
            amount: money("100.00"),
            remaining: money("100.00"),
            at: later(26),
        },
    ];
    stream::<Credit>(id("credit", "ana/1"), events)
}

#[allow(dead_code)]
fn credit_variants(e: &CreditEvent) {
    use CreditEvent::*;
    match e {
        CreditIssued(_) | CreditApplied { .. } | CreditRestored { .. } => {}
    }
}

pub fn attendee() -> Vec<Fixture> {
    let order_id = id("order", REFERENCE);
    let events = vec![
        AttendeeEvent::AttendeeRegistered {
            conference_id: conference_id(),
            user: uid("ana"),
            access_code: "K7M2Q9XA".into(),
            at: later(15),
        },
        AttendeeEvent::AttendeeOrderAdded {
            order_id,
            products: vec![
                AttendeeProduct {
                    product: ProductRef::ticket("individual"),
                    name: "Individual".into(),
                    quantity: 1,
                },
                AttendeeProduct {
                    product: ProductRef::addon("tutorial"),
                    name: "Tutorial".into(),
                    quantity: 2,
                },
            ],
            at: later(15),
        },
        AttendeeEvent::AttendeeCheckedIn {
            number: 1,
            station: "hall-a".into(),
            by: uid("sam"),
            note: String::new(),
            at: later(60 * 24),
        },
        AttendeeEvent::DoorCheckPassed {
            product: ProductRef::addon("tutorial"),
            station: "room-2".into(),
            by: uid("sam"),
            at: later(60 * 24 + 30),
        },
        AttendeeEvent::DoorCheckDenied {
            product: ProductRef::addon("dinner"),
            station: "ballroom".into(),
            by: uid("sam"),
            at: later(60 * 24 + 600),
        },
        AttendeeEvent::ProductRedeemed {
            product: ProductRef::addon("tutorial"),
            quantity: 1,
            station: "room-2".into(),
            by: uid("sam"),
            at: later(60 * 24 + 31),
        },
        AttendeeEvent::AttendeeOrderRemoved {
            order_id,
            at: later(60 * 48),
        },
    ];
    stream::<Attendee>(attendee_id(conference_id(), uid("ana")), events)
}

#[allow(dead_code)]
fn attendee_variants(e: &AttendeeEvent) {
    use AttendeeEvent::*;
    match e {
        AttendeeRegistered { .. }
        | AttendeeOrderAdded { .. }
        | AttendeeOrderRemoved { .. }
        | AttendeeCheckedIn { .. }
        | DoorCheckPassed { .. }
        | DoorCheckDenied { .. }
        | ProductRedeemed { .. } => {}
    }
}

pub fn terminal_intent() -> Vec<Fixture> {
    let intent = "pi_3TermT2eZvKYlo2C1d2e3f4g";
    let events = vec![TerminalIntentEvent::TerminalIntentRegistered {
        payment_intent_id: intent.into(),
        conference_id: conference_id(),
        order_id: id("order", REFERENCE),
        reader_id: "tmr_FZ2k3mQx9".into(),
        at: later(14),
    }];
    stream::<TerminalIntent>(terminal_intent::stream_id(intent), events)
}

#[allow(dead_code)]
fn terminal_intent_variants(e: &TerminalIntentEvent) {
    use TerminalIntentEvent::*;
    match e {
        TerminalIntentRegistered { .. } => {}
    }
}

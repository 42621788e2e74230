//! Purchase orders and the records of Stripe: its events and its customers.

use tessera_aggregates::pricing::ProductRef;
use tessera_aggregates::purchase_order::{
    ExternalInvoice, PoContact, PoCreditNote, PoLine, PoPayment, PoPaymentMethod, PoStatus,
    PurchaseOrder, PurchaseOrderEvent,
};
use tessera_aggregates::stripe_customer::{self, StripeCustomer, StripeCustomerEvent};
use tessera_aggregates::stripe_event::{self, StripeEventEvent, StripeEventRecord};

use super::{Fixture, at, conference_id, date, id, later, money, stream, uid};

pub fn purchase_order() -> Vec<Fixture> {
    let events = vec![
        PurchaseOrderEvent::PurchaseOrderCreated {
            conference_id: conference_id(),
            reference: "PO-7K2M9Q".into(),
            contact: PoContact {
                organization_name: "Acme Analytics".into(),
                contact_email: "events@acme.example".into(),
                contact_name: "Grace Hopper".into(),
                billing_address: "1 Harbour Way, Portsmouth".into(),
                notes: "Invoice quarterly".into(),
            },
            // The plain shape of the first releases (the fixture predates
            // sealing); `sealed_contact` is optional.
            sealed_contact: None,
            lines: vec![
                PoLine {
                    description: "Individual tickets".into(),
                    quantity: 10,
                    unit_price: money("400.00"),
                    line_total: money("4000.00"),
                    product: Some(ProductRef::ticket("individual")),
                },
                PoLine {
                    description: "Booth power".into(),
                    quantity: 1,
                    unit_price: money("250.00"),
                    line_total: money("250.00"),
                    product: None,
                },
            ],
            subtotal: money("4250.00"),
            total: money("4250.00"),
            created_by: Some(uid("finn")),
            at: at(),
        },
        PurchaseOrderEvent::PurchaseOrderSent { at: later(1) },
        PurchaseOrderEvent::PurchaseOrderStripeInvoiceAttached {
            invoice: ExternalInvoice {
                id: "in_1PqRsT2eZvKYlo2C".into(),
                url: "https://invoice.stripe.com/i/acct_1/test_1".into(),
            },
            at: later(2),
        },
        PurchaseOrderEvent::PurchaseOrderQboInvoiceAttached {
            invoice: ExternalInvoice {
                id: "1043".into(),
                url: String::new(),
            },
            at: later(3),
        },
        PurchaseOrderEvent::PurchaseOrderPaymentRecorded {
            payment: PoPayment {
                id: id("po-payment", "1"),
                amount: money("4000.00"),
                method: PoPaymentMethod::Wire,
                reference: "WIRE-20270520-1".into(),
                payment_date: date("2027-05-20"),
                note: "First instalment".into(),
                recorded_by: Some(uid("finn")),
                recorded_at: later(4),
            },
            status: PoStatus::PartiallyPaid,
            at: later(4),
        },
        PurchaseOrderEvent::PurchaseOrderCreditNoteIssued {
            credit_note: PoCreditNote {
                id: id("po-credit-note", "1"),
                amount: money("250.00"),
                reason: "No booth after all".into(),
                issued_by: Some(uid("finn")),
                issued_at: later(5),
            },
            status: PoStatus::Paid,
            at: later(5),
        },
        PurchaseOrderEvent::PurchaseOrderCancelled {
            was: PoStatus::Paid,
            by: Some(uid("finn")),
            at: later(6),
        },
    ];
    stream::<PurchaseOrder>(id("purchase_order", "PO-7K2M9Q"), events)
}

#[allow(dead_code)]
fn purchase_order_variants(e: &PurchaseOrderEvent) {
    use PurchaseOrderEvent::*;
    match e {
        PurchaseOrderCreated { .. }
        | PurchaseOrderSent { .. }
        | PurchaseOrderPaymentRecorded { .. }
        | PurchaseOrderCreditNoteIssued { .. }
        | PurchaseOrderCancelled { .. }
        | PurchaseOrderStripeInvoiceAttached { .. }
        | PurchaseOrderQboInvoiceAttached { .. } => {}
    }
}

pub fn stripe_event() -> Vec<Fixture> {
    let event_id = "evt_3PqRsT2eZvKYlo2C1a2b3c4d";
    let events = vec![
        StripeEventEvent::StripeEventReceived {
            event_id: event_id.into(),
            kind: "payment_intent.succeeded".into(),
            endpoint_conference_id: conference_id(),
            order_id: Some(id("order", "PYCON-7K2M9QXA")),
            conference_id: Some(conference_id()),
            payload_digest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                .into(),
            attempt: 1,
            at: at(),
        },
        StripeEventEvent::StripeEventFailed {
            error: "the order's stream was busy; retry".into(),
            at: later(1),
        },
        StripeEventEvent::StripeEventProcessed { at: later(2) },
        StripeEventEvent::StripeEventRefused {
            endpoint_conference_id: conference_id(),
            reason: "The event names an order of another conference.".into(),
            at: later(3),
        },
    ];
    stream::<StripeEventRecord>(stripe_event::stream_id(event_id), events)
}

#[allow(dead_code)]
fn stripe_event_variants(e: &StripeEventEvent) {
    use StripeEventEvent::*;
    match e {
        StripeEventReceived { .. }
        | StripeEventProcessed { .. }
        | StripeEventFailed { .. }
        | StripeEventRefused { .. } => {}
    }
}

pub fn stripe_customer() -> Vec<Fixture> {
    let events = vec![StripeCustomerEvent::StripeCustomerRecorded {
        conference_id: conference_id(),
        user: uid("ana"),
        stripe_customer_id: "cus_Q1w2E3r4T5y6U7".into(),
        at: at(),
    }];
    stream::<StripeCustomer>(
        stripe_customer::stream_id(conference_id(), uid("ana")),
        events,
    )
}

#[allow(dead_code)]
fn stripe_customer_variants(e: &StripeCustomerEvent) {
    use StripeCustomerEvent::*;
    match e {
        StripeCustomerRecorded { .. } => {}
    }
}

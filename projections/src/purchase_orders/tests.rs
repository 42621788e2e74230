use chrono::NaiveDate;
use tessera_aggregates::natural_id;
use tessera_aggregates::purchase_order::{
    ExternalInvoice, PoContact, PoCreditNote, PoLine, PoPayment, PoPaymentMethod,
};

use super::*;
use crate::fold_all;
use crate::testing::{Logged, assert_round_trip, at, conf, d, log, user};

fn po_id(reference: &str) -> Uuid {
    natural_id("purchase_order", reference)
}

fn p(reference: &str, event: PurchaseOrderEvent) -> Logged {
    Logged {
        kind: "purchase_order",
        id: po_id(reference),
        conference: Some(conf()),
        event: DomainEvent::PurchaseOrder(event),
    }
}

fn created(reference: &str, unit: &str, quantity: u32) -> PurchaseOrderEvent {
    let line_total = d(unit) * Decimal::from(quantity);
    PurchaseOrderEvent::PurchaseOrderCreated {
        conference_id: conf(),
        reference: reference.into(),
        contact: PoContact {
            organization_name: "ACME".into(),
            contact_email: "billing@acme.test".into(),
            ..Default::default()
        },
        lines: vec![PoLine {
            description: "Corporate ticket".into(),
            quantity,
            unit_price: d(unit),
            line_total,
            product: None,
        }],
        subtotal: line_total,
        total: line_total,
        created_by: Some(user("org")),
        at: at(1, 9),
        sealed_contact: None,
    }
}

fn paid(name: &str, amount: &str, status: PoStatus) -> PurchaseOrderEvent {
    PurchaseOrderEvent::PurchaseOrderPaymentRecorded {
        payment: PoPayment {
            id: natural_id("po-payment", name),
            amount: d(amount),
            method: PoPaymentMethod::Wire,
            reference: format!("wire {name}"),
            payment_date: NaiveDate::from_ymd_opt(2026, 5, 3).unwrap_or_default(),
            note: String::new(),
            recorded_by: Some(user("org")),
            recorded_at: at(3, 9),
        },
        status,
        at: at(3, 9),
    }
}

fn history() -> Vec<Logged> {
    vec![
        p("PO-AAA111", created("PO-AAA111", "500.00", 2)),
        p(
            "PO-AAA111",
            PurchaseOrderEvent::PurchaseOrderSent { at: at(2, 9) },
        ),
        p(
            "PO-AAA111",
            PurchaseOrderEvent::PurchaseOrderStripeInvoiceAttached {
                invoice: ExternalInvoice {
                    id: "in_1".into(),
                    url: "https://invoice.stripe.test/in_1".into(),
                },
                at: at(2, 9),
            },
        ),
        p("PO-AAA111", paid("a1", "400.00", PoStatus::PartiallyPaid)),
        p(
            "PO-AAA111",
            PurchaseOrderEvent::PurchaseOrderCreditNoteIssued {
                credit_note: PoCreditNote {
                    id: natural_id("po-credit", "a"),
                    amount: d("100.00"),
                    reason: "early-bird adjustment".into(),
                    issued_by: Some(user("org")),
                    issued_at: at(3, 10),
                },
                status: PoStatus::PartiallyPaid,
                at: at(3, 10),
            },
        ),
        p("PO-AAA111", paid("a2", "500.00", PoStatus::Paid)),
        p("PO-BBB222", created("PO-BBB222", "300.00", 1)),
        p("PO-BBB222", paid("b1", "100.00", PoStatus::PartiallyPaid)),
        p(
            "PO-BBB222",
            PurchaseOrderEvent::PurchaseOrderCancelled {
                was: PoStatus::PartiallyPaid,
                by: Some(user("org")),
                at: at(4, 9),
            },
        ),
        p("PO-CCC333", created("PO-CCC333", "200.00", 1)),
        p("PO-CCC333", paid("c1", "250.00", PoStatus::Overpaid)),
    ]
}

fn po(rows: &Rows<PurchaseOrdersRow>, reference: &str) -> PurchaseOrderRecord {
    match rows.get(&po_key(conf(), po_id(reference))) {
        Some(PurchaseOrdersRow::Po(p)) => p.clone(),
        other => panic!("PO {reference} missing: {other:?}"),
    }
}

#[test]
fn po_5_totals_and_balance_follow_payments_and_credit_notes() {
    let rows = fold_all::<PurchaseOrders>(&log(history()));
    let a = po(&rows, "PO-AAA111");
    assert_eq!(a.status, PoStatus::Paid);
    assert_eq!(a.total, d("1000.00"));
    assert_eq!(a.total_paid, d("900.00"));
    assert_eq!(a.total_credited, d("100.00"));
    assert_eq!(a.balance_due, d("0.00"));
    assert_eq!(a.sent_at, Some(at(2, 9)));
    assert_eq!(a.payments.len(), 2);
    assert_eq!(a.credit_notes.len(), 1);
    assert_eq!(
        a.stripe_invoice.as_ref().map(|i| i.id.as_str()),
        Some("in_1")
    );
    let c = po(&rows, "PO-CCC333");
    assert_eq!(c.status, PoStatus::Overpaid);
    assert_eq!(c.balance_due, d("-50.00"), "PO-5: may be negative");
    assert_eq!(
        rows.get(&ref_key("PO-CCC333")),
        Some(&PurchaseOrdersRow::Ref(PoRef {
            conference_id: conf(),
            po_id: po_id("PO-CCC333"),
        }))
    );
}

#[test]
fn po_11_a_cancelled_po_keeps_its_payments() {
    let rows = fold_all::<PurchaseOrders>(&log(history()));
    let b = po(&rows, "PO-BBB222");
    assert_eq!(b.status, PoStatus::Cancelled);
    assert_eq!(b.cancelled_at, Some(at(4, 9)));
    assert_eq!(b.total_paid, d("100.00"));
    assert_eq!(
        serde_json::to_value(PoStatus::PartiallyPaid).unwrap_or_default(),
        "partially_paid"
    );
}

#[test]
fn ana_34_po_revenue_and_outstanding() {
    let rows = fold_all::<PurchaseOrders>(&log(history()));
    let Some(PurchaseOrdersRow::Summary(s)) = rows.get(&summary_key(conf())) else {
        panic!("summary missing");
    };
    assert_eq!(s.count, 3);
    assert_eq!(s.cancelled, 1);
    assert_eq!(s.revenue, d("1200.00"), "paid + overpaid");
    assert_eq!(s.paid, d("1150.00"), "non-cancelled POs");
    assert_eq!(s.credited, d("100.00"));
    assert_eq!(s.outstanding, d("-50.00"));
}

#[test]
fn a_conference_lists_its_pos_and_every_row_kind_survives_storage() {
    let rows = fold_all::<PurchaseOrders>(&log(history()));
    assert_eq!(rows.with_prefix(&pos_prefix(conf())).count(), 3);
    let kinds: std::collections::HashSet<_> = rows
        .iter()
        .map(|(_, r)| std::mem::discriminant(r))
        .collect();
    assert_eq!(kinds.len(), 4, "po, ref, summary, stream");
    assert_round_trip(&rows);
}

/// One shape per fact: the row the purchase-orders read model serves is the
/// record the PurchaseOrder aggregate decides on, after the same events.
#[test]
fn the_row_is_the_aggregates_record_after_the_same_events() {
    use cqrs_es::Aggregate;
    use tessera_aggregates::purchase_order::PurchaseOrder;
    let rows = fold_all::<PurchaseOrders>(&log(history()));
    for reference in ["PO-AAA111", "PO-BBB222", "PO-CCC333"] {
        let mut aggregate = PurchaseOrder::default();
        for l in history().into_iter().filter(|l| l.id == po_id(reference)) {
            if let DomainEvent::PurchaseOrder(e) = l.event {
                aggregate.apply(e);
            }
        }
        assert_eq!(&po(&rows, reference), aggregate.record(), "{reference}");
    }
}

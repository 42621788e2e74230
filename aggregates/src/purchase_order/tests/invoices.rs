//! PO-12…14: Stripe and QuickBooks invoices.

use super::*;

#[test]
fn po_12_a_stripe_invoice_makes_a_draft_sent() {
    let attach = || PurchaseOrderCommand::AttachStripeInvoice {
        invoice_id: "in_123".into(),
        url: "https://invoice.stripe.test/in_123".into(),
    };
    let attached = PurchaseOrderEvent::PurchaseOrderStripeInvoiceAttached {
        invoice: stripe_invoice(),
        at: t0(),
    };
    framework()
        .given(vec![created()])
        .when(attach())
        .then_expect_events(vec![attached.clone(), sent()]);
    framework()
        .given(vec![created(), sent()])
        .when(attach())
        .then_expect_events(vec![attached.clone()]);
    framework()
        .given(vec![created(), attached, sent()])
        .when(attach())
        .then_expect_events(vec![]);
}

#[test]
fn po_12_refuses_a_second_stripe_invoice_or_a_settled_po() {
    let attached = PurchaseOrderEvent::PurchaseOrderStripeInvoiceAttached {
        invoice: stripe_invoice(),
        at: t0(),
    };
    framework()
        .given(vec![created(), attached, sent()])
        .when(PurchaseOrderCommand::AttachStripeInvoice {
            invoice_id: "in_999".into(),
            url: String::new(),
        })
        .then_expect_error(PurchaseOrderError::StripeInvoiceExists("PO-A1B2C3".into()));
    framework()
        .given(vec![
            created(),
            sent(),
            paid("p1", "10.00", PoStatus::PartiallyPaid),
        ])
        .when(PurchaseOrderCommand::AttachStripeInvoice {
            invoice_id: "in_123".into(),
            url: String::new(),
        })
        .then_expect_error(PurchaseOrderError::InvoiceNotAllowed(
            PoStatus::PartiallyPaid,
        ));
}

fn with_stripe_invoice() -> Vec<PurchaseOrderEvent> {
    vec![
        created(),
        PurchaseOrderEvent::PurchaseOrderStripeInvoiceAttached {
            invoice: stripe_invoice(),
            at: t0(),
        },
        sent(),
    ]
}

fn stripe_sync(name: &str, amount_paid: &str, from_webhook: bool) -> PurchaseOrderCommand {
    PurchaseOrderCommand::SyncStripeInvoice {
        payment_id: id(name),
        invoice_id: "in_123".into(),
        amount_paid: d(amount_paid),
        from_webhook,
    }
}

#[test]
fn po_13_sync_records_what_stripe_reports_beyond_total_paid() {
    let mut history = with_stripe_invoice();
    history.push(paid("p1", "400.00", PoStatus::PartiallyPaid));
    let mut stripe = payment("s1", "600.00", PoPaymentMethod::Stripe, "in_123");
    stripe.payment_date = t0().date_naive();
    framework()
        .given(history.clone())
        .when(stripe_sync("s1", "1000", false))
        .then_expect_events(vec![PurchaseOrderEvent::PurchaseOrderPaymentRecorded {
            payment: stripe,
            status: PoStatus::Paid,
            at: t0(),
        }]);
    framework()
        .given(history)
        .when(stripe_sync("s1", "400", false))
        .then_expect_events(vec![]);
}

#[test]
fn po_13_the_webhook_ignores_paid_and_cancelled_pos() {
    let mut history = with_stripe_invoice();
    history.push(paid("p1", "1000.00", PoStatus::Paid));
    framework()
        .given(history)
        .when(stripe_sync("s1", "1200", true))
        .then_expect_events(vec![]);
}

#[test]
fn po_13_refuses_an_invoice_of_another_po() {
    framework()
        .given(vec![created(), sent()])
        .when(stripe_sync("s1", "10", false))
        .then_expect_error(PurchaseOrderError::UnknownInvoice("PO-A1B2C3".into()));
}

#[test]
fn po_14_qbo_sync_records_a_wire_payment_when_qbo_reports_balance_zero() {
    let qbo = PurchaseOrderEvent::PurchaseOrderQboInvoiceAttached {
        invoice: ExternalInvoice {
            id: "42".into(),
            url: String::new(),
        },
        at: t0(),
    };
    framework()
        .given(vec![created()])
        .when(PurchaseOrderCommand::AttachQboInvoice {
            invoice_id: "42".into(),
            url: String::new(),
        })
        .then_expect_events(vec![qbo.clone(), sent()]);
    let history = vec![
        created(),
        qbo,
        sent(),
        paid("p1", "250.00", PoStatus::PartiallyPaid),
    ];
    let sync = |balance: &str| PurchaseOrderCommand::SyncQboInvoice {
        payment_id: id("q1"),
        invoice_id: "42".into(),
        qbo_total: d("1000.00"),
        qbo_balance: d(balance),
    };
    let mut wire = payment("q1", "750.00", PoPaymentMethod::Wire, "QBO Invoice #42");
    wire.payment_date = t0().date_naive();
    framework()
        .given(history.clone())
        .when(sync("0"))
        .then_expect_events(vec![PurchaseOrderEvent::PurchaseOrderPaymentRecorded {
            payment: wire,
            status: PoStatus::Paid,
            at: t0(),
        }]);
    framework()
        .given(history)
        .when(sync("100.00"))
        .then_expect_events(vec![]);
}

#[test]
fn po_error_codes_are_stable_and_prefixed() {
    let all = [
        PurchaseOrderError::NotFound,
        PurchaseOrderError::NotDraft(PoStatus::Paid),
        PurchaseOrderError::CancelPaid,
        PurchaseOrderError::IdReused,
    ];
    assert!(all.iter().all(|e| e.code().starts_with("po.")));
    assert_eq!(
        PurchaseOrderError::NotDraft(PoStatus::Paid).code(),
        "po.not_draft"
    );
}

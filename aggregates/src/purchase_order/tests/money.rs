//! PO-5…9, PO-11: payments, credit notes, status and cancellation.

use super::*;

#[test]
fn po_6_a_partial_payment_makes_the_po_partially_paid() {
    framework()
        .given(vec![created(), sent()])
        .when(pay("p1", "400"))
        .then_expect_events(vec![paid("p1", "400.00", PoStatus::PartiallyPaid)]);
}

#[test]
fn po_6_method_defaults_to_wire() {
    let cmd: PurchaseOrderCommand = serde_json::from_str(&format!(
        r#"{{"RecordPayment":{{"payment_id":"{}","amount":"5.00","payment_date":"2026-04-30"}}}}"#,
        id("p")
    ))
    .unwrap();
    assert!(matches!(
        cmd,
        PurchaseOrderCommand::RecordPayment {
            method: PoPaymentMethod::Wire,
            ..
        }
    ));
}

#[test]
fn po_6_refuses_a_payment_that_is_not_positive() {
    framework()
        .given(vec![created()])
        .when(pay("p1", "0"))
        .then_expect_error(PurchaseOrderError::NonPositivePayment);
}

#[test]
fn po_6_refuses_a_payment_on_a_cancelled_po() {
    let cancelled = PurchaseOrderEvent::PurchaseOrderCancelled {
        was: PoStatus::Sent,
        by: None,
        at: t0(),
    };
    let err = PurchaseOrderError::PaymentOnCancelled("PO-A1B2C3".into());
    assert_eq!(
        err.to_string(),
        "Cannot record payment on cancelled PO PO-A1B2C3"
    );
    framework()
        .given(vec![created(), sent(), cancelled])
        .when(pay("p1", "10"))
        .then_expect_error(err);
}

#[test]
fn po_6_a_re_sent_payment_is_a_no_op_and_a_reused_id_is_refused() {
    let history = vec![
        created(),
        sent(),
        paid("p1", "400.00", PoStatus::PartiallyPaid),
    ];
    framework()
        .given(history.clone())
        .when(pay("p1", "400"))
        .then_expect_events(vec![]);
    framework()
        .given(history)
        .when(pay("p1", "500"))
        .then_expect_error(PurchaseOrderError::IdReused);
}

#[test]
fn po_8_a_payment_reaching_the_total_makes_the_po_paid() {
    framework()
        .given(vec![
            created(),
            sent(),
            paid("p1", "400.00", PoStatus::PartiallyPaid),
        ])
        .when(pay("p2", "600"))
        .then_expect_events(vec![paid("p2", "600.00", PoStatus::Paid)]);
}

#[test]
fn po_8_paying_beyond_the_total_makes_the_po_overpaid() {
    framework()
        .given(vec![created(), sent()])
        .when(pay("p1", "1000.01"))
        .then_expect_events(vec![paid("p1", "1000.01", PoStatus::Overpaid)]);
}

#[test]
fn po_8_a_payment_on_a_draft_still_moves_its_status() {
    framework()
        .given(vec![created()])
        .when(pay("p1", "1"))
        .then_expect_events(vec![paid("p1", "1.00", PoStatus::PartiallyPaid)]);
}

#[test]
fn po_9_credit_notes_alone_never_make_a_po_partially_paid() {
    framework()
        .given(vec![created(), sent()])
        .when(credit("c1", "100"))
        .then_expect_events(vec![credited("c1", "100.00", PoStatus::Sent)]);
    framework()
        .given(vec![created()])
        .when(credit("c1", "100"))
        .then_expect_events(vec![credited("c1", "100.00", PoStatus::Draft)]);
}

#[test]
fn po_9_a_credit_note_bringing_the_balance_to_zero_makes_the_po_paid() {
    framework()
        .given(vec![
            created(),
            sent(),
            paid("p1", "900.00", PoStatus::PartiallyPaid),
        ])
        .when(credit("c1", "100"))
        .then_expect_events(vec![credited("c1", "100.00", PoStatus::Paid)]);
}

#[test]
fn po_9_a_zero_total_po_without_activity_stays_draft() {
    let po = fold(vec![]);
    let events = po
        .decide(create(vec![input("Comp booth", 1, "0")]), t0())
        .unwrap();
    let po = fold(events);
    assert_eq!(po.status, PoStatus::Draft);
    assert_eq!(po.total, d("0.00"));
    assert_eq!(po.balance_due, d("0.00"));
}

#[test]
fn po_7_refuses_a_credit_note_without_amount_or_reason_or_on_a_cancelled_po() {
    let po = fold(vec![created()]);
    assert_eq!(
        po.decide(credit("c1", "0"), t0()),
        Err(PurchaseOrderError::NonPositiveCredit)
    );
    let blank = PurchaseOrderCommand::IssueCreditNote {
        credit_note_id: id("c1"),
        amount: d("5"),
        reason: " ".into(),
        issued_by: None,
    };
    assert_eq!(
        po.decide(blank, t0()),
        Err(PurchaseOrderError::BlankCreditReason)
    );
    let po = fold(vec![
        created(),
        PurchaseOrderEvent::PurchaseOrderCancelled {
            was: PoStatus::Draft,
            by: None,
            at: t0(),
        },
    ]);
    assert_eq!(
        po.decide(credit("c1", "5"), t0()),
        Err(PurchaseOrderError::CreditOnCancelled("PO-A1B2C3".into()))
    );
}

#[test]
fn po_7_a_re_sent_credit_note_is_a_no_op() {
    framework()
        .given(vec![created(), credited("c1", "100.00", PoStatus::Draft)])
        .when(credit("c1", "100"))
        .then_expect_events(vec![]);
}

#[test]
fn po_5_balance_is_total_minus_payments_minus_credits_and_may_be_negative() {
    let po = fold(vec![
        created(),
        sent(),
        paid("p1", "900.00", PoStatus::PartiallyPaid),
        credited("c1", "150.00", PoStatus::Overpaid),
    ]);
    assert_eq!(po.total_paid, d("900.00"));
    assert_eq!(po.total_credited, d("150.00"));
    assert_eq!(po.balance_due, d("-50.00"));
    assert_eq!(po.status, PoStatus::Overpaid);
    assert_eq!(po.payments.len(), 1);
    assert_eq!(po.credit_notes.len(), 1);
}

#[test]
fn po_11_cancels_and_keeps_payments_and_credit_notes() {
    let history = vec![
        created(),
        sent(),
        paid("p1", "400.00", PoStatus::PartiallyPaid),
    ];
    let cancelled = PurchaseOrderEvent::PurchaseOrderCancelled {
        was: PoStatus::PartiallyPaid,
        by: Some(id("olga")),
        at: t0(),
    };
    framework()
        .given(history.clone())
        .when(PurchaseOrderCommand::Cancel {
            by: Some(id("olga")),
        })
        .then_expect_events(vec![cancelled.clone()]);
    let po = fold([history, vec![cancelled.clone()]].concat());
    assert_eq!(po.status, PoStatus::Cancelled);
    assert_eq!(po.total_paid, d("400.00"));
    framework()
        .given(vec![created(), cancelled])
        .when(PurchaseOrderCommand::Cancel { by: None })
        .then_expect_events(vec![]);
}

#[test]
fn po_11_refuses_to_cancel_a_paid_po() {
    framework()
        .given(vec![
            created(),
            sent(),
            paid("p1", "1000.00", PoStatus::Paid),
        ])
        .when(PurchaseOrderCommand::Cancel { by: None })
        .then_expect_error(PurchaseOrderError::CancelPaid);
}

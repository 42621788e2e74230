//! Bulk purchases (SPONSOR-18…28, PAY-49/50, AMB-23), given/when/then.

use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use BulkPurchaseCommand::*;
use BulkPurchaseEvent::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn conf() -> Uuid {
    crate::natural_id("conference", "pycon-us-2027")
}

fn requester() -> Uuid {
    Uuid::from_u128(1)
}

fn framework() -> TestFramework<BulkPurchase> {
    TestFramework::with(DomainServices::at(t0()))
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn terms_config() -> VoucherConfig {
    VoucherConfig {
        voucher_type: Some(crate::pricing::VoucherKind::Comp),
        discount_value: Some(Decimal::ZERO),
        ..Default::default()
    }
}

fn request(quantity: u32, unit_price: &str, from_portal: bool) -> BulkPurchaseCommand {
    Request {
        conference_id: conf(),
        sponsor: Some("acme".into()),
        quantity,
        ticket_type: Some(BulkProduct {
            slug: "individual".into(),
            name: "Individual".into(),
            bulk_enabled: true,
        }),
        addon: None,
        unit_price: d(unit_price),
        voucher_config: if from_portal {
            VoucherConfig::default()
        } else {
            terms_config()
        },
        requester: requester(),
        from_portal,
    }
}

fn history(cmds: Vec<BulkPurchaseCommand>) -> Vec<BulkPurchaseEvent> {
    let mut p = BulkPurchase::default();
    let mut events = vec![];
    for cmd in cmds {
        let facts = p
            .decide(cmd.clone(), t0())
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        for f in facts {
            p.apply(f.clone());
            events.push(f);
        }
    }
    events
}

fn state(cmds: Vec<BulkPurchaseCommand>) -> BulkPurchase {
    let mut p = BulkPurchase::default();
    for e in history(cmds) {
        p.apply(e);
    }
    p
}

fn codes(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("BULK-ACME-{i:08}")).collect()
}

#[test]
fn sponsor_22_a_request_computes_total_and_description() {
    let p = state(vec![request(10, "25.00", false)]);
    assert_eq!(p.status(), BulkStatus::Pending);
    assert_eq!(p.terms().total_amount, d("250.00"));
    assert_eq!(
        p.terms().product_description,
        "10x Individual voucher codes"
    );
}

#[test]
fn sponsor_22_portal_requests_are_priced_zero() {
    let p = state(vec![request(3, "99.00", true)]);
    assert_eq!(p.terms().unit_price, Decimal::ZERO);
    assert_eq!(p.terms().total_amount, Decimal::ZERO);
}

#[test]
fn sponsor_22_quantity_and_price_are_checked() {
    framework()
        .given_no_previous_events()
        .when(request(0, "1", false))
        .then_expect_error(BulkPurchaseError::QuantityTooSmall);
    framework()
        .given_no_previous_events()
        .when(request(501, "1", false))
        .then_expect_error(BulkPurchaseError::QuantityTooLarge);
    framework()
        .given_no_previous_events()
        .when(request(1, "-1", false))
        .then_expect_error(BulkPurchaseError::NegativeUnitPrice);
}

#[test]
fn sponsor_21_the_ticket_type_must_have_bulk_purchasing_enabled() {
    let mut cmd = request(1, "1", false);
    if let Request { ticket_type, .. } = &mut cmd {
        *ticket_type = Some(BulkProduct {
            slug: "x".into(),
            name: "X".into(),
            bulk_enabled: false,
        });
    }
    framework()
        .given_no_previous_events()
        .when(cmd)
        .then_expect_error(BulkPurchaseError::TicketTypeNotBulk);
}

#[test]
fn sponsor_23_only_pending_purchases_are_approved() {
    let by = Uuid::from_u128(9);
    framework()
        .given(history(vec![request(2, "0", false)]))
        .when(Approve {
            by,
            voucher_config: None,
        })
        .then_expect_events(vec![BulkPurchaseApproved {
            by,
            voucher_config: None,
            at: t0(),
        }]);
    framework()
        .given(history(vec![
            request(2, "5", false),
            StartCheckout {
                session_id: "cs_1".into(),
            },
        ]))
        .when(Approve {
            by,
            voucher_config: None,
        })
        .then_expect_error(BulkPurchaseError::NotPending);
}

#[test]
fn sponsor_24_checkout_only_from_pending_with_a_positive_total() {
    framework()
        .given(history(vec![request(2, "0", false)]))
        .when(StartCheckout {
            session_id: "cs_1".into(),
        })
        .then_expect_error(BulkPurchaseError::ZeroAmount);
    let started = history(vec![
        request(2, "5", false),
        StartCheckout {
            session_id: "cs_1".into(),
        },
    ]);
    assert_eq!(
        started.last(),
        Some(&BulkCheckoutStarted {
            session_id: "cs_1".into(),
            at: t0()
        })
    );
    framework()
        .given(started)
        .when(StartCheckout {
            session_id: "cs_1".into(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn sponsor_25_fulfilment_needs_a_fulfillable_status_and_voucher_terms() {
    assert_eq!(
        state(vec![request(2, "5", false)]).fulfilment(),
        Err(BulkPurchaseError::NotFulfillable(BulkStatus::Pending))
    );
    let approved_paid_deal = state(vec![
        request(2, "5", false),
        Approve {
            by: requester(),
            voucher_config: None,
        },
    ]);
    assert_eq!(
        approved_paid_deal.fulfilment(),
        Err(BulkPurchaseError::UnpaidNotComp)
    );
    let portal = state(vec![
        request(2, "0", true),
        Approve {
            by: requester(),
            voucher_config: None,
        },
    ]);
    assert_eq!(
        portal.fulfilment(),
        Err(BulkPurchaseError::MissingVoucherTerms)
    );
    // AMB-23: the approver supplies the terms the portal form lacks.
    let portal = state(vec![
        request(2, "0", true),
        Approve {
            by: requester(),
            voucher_config: Some(terms_config()),
        },
    ]);
    let plan = portal.fulfilment().ok().flatten();
    assert_eq!(
        plan.map(|p| (p.prefix, p.quantity)),
        Some(("BULK-ACME-".into(), 2))
    );
}

#[test]
fn sponsor_26_fulfilment_links_the_codes_and_pays() {
    let approved = history(vec![
        request(2, "0", false),
        Approve {
            by: requester(),
            voucher_config: None,
        },
    ]);
    framework()
        .given(approved.clone())
        .when(RecordFulfilment {
            codes: codes(2),
            payment_intent: None,
        })
        .then_expect_events(vec![BulkPurchaseFulfilled {
            codes: codes(2),
            payment_intent: None,
            at: t0(),
        }]);
    framework()
        .given(approved)
        .when(RecordFulfilment {
            codes: codes(1),
            payment_intent: None,
        })
        .then_expect_error(BulkPurchaseError::WrongVoucherCount);
}

#[test]
fn sponsor_25_a_paid_and_fulfilled_purchase_fulfils_nothing() {
    let paid = vec![
        request(2, "5", false),
        StartCheckout {
            session_id: "cs_1".into(),
        },
        RecordFulfilment {
            codes: codes(2),
            payment_intent: Some("pi_1".into()),
        },
    ];
    let p = state(paid.clone());
    assert_eq!(p.status(), BulkStatus::Paid);
    assert_eq!(p.payment_intent(), Some("pi_1"));
    assert_eq!(p.fulfilment(), Ok(None));
    framework()
        .given(history(paid))
        .when(RecordFulfilment {
            codes: codes(2),
            payment_intent: Some("pi_2".into()),
        })
        .then_expect_events(vec![]);
}

#[test]
fn sponsor_28_mark_failed_only_from_pending_or_processing() {
    framework()
        .given(history(vec![
            request(2, "5", false),
            StartCheckout {
                session_id: "cs_1".into(),
            },
        ]))
        .when(MarkFailed {
            reason: "expired".into(),
            payment_intent: None,
        })
        .then_expect_events(vec![BulkPurchaseFailed {
            reason: "expired".into(),
            payment_intent: None,
            at: t0(),
        }]);
    framework()
        .given(history(vec![
            request(2, "0", false),
            Approve {
                by: requester(),
                voucher_config: None,
            },
        ]))
        .when(MarkFailed {
            reason: "expired".into(),
            payment_intent: None,
        })
        .then_expect_events(vec![]);
}

#[test]
fn sponsor_27_refund_from_paid_once() {
    let paid = history(vec![
        request(2, "5", false),
        StartCheckout {
            session_id: "cs_1".into(),
        },
        RecordFulfilment {
            codes: codes(2),
            payment_intent: Some("pi_1".into()),
        },
    ]);
    framework()
        .given(paid.clone())
        .when(Refund)
        .then_expect_events(vec![BulkPurchaseRefunded { at: t0() }]);
    let mut refunded = paid;
    refunded.push(BulkPurchaseRefunded { at: t0() });
    framework()
        .given(refunded)
        .when(Refund)
        .then_expect_events(vec![]);
    framework()
        .given(history(vec![request(2, "5", false)]))
        .when(Refund)
        .then_expect_error(BulkPurchaseError::NotRefundable(BulkStatus::Pending));
}

#[test]
fn sponsor_18_the_transition_table() {
    use BulkStatus::*;
    assert!(Pending.can_move_to(Approved));
    assert!(!Approved.can_move_to(Processing));
    assert!(!Failed.can_move_to(Paid));
    assert!(Refunded.next().is_empty());
}

#[test]
fn sponsor_26_prefix_rules() {
    let mut c = VoucherConfig::default();
    assert_eq!(bulk_prefix(&c, Some("acme-corp")), "BULK-ACME-CORP-");
    assert_eq!(bulk_prefix(&c, None), "BULK-");
    c.prefix = Some("VIP-".into());
    assert_eq!(bulk_prefix(&c, Some("acme")), "VIP-");
}

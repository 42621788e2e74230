use rust_decimal::Decimal;
use tessera_aggregates::natural_id;
use tessera_aggregates::travel_grant::{GrantApplication, GrantEvent, GrantStatus};
use uuid::Uuid;

use super::*;
use crate::fold_all;
use crate::testing::{Logged, assert_round_trip, at, conf, log, user};

fn grant(name: &str) -> Uuid {
    natural_id("travel_grant", name)
}

fn usd(n: i64) -> Decimal {
    Decimal::from(n)
}

fn logged(name: &str, event: GrantEvent) -> Logged {
    Logged {
        kind: "travel_grant",
        id: grant(name),
        conference: Some(conf()),
        event: DomainEvent::TravelGrant(event),
    }
}

fn applied(name: &str, requested: i64) -> Logged {
    logged(
        name,
        GrantEvent::GrantApplied {
            conference_id: conf(),
            applicant: user(name),
            application: GrantApplication {
                requested_amount: usd(requested),
                ..Default::default()
            },
            at: at(1, 9),
        },
    )
}

fn reviewed(name: &str, status: GrantStatus, amount: i64) -> Logged {
    logged(
        name,
        GrantEvent::GrantReviewed {
            by: user("rita"),
            was: GrantStatus::Submitted,
            status,
            approved_amount: Some(usd(amount)),
            promo_code: String::new(),
            reviewer_notes: "internal".into(),
            at: at(2, 9),
        },
    )
}

fn message(name: &str, text: &str, visible: bool) -> Logged {
    logged(
        name,
        GrantEvent::GrantMessagePosted {
            author: user("rita"),
            from_reviewer: true,
            text: text.into(),
            sealed_text: None,
            visible,
            at: at(3, 9),
        },
    )
}

#[test]
fn grant_26_the_applicant_sees_only_visible_messages_oldest_first() {
    let rows = fold_all::<TravelGrants>(&log(vec![
        applied("ana", 1000),
        message("ana", "first", true),
        message("ana", "internal note", false),
        message("ana", "second", true),
    ]));
    assert_round_trip(&rows);
    let row = rows.get(&grant_key(grant("ana"))).cloned().expect("row");
    let texts: Vec<String> = row.visible_messages().into_iter().map(|m| m.text).collect();
    assert_eq!(texts, vec!["first", "second"]);
    assert_eq!(row.messages.len(), 3);
}

#[test]
fn grant_19_the_row_records_the_review() {
    let rows = fold_all::<TravelGrants>(&log(vec![
        applied("ana", 1000),
        reviewed("ana", GrantStatus::Offered, 800),
    ]));
    let row = rows.get(&grant_key(grant("ana"))).cloned().expect("row");
    assert_eq!(row.status, GrantStatus::Offered);
    assert_eq!(row.approved_amount, Some(usd(800)));
    assert_eq!(row.reviewed_by, Some(user("rita")));
    assert_eq!(row.reviewed_at, Some(at(2, 9)));
}

#[test]
fn ana_15_ana_33_amb_15_committed_remaining_and_disbursed() {
    let rows = fold_all::<TravelGrants>(&log(vec![
        applied("ana", 1000),
        reviewed("ana", GrantStatus::Offered, 800),
        applied("bo", 500),
        reviewed("bo", GrantStatus::Accepted, 400),
        logged(
            "bo",
            GrantEvent::GrantDisbursed {
                by: user("fin"),
                amount: usd(350),
                at: at(4, 9),
            },
        ),
        applied("cy", 700),
        reviewed("cy", GrantStatus::Rejected, 100),
        applied("dee", 300),
    ]));
    let s = summarize(rows.iter().map(|(_, r)| r), Some(usd(4000)));
    assert_eq!(
        (s.total, s.pending, s.offered, s.rejected, s.disbursed),
        (4, 1, 1, 1, 1)
    );
    assert_eq!(s.total_requested, usd(2500));
    assert_eq!(s.total_approved, usd(1300));
    assert_eq!(s.committed, usd(1200));
    assert_eq!(s.remaining, Some(usd(2800)));
    assert_eq!(s.total_disbursed, usd(350));
    assert_eq!(s.committed_percent, Some(Decimal::new(300, 1)));
    assert_eq!(s.disbursed_percent, Some(Decimal::new(88, 1)));
    let no_budget = summarize(rows.iter().map(|(_, r)| r), None);
    assert_eq!(
        (no_budget.remaining, no_budget.committed_percent),
        (None, None)
    );
}

fn receipt(name: &str, n: u128, amount: i64) -> Logged {
    use tessera_aggregates::travel_grant::{ReceiptFile, ReceiptKind, ReceiptUpload};
    logged(
        name,
        GrantEvent::GrantReceiptUploaded {
            receipt: Box::new(ReceiptUpload {
                receipt_id: Uuid::from_u128(n),
                kind: ReceiptKind::Lodging,
                date: chrono::NaiveDate::from_ymd_opt(2027, 5, 13).unwrap_or_default(),
                amount: usd(amount),
                description: None,
                file: ReceiptFile {
                    extension: "png".into(),
                    size: 10,
                    sha256: "00".repeat(32),
                    stored: None,
                    content_type: None,
                    name: None,
                },
            }),
            at: at(4, 9),
        },
    )
}

#[test]
fn grant_21_32_36_receipts_their_review_their_sum_and_readiness() {
    use tessera_aggregates::travel_grant::{PaymentMethod, ReceiptReview, SealedPaymentInfo};
    let paid = logged(
        "ana",
        GrantEvent::GrantPaymentInfoRecorded {
            info: Box::new(SealedPaymentInfo {
                payment_method: PaymentMethod::Check,
                legal_name: None,
                address_street: None,
                address_city: None,
                address_state: None,
                address_zip: None,
                address_country: None,
                paypal_email: None,
                zelle_email: None,
                wise_email: None,
                bank_name: None,
                bank_account_number: None,
                bank_routing_number: None,
                bank_holder_name: None,
                bank_holder_address: None,
                bank_address: None,
                bank_additional: None,
            }),
            at: at(4, 9),
        },
    );
    let rows = fold_all::<TravelGrants>(&log(vec![
        applied("ana", 1000),
        reviewed("ana", GrantStatus::Accepted, 800),
        paid,
        receipt("ana", 1, 300),
        receipt("ana", 2, 150),
        receipt("ana", 3, 99),
        logged(
            "ana",
            GrantEvent::GrantReceiptDeleted {
                receipt_id: Uuid::from_u128(3),
                at: at(5, 9),
            },
        ),
        logged(
            "ana",
            GrantEvent::GrantReceiptFlagged {
                receipt_id: Uuid::from_u128(2),
                by: user("rita"),
                reason: "Blurry".into(),
                at: at(5, 9),
            },
        ),
    ]));
    assert_round_trip(&rows);
    let row = rows.get(&grant_key(grant("ana"))).cloned().expect("row");
    assert_eq!(row.receipts_total(), usd(450));
    let reviews: Vec<_> = row.receipts.iter().map(|r| r.review()).collect();
    assert_eq!(
        reviews,
        vec![ReceiptReview::Pending, ReceiptReview::Flagged]
    );
    assert!(!row.is_ready_for_disbursement());
    let rows = fold_all::<TravelGrants>(&log(vec![
        applied("bo", 1000),
        reviewed("bo", GrantStatus::Accepted, 800),
        receipt("bo", 1, 300),
        logged(
            "bo",
            GrantEvent::GrantReceiptApproved {
                receipt_id: Uuid::from_u128(1),
                by: user("rita"),
                at: at(5, 9),
            },
        ),
    ]));
    let row = rows.get(&grant_key(grant("bo"))).cloned().expect("row");
    assert_eq!(row.receipts[0].review(), ReceiptReview::Approved);
    // No payment info yet.
    assert!(!row.is_ready_for_disbursement());
}

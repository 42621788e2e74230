use chrono::NaiveDate;
use rust_decimal::Decimal;
use tessera_aggregates::fundraising::{Deal, DealStatus, Donation, FundraisingEvent, Tier};
use tessera_aggregates::natural_id;
use uuid::Uuid;

use super::*;
use crate::testing::{Logged, at, conf, log};
use crate::{DomainEvent, fold_all};

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn f() -> Uuid {
    natural_id("fundraising", &conf().to_string())
}

fn ev(e: FundraisingEvent) -> Logged {
    Logged {
        kind: "fundraising",
        id: f(),
        conference: Some(conf()),
        event: DomainEvent::Fundraising(e),
    }
}

fn deal(n: u128, amount: Option<&str>, status: DealStatus) -> Vec<Logged> {
    let id = Uuid::from_u128(n);
    let mut out = vec![ev(FundraisingEvent::SponsorshipDealOpened {
        id,
        deal: Deal {
            organisation: format!("org {n}"),
            tier: Some("gold".into()),
            amount: amount.map(d),
            ..Default::default()
        },
        at: at(1, 9),
    })];
    if status != DealStatus::NotContacted {
        out.push(ev(FundraisingEvent::SponsorshipDealMoved {
            id,
            from: DealStatus::NotContacted,
            to: status,
            at: at(1, 10),
        }));
    }
    out
}

fn donation(n: u128, email: &str, amount: &str) -> Logged {
    ev(FundraisingEvent::DonationRecorded {
        id: Uuid::from_u128(n),
        donation: Donation {
            donor_name: "Donor".into(),
            donor_email: email.into(),
            amount: d(amount),
            transaction_date: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
            ..Default::default()
        },
        at: at(1, 9),
    })
}

#[test]
fn my_5_summary_counts_deals_by_stage_and_progress_toward_the_goal() {
    let mut events = vec![ev(FundraisingEvent::SponsorshipTierSaved {
        slug: "gold".into(),
        tier: Tier {
            name: "Gold".into(),
            price: d("5000.00"),
        },
        at: at(1, 8),
    })];
    use DealStatus::*;
    events.extend(deal(1, None, NotContacted));
    events.extend(deal(2, None, AwaitingResponse));
    events.extend(deal(3, Some("1000.00"), Accepted));
    events.extend(deal(4, None, AgreementSigned));
    events.extend(deal(5, None, Invoiced));
    events.extend(deal(6, Some("2500.00"), Paid));
    events.extend(deal(7, None, Rejected));
    let rows = fold_all::<Fundraising>(&log(events));
    let (mut tiers, mut deals) = (vec![], vec![]);
    for (_, r) in rows.iter() {
        match r {
            FundraisingRow::Tier(t) => tiers.push(t.clone()),
            FundraisingRow::Deal(x) => deals.push(x.clone()),
            FundraisingRow::Donation(_) => {}
        }
    }
    let s = summary(&tiers, &deals, &[], d("10000.00"), Decimal::ZERO).sponsorship;
    assert_eq!(s.total_deals, 6);
    assert_eq!((s.committed_count, s.committed_amount), (4, d("13500.00")));
    assert_eq!((s.pending_count, s.pending_amount), (3, d("11000.00")));
    assert_eq!(
        (s.awaiting_invoice_count, s.awaiting_invoice_amount),
        (2, d("6000.00"))
    );
    assert_eq!((s.paid_count, s.paid_amount), (1, d("2500.00")));
    assert_eq!(s.progress, d("25.00"));
}

#[test]
fn my_29_refunded_donations_stop_counting_and_donors_are_distinct() {
    let events = vec![
        donation(1, "ada@example.org", "50.00"),
        donation(2, "ADA@example.org", "25.00"),
        donation(3, "bo@example.org", "100.00"),
        ev(FundraisingEvent::DonationRefunded {
            id: Uuid::from_u128(3),
            at: at(2, 9),
        }),
    ];
    let rows = fold_all::<Fundraising>(&log(events));
    let donations: Vec<DonationRow> = rows
        .iter()
        .filter_map(|(_, r)| match r {
            FundraisingRow::Donation(x) => Some(x.clone()),
            _ => None,
        })
        .collect();
    let g = summary(&[], &[], &donations, Decimal::ZERO, d("300.00")).donations;
    assert_eq!((g.donations, g.donors, g.refunded_count), (2, 1, 1));
    assert_eq!(g.total, d("75.00"));
    assert_eq!(g.progress, d("25.00"));
}

#[test]
fn my_29_checkout_donations_count_only_once_paid() {
    let checkout = |n: u128, email: &str| {
        ev(FundraisingEvent::DonationCheckoutStarted {
            id: Uuid::from_u128(n),
            donation: Donation {
                amount: d("40.00"),
                transaction_date: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
                donor: Some(tessera_aggregates::fundraising::donor_person(email, "")),
                ..Default::default()
            },
            at: at(1, 9),
        })
    };
    let events = vec![
        donation(1, "ada@example.org", "10.00"),
        checkout(2, "ada@example.org"),
        checkout(3, "bo@example.org"),
        checkout(4, "cy@example.org"),
        ev(FundraisingEvent::DonationCheckoutCompleted {
            id: Uuid::from_u128(2),
            session_id: "cs_2".into(),
            payment_intent: Some("pi_2".into()),
            amount: d("40.00"),
            at: at(2, 9),
        }),
        ev(FundraisingEvent::DonationCheckoutFailed {
            id: Uuid::from_u128(3),
            reason: "expired".into(),
            at: at(2, 9),
        }),
    ];
    let rows = fold_all::<Fundraising>(&log(events));
    let donations: Vec<DonationRow> = rows
        .iter()
        .filter_map(|(_, r)| match r {
            FundraisingRow::Donation(x) => Some(x.clone()),
            _ => None,
        })
        .collect();
    let g = summary(&[], &[], &donations, Decimal::ZERO, d("100.00")).donations;
    // Paid: the recorded 10.00 and the completed 40.00, both Ada's.
    assert_eq!((g.donations, g.donors), (2, 1));
    assert_eq!(g.total, d("50.00"));
    assert_eq!(g.progress, d("50.00"));
}

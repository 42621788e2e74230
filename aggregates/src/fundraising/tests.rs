use chrono::{NaiveDate, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use DealStatus::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn conf() -> Uuid {
    crate::natural_id("conference", "pyladiescon-2025")
}

fn framework() -> TestFramework<Fundraising> {
    TestFramework::with(DomainServices::at(t0()))
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn opened() -> FundraisingEvent {
    FundraisingEvent::FundraisingOpened {
        conference_id: conf(),
        at: t0(),
    }
}

fn gold() -> Tier {
    Tier {
        name: "Gold".into(),
        price: d("5000.00"),
    }
}

fn tier_saved() -> FundraisingEvent {
    FundraisingEvent::SponsorshipTierSaved {
        slug: "gold".into(),
        tier: gold(),
        at: t0(),
    }
}

fn deal(tier: Option<&str>) -> Deal {
    Deal {
        organisation: "Acme".into(),
        tier: tier.map(str::to_string),
        ..Default::default()
    }
}

fn did(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn deal_opened(n: u128) -> FundraisingEvent {
    FundraisingEvent::SponsorshipDealOpened {
        id: did(n),
        deal: deal(Some("gold")),
        at: t0(),
    }
}

fn moved(n: u128, from: DealStatus, to: DealStatus) -> FundraisingEvent {
    FundraisingEvent::SponsorshipDealMoved {
        id: did(n),
        from,
        to,
        at: t0(),
    }
}

#[test]
fn my_5_the_first_tier_opens_the_years_fundraising() {
    framework()
        .given_no_previous_events()
        .when(FundraisingCommand::SaveTier {
            conference_id: conf(),
            slug: "gold".into(),
            tier: gold(),
        })
        .then_expect_events(vec![opened(), tier_saved()]);
}

#[test]
fn my_5_refuses_a_command_naming_another_conference() {
    framework()
        .given(vec![opened()])
        .when(FundraisingCommand::SaveTier {
            conference_id: crate::natural_id("conference", "pyladiescon-2026"),
            slug: "gold".into(),
            tier: gold(),
        })
        .then_expect_error(FundraisingError::OtherConference);
}

#[test]
fn my_7_several_deals_per_organisation_are_allowed() {
    framework()
        .given(vec![opened(), tier_saved(), deal_opened(1)])
        .when(FundraisingCommand::OpenDeal {
            conference_id: conf(),
            id: did(2),
            deal: deal(Some("gold")),
        })
        .then_expect_events(vec![FundraisingEvent::SponsorshipDealOpened {
            id: did(2),
            deal: deal(Some("gold")),
            at: t0(),
        }]);
}

#[test]
fn my_5_a_deals_tier_must_be_one_of_the_years_tiers() {
    framework()
        .given(vec![opened()])
        .when(FundraisingCommand::OpenDeal {
            conference_id: conf(),
            id: did(1),
            deal: deal(Some("platinum")),
        })
        .then_expect_error(FundraisingError::UnknownTier("platinum".into()));
}

#[test]
fn deals_move_only_along_the_transition_table() {
    framework()
        .given(vec![opened(), tier_saved(), deal_opened(1)])
        .when(FundraisingCommand::MoveDeal {
            id: did(1),
            to: AwaitingResponse,
        })
        .then_expect_events(vec![moved(1, NotContacted, AwaitingResponse)]);
    framework()
        .given(vec![opened(), tier_saved(), deal_opened(1)])
        .when(FundraisingCommand::MoveDeal {
            id: did(1),
            to: Paid,
        })
        .then_expect_error(FundraisingError::InvalidTransition {
            from: NotContacted,
            to: Paid,
        });
    framework()
        .given(vec![
            opened(),
            tier_saved(),
            deal_opened(1),
            moved(1, NotContacted, Cancelled),
        ])
        .when(FundraisingCommand::MoveDeal {
            id: did(1),
            to: AwaitingResponse,
        })
        .then_expect_error(FundraisingError::InvalidTransition {
            from: Cancelled,
            to: AwaitingResponse,
        });
}

#[test]
fn the_transition_table_reaches_paid_step_by_step_and_ends_there() {
    let path = [
        NotContacted,
        AwaitingResponse,
        Accepted,
        Approved,
        AgreementSent,
        AgreementSigned,
        Invoiced,
        Paid,
    ];
    for w in path.windows(2) {
        assert!(w[0].can_move_to(w[1]), "{:?} → {:?}", w[0], w[1]);
    }
    for end in [Rejected, Paid, Cancelled] {
        assert!(end.next().is_empty(), "{end:?} is final");
    }
}

#[test]
fn the_figures_group_statuses_as_the_pipeline_reads_them() {
    let all = [
        NotContacted,
        AwaitingResponse,
        Rejected,
        Accepted,
        Approved,
        AgreementSent,
        AgreementSigned,
        Invoiced,
        Paid,
        Cancelled,
    ];
    let count = |f: fn(DealStatus) -> bool| all.iter().filter(|s| f(**s)).count();
    assert_eq!(count(DealStatus::is_engaged), 9);
    assert_eq!(count(DealStatus::is_committed), 6);
    assert_eq!(count(DealStatus::is_pending), 5);
    assert_eq!(count(DealStatus::is_awaiting_invoice), 4);
    assert!(!Invoiced.is_awaiting_invoice() && Invoiced.is_pending());
    assert!(Paid.is_committed() && !Paid.is_pending());
}

#[test]
fn a_deals_amount_is_the_tier_price_unless_overridden() {
    let mut dl = deal(Some("gold"));
    assert_eq!(dl.amount_with(Some(d("5000.00"))), d("5000.00"));
    dl.amount = Some(d("4200.00"));
    assert_eq!(dl.amount_with(Some(d("5000.00"))), d("4200.00"));
    assert_eq!(deal(None).amount_with(None), Decimal::ZERO);
}

fn donation(amount: &str) -> Donation {
    Donation {
        donor_name: "Ada".into(),
        donor_email: "ada@example.org".into(),
        amount: d(amount),
        transaction_date: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
        ..Default::default()
    }
}

#[test]
fn my_29_records_and_refunds_a_donation_once() {
    let recorded = FundraisingEvent::DonationRecorded {
        id: did(9),
        donation: donation("25.00"),
        at: t0(),
    };
    framework()
        .given_no_previous_events()
        .when(FundraisingCommand::RecordDonation {
            conference_id: conf(),
            id: did(9),
            donation: donation("25.00"),
        })
        .then_expect_events(vec![opened(), recorded.clone()]);
    framework()
        .given(vec![opened(), recorded.clone()])
        .when(FundraisingCommand::RefundDonation { id: did(9) })
        .then_expect_events(vec![FundraisingEvent::DonationRefunded {
            id: did(9),
            at: t0(),
        }]);
    framework()
        .given(vec![
            opened(),
            recorded,
            FundraisingEvent::DonationRefunded {
                id: did(9),
                at: t0(),
            },
        ])
        .when(FundraisingCommand::RefundDonation { id: did(9) })
        .then_expect_events(vec![]);
    framework()
        .given(vec![opened()])
        .when(FundraisingCommand::RecordDonation {
            conference_id: conf(),
            id: did(10),
            donation: donation("0.00"),
        })
        .then_expect_error(FundraisingError::InvalidDonation);
}

fn sealed_donation(amount: &str) -> Donation {
    let sealed = crate::user::Sealed {
        v: 1,
        n: "bm9uY2U=".into(),
        c: "Y2lwaGVy".into(),
    };
    Donation {
        amount: d(amount),
        transaction_date: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap_or_default(),
        donor: Some(donor_person("ada@example.org", "Ada")),
        sealed: Some(SealedDonor {
            name: Some(sealed.clone()),
            email: Some(sealed),
            message: None,
        }),
        ..Default::default()
    }
}

fn start(id: u128, amount: &str, accepting: bool) -> FundraisingCommand {
    FundraisingCommand::StartDonationCheckout {
        conference_id: conf(),
        id: did(id),
        donation: sealed_donation(amount),
        accepting_donations: accepting,
    }
}

fn started(id: u128) -> FundraisingEvent {
    FundraisingEvent::DonationCheckoutStarted {
        id: did(id),
        donation: sealed_donation("30.00"),
        at: t0(),
    }
}

fn session_opened(id: u128) -> FundraisingEvent {
    FundraisingEvent::DonationCheckoutSessionOpened {
        id: did(id),
        session_id: "cs_1".into(),
        at: t0(),
    }
}

#[test]
fn my_29_a_checkout_donation_is_refused_unless_the_conference_accepts_donations() {
    framework()
        .given(vec![opened()])
        .when(start(1, "30.00", false))
        .then_expect_error(FundraisingError::NotAcceptingDonations);
    framework()
        .given(vec![opened()])
        .when(start(1, "0.00", true))
        .then_expect_error(FundraisingError::InvalidDonation);
    framework()
        .given(vec![opened()])
        .when(start(1, "100000.01", true))
        .then_expect_error(FundraisingError::DonationTooLarge(MAX_DONATION));
    framework()
        .given(vec![opened()])
        .when(start(1, "1.001", true))
        .then_expect_error(FundraisingError::InvalidDonation);
    framework()
        .given_no_previous_events()
        .when(start(1, "30.00", true))
        .then_expect_events(vec![opened(), started(1)]);
}

#[test]
fn my_29_a_checkout_donation_moves_pending_paid_refunded_once() {
    // The same start again (sealed anew: other nonces) is a no-op.
    let mut again = sealed_donation("30.00");
    if let Some(s) = again.sealed.as_mut() {
        s.name = None;
    }
    framework()
        .given(vec![opened(), started(1)])
        .when(FundraisingCommand::StartDonationCheckout {
            conference_id: conf(),
            id: did(1),
            donation: again,
            accepting_donations: false,
        })
        .then_expect_events(vec![]);
    framework()
        .given(vec![opened(), started(1)])
        .when(FundraisingCommand::OpenDonationSession {
            id: did(1),
            session_id: "cs_1".into(),
        })
        .then_expect_events(vec![session_opened(1)]);
    // Pending: not refundable.
    framework()
        .given(vec![opened(), started(1), session_opened(1)])
        .when(FundraisingCommand::RefundDonation { id: did(1) })
        .then_expect_error(FundraisingError::DonationNotPaid);
    // Another session is not its.
    framework()
        .given(vec![opened(), started(1), session_opened(1)])
        .when(FundraisingCommand::CompleteDonationCheckout {
            id: did(1),
            session_id: "cs_2".into(),
            payment_intent: None,
        })
        .then_expect_error(FundraisingError::OtherSession);
    let completed = FundraisingEvent::DonationCheckoutCompleted {
        id: did(1),
        session_id: "cs_1".into(),
        payment_intent: Some("pi_1".into()),
        amount: d("30.00"),
        at: t0(),
    };
    framework()
        .given(vec![opened(), started(1), session_opened(1)])
        .when(FundraisingCommand::CompleteDonationCheckout {
            id: did(1),
            session_id: "cs_1".into(),
            payment_intent: Some("pi_1".into()),
        })
        .then_expect_events(vec![completed.clone()]);
    // A duplicate completion adds nothing; an expiry after payment neither.
    framework()
        .given(vec![
            opened(),
            started(1),
            session_opened(1),
            completed.clone(),
        ])
        .when(FundraisingCommand::CompleteDonationCheckout {
            id: did(1),
            session_id: "cs_1".into(),
            payment_intent: Some("pi_1".into()),
        })
        .then_expect_events(vec![]);
    framework()
        .given(vec![
            opened(),
            started(1),
            session_opened(1),
            completed.clone(),
        ])
        .when(FundraisingCommand::FailDonationCheckout {
            id: did(1),
            reason: "expired".into(),
        })
        .then_expect_events(vec![]);
    framework()
        .given(vec![opened(), started(1), session_opened(1), completed])
        .when(FundraisingCommand::RefundDonation { id: did(1) })
        .then_expect_events(vec![FundraisingEvent::DonationRefunded {
            id: did(1),
            at: t0(),
        }]);
}

#[test]
fn my_29_an_expired_checkout_fails_the_donation_for_good() {
    let failed = FundraisingEvent::DonationCheckoutFailed {
        id: did(1),
        reason: "expired".into(),
        at: t0(),
    };
    framework()
        .given(vec![opened(), started(1), session_opened(1)])
        .when(FundraisingCommand::FailDonationCheckout {
            id: did(1),
            reason: "expired".into(),
        })
        .then_expect_events(vec![failed.clone()]);
    framework()
        .given(vec![opened(), started(1), session_opened(1), failed])
        .when(FundraisingCommand::CompleteDonationCheckout {
            id: did(1),
            session_id: "cs_1".into(),
            payment_intent: None,
        })
        .then_expect_error(FundraisingError::DonationNotPending);
}

#[test]
fn my_29_the_donor_key_is_the_same_for_plain_and_sealed_donations() {
    let plain = Donation {
        donor_name: "Ada".into(),
        donor_email: " ADA@example.org".into(),
        ..Default::default()
    };
    assert_eq!(plain.donor_key(), sealed_donation("1.00").donor_key());
    let by_name = Donation {
        donor_name: " Ada ".into(),
        ..Default::default()
    };
    assert_eq!(by_name.person(), donor_person("", "ada"));
}

#[test]
fn a_deal_resealed_with_the_same_contact_is_no_change() {
    let person = crate::natural_id("user", "jo@acme.example.org");
    let sealed = |c: &str| crate::user::Sealed {
        v: 1,
        n: "bm9uY2U=".into(),
        c: c.into(),
    };
    let mut deal = deal(Some("gold"));
    DealPatch {
        sealed_contact: Some(Some(SealedContact {
            person,
            email: sealed("first"),
        })),
        ..Default::default()
    }
    .apply_to(&mut deal);
    let opened_deal = FundraisingEvent::SponsorshipDealOpened {
        id: did(1),
        deal: deal.clone(),
        at: t0(),
    };
    assert_eq!(deal.contact, Some(person));
    assert!(deal.contact_email.is_empty() && deal.has_contact());
    framework()
        .given(vec![opened(), tier_saved(), opened_deal])
        .when(FundraisingCommand::ChangeDeal {
            id: did(1),
            patch: DealPatch {
                sealed_contact: Some(Some(SealedContact {
                    person,
                    email: sealed("second"),
                })),
                ..Default::default()
            },
        })
        .then_expect_events(vec![]);
}

use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use crate::user::Sealed;

pub(super) fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

pub(super) fn uid(name: &str) -> Uuid {
    crate::natural_id("test-user", name)
}

fn conf() -> Uuid {
    crate::natural_id("conference", "pycon-us-2027")
}

pub(super) fn usd(n: i64) -> Decimal {
    Decimal::from(n)
}

fn form() -> GrantApplication {
    GrantApplication {
        travel_from: "Lagos, Nigeria".into(),
        experience_level: ExperienceLevel::Intermediate,
        airfare_description: "Return flight LOS-PIT".into(),
        airfare_amount: usd(900),
        lodging_description: "Five nights shared".into(),
        lodging_amount: usd(400),
        requested_amount: usd(1300),
        occupation: "Developer".into(),
        involvement: "PyLadies Lagos organizer".into(),
        reason: "First PyCon US".into(),
        ..Default::default()
    }
}

fn apply(application: GrantApplication) -> GrantCommand {
    GrantCommand::Apply {
        conference_id: conf(),
        applicant: uid("ana"),
        application,
        max_grant_amount: usd(3000),
        offered_days: vec![],
    }
}

pub(super) fn applied() -> GrantEvent {
    GrantEvent::GrantApplied {
        conference_id: conf(),
        applicant: uid("ana"),
        application: form(),
        at: t0(),
    }
}

pub(super) fn reviewed(was: GrantStatus, status: GrantStatus, amount: Option<i64>) -> GrantEvent {
    GrantEvent::GrantReviewed {
        by: uid("rita"),
        was,
        status,
        approved_amount: amount.map(usd),
        promo_code: String::new(),
        reviewer_notes: String::new(),
        at: t0(),
    }
}

fn review(status: GrantStatus) -> GrantCommand {
    GrantCommand::Review {
        by: uid("rita"),
        status,
        approved_amount: Some(usd(1000)),
        promo_code: "GRANT-ANA".into(),
        reviewer_notes: "Strong community work".into(),
    }
}

pub(super) fn posted(text: &str) -> GrantEvent {
    GrantEvent::GrantMessagePosted {
        author: uid("ana"),
        from_reviewer: false,
        text: text.into(),
        sealed_text: None,
        visible: true,
        at: t0(),
    }
}

/// A person's words as the caller seals them (the test only tags them).
pub(super) fn words(tag: &str) -> Option<Sealed> {
    sealed(tag)
}

pub(super) fn said(tag: &str) -> GrantEvent {
    GrantEvent::GrantMessagePosted {
        author: uid("ana"),
        from_reviewer: false,
        text: String::new(),
        sealed_text: words(tag),
        visible: true,
        at: t0(),
    }
}

pub(super) fn in_status(status: GrantStatus) -> Vec<GrantEvent> {
    vec![
        applied(),
        reviewed(GrantStatus::Submitted, status, Some(1000)),
    ]
}

pub(super) fn framework() -> TestFramework<TravelGrant> {
    TestFramework::with(DomainServices::at(t0()))
}

fn refused(application: GrantApplication, error: GrantError) {
    framework()
        .given_no_previous_events()
        .when(apply(application))
        .then_expect_error(error);
}

#[test]
fn grant_1_same_conference_and_user_give_the_same_stream() {
    assert_eq!(stream_id(conf(), uid("ana")), stream_id(conf(), uid("ana")));
    assert_ne!(stream_id(conf(), uid("ana")), stream_id(conf(), uid("bo")));
}

#[test]
fn grant_1_refuses_a_second_application() {
    framework()
        .given(vec![applied()])
        .when(apply(form()))
        .then_expect_error(GrantError::AlreadyApplied);
}

#[test]
fn grant_10_a_new_application_starts_submitted() {
    framework()
        .given_no_previous_events()
        .when(apply(form()))
        .then_expect_events(vec![applied()]);
    let mut grant = TravelGrant::default();
    grant.evolve(applied());
    assert_eq!(grant.status(), GrantStatus::Submitted);
    assert_eq!(form().first_time, None);
    assert!(!form().international && !form().sharing_expenses);
}

#[test]
fn grant_4_requires_the_form_fields() {
    for field in ["travel_from", "reason", "occupation", "involvement"] {
        let mut a = form();
        match field {
            "travel_from" => a.travel_from = " ".into(),
            "reason" => a.reason = String::new(),
            "occupation" => a.occupation = String::new(),
            _ => a.involvement = String::new(),
        }
        refused(a, GrantError::Required(field));
    }
}

#[test]
fn grant_5_refuses_a_zero_amount_for_a_grant() {
    refused(
        GrantApplication {
            requested_amount: Decimal::ZERO,
            ..form()
        },
        GrantError::AmountNotPositive,
    );
    assert_eq!(
        GrantError::AmountNotPositive.to_string(),
        "Requested amount must be greater than zero."
    );
}

#[test]
fn grant_5_amb_18_a_ticket_only_request_may_ask_for_zero_but_not_less() {
    let ticket_only = GrantApplication {
        request_type: RequestType::TicketOnly,
        requested_amount: Decimal::ZERO,
        ..form()
    };
    framework()
        .given_no_previous_events()
        .when(apply(ticket_only.clone()))
        .then_expect_events(vec![GrantEvent::GrantApplied {
            conference_id: conf(),
            applicant: uid("ana"),
            application: ticket_only.clone(),
            at: t0(),
        }]);
    refused(
        GrantApplication {
            requested_amount: usd(-1),
            ..ticket_only
        },
        GrantError::AmountNotPositive,
    );
}

#[test]
fn grant_6_refuses_less_than_one() {
    refused(
        GrantApplication {
            requested_amount: Decimal::new(50, 2),
            ..form()
        },
        GrantError::AmountBelowOne,
    );
}

#[test]
fn grant_6_refuses_more_than_the_maximum_with_its_message() {
    refused(
        GrantApplication {
            requested_amount: Decimal::new(300001, 2),
            ..form()
        },
        GrantError::AmountAboveMax("$3,000".into()),
    );
    assert_eq!(
        GrantError::AmountAboveMax(dollars(usd(3000))).to_string(),
        "Total requested amount must be less than $3,000 USD."
    );
    assert_eq!(dollars(Decimal::new(250050, 2)), "$2,500.50");
    assert_eq!(dollars(usd(1_234_567)), "$1,234,567");
}

#[test]
fn grant_6_accepts_exactly_the_maximum() {
    let at_max = GrantApplication {
        requested_amount: usd(3000),
        ..form()
    };
    framework()
        .given_no_previous_events()
        .when(apply(at_max.clone()))
        .then_expect_events(vec![GrantEvent::GrantApplied {
            conference_id: conf(),
            applicant: uid("ana"),
            application: at_max,
            at: t0(),
        }]);
}

#[test]
fn grant_7_an_airfare_or_lodging_amount_needs_its_description() {
    refused(
        GrantApplication {
            airfare_description: String::new(),
            ..form()
        },
        GrantError::AirfareUndescribed,
    );
    refused(
        GrantApplication {
            lodging_description: String::new(),
            ..form()
        },
        GrantError::LodgingUndescribed,
    );
}

#[test]
fn grant_8_travel_plans_total_is_airfare_plus_lodging() {
    let a = GrantApplication {
        transit_amount: usd(50),
        visa_amount: usd(160),
        ..form()
    };
    assert_eq!(a.travel_plans_total(), usd(1300));
}

#[test]
fn grant_9_days_are_stored_joined_and_split_back() {
    let a = GrantApplication {
        days_attending: "2027-05-14,2027-05-15".into(),
        ..form()
    };
    assert_eq!(a.days(), vec!["2027-05-14", "2027-05-15"]);
}

fn day(d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2027, 5, d).unwrap_or_default()
}

#[test]
fn grant_49_submitted_days_must_be_offered() {
    let with_days = GrantApplication {
        days_attending: "2027-05-14,2027-05-16".into(),
        ..form()
    };
    framework()
        .given_no_previous_events()
        .when(GrantCommand::Apply {
            conference_id: conf(),
            applicant: uid("ana"),
            application: with_days.clone(),
            max_grant_amount: usd(3000),
            offered_days: vec![day(14), day(15)],
        })
        .then_expect_error(GrantError::DayNotOffered("2027-05-16".into()));
    framework()
        .given_no_previous_events()
        .when(GrantCommand::Apply {
            conference_id: conf(),
            applicant: uid("ana"),
            application: with_days.clone(),
            max_grant_amount: usd(3000),
            offered_days: vec![day(14), day(15), day(16)],
        })
        .then_expect_events(vec![GrantEvent::GrantApplied {
            conference_id: conf(),
            applicant: uid("ana"),
            application: with_days.clone(),
            at: t0(),
        }]);
    // An edit is held to the days offered at that moment too.
    framework()
        .given(vec![applied()])
        .when(GrantCommand::Edit {
            application: with_days,
            max_grant_amount: usd(3000),
            offered_days: vec![day(16)],
        })
        .then_expect_error(GrantError::DayNotOffered("2027-05-14".into()));
    assert_eq!(
        GrantError::DayNotOffered(String::new()).code(),
        "grant.day_not_offered"
    );
}

#[test]
fn grant_13_guards_follow_the_status() {
    use GrantStatus::*;
    for s in GrantStatus::ALL {
        assert_eq!(
            s.is_editable(),
            matches!(s, Submitted | InfoNeeded),
            "{s:?}"
        );
        assert_eq!(s.is_actionable(), s == Offered, "{s:?}");
        assert_eq!(s.awaits_info(), s == InfoNeeded, "{s:?}");
    }
}

#[test]
fn grant_14_an_edit_keeps_the_status() {
    let edited = GrantApplication {
        reason: "Meet the core devs".into(),
        ..form()
    };
    framework()
        .given(in_status(GrantStatus::InfoNeeded))
        .when(GrantCommand::Edit {
            application: edited.clone(),
            max_grant_amount: usd(3000),
            offered_days: vec![],
        })
        .then_expect_events(vec![GrantEvent::GrantApplicationEdited {
            application: edited,
            at: t0(),
        }]);
}

#[test]
fn grant_18_refuses_an_edit_once_offered() {
    framework()
        .given(in_status(GrantStatus::Offered))
        .when(GrantCommand::Edit {
            application: form(),
            max_grant_amount: usd(3000),
            offered_days: vec![],
        })
        .then_expect_error(GrantError::NotEditable);
}

#[test]
fn grant_15_withdraw_leaves_a_visible_message() {
    framework()
        .given(vec![applied()])
        .when(GrantCommand::Withdraw)
        .then_expect_events(vec![
            GrantEvent::GrantWithdrawn { at: t0() },
            posted("Withdrew the travel grant application."),
        ]);
}

#[test]
fn grant_16_accept_and_decline_an_offer() {
    framework()
        .given(in_status(GrantStatus::Offered))
        .when(GrantCommand::Accept)
        .then_expect_events(vec![
            GrantEvent::GrantOfferAccepted { at: t0() },
            posted("Accepted the travel grant offer."),
        ]);
    framework()
        .given(in_status(GrantStatus::Offered))
        .when(GrantCommand::Decline)
        .then_expect_events(vec![
            GrantEvent::GrantOfferDeclined { at: t0() },
            posted("Declined the travel grant offer."),
        ]);
}

#[test]
fn grant_17_provide_info_returns_to_submitted_with_the_message() {
    framework()
        .given(in_status(GrantStatus::InfoNeeded))
        .when(GrantCommand::ProvideInfo {
            message: words("visa-approved"),
        })
        .then_expect_events(vec![
            GrantEvent::GrantInfoProvided { at: t0() },
            said("visa-approved"),
        ]);
}

#[test]
fn grant_18_disallowed_applicant_actions_are_refused() {
    use GrantStatus::*;
    use transitions::{ApplicantAction::*, applicant};
    for s in GrantStatus::ALL {
        assert_eq!(
            applicant(s, Withdraw).is_ok(),
            matches!(s, Submitted | InfoNeeded)
        );
        assert_eq!(applicant(s, Accept).is_ok(), s == Offered);
        assert_eq!(applicant(s, Decline).is_ok(), s == Offered);
        assert_eq!(applicant(s, ProvideInfo).is_ok(), s == InfoNeeded);
    }
    framework()
        .given(vec![applied()])
        .when(GrantCommand::Accept)
        .then_expect_error(GrantError::NotAcceptable);
    framework()
        .given(in_status(NeedMore))
        .when(GrantCommand::Decline)
        .then_expect_error(GrantError::NotDeclinable);
    framework()
        .given(in_status(Offered))
        .when(GrantCommand::Withdraw)
        .then_expect_error(GrantError::NotWithdrawable);
    framework()
        .given(vec![applied()])
        .when(GrantCommand::ProvideInfo {
            message: words("hi"),
        })
        .then_expect_error(GrantError::NoInfoRequested);
}

#[test]
fn grant_19_a_review_records_its_fields_reviewer_and_time() {
    framework()
        .given(vec![applied()])
        .when(review(GrantStatus::Offered))
        .then_expect_events(vec![GrantEvent::GrantReviewed {
            by: uid("rita"),
            was: GrantStatus::Submitted,
            status: GrantStatus::Offered,
            approved_amount: Some(usd(1000)),
            promo_code: "GRANT-ANA".into(),
            reviewer_notes: "Strong community work".into(),
            at: t0(),
        }]);
}

#[test]
fn grant_19_reviewers_may_move_between_any_statuses_but_disbursed() {
    framework()
        .given(in_status(GrantStatus::Rejected))
        .when(review(GrantStatus::NeedMore))
        .then_expect_events(vec![GrantEvent::GrantReviewed {
            by: uid("rita"),
            was: GrantStatus::Rejected,
            status: GrantStatus::NeedMore,
            approved_amount: Some(usd(1000)),
            promo_code: "GRANT-ANA".into(),
            reviewer_notes: "Strong community work".into(),
            at: t0(),
        }]);
    framework()
        .given(in_status(GrantStatus::Accepted))
        .when(review(GrantStatus::Disbursed))
        .then_expect_error(GrantError::DisbursedByReview);
}

#[test]
fn amb_13_disbursed_is_final() {
    let mut given = in_status(GrantStatus::Accepted);
    given.push(GrantEvent::GrantDisbursed {
        by: uid("fin"),
        amount: usd(900),
        at: t0(),
    });
    framework()
        .given(given)
        .when(review(GrantStatus::Submitted))
        .then_expect_error(GrantError::Final);
}

#[test]
fn grant_20_disburses_an_accepted_grant_whatever_the_amount() {
    framework()
        .given(in_status(GrantStatus::Accepted))
        .when(GrantCommand::Disburse {
            by: uid("fin"),
            amount: usd(1200),
        })
        .then_expect_events(vec![GrantEvent::GrantDisbursed {
            by: uid("fin"),
            amount: usd(1200),
            at: t0(),
        }]);
}

#[test]
fn grant_20_refuses_to_disburse_a_grant_not_accepted() {
    framework()
        .given(in_status(GrantStatus::Offered))
        .when(GrantCommand::Disburse {
            by: uid("fin"),
            amount: usd(1000),
        })
        .then_expect_error(GrantError::NotAccepted);
}

#[test]
fn grant_24_an_applicant_message_is_always_visible_in_any_status() {
    framework()
        .given(in_status(GrantStatus::Rejected))
        .when(GrantCommand::PostMessage {
            author: uid("ana"),
            from_reviewer: false,
            text: words("thanks"),
            visible: false,
        })
        .then_expect_events(vec![said("thanks")]);
}

#[test]
fn grant_25_a_reviewer_message_is_internal_unless_marked_visible() {
    framework()
        .given(vec![applied()])
        .when(GrantCommand::PostMessage {
            author: uid("rita"),
            from_reviewer: true,
            text: words("budget"),
            visible: false,
        })
        .then_expect_events(vec![GrantEvent::GrantMessagePosted {
            author: uid("rita"),
            from_reviewer: true,
            text: String::new(),
            sealed_text: words("budget"),
            visible: false,
            at: t0(),
        }]);
}

pub(super) fn sealed(tag: &str) -> Option<Sealed> {
    Some(Sealed {
        v: 1,
        n: "bm9uY2U=".into(),
        c: tag.into(),
    })
}

pub(super) fn payment(method: PaymentMethod) -> SealedPaymentInfo {
    SealedPaymentInfo {
        payment_method: method,
        legal_name: sealed("name"),
        address_street: sealed("street"),
        address_city: sealed("city"),
        address_state: None,
        address_zip: sealed("zip"),
        address_country: sealed("country"),
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
    }
}

pub(super) fn accepted_with(amount: Option<i64>) -> Vec<GrantEvent> {
    vec![
        applied(),
        reviewed(GrantStatus::Submitted, GrantStatus::Offered, amount),
        GrantEvent::GrantOfferAccepted { at: t0() },
    ]
}

#[test]
fn grant_38_payment_info_needs_an_accepted_grant_with_an_approved_amount() {
    for given in [
        accepted_with(None),
        accepted_with(Some(0)),
        in_status(GrantStatus::Offered),
    ] {
        framework()
            .given(given)
            .when(GrantCommand::RecordPaymentInfo {
                info: Box::new(payment(PaymentMethod::Check)),
            })
            .then_expect_error(GrantError::PaymentInfoNotAllowed);
    }
    framework()
        .given(accepted_with(Some(800)))
        .when(GrantCommand::RecordPaymentInfo {
            info: Box::new(payment(PaymentMethod::Check)),
        })
        .then_expect_events(vec![GrantEvent::GrantPaymentInfoRecorded {
            info: Box::new(payment(PaymentMethod::Check)),
            at: t0(),
        }]);
}

#[test]
fn grant_40_legal_name_and_address_are_always_required() {
    let info = SealedPaymentInfo {
        address_city: None,
        ..payment(PaymentMethod::Check)
    };
    framework()
        .given(accepted_with(Some(800)))
        .when(GrantCommand::RecordPaymentInfo {
            info: Box::new(info),
        })
        .then_expect_error(GrantError::Required("address_city"));
}

#[test]
fn grant_41_each_method_requires_its_fields() {
    assert_eq!(
        payment(PaymentMethod::Paypal).missing_field(),
        Some("paypal_email")
    );
    assert_eq!(
        payment(PaymentMethod::Zelle).missing_field(),
        Some("zelle_email")
    );
    assert_eq!(
        payment(PaymentMethod::Wise).missing_field(),
        Some("wise_email")
    );
    assert_eq!(
        payment(PaymentMethod::Ach).missing_field(),
        Some("bank_name")
    );
    let wire = SealedPaymentInfo {
        bank_name: sealed("bank"),
        bank_account_number: sealed("acct"),
        ..payment(PaymentMethod::Wire)
    };
    assert_eq!(wire.missing_field(), Some("bank_routing_number"));
    assert_eq!(payment(PaymentMethod::Check).missing_field(), None);
    framework()
        .given(accepted_with(Some(800)))
        .when(GrantCommand::RecordPaymentInfo {
            info: Box::new(payment(PaymentMethod::Paypal)),
        })
        .then_expect_error(GrantError::Required("paypal_email"));
}

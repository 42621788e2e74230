use chrono::{NaiveDate, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn uid(name: &str) -> Uuid {
    crate::natural_id("test-user", name)
}

fn sealed() -> Option<Sealed> {
    Some(Sealed {
        v: 1,
        n: "bm9uY2U=".into(),
        c: "c2VhbGVk".into(),
    })
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 5, d).unwrap_or_default()
}

fn request() -> Box<LetterRequest> {
    Box::new(LetterRequest {
        passport_name: sealed(),
        passport_number: sealed(),
        nationality: "Nigerian".into(),
        date_of_birth: None,
        embassy_name: String::new(),
        travel_from: day(12),
        travel_until: day(20),
        destination_address: sealed(),
    })
}

fn conf() -> Uuid {
    crate::natural_id("conference", "pycon-us-2027")
}

fn requested() -> LetterEvent {
    LetterEvent::VisaLetterRequested {
        conference_id: conf(),
        applicant: uid("ana"),
        request: request(),
        at: t0(),
    }
}

fn ask(request: Box<LetterRequest>) -> LetterCommand {
    LetterCommand::Request {
        conference_id: conf(),
        applicant: uid("ana"),
        request,
    }
}

fn review(action: ReviewAction) -> LetterCommand {
    LetterCommand::Review {
        by: uid("olga"),
        action,
    }
}

fn framework() -> TestFramework<VisaLetter> {
    TestFramework::with(DomainServices::at(t0()))
}

#[test]
fn letter_1_one_request_per_user_and_conference() {
    framework()
        .given_no_previous_events()
        .when(ask(request()))
        .then_expect_events(vec![requested()]);
    framework()
        .given(vec![requested()])
        .when(ask(request()))
        .then_expect_error(LetterError::AlreadyRequested);
}

#[test]
fn letter_2_passport_and_destination_are_required() {
    let mut r = request();
    r.passport_number = None;
    framework()
        .given_no_previous_events()
        .when(ask(r))
        .then_expect_error(LetterError::Required("passport_number"));
}

#[test]
fn letter_3_travel_start_must_precede_the_end() {
    let mut r = request();
    r.travel_until = r.travel_from;
    framework()
        .given_no_previous_events()
        .when(ask(r))
        .then_expect_error(LetterError::TravelDates);
}

#[test]
fn letter_6_the_transition_table() {
    use LetterStatus::*;
    let allowed = [
        (Submitted, UnderReview),
        (Submitted, Approved),
        (Submitted, Rejected),
        (UnderReview, Approved),
        (UnderReview, Rejected),
        (Approved, Generated),
        (Generated, Sent),
    ];
    for from in LetterStatus::ALL {
        for to in LetterStatus::ALL {
            assert_eq!(
                from.may_become(to),
                allowed.contains(&(from, to)),
                "{from:?} -> {to:?}"
            );
        }
    }
}

#[test]
fn letter_7_reject_needs_a_reason_and_records_the_reviewer() {
    framework()
        .given(vec![requested()])
        .when(review(ReviewAction::Reject { reason: " ".into() }))
        .then_expect_error(LetterError::ReasonRequired);
    framework()
        .given(vec![requested()])
        .when(review(ReviewAction::Reject {
            reason: "Incomplete".into(),
        }))
        .then_expect_events(vec![LetterEvent::VisaLetterRejected {
            by: uid("olga"),
            reason: "Incomplete".into(),
            at: t0(),
        }]);
}

#[test]
fn letter_7_under_review_records_no_reviewer_and_approve_does() {
    framework()
        .given(vec![requested()])
        .when(review(ReviewAction::UnderReview))
        .then_expect_events(vec![LetterEvent::VisaLetterUnderReview { at: t0() }]);
    framework()
        .given(vec![
            requested(),
            LetterEvent::VisaLetterUnderReview { at: t0() },
        ])
        .when(review(ReviewAction::Approve))
        .then_expect_events(vec![LetterEvent::VisaLetterApproved {
            by: uid("olga"),
            at: t0(),
        }]);
}

#[test]
fn letter_12_a_disallowed_transition_is_refused() {
    framework()
        .given(vec![
            requested(),
            LetterEvent::VisaLetterRejected {
                by: uid("olga"),
                reason: "No".into(),
                at: t0(),
            },
        ])
        .when(review(ReviewAction::Approve))
        .then_expect_error(LetterError::InvalidTransition);
    assert_eq!(
        LetterError::InvalidTransition.to_string(),
        "Invalid action or status transition."
    );
}

fn letter_file() -> LetterFile {
    LetterFile {
        file_name: file_name(Uuid::nil()),
        size: 2000,
        sha256: "ab".repeat(32),
    }
}

fn generated() -> LetterEvent {
    LetterEvent::VisaLetterGenerated {
        by: uid("olga"),
        file: letter_file(),
        at: t0(),
    }
}

fn approved() -> LetterEvent {
    LetterEvent::VisaLetterApproved {
        by: uid("olga"),
        at: t0(),
    }
}

#[test]
fn letter_8_generation_only_from_approved() {
    let generate = || LetterCommand::Generate {
        by: uid("olga"),
        file: letter_file(),
    };
    framework()
        .given(vec![requested()])
        .when(generate())
        .then_expect_error(LetterError::NotApproved);
    framework()
        .given(vec![requested(), approved(), generated()])
        .when(generate())
        .then_expect_error(LetterError::NotApproved);
    framework()
        .given(vec![requested(), approved()])
        .when(generate())
        .then_expect_events(vec![generated()]);
    assert_eq!(
        file_name(Uuid::nil()),
        "letter-00000000-0000-0000-0000-000000000000.pdf"
    );
}

#[test]
fn letter_9_sending_only_from_generated_sets_sent_at() {
    let send = || LetterCommand::Send { by: uid("olga") };
    framework()
        .given(vec![requested(), approved()])
        .when(send())
        .then_expect_error(LetterError::NotGenerated);
    framework()
        .given(vec![requested(), approved(), generated()])
        .when(send())
        .then_expect_events(vec![LetterEvent::VisaLetterSent {
            by: uid("olga"),
            at: t0(),
        }]);
}

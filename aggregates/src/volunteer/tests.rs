use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn uid(name: &str) -> Uuid {
    crate::natural_id("test-user", name)
}

fn year() -> Year {
    Year {
        conference_id: crate::natural_id("conference", "2026"),
        series_id: crate::natural_id("series", "pyladiescon"),
        year: 2026,
    }
}

fn form(previous: &[&str]) -> VolunteerForm {
    VolunteerForm {
        languages: vec!["en".into(), "es".into()],
        region: "Americas".into(),
        availability: "weekends".into(),
        previous_events: previous.iter().map(|p| p.to_string()).collect(),
        ..Default::default()
    }
}

fn apply(open: bool, previous: &[&str]) -> VolunteerCommand {
    VolunteerCommand::Apply {
        year: year(),
        user: uid("ana"),
        form: form(previous),
        open,
        earlier_years: vec![2023, 2024, 2025],
        sealed_social: None,
    }
}

fn applied() -> VolunteerEvent {
    VolunteerEvent::VolunteerApplied {
        year: year(),
        user: uid("ana"),
        form: Box::new(form(&[])),
        brought_forward_from: None,
        at: t0(),
        sealed_social: None,
    }
}

fn approved() -> VolunteerEvent {
    VolunteerEvent::VolunteerApproved {
        teams: vec!["design".into()],
        roles: vec!["member".into()],
        at: t0(),
    }
}

fn approve(teams: &[&str], roles: &[&str]) -> VolunteerCommand {
    VolunteerCommand::Approve {
        teams: teams.iter().map(|t| t.to_string()).collect(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

fn framework() -> TestFramework<Volunteer> {
    TestFramework::with(DomainServices::at(t0()))
}

#[test]
fn my_11_applying_creates_a_pending_application() {
    framework()
        .given_no_previous_events()
        .when(apply(true, &["2024", "2025"]))
        .then_expect_events(vec![VolunteerEvent::VolunteerApplied {
            year: year(),
            user: uid("ana"),
            form: Box::new(form(&["2024", "2025"])),
            brought_forward_from: None,
            at: t0(),
            sealed_social: None,
        }]);
}

#[test]
fn my_3_applications_are_refused_while_the_year_is_closed() {
    framework()
        .given_no_previous_events()
        .when(apply(false, &[]))
        .then_expect_error(VolunteerError::ApplicationsClosed);
}

#[test]
fn my_6_a_second_application_for_the_same_year_is_refused() {
    framework()
        .given(vec![applied()])
        .when(apply(true, &[]))
        .then_expect_error(VolunteerError::AlreadyApplied);
}

#[test]
fn my_13_previous_events_are_earlier_years_or_first_time() {
    framework()
        .given_no_previous_events()
        .when(apply(true, &["2026"]))
        .then_expect_error(VolunteerError::InvalidPreviousEvent {
            choice: "2026".into(),
        });
    framework()
        .given_no_previous_events()
        .when(apply(true, &["first_time", "2024"]))
        .then_expect_error(VolunteerError::InvalidPreviousEvent {
            choice: "2024".into(),
        });
    framework()
        .given_no_previous_events()
        .when(apply(true, &["first_time"]))
        .then_expect_events(vec![VolunteerEvent::VolunteerApplied {
            year: year(),
            user: uid("ana"),
            form: Box::new(form(&["first_time"])),
            brought_forward_from: None,
            at: t0(),
            sealed_social: None,
        }]);
}

#[test]
fn approving_needs_a_team_and_a_role() {
    framework()
        .given(vec![applied()])
        .when(approve(&[], &["member"]))
        .then_expect_error(VolunteerError::NoTeam);
    framework()
        .given(vec![applied()])
        .when(approve(&["design"], &[" "]))
        .then_expect_error(VolunteerError::NoRole);
    framework()
        .given(vec![applied()])
        .when(approve(&["design"], &["member"]))
        .then_expect_events(vec![approved()]);
}

#[test]
fn a_waitlisted_volunteer_can_be_approved() {
    framework()
        .given(vec![
            applied(),
            VolunteerEvent::VolunteerWaitlisted { at: t0() },
        ])
        .when(approve(&["design"], &["member"]))
        .then_expect_events(vec![approved()]);
}

#[test]
fn a_rejected_application_is_final() {
    framework()
        .given(vec![
            applied(),
            VolunteerEvent::VolunteerRejected { at: t0() },
        ])
        .when(approve(&["design"], &["member"]))
        .then_expect_error(VolunteerError::InvalidTransition {
            from: ApplicationStatus::Rejected,
            to: ApplicationStatus::Approved,
        });
}

#[test]
fn an_approved_volunteer_cannot_be_waitlisted() {
    framework()
        .given(vec![applied(), approved()])
        .when(VolunteerCommand::Waitlist)
        .then_expect_error(VolunteerError::InvalidTransition {
            from: ApplicationStatus::Approved,
            to: ApplicationStatus::Waitlisted,
        });
}

#[test]
fn a_volunteer_can_cancel_and_cancelling_twice_changes_nothing() {
    framework()
        .given(vec![applied(), approved()])
        .when(VolunteerCommand::Cancel)
        .then_expect_events(vec![VolunteerEvent::VolunteerCancelled {
            was: ApplicationStatus::Approved,
            at: t0(),
        }]);
    framework()
        .given(vec![
            applied(),
            VolunteerEvent::VolunteerCancelled {
                was: ApplicationStatus::Pending,
                at: t0(),
            },
        ])
        .when(VolunteerCommand::Cancel)
        .then_expect_events(vec![]);
}

#[test]
fn the_transition_table_is_explicit() {
    use ApplicationStatus::*;
    let allowed: Vec<(ApplicationStatus, ApplicationStatus)> = ApplicationStatus::ALL
        .iter()
        .flat_map(|f| ApplicationStatus::ALL.iter().map(move |t| (*f, *t)))
        .filter(|(f, t)| f.may_become(*t))
        .collect();
    assert_eq!(
        allowed,
        vec![
            (Pending, Approved),
            (Pending, Waitlisted),
            (Pending, Rejected),
            (Pending, Cancelled),
            (Approved, Approved),
            (Approved, Cancelled),
            (Waitlisted, Approved),
            (Waitlisted, Rejected),
            (Waitlisted, Cancelled),
        ]
    );
}

#[test]
fn bring_forward_starts_pending_and_skips_users_already_applying() {
    let from = crate::natural_id("conference", "2025");
    let cmd = VolunteerCommand::BringForward {
        year: year(),
        user: uid("ana"),
        form: form(&[]),
        from,
        sealed_social: None,
    };
    framework()
        .given_no_previous_events()
        .when(cmd.clone())
        .then_expect_events(vec![VolunteerEvent::VolunteerApplied {
            year: year(),
            user: uid("ana"),
            form: Box::new(form(&[])),
            brought_forward_from: Some(from),
            at: t0(),
            sealed_social: None,
        }]);
    framework()
        .given(vec![applied()])
        .when(cmd)
        .then_expect_events(vec![]);
}

#[test]
fn reviewing_without_an_application_is_not_found() {
    framework()
        .given_no_previous_events()
        .when(VolunteerCommand::Reject)
        .then_expect_error(VolunteerError::NotFound);
}

#[test]
fn sealed_social_handles_are_checked_but_recorded_only_sealed() {
    let sealed = crate::user::Sealed {
        v: 1,
        n: "bm9uY2U=".into(),
        c: "Y2lwaGVy".into(),
    };
    let mut with_social = form(&[]);
    with_social.social.github = "ana-gh".into();
    framework()
        .given_no_previous_events()
        .when(VolunteerCommand::Apply {
            year: year(),
            user: uid("ana"),
            form: with_social,
            open: true,
            earlier_years: vec![],
            sealed_social: Some(sealed.clone()),
        })
        .then_expect_events(vec![VolunteerEvent::VolunteerApplied {
            year: year(),
            user: uid("ana"),
            form: Box::new(form(&[])),
            brought_forward_from: None,
            at: t0(),
            sealed_social: Some(sealed),
        }]);
}

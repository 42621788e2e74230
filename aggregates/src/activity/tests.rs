use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn uid(name: &str) -> Uuid {
    crate::natural_id("test-user", name)
}

fn conf() -> Uuid {
    crate::natural_id("conference", "pycon-2026")
}

fn details(max: Option<u32>) -> ActivityDetails {
    ActivityDetails {
        name: "Django Sprint".into(),
        activity_type: ActivityType::Sprint,
        max_participants: max,
        is_active: true,
        organizers: vec![uid("olga")],
        ..Default::default()
    }
}

fn created(max: Option<u32>) -> ActivityEvent {
    ActivityEvent::ActivityCreated {
        conference_id: conf(),
        slug: "django-sprint".into(),
        details: details(max),
        at: t0(),
    }
}

fn confirmed(name: &str) -> ActivityEvent {
    ActivityEvent::SignupConfirmed {
        user: uid(name),
        note: String::new(),
        at: t0(),
    }
}

fn waitlisted(name: &str) -> ActivityEvent {
    ActivityEvent::SignupWaitlisted {
        user: uid(name),
        note: String::new(),
        at: t0(),
    }
}

fn sign_up(name: &str) -> ActivityCommand {
    ActivityCommand::SignUp {
        user: uid(name),
        note: String::new(),
    }
}

fn framework() -> TestFramework<Activity> {
    TestFramework::with(DomainServices::at(t0()))
}

#[test]
fn act_2_creates_an_activity() {
    framework()
        .given_no_previous_events()
        .when(ActivityCommand::Create {
            conference_id: conf(),
            slug: "django-sprint".into(),
            details: details(Some(2)),
        })
        .then_expect_events(vec![created(Some(2))]);
}

#[test]
fn act_2_refuses_a_blank_name() {
    let mut blank = details(None);
    blank.name = "  ".into();
    framework()
        .given_no_previous_events()
        .when(ActivityCommand::Create {
            conference_id: conf(),
            slug: "x".into(),
            details: blank,
        })
        .then_expect_error(ActivityError::BlankName);
}

#[test]
fn act_6_confirms_while_places_remain() {
    framework()
        .given(vec![created(Some(2)), confirmed("ana")])
        .when(sign_up("bo"))
        .then_expect_events(vec![confirmed("bo")]);
}

#[test]
fn act_6_waitlists_when_full() {
    framework()
        .given(vec![created(Some(1)), confirmed("ana")])
        .when(sign_up("bo"))
        .then_expect_events(vec![waitlisted("bo")]);
}

#[test]
fn act_3_zero_places_means_always_full() {
    framework()
        .given(vec![created(Some(0))])
        .when(sign_up("ana"))
        .then_expect_events(vec![waitlisted("ana")]);
}

#[test]
fn act_3_unlimited_always_confirms() {
    framework()
        .given(vec![created(None), confirmed("ana"), confirmed("bo")])
        .when(sign_up("cy"))
        .then_expect_events(vec![confirmed("cy")]);
}

#[test]
fn act_6_an_existing_signup_makes_signing_up_a_no_op() {
    framework()
        .given(vec![created(Some(1)), waitlisted("ana")])
        .when(sign_up("ana"))
        .then_expect_events(vec![]);
}

#[test]
fn act_6_refuses_signups_to_an_inactive_activity() {
    let mut inactive = details(None);
    inactive.is_active = false;
    framework()
        .given(vec![
            created(None),
            ActivityEvent::ActivityUpdated {
                details: inactive,
                at: t0(),
            },
        ])
        .when(sign_up("ana"))
        .then_expect_error(ActivityError::NotActive);
}

#[test]
fn act_5_a_cancelled_user_may_sign_up_again() {
    framework()
        .given(vec![
            created(Some(1)),
            confirmed("ana"),
            ActivityEvent::SignupCancelled {
                user: uid("ana"),
                was: SignupStatus::Confirmed,
                at: t0(),
            },
        ])
        .when(sign_up("ana"))
        .then_expect_events(vec![confirmed("ana")]);
}

#[test]
fn act_8_refuses_to_cancel_without_an_active_signup() {
    framework()
        .given(vec![created(Some(1))])
        .when(ActivityCommand::Cancel { user: uid("ana") })
        .then_expect_error(ActivityError::NoActiveSignup);
}

#[test]
fn act_9_cancelling_a_confirmed_signup_promotes_the_oldest_waitlisted() {
    framework()
        .given(vec![
            created(Some(1)),
            confirmed("ana"),
            waitlisted("bo"),
            waitlisted("cy"),
        ])
        .when(ActivityCommand::Cancel { user: uid("ana") })
        .then_expect_events(vec![
            ActivityEvent::SignupCancelled {
                user: uid("ana"),
                was: SignupStatus::Confirmed,
                at: t0(),
            },
            ActivityEvent::WaitlistPromoted {
                user: uid("bo"),
                by: None,
                at: t0(),
            },
        ]);
}

#[test]
fn act_9_cancelling_a_waitlisted_signup_promotes_no_one() {
    framework()
        .given(vec![
            created(Some(1)),
            confirmed("ana"),
            waitlisted("bo"),
            waitlisted("cy"),
        ])
        .when(ActivityCommand::Cancel { user: uid("bo") })
        .then_expect_events(vec![ActivityEvent::SignupCancelled {
            user: uid("bo"),
            was: SignupStatus::Waitlisted,
            at: t0(),
        }]);
}

#[test]
fn act_10_a_listed_organizer_promotes_even_when_full() {
    framework()
        .given(vec![created(Some(1)), confirmed("ana"), waitlisted("bo")])
        .when(ActivityCommand::Promote {
            user: uid("bo"),
            by: uid("olga"),
            by_staff: false,
        })
        .then_expect_events(vec![ActivityEvent::WaitlistPromoted {
            user: uid("bo"),
            by: Some(uid("olga")),
            at: t0(),
        }]);
}

#[test]
fn act_10_refuses_promotion_by_someone_else() {
    framework()
        .given(vec![created(Some(1)), confirmed("ana"), waitlisted("bo")])
        .when(ActivityCommand::Promote {
            user: uid("bo"),
            by: uid("ana"),
            by_staff: false,
        })
        .then_expect_error(ActivityError::NotAnOrganizer);
}

#[test]
fn act_10_refuses_to_promote_a_confirmed_signup() {
    framework()
        .given(vec![created(Some(1)), confirmed("ana")])
        .when(ActivityCommand::Promote {
            user: uid("ana"),
            by: uid("olga"),
            by_staff: true,
        })
        .then_expect_error(ActivityError::NotWaitlisted);
}

#[test]
fn act_9_promotion_follows_signup_order_over_several_cancellations() {
    let mut activity = Activity::default();
    for e in [
        created(Some(1)),
        confirmed("ana"),
        waitlisted("bo"),
        waitlisted("cy"),
    ] {
        activity.apply(e);
    }
    let facts = activity
        .decide(ActivityCommand::Cancel { user: uid("ana") }, t0())
        .unwrap_or_default();
    for f in facts {
        activity.apply(f);
    }
    let facts = activity
        .decide(ActivityCommand::Cancel { user: uid("bo") }, t0())
        .unwrap_or_default();
    for f in facts {
        activity.apply(f);
    }
    assert_eq!(
        activity.status_of(&uid("cy")),
        Some(SignupStatus::Confirmed)
    );
    assert_eq!(activity.spots_remaining(), Some(0));
}

fn updated(details: ActivityDetails) -> ActivityEvent {
    ActivityEvent::ActivityUpdated { details, at: t0() }
}

#[test]
fn act_2_a_change_keeps_the_fields_it_does_not_carry() {
    let mut expected = details(Some(10));
    expected.room = "C1".into();
    framework()
        .given(vec![created(Some(10))])
        .when(ActivityCommand::Change {
            patch: ActivityPatch {
                room: Some("C1".into()),
                ..Default::default()
            },
        })
        .then_expect_events(vec![updated(expected)]);
}

#[test]
fn act_2_changes_decided_one_after_another_all_survive() {
    // Two edits of different fields, each decided on the state the other left:
    // the second keeps the first's field.
    let mut roomed = details(Some(10));
    roomed.room = "C1".into();
    let mut both = roomed.clone();
    both.name = "Django Sprint (day 1)".into();
    framework()
        .given(vec![created(Some(10)), updated(roomed)])
        .when(ActivityCommand::Change {
            patch: ActivityPatch {
                name: Some("Django Sprint (day 1)".into()),
                ..Default::default()
            },
        })
        .then_expect_events(vec![updated(both)]);
}

#[test]
fn act_3_null_clears_the_capacity_and_the_times() {
    let mut timed = details(Some(10));
    timed.start_time = Some(t0());
    timed.end_time = Some(t0());
    framework()
        .given(vec![created(Some(10)), updated(timed)])
        .when(ActivityCommand::Change {
            patch: ActivityPatch {
                max_participants: Some(None),
                start_time: Some(None),
                end_time: Some(None),
                ..Default::default()
            },
        })
        .then_expect_events(vec![updated(details(None))]);
}

#[test]
fn act_2_an_unchanged_result_is_a_no_op() {
    framework()
        .given(vec![created(Some(10))])
        .when(ActivityCommand::Change {
            patch: ActivityPatch {
                name: Some("Django Sprint".into()),
                max_participants: Some(Some(10)),
                ..Default::default()
            },
        })
        .then_expect_events(vec![]);
}

#[test]
fn act_2_a_change_to_a_blank_name_is_refused() {
    framework()
        .given(vec![created(Some(10))])
        .when(ActivityCommand::Change {
            patch: ActivityPatch {
                name: Some(" ".into()),
                ..Default::default()
            },
        })
        .then_expect_error(ActivityError::BlankName);
}

#[test]
fn act_2_changing_a_missing_activity_is_not_found() {
    framework()
        .given_no_previous_events()
        .when(ActivityCommand::Change {
            patch: ActivityPatch::default(),
        })
        .then_expect_error(ActivityError::NotFound);
}

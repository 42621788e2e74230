use chrono::{TimeZone, Utc};
use tessera_aggregates::activity::{ActivityDetails, ActivityEvent, SignupStatus};
use tessera_aggregates::natural_id;
use uuid::Uuid;

use super::*;
use crate::{DomainEvent, Envelope, EventMeta, fold_all};

fn activity() -> Uuid {
    natural_id("activity", "sprint")
}

fn user(n: &str) -> Uuid {
    natural_id("user", n)
}

fn envs(events: Vec<ActivityEvent>) -> Vec<Envelope> {
    let at = Utc
        .with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default();
    events
        .into_iter()
        .enumerate()
        .map(|(i, e)| Envelope {
            position: i as i64 + 1,
            aggregate_type: "activity".into(),
            aggregate_id: activity().to_string(),
            sequence: i as i64 + 1,
            event_type: String::new(),
            event: DomainEvent::Activity(e),
            meta: EventMeta::default(),
            recorded_at: at,
        })
        .collect()
}

#[test]
fn act_14_counts_follow_signups_cancellations_and_promotions() {
    let at = Utc
        .with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let events = envs(vec![
        ActivityEvent::ActivityCreated {
            conference_id: natural_id("conference", "c"),
            slug: "sprint".into(),
            details: ActivityDetails {
                name: "Sprint".into(),
                max_participants: Some(1),
                is_active: true,
                ..Default::default()
            },
            at,
        },
        ActivityEvent::SignupConfirmed {
            user: user("ana"),
            note: String::new(),
            at,
        },
        ActivityEvent::SignupWaitlisted {
            user: user("bo"),
            note: "hi".into(),
            at,
        },
        ActivityEvent::SignupCancelled {
            user: user("ana"),
            was: SignupStatus::Confirmed,
            at,
        },
        ActivityEvent::WaitlistPromoted {
            user: user("bo"),
            by: None,
            at,
        },
    ]);
    let rows = fold_all::<ActivityRoster>(&events);
    let Some(RosterRow::Activity(a)) = rows.get(&activity_key(activity())) else {
        panic!("activity row missing");
    };
    assert_eq!((a.confirmed, a.waitlisted, a.cancelled), (1, 0, 1));
    assert_eq!(a.spots_remaining(), Some(0));
    let Some(RosterRow::Signup(bo)) = rows.get(&signup_key(activity(), user("bo"))) else {
        panic!("signup row missing");
    };
    assert_eq!(bo.status, SignupStatus::Confirmed);
    assert_eq!(bo.note, "hi");
    assert_eq!(bo.position, 3);
    let Some(RosterRow::Signup(ana)) = rows.get(&signup_key(activity(), user("ana"))) else {
        panic!("signup row missing");
    };
    assert_eq!(ana.status, SignupStatus::Cancelled);
}

use chrono::{TimeZone, Utc};
use tessera_aggregates::conference::{ConferenceEvent, Role};
use tessera_aggregates::natural_id;
use tessera_aggregates::user::UserEvent;
use uuid::Uuid;

use super::*;
use crate::{DomainEvent, Envelope, EventMeta, fold_all};

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn ana() -> Uuid {
    natural_id("user", "ana@example.org")
}

fn conf(slug: &str) -> Uuid {
    natural_id("conference", slug)
}

fn log(events: Vec<(&str, Uuid, DomainEvent)>) -> Vec<Envelope> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, (kind, id, event))| Envelope {
            position: i as i64 + 1,
            aggregate_type: kind.into(),
            aggregate_id: id.to_string(),
            sequence: 0,
            event_type: String::new(),
            event,
            meta: EventMeta::default(),
            recorded_at: at(),
        })
        .collect()
}

fn u(e: UserEvent) -> (&'static str, Uuid, DomainEvent) {
    ("user", ana(), DomainEvent::User(e))
}

fn c(slug: &str, e: ConferenceEvent) -> (&'static str, Uuid, DomainEvent) {
    ("conference", conf(slug), DomainEvent::Conference(e))
}

fn registered() -> UserEvent {
    UserEvent::UserRegistered {
        email: "ana@example.org".into(),
        name: "Ana".into(),
        password_hash: "secret-hash".into(),
        at: at(),
        sealed_email: None,
        sealed_name: None,
        email_hash: None,
    }
}

#[test]
fn sealed_values_are_kept_sealed_for_the_read_edge() {
    let sealed = tessera_aggregates::user::Sealed {
        v: 1,
        n: "bm9uY2U=".into(),
        c: "c2VhbGVk".into(),
    };
    let rows = fold_all::<UserDirectory>(&log(vec![u(UserEvent::UserRegistered {
        email: String::new(),
        name: String::new(),
        password_hash: "secret-hash".into(),
        at: at(),
        sealed_email: Some(sealed.clone()),
        sealed_name: Some(sealed.clone()),
        email_hash: Some("ab".into()),
    })]));
    let r = row(&rows);
    assert_eq!((r.email.as_str(), r.name.as_str()), ("", ""));
    assert_eq!(r.sealed_email, Some(sealed.clone()));
    assert_eq!(r.sealed_name, Some(sealed));
}

fn granted(role: Role) -> ConferenceEvent {
    ConferenceEvent::RoleGranted {
        user: ana(),
        role,
        at: at(),
    }
}

fn row(rows: &Rows<UserRow>) -> UserRow {
    match rows.get(&user_key(ana())) {
        Some(r) => r.clone(),
        None => panic!("user row missing"),
    }
}

#[test]
fn my_9_a_user_is_listed_with_the_admin_flag() {
    let rows = fold_all::<UserDirectory>(&log(vec![
        u(registered()),
        u(UserEvent::AdminGranted { at: at() }),
        u(UserEvent::PasswordChanged {
            password_hash: "other".into(),
            at: at(),
        }),
    ]));
    let r = row(&rows);
    assert_eq!(r.id, ana());
    assert_eq!(r.email, "ana@example.org");
    assert_eq!(r.name, "Ana");
    assert!(r.is_admin);
    assert_eq!(r.created_at, at());
    let rows = fold_all::<UserDirectory>(&log(vec![
        u(registered()),
        u(UserEvent::AdminGranted { at: at() }),
        u(UserEvent::AdminRevoked { at: at() }),
    ]));
    assert!(!row(&rows).is_admin);
}

#[test]
fn password_hashes_never_reach_the_directory() {
    let rows = fold_all::<UserDirectory>(&log(vec![u(registered())]));
    let json = serde_json::to_string(&row(&rows)).unwrap_or_default();
    assert!(!json.contains("secret-hash"));
}

#[test]
fn roles_are_kept_per_conference() {
    let rows = fold_all::<UserDirectory>(&log(vec![
        u(registered()),
        c("pycon-us-2026", granted(Role::Reviewer)),
        c("pycon-us-2026", granted(Role::Organizer)),
        c("pyladiescon-2025", granted(Role::Checkin)),
        c(
            "pyladiescon-2025",
            ConferenceEvent::RoleRevoked {
                user: ana(),
                role: Role::Checkin,
                at: at(),
            },
        ),
    ]));
    let r = row(&rows);
    assert_eq!(
        r.roles_in(&conf("pycon-us-2026")),
        &[Role::Organizer, Role::Reviewer]
    );
    assert!(r.roles_in(&conf("pyladiescon-2025")).is_empty());
    assert_eq!(r.roles.len(), 1);
}

#[test]
fn other_conference_events_are_ignored() {
    let rows = fold_all::<UserDirectory>(&log(vec![
        u(registered()),
        c(
            "pycon-us-2026",
            ConferenceEvent::KpiTargetsSet {
                targets: Default::default(),
                at: at(),
            },
        ),
    ]));
    assert_eq!(rows.len(), 1);
    assert!(row(&rows).roles.is_empty());
}

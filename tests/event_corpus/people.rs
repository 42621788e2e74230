//! Users, series, conferences and activities.

use tessera_aggregates::activity::{
    Activity, ActivityDetails, ActivityEvent, ActivityType, SignupStatus,
};
use tessera_aggregates::conference::{
    Conference, ConferenceDetails, ConferenceEvent, FeatureOverrides, HistoricalFigures,
    KpiTargets, Role, Section, SponsorLevel, StatsSnapshot,
};
use tessera_aggregates::series::{Series, SeriesEvent};
use tessera_aggregates::user::{User, UserEvent};

use super::{Fixture, at, conference_id, date, id, later, money, stream, uid};

pub fn user() -> Vec<Fixture> {
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$9mCj4H0yqHq3dV2wT8x1bQ2k3n4p5r6s7t8u9v0w1xY";
    let events = vec![
        UserEvent::UserRegistered {
            email: "ana@example.org".into(),
            name: "Ana Lovelace".into(),
            password_hash: hash.into(),
            at: at(),
            // The stored fixture predates sealing: it carries the plain values.
            sealed_email: None,
            sealed_name: None,
            email_hash: None,
        },
        UserEvent::AdminGranted { at: later(1) },
        UserEvent::AdminRevoked { at: later(2) },
        UserEvent::PasswordChanged {
            password_hash: hash.replace("9mCj", "Xq2z"),
            at: later(3),
        },
        UserEvent::SignedOut {
            token: "5b1f0c1e-6a47-4a4e-9a0e-2f3c8d9e7b10".into(),
            until: later(30),
            at: later(4),
        },
        UserEvent::SessionsRevoked {
            epoch: 1,
            at: later(5),
        },
        UserEvent::PasswordResetRequested {
            request: id("reset", "ana-1"),
            token_hash: "9f2c4a1be0d35e7f8a6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f".into(),
            expires_at: later(66),
            at: later(6),
        },
        UserEvent::PasswordResetCompleted {
            token_hash: "9f2c4a1be0d35e7f8a6b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$reset".into(),
            at: later(7),
        },
    ];
    stream::<User>(uid("ana"), events)
}

/// A new variant fails to compile here: give it a sample above first.
#[allow(dead_code)]
fn user_variants(e: &UserEvent) {
    use UserEvent::*;
    match e {
        UserRegistered { .. }
        | AdminGranted { .. }
        | AdminRevoked { .. }
        | PasswordChanged { .. }
        | SignedOut { .. }
        | SessionsRevoked { .. }
        | PasswordResetRequested { .. }
        | PasswordResetCompleted { .. } => {}
    }
}

pub fn series() -> Vec<Fixture> {
    let events = vec![
        SeriesEvent::SeriesCreated {
            slug: "pycon-us".into(),
            name: "PyCon US".into(),
            at: at(),
        },
        SeriesEvent::ConferenceRegistered {
            conference_id: conference_id(),
            slug: "pycon-us-2027".into(),
            year: 2027,
            at: at(),
        },
        SeriesEvent::ConferenceActivated {
            conference_id: conference_id(),
            previous: Some(id("conference", "pycon-us/2026")),
            at: later(5),
        },
    ];
    stream::<Series>(id("series", "pycon-us"), events)
}

#[allow(dead_code)]
fn series_variants(e: &SeriesEvent) {
    use SeriesEvent::*;
    match e {
        SeriesCreated { .. } | ConferenceRegistered { .. } | ConferenceActivated { .. } => {}
    }
}

fn details() -> ConferenceDetails {
    ConferenceDetails {
        name: "PyCon US 2027".into(),
        start_date: date("2027-05-14"),
        end_date: date("2027-05-22"),
        timezone: "America/Chicago".into(),
        venue: "Long Beach Convention Center".into(),
        address: "300 E Ocean Blvd, Long Beach, CA".into(),
        website_url: "https://us.pycon.org/2027/".into(),
        pretalx_event_slug: "pycon-us-2027".into(),
        total_capacity: 2500,
        revenue_budget: Some(money("1250000.00")),
        target_attendance: Some(2400),
        grant_budget: Some(money("150000.00")),
        sponsorship_goal: money("900000.00"),
        donation_goal: money("25000.00"),
        proposals_count: 812,
        banner_text: "Registration is open".into(),
        volunteer_application_open: true,
        sponsorship_open: true,
        accepting_donations: true,
    }
}

pub fn conference() -> Vec<Fixture> {
    let section = Section {
        slug: "tutorials".into(),
        name: "Tutorials".into(),
        start_date: date("2027-05-14"),
        end_date: date("2027-05-15"),
        order: 1,
    };
    let level = SponsorLevel {
        slug: "gold".into(),
        name: "Gold".into(),
        cost: Some(money("30000.00")),
        comp_ticket_count: 4,
        order: 2,
    };
    let events = vec![
        ConferenceEvent::ConferenceCreated {
            series_id: id("series", "pycon-us"),
            series_slug: "pycon-us".into(),
            slug: "pycon-us-2027".into(),
            year: 2027,
            details: details(),
            at: at(),
        },
        ConferenceEvent::ConferenceDetailsUpdated {
            details: ConferenceDetails {
                banner_text: "Tutorials are sold out".into(),
                ..details()
            },
            at: later(1),
        },
        ConferenceEvent::SectionAdded {
            section: section.clone(),
            at: later(2),
        },
        ConferenceEvent::SectionUpdated {
            section: Section {
                name: "Tutorial days".into(),
                ..section
            },
            at: later(3),
        },
        ConferenceEvent::SponsorLevelAdded {
            level: level.clone(),
            at: later(4),
        },
        ConferenceEvent::SponsorLevelUpdated {
            level: SponsorLevel {
                comp_ticket_count: 5,
                ..level
            },
            at: later(5),
        },
        ConferenceEvent::FeatureOverridesSet {
            overrides: FeatureOverrides {
                registration: Some(true),
                travel_grants: Some(false),
                ..FeatureOverrides::default()
            },
            at: later(6),
        },
        ConferenceEvent::KpiTargetsSet {
            targets: KpiTargets {
                target_conversion_rate: Some(money("0.65")),
                target_checkin_rate: Some(money("0.90")),
                ..KpiTargets::default()
            },
            at: later(7),
        },
        ConferenceEvent::RoleGranted {
            user: uid("sam"),
            role: Role::Checkin,
            at: later(8),
        },
        ConferenceEvent::RoleRevoked {
            user: uid("sam"),
            role: Role::Checkin,
            at: later(9),
        },
        ConferenceEvent::HistoricalFiguresRecorded {
            figures: HistoricalFigures {
                registrations: 600,
                sponsors: 8,
                sponsorship_amount: money("10500.00"),
                donors: 58,
                donation_amount: money("650.00"),
            },
            at: later(10),
        },
        ConferenceEvent::StatsFrozen {
            snapshot: StatsSnapshot {
                position: 42,
                stats_version: 1,
                snapshot: r#"{"conference_id":"00000000-0000-0000-0000-000000000000","sections":{},"version":1}"#.into(),
                sha256: "0".repeat(64),
            },
            reason: "Year closed".into(),
            at: later(11),
        },
    ];
    stream::<Conference>(conference_id(), events)
}

#[allow(dead_code)]
fn conference_variants(e: &ConferenceEvent) {
    use ConferenceEvent::*;
    match e {
        ConferenceCreated { .. }
        | ConferenceDetailsUpdated { .. }
        | SectionAdded { .. }
        | SectionUpdated { .. }
        | SponsorLevelAdded { .. }
        | SponsorLevelUpdated { .. }
        | FeatureOverridesSet { .. }
        | KpiTargetsSet { .. }
        | RoleGranted { .. }
        | RoleRevoked { .. }
        | HistoricalFiguresRecorded { .. }
        | StatsFrozen { .. } => {}
    }
}

pub fn activity() -> Vec<Fixture> {
    let details = ActivityDetails {
        name: "Django sprint".into(),
        activity_type: ActivityType::Sprint,
        description: "Fix a ticket, land a patch.".into(),
        location: "Hall B".into(),
        room: "B-104".into(),
        start_time: Some(later(60 * 24 * 6)),
        end_time: Some(later(60 * 24 * 6 + 480)),
        max_participants: Some(1),
        requires_ticket: true,
        external_url: "https://example.org/sprints/django".into(),
        is_active: true,
        organizers: vec![uid("ola")],
    };
    let events = vec![
        ActivityEvent::ActivityCreated {
            conference_id: conference_id(),
            slug: "django-sprint".into(),
            details: details.clone(),
            at: at(),
        },
        ActivityEvent::ActivityUpdated {
            details: ActivityDetails {
                max_participants: Some(2),
                ..details
            },
            at: later(1),
        },
        ActivityEvent::SignupConfirmed {
            user: uid("ana"),
            note: "First sprint!".into(),
            at: later(2),
        },
        ActivityEvent::SignupWaitlisted {
            user: uid("bo"),
            note: String::new(),
            at: later(3),
        },
        ActivityEvent::SignupCancelled {
            user: uid("ana"),
            was: SignupStatus::Confirmed,
            at: later(4),
        },
        ActivityEvent::WaitlistPromoted {
            user: uid("bo"),
            by: None,
            at: later(4),
        },
    ];
    stream::<Activity>(id("activity", "pycon-us-2027/django-sprint"), events)
}

#[allow(dead_code)]
fn activity_variants(e: &ActivityEvent) {
    use ActivityEvent::*;
    match e {
        ActivityCreated { .. }
        | ActivityUpdated { .. }
        | SignupConfirmed { .. }
        | SignupWaitlisted { .. }
        | SignupCancelled { .. }
        | WaitlistPromoted { .. } => {}
    }
}

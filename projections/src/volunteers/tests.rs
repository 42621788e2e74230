use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use tessera_aggregates::natural_id;
use tessera_aggregates::volunteer::volunteer_id;

use super::*;
use crate::{EventMeta, fold_all};

fn user(n: &str) -> Uuid {
    natural_id("user", n)
}

fn series() -> Uuid {
    natural_id("series", "pyladiescon")
}

fn year(y: i32) -> Year {
    Year {
        conference_id: natural_id("conference", &y.to_string()),
        series_id: series(),
        year: y,
    }
}

fn env(position: i64, kind: &str, id: Uuid, event: DomainEvent) -> Envelope {
    Envelope {
        position,
        aggregate_type: kind.into(),
        aggregate_id: id.to_string(),
        sequence: 1,
        event_type: String::new(),
        event,
        meta: EventMeta::default(),
        recorded_at: Utc
            .with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
            .single()
            .unwrap_or_default(),
    }
}

fn applied(position: i64, who: &str, y: i32) -> Envelope {
    let year = year(y);
    env(
        position,
        "volunteer",
        volunteer_id(year.conference_id, user(who)),
        DomainEvent::Volunteer(VolunteerEvent::VolunteerApplied {
            year,
            user: user(who),
            form: Box::new(VolunteerForm {
                region: format!("region {y}"),
                ..Default::default()
            }),
            brought_forward_from: None,
            at: Utc::now(),
            sealed_social: None,
        }),
    )
}

fn approved(position: i64, who: &str, y: i32, team: &str) -> Envelope {
    env(
        position,
        "volunteer",
        volunteer_id(year(y).conference_id, user(who)),
        DomainEvent::Volunteer(VolunteerEvent::VolunteerApproved {
            teams: vec![team.into()],
            roles: vec!["member".into()],
            at: Utc::now(),
        }),
    )
}

fn applications(rows: &Rows<VolunteerRow>) -> Vec<ApplicationRow> {
    rows.iter()
        .filter_map(|(_, r)| match r {
            VolunteerRow::Application(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn summary_counts_by_status_and_team_and_the_returning_share() {
    let rows = fold_all::<Volunteers>(&[
        applied(1, "ana", 2025),
        approved(2, "ana", 2025, "design"),
        applied(3, "ana", 2026),
        approved(4, "ana", 2026, "design"),
        applied(5, "bo", 2026),
        approved(6, "bo", 2026, "program"),
        applied(7, "cy", 2026),
    ]);
    let all = applications(&rows);
    let s = summary(&all, year(2026).conference_id);
    assert_eq!(s.applications, 3);
    assert_eq!(s.by_status[&ApplicationStatus::Approved], 2);
    assert_eq!(s.by_status[&ApplicationStatus::Pending], 1);
    assert_eq!(s.by_status[&ApplicationStatus::Rejected], 0);
    assert_eq!(
        s.by_team,
        vec![
            TeamCount {
                team: "design".into(),
                volunteers: 1
            },
            TeamCount {
                team: "program".into(),
                volunteers: 1
            }
        ]
    );
    assert_eq!(s.returning, 1);
    assert_eq!(s.returning_share, Decimal::new(33, 2));
}

#[test]
fn my_12_the_latest_earlier_application_pre_fills() {
    let rows = fold_all::<Volunteers>(&[
        applied(1, "ana", 2023),
        applied(2, "ana", 2024),
        applied(3, "ana", 2026),
    ]);
    let all = applications(&rows);
    let latest = latest_earlier(&all, user("ana"), series(), 2026).map(|a| a.form.region.clone());
    assert_eq!(latest.as_deref(), Some("region 2024"));
    assert!(latest_earlier(&all, user("ana"), series(), 2023).is_none());
}

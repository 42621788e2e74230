use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn conf() -> Uuid {
    crate::natural_id("conference", "2026")
}

fn lead() -> Uuid {
    crate::natural_id("test-user", "lea")
}

fn create(description: &str, cloned_from: Option<Uuid>) -> TeamCommand {
    TeamCommand::Create {
        conference_id: conf(),
        slug: "design".into(),
        name: "Design".into(),
        description: description.into(),
        leads: vec![lead()],
        cloned_from,
    }
}

fn created() -> TeamEvent {
    TeamEvent::TeamCreated {
        conference_id: conf(),
        slug: "design".into(),
        name: "Design".into(),
        description: "Posters".into(),
        leads: vec![lead()],
        cloned_from: None,
        at: t0(),
    }
}

fn framework() -> TestFramework<Team> {
    TestFramework::with(DomainServices::at(t0()))
}

#[test]
fn my_5_a_team_belongs_to_one_conference() {
    framework()
        .given_no_previous_events()
        .when(create("Posters", None))
        .then_expect_events(vec![created()]);
}

#[test]
fn a_team_name_is_unique_within_its_year() {
    framework()
        .given(vec![created()])
        .when(create("Something else", None))
        .then_expect_error(TeamError::AlreadyExists);
    framework()
        .given(vec![created()])
        .when(create("Posters", None))
        .then_expect_events(vec![]);
}

#[test]
fn my_20_cloning_skips_a_name_that_exists() {
    framework()
        .given(vec![created()])
        .when(create(
            "Last year's text",
            Some(crate::natural_id("conference", "2025")),
        ))
        .then_expect_events(vec![]);
}

#[test]
fn a_blank_name_is_refused() {
    framework()
        .given_no_previous_events()
        .when(TeamCommand::Create {
            conference_id: conf(),
            slug: "x".into(),
            name: "  ".into(),
            description: String::new(),
            leads: vec![],
            cloned_from: None,
        })
        .then_expect_error(TeamError::InvalidName);
}

#[test]
fn my_20_leads_may_change_between_years() {
    framework()
        .given(vec![created()])
        .when(TeamCommand::SetLeads { leads: vec![] })
        .then_expect_events(vec![TeamEvent::TeamLeadsSet {
            leads: vec![],
            at: t0(),
        }]);
}

use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn framework() -> TestFramework<Series> {
    TestFramework::with(DomainServices::at(t0()))
}

fn conf(year: i32) -> Uuid {
    crate::natural_id("conference", &format!("pycon-us-{year}"))
}

fn created() -> SeriesEvent {
    SeriesEvent::SeriesCreated {
        slug: "pycon-us".into(),
        name: "PyCon US".into(),
        at: t0(),
    }
}

fn registered(year: i32) -> SeriesEvent {
    SeriesEvent::ConferenceRegistered {
        conference_id: conf(year),
        slug: format!("pycon-us-{year}"),
        year,
        at: t0(),
    }
}

fn register(year: i32) -> SeriesCommand {
    SeriesCommand::RegisterConference {
        conference_id: conf(year),
        slug: format!("pycon-us-{year}"),
        year,
    }
}

fn activated(year: i32, previous: Option<i32>) -> SeriesEvent {
    SeriesEvent::ConferenceActivated {
        conference_id: conf(year),
        previous: previous.map(conf),
        at: t0(),
    }
}

#[test]
fn amb_29_creates_a_series() {
    framework()
        .given_no_previous_events()
        .when(SeriesCommand::Create {
            slug: "pycon-us".into(),
            name: "PyCon US".into(),
        })
        .then_expect_events(vec![created()]);
}

#[test]
fn amb_29_refuses_an_invalid_slug_or_blank_name() {
    framework()
        .given_no_previous_events()
        .when(SeriesCommand::Create {
            slug: "PyCon US".into(),
            name: "PyCon US".into(),
        })
        .then_expect_error(SeriesError::InvalidSlug);
    framework()
        .given_no_previous_events()
        .when(SeriesCommand::Create {
            slug: "pycon-us".into(),
            name: " ".into(),
        })
        .then_expect_error(SeriesError::InvalidName);
}

#[test]
fn amb_29_an_identical_create_is_a_no_op_and_a_different_one_is_refused() {
    framework()
        .given(vec![created()])
        .when(SeriesCommand::Create {
            slug: "pycon-us".into(),
            name: "PyCon US".into(),
        })
        .then_expect_events(vec![]);
    framework()
        .given(vec![created()])
        .when(SeriesCommand::Create {
            slug: "pycon-us".into(),
            name: "PyCon USA".into(),
        })
        .then_expect_error(SeriesError::AlreadyExists);
}

#[test]
fn amb_29_commands_on_a_missing_series_are_not_found() {
    framework()
        .given_no_previous_events()
        .when(register(2026))
        .then_expect_error(SeriesError::NotFound);
    framework()
        .given_no_previous_events()
        .when(SeriesCommand::Activate {
            conference_id: conf(2026),
        })
        .then_expect_error(SeriesError::NotFound);
}

#[test]
fn amb_29_registers_a_conference_for_a_free_year() {
    framework()
        .given(vec![created(), registered(2025)])
        .when(register(2026))
        .then_expect_events(vec![registered(2026)]);
}

#[test]
fn amb_29_refuses_a_year_taken_by_another_conference() {
    framework()
        .given(vec![created(), registered(2026)])
        .when(SeriesCommand::RegisterConference {
            conference_id: conf(1999),
            slug: "other".into(),
            year: 2026,
        })
        .then_expect_error(SeriesError::YearTaken { year: 2026 });
}

#[test]
fn amb_29_year_taken_message_names_the_year() {
    assert_eq!(
        SeriesError::YearTaken { year: 2026 }.to_string(),
        "A conference for year 2026 already exists in this series."
    );
}

#[test]
fn amb_29_registering_the_same_conference_again_is_a_no_op() {
    framework()
        .given(vec![created(), registered(2026)])
        .when(register(2026))
        .then_expect_events(vec![]);
}

#[test]
fn amb_29_a_conference_has_one_year() {
    framework()
        .given(vec![created(), registered(2026)])
        .when(SeriesCommand::RegisterConference {
            conference_id: conf(2026),
            slug: "pycon-us-2026".into(),
            year: 2027,
        })
        .then_expect_error(SeriesError::ConferenceAlreadyRegistered { year: 2026 });
}

#[test]
fn my_3_refuses_a_year_out_of_range() {
    for year in [0, -1, 10_000] {
        framework()
            .given(vec![created()])
            .when(register(year))
            .then_expect_error(SeriesError::InvalidYear);
    }
}

#[test]
fn my_2_activating_deactivates_the_previous_conference() {
    framework()
        .given(vec![
            created(),
            registered(2025),
            registered(2026),
            activated(2025, None),
        ])
        .when(SeriesCommand::Activate {
            conference_id: conf(2026),
        })
        .then_expect_events(vec![activated(2026, Some(2025))]);
}

#[test]
fn my_2_the_first_activation_has_no_previous() {
    framework()
        .given(vec![created(), registered(2025)])
        .when(SeriesCommand::Activate {
            conference_id: conf(2025),
        })
        .then_expect_events(vec![activated(2025, None)]);
}

#[test]
fn my_2_activating_the_active_conference_is_a_no_op() {
    framework()
        .given(vec![created(), registered(2025), activated(2025, None)])
        .when(SeriesCommand::Activate {
            conference_id: conf(2025),
        })
        .then_expect_events(vec![]);
}

#[test]
fn my_2_refuses_to_activate_an_unknown_conference() {
    framework()
        .given(vec![created(), registered(2025)])
        .when(SeriesCommand::Activate {
            conference_id: conf(2030),
        })
        .then_expect_error(SeriesError::UnknownConference);
}

#[test]
fn my_2_state_has_exactly_one_active_conference() {
    let mut series = Series::default();
    for e in [
        created(),
        registered(2025),
        registered(2026),
        activated(2025, None),
        activated(2026, Some(2025)),
    ] {
        series.apply(e);
    }
    assert!(series.exists());
    assert_eq!(series.active(), Some(conf(2026)));
    assert_eq!(series.conference_for_year(2025), Some(conf(2025)));
    assert_eq!(series.conference_for_year(2024), None);
    let years: Vec<i32> = series.conferences().map(|c| c.year).collect();
    assert_eq!(years, vec![2025, 2026]);
}

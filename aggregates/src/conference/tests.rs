use std::str::FromStr;

use chrono::{NaiveDate, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;

mod edits;
mod stats;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn framework() -> TestFramework<Conference> {
    TestFramework::with(DomainServices::at(t0()))
}

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default()
}

fn uid(name: &str) -> Uuid {
    crate::natural_id("test-user", name)
}

fn series() -> Uuid {
    crate::natural_id("series", "pycon-us")
}

fn details() -> ConferenceDetails {
    ConferenceDetails {
        name: "PyCon US 2026".into(),
        start_date: date(5, 13),
        end_date: date(5, 21),
        timezone: "America/Los_Angeles".into(),
        venue: "Long Beach Convention Center".into(),
        total_capacity: 2500,
        ..Default::default()
    }
}

fn create(details: ConferenceDetails) -> ConferenceCommand {
    ConferenceCommand::Create {
        series_id: series(),
        series_slug: "pycon-us".into(),
        slug: "pycon-us-2026".into(),
        year: 2026,
        details,
    }
}

fn created() -> ConferenceEvent {
    ConferenceEvent::ConferenceCreated {
        series_id: series(),
        series_slug: "pycon-us".into(),
        slug: "pycon-us-2026".into(),
        year: 2026,
        details: details(),
        at: t0(),
    }
}

fn section(slug: &str, order: i32, start: NaiveDate) -> Section {
    Section {
        slug: slug.into(),
        name: slug.to_uppercase(),
        start_date: start,
        end_date: start,
        order,
    }
}

fn level(slug: &str, order: i32) -> SponsorLevel {
    SponsorLevel {
        slug: slug.into(),
        name: slug.to_uppercase(),
        cost: Some(Decimal::new(10_000, 0)),
        comp_ticket_count: 5,
        order,
    }
}

fn update_details_error(details: ConferenceDetails, error: ConferenceError) {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::UpdateDetails { details })
        .then_expect_error(error);
}

#[test]
fn conf_1_creates_a_conference() {
    framework()
        .given_no_previous_events()
        .when(create(details()))
        .then_expect_events(vec![created()]);
}

#[test]
fn conf_1_an_identical_create_is_a_no_op() {
    framework()
        .given(vec![created()])
        .when(create(details()))
        .then_expect_events(vec![]);
}

#[test]
fn conf_1_the_slug_is_globally_unique() {
    let mut other = details();
    other.name = "Another".into();
    framework()
        .given(vec![created()])
        .when(create(other))
        .then_expect_error(ConferenceError::AlreadyExists);
    assert_eq!(ConferenceError::AlreadyExists.code(), "conf.slug_taken");
}

#[test]
fn conf_1_refuses_an_invalid_slug() {
    for slug in ["", "PyCon", "pycon us", "pycon_us", &"a".repeat(201)] {
        framework()
            .given_no_previous_events()
            .when(ConferenceCommand::Create {
                series_id: series(),
                series_slug: "pycon-us".into(),
                slug: slug.to_string(),
                year: 2026,
                details: details(),
            })
            .then_expect_error(ConferenceError::InvalidSlug);
    }
}

#[test]
fn my_3_refuses_a_year_out_of_range() {
    framework()
        .given_no_previous_events()
        .when(ConferenceCommand::Create {
            series_id: series(),
            series_slug: "pycon-us".into(),
            slug: "pycon-us-0".into(),
            year: 0,
            details: details(),
        })
        .then_expect_error(ConferenceError::InvalidYear);
}

#[test]
fn conf_1_refuses_a_blank_or_long_name() {
    let mut blank = details();
    blank.name = "  ".into();
    framework()
        .given_no_previous_events()
        .when(create(blank))
        .then_expect_error(ConferenceError::InvalidName);
    let mut long = details();
    long.name = "x".repeat(201);
    update_details_error(long, ConferenceError::InvalidName);
}

#[test]
fn conf_1_accepts_a_200_character_name() {
    let mut d = details();
    d.name = "x".repeat(200);
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::UpdateDetails { details: d.clone() })
        .then_expect_events(vec![ConferenceEvent::ConferenceDetailsUpdated {
            details: d,
            at: t0(),
        }]);
}

#[test]
fn conf_1_refuses_an_invalid_timezone() {
    for tz in ["", "America/Los Angeles"] {
        let mut d = details();
        d.timezone = tz.into();
        update_details_error(d, ConferenceError::InvalidTimezone);
    }
}

#[test]
fn conf_1_timezone_defaults_to_utc() {
    assert_eq!(ConferenceDetails::default().timezone, "UTC");
    let json = r#"{"name":"X","start_date":"2026-05-13","end_date":"2026-05-21"}"#;
    let decoded: Result<ConferenceDetails, _> = serde_json::from_str(json);
    let decoded = decoded.unwrap_or_default();
    assert_eq!(decoded.timezone, "UTC");
    assert!(decoded.accepting_donations); // MY-3
    assert_eq!(decoded.sponsorship_goal, Decimal::ZERO);
}

#[test]
fn conf_8_end_before_start_is_accepted() {
    let mut d = details();
    d.end_date = date(1, 1);
    framework()
        .given_no_previous_events()
        .when(create(d.clone()))
        .then_expect_events(vec![ConferenceEvent::ConferenceCreated {
            series_id: series(),
            series_slug: "pycon-us".into(),
            slug: "pycon-us-2026".into(),
            year: 2026,
            details: d,
            at: t0(),
        }]);
}

#[test]
fn my_3_refuses_a_banner_longer_than_255() {
    let mut d = details();
    d.banner_text = "é".repeat(256);
    update_details_error(d, ConferenceError::BannerTooLong);
}

#[test]
fn conf_5_refuses_negative_money() {
    let mut d = details();
    d.revenue_budget = Some(Decimal::new(-1, 2));
    update_details_error(
        d,
        ConferenceError::NegativeAmount {
            field: "revenue_budget",
        },
    );
    let mut d = details();
    d.donation_goal = Decimal::new(-5, 0);
    update_details_error(
        d,
        ConferenceError::NegativeAmount {
            field: "donation_goal",
        },
    );
}

#[test]
fn commands_on_a_missing_conference_are_not_found() {
    framework()
        .given_no_previous_events()
        .when(ConferenceCommand::UpdateDetails { details: details() })
        .then_expect_error(ConferenceError::NotFound);
    framework()
        .given_no_previous_events()
        .when(ConferenceCommand::GrantRole {
            user: uid("ana"),
            role: Role::Organizer,
        })
        .then_expect_error(ConferenceError::NotFound);
}

#[test]
fn my_4_unchanged_details_emit_nothing() {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::UpdateDetails { details: details() })
        .then_expect_events(vec![]);
}

#[test]
fn conf_9_adds_then_updates_a_section_by_slug() {
    let s = section("talks", 1, date(5, 15));
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::UpsertSection { section: s.clone() })
        .then_expect_events(vec![ConferenceEvent::SectionAdded {
            section: s.clone(),
            at: t0(),
        }]);
    let mut renamed = s.clone();
    renamed.name = "Main conference".into();
    framework()
        .given(vec![
            created(),
            ConferenceEvent::SectionAdded {
                section: s.clone(),
                at: t0(),
            },
        ])
        .when(ConferenceCommand::UpsertSection {
            section: renamed.clone(),
        })
        .then_expect_events(vec![ConferenceEvent::SectionUpdated {
            section: renamed,
            at: t0(),
        }]);
    framework()
        .given(vec![
            created(),
            ConferenceEvent::SectionAdded {
                section: s.clone(),
                at: t0(),
            },
        ])
        .when(ConferenceCommand::UpsertSection { section: s })
        .then_expect_events(vec![]);
}

#[test]
fn conf_9_refuses_a_section_without_slug_or_name() {
    let mut s = section("talks", 0, date(5, 15));
    s.name = " ".into();
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::UpsertSection { section: s })
        .then_expect_error(ConferenceError::InvalidSection);
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::UpsertSection {
            section: section("", 0, date(5, 15)),
        })
        .then_expect_error(ConferenceError::InvalidSection);
}

#[test]
fn conf_9_sections_sort_by_order_then_start_date() {
    let mut conf = Conference::default();
    conf.apply(created());
    for s in [
        section("sprints", 2, date(5, 18)),
        section("talks", 1, date(5, 15)),
        section("tutorials", 1, date(5, 13)),
    ] {
        conf.apply(ConferenceEvent::SectionAdded {
            section: s,
            at: t0(),
        });
    }
    let slugs: Vec<&str> = conf.sections().iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(slugs, vec!["tutorials", "talks", "sprints"]);
    conf.apply(ConferenceEvent::SectionUpdated {
        section: section("sprints", 0, date(5, 18)),
        at: t0(),
    });
    let slugs: Vec<&str> = conf.sections().iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(slugs, vec!["sprints", "tutorials", "talks"]);
}

#[test]
fn amb_5_adds_and_updates_sponsor_levels() {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::UpsertSponsorLevel {
            level: level("gold", 1),
        })
        .then_expect_events(vec![ConferenceEvent::SponsorLevelAdded {
            level: level("gold", 1),
            at: t0(),
        }]);
    let mut more = level("gold", 1);
    more.comp_ticket_count = 25;
    framework()
        .given(vec![
            created(),
            ConferenceEvent::SponsorLevelAdded {
                level: level("gold", 1),
                at: t0(),
            },
        ])
        .when(ConferenceCommand::UpsertSponsorLevel {
            level: more.clone(),
        })
        .then_expect_events(vec![ConferenceEvent::SponsorLevelUpdated {
            level: more,
            at: t0(),
        }]);
}

#[test]
fn amb_5_refuses_an_invalid_sponsor_level() {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::UpsertSponsorLevel {
            level: level("", 1),
        })
        .then_expect_error(ConferenceError::InvalidSponsorLevel);
    let mut negative = level("gold", 1);
    negative.cost = Some(Decimal::new(-1, 0));
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::UpsertSponsorLevel { level: negative })
        .then_expect_error(ConferenceError::NegativeAmount { field: "cost" });
}

#[test]
fn amb_5_sponsor_levels_sort_by_order() {
    let mut conf = Conference::default();
    conf.apply(created());
    for l in [level("bronze", 3), level("gold", 1), level("silver", 2)] {
        conf.apply(ConferenceEvent::SponsorLevelAdded { level: l, at: t0() });
    }
    let slugs: Vec<&str> = conf
        .sponsor_levels()
        .iter()
        .map(|l| l.slug.as_str())
        .collect();
    assert_eq!(slugs, vec!["gold", "silver", "bronze"]);
}

#[test]
fn conf_22_sets_feature_overrides_unless_unchanged() {
    let overrides = FeatureOverrides {
        registration: Some(false),
        all_ui: Some(true),
        ..Default::default()
    };
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::SetFeatureOverrides { overrides })
        .then_expect_events(vec![ConferenceEvent::FeatureOverridesSet {
            overrides,
            at: t0(),
        }]);
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::SetFeatureOverrides {
            overrides: FeatureOverrides::default(),
        })
        .then_expect_events(vec![]);
}

#[test]
fn grants_a_role_once() {
    let granted = ConferenceEvent::RoleGranted {
        user: uid("ana"),
        role: Role::Reviewer,
        at: t0(),
    };
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::GrantRole {
            user: uid("ana"),
            role: Role::Reviewer,
        })
        .then_expect_events(vec![granted.clone()]);
    framework()
        .given(vec![created(), granted])
        .when(ConferenceCommand::GrantRole {
            user: uid("ana"),
            role: Role::Reviewer,
        })
        .then_expect_events(vec![]);
}

#[test]
fn revokes_only_a_held_role() {
    let granted = ConferenceEvent::RoleGranted {
        user: uid("ana"),
        role: Role::Reviewer,
        at: t0(),
    };
    framework()
        .given(vec![created(), granted.clone()])
        .when(ConferenceCommand::RevokeRole {
            user: uid("ana"),
            role: Role::Reviewer,
        })
        .then_expect_events(vec![ConferenceEvent::RoleRevoked {
            user: uid("ana"),
            role: Role::Reviewer,
            at: t0(),
        }]);
    framework()
        .given(vec![created(), granted])
        .when(ConferenceCommand::RevokeRole {
            user: uid("ana"),
            role: Role::Finance,
        })
        .then_expect_error(ConferenceError::RoleNotHeld);
}

#[test]
fn roles_follow_grants_and_revocations() {
    let mut conf = Conference::default();
    conf.apply(created());
    for (role, grant) in [
        (Role::Finance, true),
        (Role::Organizer, true),
        (Role::Checkin, true),
        (Role::Finance, false),
    ] {
        conf.apply(if grant {
            ConferenceEvent::RoleGranted {
                user: uid("ana"),
                role,
                at: t0(),
            }
        } else {
            ConferenceEvent::RoleRevoked {
                user: uid("ana"),
                role,
                at: t0(),
            }
        });
    }
    assert_eq!(
        conf.roles_of(&uid("ana")),
        vec![Role::Organizer, Role::Checkin]
    );
    assert!(conf.has_role(&uid("ana"), Role::Checkin));
    assert!(!conf.has_role(&uid("ana"), Role::Finance));
    assert!(conf.roles_of(&uid("bo")).is_empty());
}

#[test]
fn roles_parse_and_print_their_stored_names() {
    for role in Role::ALL {
        assert_eq!(Role::from_str(role.as_str()), Ok(role));
        assert_eq!(
            serde_json::to_string(&role).unwrap_or_default(),
            format!("\"{}\"", role.as_str())
        );
    }
    assert_eq!(Role::from_str("check_in"), Ok(Role::Checkin));
    assert_eq!(
        Role::from_str("admin"),
        Err(ConferenceError::UnknownRole {
            role: "admin".into()
        })
    );
}

#[test]
fn state_follows_creation() {
    let mut conf = Conference::default();
    assert!(!conf.exists());
    conf.apply(created());
    assert!(conf.exists());
    assert_eq!(conf.slug(), "pycon-us-2026");
    assert_eq!(conf.series_id(), series());
    assert_eq!(conf.year(), 2026);
    assert_eq!(conf.details(), &details());
    assert_eq!(conf.feature_overrides(), &FeatureOverrides::default());
    assert_eq!(conf.kpi_targets(), &KpiTargets::default());
}

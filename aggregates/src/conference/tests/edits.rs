//! Partial edits: fields absent are kept, null clears where allowed, the merged
//! result passes the same checks as a full definition.

use super::*;

fn updated(details: ConferenceDetails) -> ConferenceEvent {
    ConferenceEvent::ConferenceDetailsUpdated { details, at: t0() }
}

fn change(patch: DetailsPatch) -> ConferenceCommand {
    ConferenceCommand::ChangeDetails { patch }
}

fn change_error(patch: DetailsPatch, error: ConferenceError) {
    framework()
        .given(vec![created()])
        .when(change(patch))
        .then_expect_error(error);
}

fn section_added(section: Section) -> ConferenceEvent {
    ConferenceEvent::SectionAdded { section, at: t0() }
}

fn level_added(level: SponsorLevel) -> ConferenceEvent {
    ConferenceEvent::SponsorLevelAdded { level, at: t0() }
}

fn new(base: &str) -> PartSlug {
    PartSlug::New { base: base.into() }
}

fn given(slug: &str) -> PartSlug {
    PartSlug::Given(slug.into())
}

#[test]
fn my_4_a_details_change_keeps_the_fields_it_does_not_carry() {
    let mut expected = details();
    expected.banner_text = "CFP open".into();
    framework()
        .given(vec![created()])
        .when(change(DetailsPatch {
            banner_text: Some("CFP open".into()),
            ..Default::default()
        }))
        .then_expect_events(vec![updated(expected)]);
}

#[test]
fn my_4_details_changes_decided_one_after_another_all_survive() {
    let mut bannered = details();
    bannered.banner_text = "CFP open".into();
    let mut both = bannered.clone();
    both.total_capacity = 3000;
    framework()
        .given(vec![created(), updated(bannered)])
        .when(change(DetailsPatch {
            total_capacity: Some(3000),
            ..Default::default()
        }))
        .then_expect_events(vec![updated(both)]);
}

#[test]
fn conf_5_null_clears_a_planning_field() {
    let mut budgeted = details();
    budgeted.revenue_budget = Some(Decimal::new(150_000, 0));
    budgeted.target_attendance = Some(2800);
    let mut cleared = budgeted.clone();
    cleared.revenue_budget = None;
    framework()
        .given(vec![created(), updated(budgeted)])
        .when(change(DetailsPatch {
            revenue_budget: Some(None),
            ..Default::default()
        }))
        .then_expect_events(vec![updated(cleared)]);
}

#[test]
fn my_4_a_change_to_the_current_values_emits_nothing() {
    framework()
        .given(vec![created()])
        .when(change(DetailsPatch {
            name: Some(details().name),
            total_capacity: Some(2500),
            ..Default::default()
        }))
        .then_expect_events(vec![]);
}

#[test]
fn conf_1_a_change_to_an_invalid_result_is_refused_as_a_create_would_be() {
    change_error(
        DetailsPatch {
            name: Some(" ".into()),
            ..Default::default()
        },
        ConferenceError::InvalidName,
    );
    change_error(
        DetailsPatch {
            timezone: Some("America/Los Angeles".into()),
            ..Default::default()
        },
        ConferenceError::InvalidTimezone,
    );
    change_error(
        DetailsPatch {
            banner_text: Some("x".repeat(256)),
            ..Default::default()
        },
        ConferenceError::BannerTooLong,
    );
    change_error(
        DetailsPatch {
            grant_budget: Some(Some(Decimal::new(-1, 0))),
            ..Default::default()
        },
        ConferenceError::NegativeAmount {
            field: "grant_budget",
        },
    );
}

#[test]
fn conf_8_a_change_may_end_before_it_starts() {
    let mut expected = details();
    expected.end_date = date(1, 1);
    framework()
        .given(vec![created()])
        .when(change(DetailsPatch {
            end_date: Some(date(1, 1)),
            ..Default::default()
        }))
        .then_expect_events(vec![updated(expected)]);
}

#[test]
fn changing_a_missing_conference_is_not_found() {
    framework()
        .given_no_previous_events()
        .when(change(DetailsPatch::default()))
        .then_expect_error(ConferenceError::NotFound);
}

#[test]
fn conf_10_a_new_section_takes_a_free_slug() {
    let mut expected = section("talks-2", 0, date(5, 16));
    expected.name = "Talks".into();
    framework()
        .given(vec![
            created(),
            section_added(section("talks", 1, date(5, 15))),
        ])
        .when(ConferenceCommand::SaveSection {
            slug: new("talks"),
            patch: SectionPatch {
                name: Some("Talks".into()),
                start_date: Some(date(5, 16)),
                end_date: Some(date(5, 16)),
                order: None,
            },
        })
        .then_expect_events(vec![section_added(expected)]);
}

#[test]
fn conf_9_a_section_change_keeps_the_fields_it_does_not_carry() {
    let s = section("talks", 1, date(5, 15));
    let mut expected = s.clone();
    expected.order = 3;
    framework()
        .given(vec![created(), section_added(s)])
        .when(ConferenceCommand::SaveSection {
            slug: given("talks"),
            patch: SectionPatch {
                order: Some(3),
                ..Default::default()
            },
        })
        .then_expect_events(vec![ConferenceEvent::SectionUpdated {
            section: expected,
            at: t0(),
        }]);
}

#[test]
fn conf_9_an_unchanged_section_is_a_no_op() {
    let s = section("talks", 1, date(5, 15));
    framework()
        .given(vec![created(), section_added(s.clone())])
        .when(ConferenceCommand::SaveSection {
            slug: given("talks"),
            patch: SectionPatch {
                name: Some(s.name),
                ..Default::default()
            },
        })
        .then_expect_events(vec![]);
}

#[test]
fn conf_9_a_new_section_needs_a_name_and_dates() {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::SaveSection {
            slug: given("talks"),
            patch: SectionPatch {
                name: Some("Talks".into()),
                start_date: Some(date(5, 15)),
                ..Default::default()
            },
        })
        .then_expect_error(ConferenceError::SectionDatesMissing);
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::SaveSection {
            slug: given("talks"),
            patch: SectionPatch {
                start_date: Some(date(5, 15)),
                end_date: Some(date(5, 15)),
                ..Default::default()
            },
        })
        .then_expect_error(ConferenceError::InvalidSection);
    assert_eq!(
        ConferenceError::SectionDatesMissing.code(),
        "conf.section_dates_missing"
    );
}

#[test]
fn conf_10_a_save_refuses_an_invalid_slug() {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::SaveSection {
            slug: given("Talks!"),
            patch: SectionPatch {
                name: Some("Talks".into()),
                start_date: Some(date(5, 15)),
                end_date: Some(date(5, 15)),
                order: None,
            },
        })
        .then_expect_error(ConferenceError::InvalidSlug);
}

#[test]
fn amb_5_null_clears_a_sponsor_level_cost_and_keeps_the_rest() {
    let mut expected = level("gold", 1);
    expected.cost = None;
    framework()
        .given(vec![created(), level_added(level("gold", 1))])
        .when(ConferenceCommand::SaveSponsorLevel {
            slug: given("gold"),
            patch: SponsorLevelPatch {
                cost: Some(None),
                ..Default::default()
            },
        })
        .then_expect_events(vec![ConferenceEvent::SponsorLevelUpdated {
            level: expected,
            at: t0(),
        }]);
}

#[test]
fn amb_5_a_new_sponsor_level_takes_defaults_and_a_free_slug() {
    let expected = SponsorLevel {
        slug: "gold-2".into(),
        name: "Gold".into(),
        ..Default::default()
    };
    framework()
        .given(vec![created(), level_added(level("gold", 1))])
        .when(ConferenceCommand::SaveSponsorLevel {
            slug: new("gold"),
            patch: SponsorLevelPatch {
                name: Some("Gold".into()),
                ..Default::default()
            },
        })
        .then_expect_events(vec![level_added(expected)]);
}

#[test]
fn amb_5_a_negative_cost_is_refused() {
    framework()
        .given(vec![created(), level_added(level("gold", 1))])
        .when(ConferenceCommand::SaveSponsorLevel {
            slug: given("gold"),
            patch: SponsorLevelPatch {
                cost: Some(Some(Decimal::new(-1, 0))),
                ..Default::default()
            },
        })
        .then_expect_error(ConferenceError::NegativeAmount { field: "cost" });
}

fn kpi_set(targets: KpiTargets) -> ConferenceEvent {
    ConferenceEvent::KpiTargetsSet { targets, at: t0() }
}

#[test]
fn conf_13_sets_a_target_and_keeps_the_others() {
    let before = KpiTargets {
        target_refund_rate: Some(Decimal::new(5, 0)),
        ..Default::default()
    };
    let after = KpiTargets {
        target_conversion_rate: Some(Decimal::new(75, 0)),
        ..before.clone()
    };
    framework()
        .given(vec![created(), kpi_set(before)])
        .when(ConferenceCommand::ChangeKpiTargets {
            patch: KpiTargetsPatch {
                target_conversion_rate: Some(Some(Decimal::new(75, 0))),
                ..Default::default()
            },
        })
        .then_expect_events(vec![kpi_set(after)]);
}

#[test]
fn conf_13_null_clears_a_target_and_unchanged_is_a_no_op() {
    let before = KpiTargets {
        target_refund_rate: Some(Decimal::new(5, 0)),
        target_checkin_rate: Some(Decimal::new(90, 0)),
        ..Default::default()
    };
    let after = KpiTargets {
        target_refund_rate: None,
        ..before.clone()
    };
    framework()
        .given(vec![created(), kpi_set(before.clone())])
        .when(ConferenceCommand::ChangeKpiTargets {
            patch: KpiTargetsPatch {
                target_refund_rate: Some(None),
                ..Default::default()
            },
        })
        .then_expect_events(vec![kpi_set(after)]);
    framework()
        .given(vec![created(), kpi_set(before)])
        .when(ConferenceCommand::ChangeKpiTargets {
            patch: KpiTargetsPatch {
                target_checkin_rate: Some(Some(Decimal::new(90, 0))),
                ..Default::default()
            },
        })
        .then_expect_events(vec![]);
}

#[test]
fn conf_13_refuses_negative_kpi_targets() {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::ChangeKpiTargets {
            patch: KpiTargetsPatch {
                target_refund_rate: Some(Some(Decimal::new(-1, 0))),
                ..Default::default()
            },
        })
        .then_expect_error(ConferenceError::NegativeAmount {
            field: "target_refund_rate",
        });
}

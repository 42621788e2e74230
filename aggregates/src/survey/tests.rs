use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

fn conf() -> Uuid {
    crate::natural_id("conference", "2026")
}

fn uid(name: &str) -> Uuid {
    crate::natural_id("test-user", name)
}

fn create(kind: SurveyKind) -> SurveyCommand {
    SurveyCommand::Create {
        conference_id: conf(),
        slug: "feedback".into(),
        title: "Feedback".into(),
        kind,
        is_active: true,
    }
}

fn created(kind: SurveyKind) -> SurveyEvent {
    SurveyEvent::SurveyCreated {
        conference_id: conf(),
        slug: "feedback".into(),
        title: "Feedback".into(),
        kind,
        is_active: true,
        at: t0(),
    }
}

fn surveys() -> TestFramework<Survey> {
    TestFramework::with(DomainServices::at(t0()))
}

fn responses() -> TestFramework<SurveyResponse> {
    TestFramework::with(DomainServices::at(t0()))
}

fn submit(kind: SurveyKind, score: i64) -> ResponseCommand {
    ResponseCommand::Submit {
        survey_id: survey_id(conf(), "feedback"),
        conference_id: conf(),
        user: uid("ana"),
        kind,
        active: true,
        score,
        comment: " great ".into(),
    }
}

fn submitted(kind: SurveyKind, score: u8) -> ResponseEvent {
    ResponseEvent::SurveyResponseSubmitted {
        survey_id: survey_id(conf(), "feedback"),
        conference_id: conf(),
        user: uid("ana"),
        kind,
        score,
        comment: "great".into(),
        at: t0(),
    }
}

#[test]
fn survey_1_creating_a_survey_records_its_type_and_active_flag() {
    surveys()
        .given_no_previous_events()
        .when(create(SurveyKind::Nps))
        .then_expect_events(vec![created(SurveyKind::Nps)]);
}

#[test]
fn survey_1_the_same_survey_again_is_a_no_op_another_one_of_the_slug_is_refused() {
    surveys()
        .given(vec![created(SurveyKind::Nps)])
        .when(create(SurveyKind::Nps))
        .then_expect_events(vec![]);
    surveys()
        .given(vec![created(SurveyKind::Nps)])
        .when(create(SurveyKind::Custom))
        .then_expect_error(SurveyError::AlreadyExists);
}

#[test]
fn survey_1_activation_toggles_and_repeats_are_no_ops() {
    surveys()
        .given(vec![created(SurveyKind::Nps)])
        .when(SurveyCommand::SetActive { active: false })
        .then_expect_events(vec![SurveyEvent::SurveyDeactivated { at: t0() }]);
    surveys()
        .given(vec![created(SurveyKind::Nps)])
        .when(SurveyCommand::SetActive { active: true })
        .then_expect_events(vec![]);
    surveys()
        .given_no_previous_events()
        .when(SurveyCommand::SetActive { active: true })
        .then_expect_error(SurveyError::NotFound);
}

#[test]
fn survey_2_a_response_in_range_is_recorded_with_its_trimmed_comment() {
    responses()
        .given_no_previous_events()
        .when(submit(SurveyKind::Nps, 0))
        .then_expect_events(vec![submitted(SurveyKind::Nps, 0)]);
    responses()
        .given_no_previous_events()
        .when(submit(SurveyKind::Satisfaction, 5))
        .then_expect_events(vec![submitted(SurveyKind::Satisfaction, 5)]);
}

#[test]
fn survey_2_a_second_response_of_the_same_user_is_refused() {
    responses()
        .given(vec![submitted(SurveyKind::Nps, 9)])
        .when(submit(SurveyKind::Nps, 9))
        .then_expect_error(SurveyError::AlreadyResponded);
}

#[test]
fn survey_2_scores_outside_each_types_range_are_refused() {
    for (kind, bad, min, max) in [
        (SurveyKind::Nps, 11, 0, 10),
        (SurveyKind::Nps, -1, 0, 10),
        (SurveyKind::Satisfaction, 0, 1, 5),
        (SurveyKind::Satisfaction, 6, 1, 5),
        (SurveyKind::Session, 0, 1, 5),
        (SurveyKind::Custom, 11, 0, 10),
    ] {
        responses()
            .given_no_previous_events()
            .when(submit(kind, bad))
            .then_expect_error(SurveyError::ScoreOutOfRange { min, max });
    }
}

#[test]
fn survey_1_an_inactive_survey_takes_no_response() {
    let mut cmd = submit(SurveyKind::Nps, 9);
    let ResponseCommand::Submit { active, .. } = &mut cmd;
    *active = false;
    responses()
        .given_no_previous_events()
        .when(cmd)
        .then_expect_error(SurveyError::Inactive);
}

#[test]
fn survey_4_nps_classes() {
    assert_eq!(NpsClass::of(10), NpsClass::Promoter);
    assert_eq!(NpsClass::of(9), NpsClass::Promoter);
    assert_eq!(NpsClass::of(8), NpsClass::Passive);
    assert_eq!(NpsClass::of(7), NpsClass::Passive);
    assert_eq!(NpsClass::of(6), NpsClass::Detractor);
    assert_eq!(NpsClass::of(0), NpsClass::Detractor);
}

use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2027, 5, 15, 10, 0, 0)
        .single()
        .unwrap_or_default()
}

fn rate(score: i64) -> RatingCommand {
    RatingCommand::Rate {
        conference_id: Uuid::nil(),
        talk: "ABC".into(),
        user: Uuid::nil(),
        score,
        talk_exists: true,
    }
}

fn rated(score: u8) -> RatingEvent {
    RatingEvent::SessionRated {
        conference_id: Uuid::nil(),
        talk: "ABC".into(),
        user: Uuid::nil(),
        score,
        at: t0(),
    }
}

#[test]
fn survey_3_a_score_from_1_to_5_is_recorded() {
    for s in 1..=5u8 {
        TestFramework::<SessionRating>::with(DomainServices::at(t0()))
            .given_no_previous_events()
            .when(rate(i64::from(s)))
            .then_expect_events(vec![rated(s)]);
    }
}

#[test]
fn survey_3_scores_outside_1_to_5_are_refused() {
    for s in [0, 6, -1, 300] {
        TestFramework::<SessionRating>::with(DomainServices::at(t0()))
            .given_no_previous_events()
            .when(rate(s))
            .then_expect_error(RatingError::ScoreOutOfRange);
    }
}

#[test]
fn survey_3_a_second_rating_of_the_same_talk_is_refused() {
    TestFramework::<SessionRating>::with(DomainServices::at(t0()))
        .given(vec![rated(4)])
        .when(rate(2))
        .then_expect_error(RatingError::AlreadyRated);
}

#[test]
fn survey_3_an_unknown_talk_is_not_found() {
    let mut cmd = rate(3);
    let RatingCommand::Rate { talk_exists, .. } = &mut cmd;
    *talk_exists = false;
    TestFramework::<SessionRating>::with(DomainServices::at(t0()))
        .given_no_previous_events()
        .when(cmd)
        .then_expect_error(RatingError::TalkNotFound);
}

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use tessera_aggregates::survey::SurveyKind;
use uuid::Uuid;

use super::*;

fn row(slug: &str, kind: SurveyKind, position: i64, scores: &[u8]) -> SurveyRow {
    let mut counts = vec![0; 11];
    for s in scores {
        counts[usize::from(*s)] += 1;
    }
    SurveyRow {
        id: Uuid::from_u128(position as u128),
        conference_id: Uuid::nil(),
        slug: slug.into(),
        title: slug.into(),
        kind,
        is_active: true,
        created_at: Utc
            .with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
            .single()
            .unwrap_or_default(),
        position,
        responses: scores.len() as u64,
        scores: counts,
    }
}

#[test]
fn ana_39_nps_is_promoter_pct_minus_detractor_pct_rounded_half_to_even() {
    // 8 responses: 3 promoters, 3 passives, 2 detractors → 37.5 − 25 = 12.5 → 12.
    let s = [row("nps", SurveyKind::Nps, 1, &[10, 9, 9, 8, 7, 7, 6, 0])];
    let r = nps(&s, None, 16);
    assert_eq!((r.promoters, r.passives, r.detractors), (3, 3, 2));
    assert_eq!(r.nps, 12);
    assert_eq!(r.response_rate, Decimal::new(500, 1));
    // 7 passives and 1 detractor of 8: 0 − 12.5 = −12.5 → −12.
    let s = [row("nps", SurveyKind::Nps, 1, &[7, 7, 7, 7, 7, 7, 7, 3])];
    assert_eq!(nps(&s, None, 0).nps, -12);
    // 3 promoters and 5 passives of 8: 37.5 → 38 (the even neighbour).
    let s = [row("nps", SurveyKind::Nps, 1, &[10, 10, 9, 7, 7, 7, 7, 7])];
    assert_eq!(nps(&s, None, 0).nps, 38);
}

#[test]
fn survey_5_without_a_slug_the_most_recent_nps_survey_is_scored() {
    let s = [
        row("old", SurveyKind::Nps, 1, &[0]),
        row("new", SurveyKind::Nps, 5, &[10]),
        row("later-satisfaction", SurveyKind::Satisfaction, 9, &[5]),
    ];
    let r = nps(&s, None, 1);
    assert_eq!(r.survey.as_deref(), Some("new"));
    assert_eq!(r.nps, 100);
    assert_eq!(nps(&s, Some("old"), 1).nps, -100);
}

#[test]
fn survey_5_other_survey_types_are_never_scored_as_nps() {
    let s = [row("sat", SurveyKind::Satisfaction, 1, &[5, 5])];
    assert_eq!(
        nps(&s, Some("sat"), 4),
        NpsReport {
            attendees: 4,
            ..Default::default()
        }
    );
    assert_eq!(nps(&s, None, 4).responses, 0);
}

#[test]
fn ana_39_all_zeros_without_responses() {
    let s = [row("nps", SurveyKind::Nps, 1, &[])];
    let r = nps(&s, None, 10);
    assert_eq!((r.nps, r.responses), (0, 0));
    assert_eq!(r.response_rate, Decimal::ZERO);
}

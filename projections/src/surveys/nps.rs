//! ANA-39: the NPS of a conference's survey.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use tessera_aggregates::survey::{NpsClass, SurveyKind};

use super::SurveyRow;

/// ANA-39's figures. Percentages have 1 decimal (ANA-4); `nps` is an integer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NpsReport {
    /// The survey scored (SURVEY-5); none when the conference has no nps survey.
    pub survey: Option<String>,
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub promoter_pct: Decimal,
    pub passive_pct: Decimal,
    pub detractor_pct: Decimal,
    /// promoter % − detractor %, rounded half to even.
    pub nps: i64,
    /// responses / attendees × 100, 1 decimal.
    pub response_rate: Decimal,
    pub attendees: u64,
}

/// ANA-39 over `surveys` (one conference's): the one with slug `slug`, else the
/// most recently created nps survey (SURVEY-5). A survey of another type is never
/// scored as NPS, so a slug naming one gives the empty report; so do no survey and
/// no responses (all zeros).
pub fn nps(surveys: &[SurveyRow], slug: Option<&str>, attendees: u64) -> NpsReport {
    let survey = match slug {
        Some(s) => surveys.iter().find(|r| r.slug == s),
        None => surveys
            .iter()
            .filter(|r| r.kind == SurveyKind::Nps)
            .max_by_key(|r| r.position),
    }
    .filter(|r| r.kind == SurveyKind::Nps);
    let Some(survey) = survey else {
        return NpsReport {
            attendees,
            ..Default::default()
        };
    };
    let mut report = NpsReport {
        survey: Some(survey.slug.clone()),
        attendees,
        ..Default::default()
    };
    for (score, n) in survey.scores.iter().enumerate() {
        let score = u8::try_from(score).unwrap_or(u8::MAX);
        match NpsClass::of(score) {
            NpsClass::Promoter => report.promoters += n,
            NpsClass::Passive => report.passives += n,
            NpsClass::Detractor => report.detractors += n,
        }
    }
    report.responses = report.promoters + report.passives + report.detractors;
    if report.responses == 0 {
        return report;
    }
    let total = Decimal::from(report.responses);
    let pct = |n: u64| Decimal::from(n) * Decimal::ONE_HUNDRED / total;
    report.promoter_pct = pct(report.promoters).round_dp(1);
    report.passive_pct = pct(report.passives).round_dp(1);
    report.detractor_pct = pct(report.detractors).round_dp(1);
    // Exact difference first, then one rounding, half to even (12.5 → 12).
    let nps = (pct(report.promoters) - pct(report.detractors))
        .round_dp_with_strategy(0, RoundingStrategy::MidpointNearestEven);
    report.nps = i64::try_from(nps).unwrap_or(0);
    if attendees > 0 {
        report.response_rate = (Decimal::from(report.responses) * Decimal::ONE_HUNDRED
            / Decimal::from(attendees))
        .round_dp(1);
    }
    report
}

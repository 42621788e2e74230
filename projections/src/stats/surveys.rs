//! Survey NPS (ANA-39): the most recently created nps survey (SURVEY-5) scored
//! against the conference's attendees.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section, inputs, pct};
use crate::Projection;
use crate::surveys::{SurveyRow, Surveys, SurveysRow, nps, surveys_prefix};

pub const SECTION: Section = Section {
    name: "surveys",
    reads,
    compute,
};

fn reads(c: Uuid) -> Vec<Read> {
    let mut reads = inputs::attendees_reads(c);
    reads.push(Read::new(Surveys::NAME, surveys_prefix(c)));
    reads
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let attendees = inputs::attendee_summary(ctx)?.attendees;
    let surveys: Vec<SurveyRow> = ctx
        .sources
        .rows::<SurveysRow>(Surveys::NAME, &surveys_prefix(ctx.conference_id))?
        .into_iter()
        .filter_map(|r| match r {
            SurveysRow::Survey(s) => Some(s),
            SurveysRow::Response(_) => None,
        })
        .collect();
    let r = nps(&surveys, None, attendees);
    Ok(json!({
        "surveys": surveys.len(),
        "nps": {
            "survey": r.survey,
            "responses": r.responses,
            "promoters": r.promoters,
            "passives": r.passives,
            "detractors": r.detractors,
            "promoter_pct": pct(r.promoter_pct),
            "passive_pct": pct(r.passive_pct),
            "detractor_pct": pct(r.detractor_pct),
            "nps": r.nps,
            "response_rate": pct(r.response_rate),
        },
    }))
}

//! Surveys of each conference with their score counts, and every response
//! (SURVEY-1, 2), with the NPS report of ANA-39 ([`nps`]).
//!
//! Keys:
//! - `survey:{conference_id}:{survey_id}` → [`SurveyRow`]; a conference's surveys
//!   are the prefix [`surveys_prefix`];
//! - `response:{survey_id}:{user}` → [`ResponseRow`].

mod nps;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::survey::{ResponseEvent, SurveyEvent, SurveyKind};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub use nps::{NpsReport, nps};

pub struct Surveys;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum SurveysRow {
    Survey(SurveyRow),
    Response(ResponseRow),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub slug: String,
    pub title: String,
    pub kind: SurveyKind,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    /// Log position of its creation: SURVEY-5 "most recently created".
    pub position: i64,
    pub responses: u64,
    /// Responses per score: index = score (0…10).
    pub scores: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRow {
    pub survey_id: Uuid,
    pub conference_id: Uuid,
    pub user: Uuid,
    pub score: u8,
    pub comment: String,
    pub at: DateTime<Utc>,
}

pub fn surveys_prefix(conference: Uuid) -> String {
    format!("survey:{conference}:")
}

pub fn survey_key(conference: Uuid, survey: Uuid) -> String {
    format!("survey:{conference}:{survey}")
}

pub fn responses_prefix(survey: Uuid) -> String {
    format!("response:{survey}:")
}

pub fn response_key(survey: Uuid, user: Uuid) -> String {
    format!("response:{survey}:{user}")
}

impl Projection for Surveys {
    const NAME: &'static str = "surveys";
    const VERSION: u32 = 1;
    type Row = SurveysRow;

    fn apply(rows: &mut Rows<SurveysRow>, env: &Envelope) {
        match &env.event {
            DomainEvent::Survey(e) => on_survey(rows, env, e),
            DomainEvent::SurveyResponse(e) => on_response(rows, e),
            _ => {}
        }
    }
}

fn on_survey(rows: &mut Rows<SurveysRow>, env: &Envelope, e: &SurveyEvent) {
    let Some(id) = env.aggregate_uuid() else {
        return;
    };
    let conference = match e {
        SurveyEvent::SurveyCreated {
            conference_id,
            slug,
            title,
            kind,
            is_active,
            at,
        } => {
            rows.insert(
                survey_key(*conference_id, id),
                SurveysRow::Survey(SurveyRow {
                    id,
                    conference_id: *conference_id,
                    slug: slug.clone(),
                    title: title.clone(),
                    kind: *kind,
                    is_active: *is_active,
                    created_at: *at,
                    position: env.position,
                    responses: 0,
                    scores: vec![0; 11],
                }),
            );
            return;
        }
        _ => env.meta.conference_id,
    };
    let Some(conference) = conference else {
        return;
    };
    if let Some(SurveysRow::Survey(s)) = rows.get_mut(&survey_key(conference, id)) {
        s.is_active = matches!(e, SurveyEvent::SurveyActivated { .. });
    }
}

fn on_response(rows: &mut Rows<SurveysRow>, e: &ResponseEvent) {
    let ResponseEvent::SurveyResponseSubmitted {
        survey_id,
        conference_id,
        user,
        score,
        comment,
        at,
        ..
    } = e;
    if let Some(SurveysRow::Survey(s)) = rows.get_mut(&survey_key(*conference_id, *survey_id)) {
        s.responses += 1;
        let i = usize::from(*score);
        if s.scores.len() <= i {
            s.scores.resize(i + 1, 0);
        }
        s.scores[i] += 1;
    }
    rows.insert(
        response_key(*survey_id, *user),
        SurveysRow::Response(ResponseRow {
            survey_id: *survey_id,
            conference_id: *conference_id,
            user: *user,
            score: *score,
            comment: comment.clone(),
            at: *at,
        }),
    );
}

//! Answering a survey (SURVEY-1, 2): the survey must exist and be active, the
//! caller must be an attendee of its conference, and each user answers once.
//!
//! | Step | Command |
//! |---|---|
//! | respond | `SurveyResponse.Submit` on the (survey, user) stream, with the survey's type and active flag as the `Survey` stream holds them |
//!
//! The one-response rule is the response stream's: two concurrent answers of one
//! user race on one stream, and the loser is refused (SURVEY-2).

use tessera_aggregates::attendee::{Attendee, AttendeeError, attendee_id};
use tessera_aggregates::survey::{
    ResponseCommand, Survey, SurveyError, SurveyResponse, response_id, survey_id,
};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::Context;
use crate::bus::BusError;
use crate::outcome::Sent;
use crate::refusal::{Failure, Kind};

#[derive(Debug, thiserror::Error)]
pub enum SurveyFlowError {
    #[error("Only attendees of this conference can respond to its surveys.")]
    NotAttendee,
    #[error(transparent)]
    Survey(#[from] BusError<SurveyError>),
    #[error(transparent)]
    Attendee(#[from] BusError<AttendeeError>),
}

impl Failure for SurveyFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAttendee => "survey.not_attendee",
            Self::Survey(e) => e.code(),
            Self::Attendee(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::NotAttendee => Kind::Forbidden,
            Self::Survey(e) => e.kind(),
            Self::Attendee(e) => e.kind(),
        }
    }
}

/// One answer to survey `slug` of `conference` by `user`.
pub struct Answer {
    pub score: i64,
    pub comment: String,
}

/// SURVEY-1/2: records `user`'s one response.
pub async fn respond(
    ctx: Context<'_>,
    conference: Uuid,
    slug: &str,
    user: Uuid,
    answer: Answer,
    meta: &EventMeta,
) -> Result<Sent, SurveyFlowError> {
    let id = survey_id(conference, slug);
    let survey = ctx
        .bus
        .inspect(&Survey::stream(id), |s| {
            s.exists().then(|| (s.kind(), s.is_active()))
        })
        .await?;
    let (kind, active) = survey.ok_or(BusError::Refused(SurveyError::NotFound))?;
    let attendee = ctx
        .bus
        .inspect(&Attendee::stream(attendee_id(conference, user)), |a| {
            a.exists()
        })
        .await?;
    if !attendee {
        return Err(SurveyFlowError::NotAttendee);
    }
    let cmd = ResponseCommand::Submit {
        survey_id: id,
        conference_id: conference,
        user,
        kind,
        active,
        score: answer.score,
        comment: answer.comment,
    };
    Ok(ctx
        .bus
        .send(&SurveyResponse::stream(response_id(id, user)), cmd, meta)
        .await?)
}

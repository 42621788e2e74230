//! One user's response to one survey (SURVEY-2): its own stream, so a second
//! response is refused by the stream itself, under any concurrency.

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{SurveyError, SurveyKind};
use crate::{DomainServices, Timestamp};

/// SURVEY-2: the one stream of `user`'s response to `survey`.
pub fn response_id(survey: Uuid, user: Uuid) -> Uuid {
    crate::natural_id("survey_response", &format!("{survey}/{user}"))
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum ResponseCommand {
    /// SURVEY-2. `kind` and `active` are the survey's as the caller read them.
    /// A second response is refused (`AlreadyResponded`), identical or not.
    Submit {
        survey_id: Uuid,
        conference_id: Uuid,
        user: Uuid,
        kind: SurveyKind,
        active: bool,
        score: i64,
        comment: String,
    },
}

/// Facts about one response. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ResponseEvent {
    SurveyResponseSubmitted {
        survey_id: Uuid,
        conference_id: Uuid,
        user: Uuid,
        kind: SurveyKind,
        score: u8,
        comment: String,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for ResponseEvent {
    fn event_type(&self) -> String {
        match self {
            Self::SurveyResponseSubmitted { .. } => "SurveyResponseSubmitted",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SurveyResponse {
    submitted: bool,
    score: u8,
}

impl SurveyResponse {
    pub fn exists(&self) -> bool {
        self.submitted
    }

    /// Pure: state + command + now -> facts.
    pub fn decide(
        &self,
        cmd: ResponseCommand,
        now: Timestamp,
    ) -> Result<Vec<ResponseEvent>, SurveyError> {
        let ResponseCommand::Submit {
            survey_id,
            conference_id,
            user,
            kind,
            active,
            score,
            comment,
        } = cmd;
        if self.submitted {
            return Err(SurveyError::AlreadyResponded); // SURVEY-2
        }
        if !active {
            return Err(SurveyError::Inactive);
        }
        let (min, max) = kind.score_range();
        let score = u8::try_from(score)
            .ok()
            .filter(|s| (min..=max).contains(s))
            .ok_or(SurveyError::ScoreOutOfRange { min, max })?;
        if comment.chars().count() > 5000 {
            return Err(SurveyError::CommentTooLong);
        }
        Ok(vec![ResponseEvent::SurveyResponseSubmitted {
            survey_id,
            conference_id,
            user,
            kind,
            score,
            comment: comment.trim().to_string(),
            at: now,
        }])
    }
}

impl Aggregate for SurveyResponse {
    const TYPE: &'static str = "survey_response";
    type Command = ResponseCommand;
    type Event = ResponseEvent;
    type Error = SurveyError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for fact in self.decide(command, services.now())? {
            sink.write(fact, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let ResponseEvent::SurveyResponseSubmitted { score, .. } = event;
        self.submitted = true;
        self.score = score;
    }
}

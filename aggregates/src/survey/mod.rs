//! Surveys of one conference (SPEC SURVEY-1, 2, 4, 5): a survey is its own stream,
//! [`survey_id`]`(conference, slug)`, so a slug is unique within its conference;
//! each user's answer is another stream, [`response::response_id`]`(survey, user)`,
//! so "one response per (survey, user)" holds whatever the concurrency (SURVEY-2).

pub mod response;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DomainServices, Timestamp};

pub use response::{ResponseCommand, ResponseEvent, SurveyResponse, response_id};

/// The stream of the survey `slug` of `conference` (SURVEY-1: slug unique).
pub fn survey_id(conference: Uuid, slug: &str) -> Uuid {
    crate::natural_id("survey", &format!("{conference}/{slug}"))
}

/// SURVEY-1: the survey types; satisfaction is the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    Nps,
    #[default]
    Satisfaction,
    Session,
    Custom,
}

impl SurveyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nps => "nps",
            Self::Satisfaction => "satisfaction",
            Self::Session => "session",
            Self::Custom => "custom",
        }
    }

    /// SURVEY-2, AMB-18/19: the score range each type enforces. nps 0–10 and
    /// satisfaction 1–5 are the SPEC's; a session survey scores like a session
    /// rating (1–5, SURVEY-3); a custom survey takes the widest scale, 0–10.
    pub fn score_range(self) -> (u8, u8) {
        match self {
            Self::Nps | Self::Custom => (0, 10),
            Self::Satisfaction | Self::Session => (1, 5),
        }
    }
}

/// SURVEY-4: how an NPS response counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NpsClass {
    Promoter,
    Passive,
    Detractor,
}

impl NpsClass {
    /// SURVEY-4: promoter 9–10, passive 7–8, detractor 0–6.
    pub fn of(score: u8) -> Self {
        match score {
            9.. => Self::Promoter,
            7 | 8 => Self::Passive,
            _ => Self::Detractor,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum SurveyCommand {
    /// SURVEY-1. The same survey again: no-op; another one of that slug:
    /// `AlreadyExists`.
    Create {
        conference_id: Uuid,
        slug: String,
        title: String,
        kind: SurveyKind,
        is_active: bool,
    },
    /// SURVEY-1: opens or closes the survey to responses. Unchanged: no-op.
    SetActive { active: bool },
}

/// Facts about one survey. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SurveyEvent {
    SurveyCreated {
        conference_id: Uuid,
        slug: String,
        title: String,
        kind: SurveyKind,
        is_active: bool,
        at: Timestamp,
    },
    SurveyActivated {
        at: Timestamp,
    },
    SurveyDeactivated {
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for SurveyEvent {
    fn event_type(&self) -> String {
        match self {
            Self::SurveyCreated { .. } => "SurveyCreated",
            Self::SurveyActivated { .. } => "SurveyActivated",
            Self::SurveyDeactivated { .. } => "SurveyDeactivated",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

/// Refused survey and response commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SurveyError {
    #[error("Survey not found.")]
    NotFound,
    #[error("A survey with this slug already exists in this conference.")]
    AlreadyExists, // SURVEY-1
    #[error("A survey title is 1 to 200 characters and its slug a valid slug.")]
    InvalidSurvey,
    #[error("This survey is not accepting responses.")]
    Inactive, // SURVEY-1: is_active
    #[error("You have already responded to this survey.")]
    AlreadyResponded, // SURVEY-2
    #[error("Score must be between {min} and {max}.")]
    ScoreOutOfRange { min: u8, max: u8 }, // SURVEY-2, AMB-18/19
    #[error("A comment is at most 5000 characters.")]
    CommentTooLong,
}

impl SurveyError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "survey.not_found",
            Self::AlreadyExists => "survey.already_exists",
            Self::InvalidSurvey => "survey.invalid",
            Self::Inactive => "survey.inactive",
            Self::AlreadyResponded => "survey.already_responded",
            Self::ScoreOutOfRange { .. } => "survey.score_out_of_range",
            Self::CommentTooLong => "survey.comment_too_long",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Survey {
    created: bool,
    conference_id: Uuid,
    slug: String,
    title: String,
    kind: SurveyKind,
    is_active: bool,
}

impl Survey {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn kind(&self) -> SurveyKind {
        self.kind
    }

    pub fn is_active(&self) -> bool {
        self.is_active
    }

    /// Pure: state + command + now -> facts.
    pub fn decide(
        &self,
        cmd: SurveyCommand,
        now: Timestamp,
    ) -> Result<Vec<SurveyEvent>, SurveyError> {
        use SurveyCommand::*;
        use SurveyEvent::*;
        Ok(match cmd {
            Create {
                conference_id,
                slug,
                title,
                kind,
                is_active,
            } if !self.created => {
                let title = title.trim().to_string();
                if title.is_empty() || title.chars().count() > 200 || !crate::is_valid_slug(&slug) {
                    return Err(SurveyError::InvalidSurvey);
                }
                vec![SurveyCreated {
                    conference_id,
                    slug,
                    title,
                    kind,
                    is_active,
                    at: now,
                }]
            }
            Create {
                title,
                kind,
                is_active,
                ..
            } if title.trim() == self.title && kind == self.kind && is_active == self.is_active => {
                vec![]
            }
            Create { .. } => return Err(SurveyError::AlreadyExists),
            SetActive { .. } if !self.created => return Err(SurveyError::NotFound),
            SetActive { active } if active == self.is_active => vec![],
            SetActive { active: true } => vec![SurveyActivated { at: now }],
            SetActive { active: false } => vec![SurveyDeactivated { at: now }],
        })
    }

    fn evolve(&mut self, event: SurveyEvent) {
        match event {
            SurveyEvent::SurveyCreated {
                conference_id,
                slug,
                title,
                kind,
                is_active,
                ..
            } => {
                self.created = true;
                self.conference_id = conference_id;
                self.slug = slug;
                self.title = title;
                self.kind = kind;
                self.is_active = is_active;
            }
            SurveyEvent::SurveyActivated { .. } => self.is_active = true,
            SurveyEvent::SurveyDeactivated { .. } => self.is_active = false,
        }
    }
}

impl Aggregate for Survey {
    const TYPE: &'static str = "survey";
    type Command = SurveyCommand;
    type Event = SurveyEvent;
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
        self.evolve(event)
    }
}

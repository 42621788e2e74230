//! One user's rating of one talk (SURVEY-3). The stream id is
//! [`rating_id`]`(conference, talk, user)`, so "at most one rating per (talk,
//! user)" is decided by the stream's sequence check under any concurrency.

#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DomainServices, Timestamp};

/// SURVEY-3: the stream of `user`'s rating of talk `code` in `conference`.
pub fn rating_id(conference: Uuid, code: &str, user: Uuid) -> Uuid {
    crate::natural_id("session_rating", &format!("{conference}/{code}/{user}"))
}

#[derive(Debug, Clone, PartialEq)]
pub enum RatingCommand {
    /// `talk_exists`: the program knows the talk (checked by the caller).
    Rate {
        conference_id: Uuid,
        talk: String,
        user: Uuid,
        score: i64,
        talk_exists: bool,
    },
}

/// Facts about a session rating. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RatingEvent {
    SessionRated {
        conference_id: Uuid,
        talk: String,
        user: Uuid,
        score: u8,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for RatingEvent {
    fn event_type(&self) -> String {
        match self {
            Self::SessionRated { .. } => "SessionRated",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RatingError {
    #[error("A session rating is a score from 1 to 5.")]
    ScoreOutOfRange, // SURVEY-3
    #[error("You already rated this session.")]
    AlreadyRated, // SURVEY-3
    #[error("Talk not found.")]
    TalkNotFound,
}

impl RatingError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::ScoreOutOfRange => "rating.score_out_of_range",
            Self::AlreadyRated => "rating.already_rated",
            Self::TalkNotFound => "rating.talk_not_found",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::TalkNotFound)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SessionRating {
    score: Option<u8>,
}

impl SessionRating {
    pub fn score(&self) -> Option<u8> {
        self.score
    }

    /// Pure: state + command + now -> facts.
    pub fn decide(
        &self,
        cmd: RatingCommand,
        now: Timestamp,
    ) -> Result<Vec<RatingEvent>, RatingError> {
        let RatingCommand::Rate {
            conference_id,
            talk,
            user,
            score,
            talk_exists,
        } = cmd;
        if !talk_exists {
            return Err(RatingError::TalkNotFound);
        }
        let score = u8::try_from(score)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .ok_or(RatingError::ScoreOutOfRange)?;
        if self.score.is_some() {
            return Err(RatingError::AlreadyRated);
        }
        Ok(vec![RatingEvent::SessionRated {
            conference_id,
            talk,
            user,
            score,
            at: now,
        }])
    }
}

impl Aggregate for SessionRating {
    const TYPE: &'static str = "session_rating";
    type Command = RatingCommand;
    type Event = RatingEvent;
    type Error = RatingError;
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
        let RatingEvent::SessionRated { score, .. } = event;
        self.score = Some(score);
    }
}

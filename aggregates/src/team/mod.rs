//! A volunteer team of one conference year (MY-5, MY-20): name, description and
//! leads; its members are the volunteers approved into it. Teams re-form every
//! year, so each year has its own streams: [`team_id`]`(conference, slug)`, which
//! makes a name unique within its year.

#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{DomainServices, Timestamp};

/// The stream of the team `slug` of `conference`.
pub fn team_id(conference: Uuid, slug: &str) -> Uuid {
    crate::natural_id("team", &format!("{conference}/{slug}"))
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum TeamCommand {
    /// Identical again = no-op; another team of that slug = `AlreadyExists`. With
    /// `cloned_from` (MY-20) an existing team is skipped: a no-op.
    Create {
        conference_id: Uuid,
        slug: String,
        name: String,
        description: String,
        leads: Vec<Uuid>,
        cloned_from: Option<Uuid>,
    },
    /// Replace the leads (leads change between years, MY-20). Same: no-op.
    SetLeads { leads: Vec<Uuid> },
}

/// Facts about one team. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TeamEvent {
    TeamCreated {
        conference_id: Uuid,
        slug: String,
        name: String,
        description: String,
        leads: Vec<Uuid>,
        /// MY-20: the prior year's conference it was cloned from.
        cloned_from: Option<Uuid>,
        at: Timestamp,
    },
    TeamLeadsSet {
        leads: Vec<Uuid>,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for TeamEvent {
    fn event_type(&self) -> String {
        match self {
            Self::TeamCreated { .. } => "TeamCreated",
            Self::TeamLeadsSet { .. } => "TeamLeadsSet",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

/// Refused team commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TeamError {
    #[error("Team not found.")]
    NotFound,
    #[error("A team with this name already exists in this conference.")]
    AlreadyExists,
    #[error("A team name is 1 to 100 characters, with a valid slug.")]
    InvalidName,
    #[error("A team description is at most 2000 characters.")]
    DescriptionTooLong,
}

impl TeamError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "team.not_found",
            Self::AlreadyExists => "team.already_exists",
            Self::InvalidName => "team.invalid_name",
            Self::DescriptionTooLong => "team.description_too_long",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Team {
    created: bool,
    conference_id: Uuid,
    slug: String,
    name: String,
    description: String,
    leads: Vec<Uuid>,
}

impl Team {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn leads(&self) -> &[Uuid] {
        &self.leads
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(&self, cmd: TeamCommand, now: Timestamp) -> Result<Vec<TeamEvent>, TeamError> {
        use TeamCommand::*;
        use TeamEvent::*;
        if !self.created {
            return match cmd {
                Create {
                    conference_id,
                    slug,
                    name,
                    description,
                    leads,
                    cloned_from,
                } => {
                    let name = name.trim().to_string();
                    if name.is_empty() || name.chars().count() > 100 || !crate::is_valid_slug(&slug)
                    {
                        return Err(TeamError::InvalidName);
                    }
                    if description.chars().count() > 2000 {
                        return Err(TeamError::DescriptionTooLong);
                    }
                    Ok(vec![TeamCreated {
                        conference_id,
                        slug,
                        name,
                        description,
                        leads: sorted(leads),
                        cloned_from,
                        at: now,
                    }])
                }
                SetLeads { .. } => Err(TeamError::NotFound),
            };
        }
        Ok(match cmd {
            Create {
                cloned_from: Some(_),
                ..
            } => vec![], // MY-20: a name that exists is skipped
            Create {
                name,
                description,
                leads,
                ..
            } if name.trim() == self.name
                && description == self.description
                && sorted(leads.clone()) == self.leads =>
            {
                vec![]
            }
            Create { .. } => return Err(TeamError::AlreadyExists),
            SetLeads { leads } if sorted(leads.clone()) == self.leads => vec![],
            SetLeads { leads } => vec![TeamLeadsSet {
                leads: sorted(leads),
                at: now,
            }],
        })
    }

    fn evolve(&mut self, event: TeamEvent) {
        match event {
            TeamEvent::TeamCreated {
                conference_id,
                slug,
                name,
                description,
                leads,
                ..
            } => {
                self.created = true;
                self.conference_id = conference_id;
                self.slug = slug;
                self.name = name;
                self.description = description;
                self.leads = leads;
            }
            TeamEvent::TeamLeadsSet { leads, .. } => self.leads = leads,
        }
    }
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids.dedup();
    ids
}

impl Aggregate for Team {
    const TYPE: &'static str = "team";
    type Command = TeamCommand;
    type Event = TeamEvent;
    type Error = TeamError;
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

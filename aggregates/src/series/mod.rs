//! A series (e.g. "PyCon US") groups its yearly conferences. It owns the two rules
//! that span them (AMB-29, MY-2): a year is unique within the
//! series, and exactly one conference of the series is active.

mod commands;
mod errors;
mod events;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::SeriesCommand;
pub use errors::SeriesError;
pub use events::SeriesEvent;

use crate::{DomainServices, Timestamp};

/// One conference registered in a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesConference {
    pub conference_id: Uuid,
    pub slug: String,
    pub year: i32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Series {
    created: bool,
    slug: String,
    name: String,
    /// By year.
    conferences: BTreeMap<i32, SeriesConference>,
    active: Option<Uuid>,
}

impl Series {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn slug(&self) -> &str {
        &self.slug
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// MY-2: the single active conference, if any has been activated.
    pub fn active(&self) -> Option<Uuid> {
        self.active
    }

    pub fn conference_for_year(&self, year: i32) -> Option<Uuid> {
        self.conferences.get(&year).map(|c| c.conference_id)
    }

    /// The registered conferences, by year ascending (MY-17).
    pub fn conferences(&self) -> impl Iterator<Item = &SeriesConference> {
        self.conferences.values()
    }

    fn year_of(&self, conference_id: Uuid) -> Option<i32> {
        self.conferences
            .values()
            .find(|c| c.conference_id == conference_id)
            .map(|c| c.year)
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: SeriesCommand,
        now: Timestamp,
    ) -> Result<Vec<SeriesEvent>, SeriesError> {
        use SeriesCommand::*;
        use SeriesEvent::*;
        if !self.created {
            return match cmd {
                Create { slug, name } => {
                    if !crate::is_valid_slug(&slug) {
                        return Err(SeriesError::InvalidSlug);
                    }
                    let name = name.trim();
                    if name.is_empty() || name.chars().count() > 200 {
                        return Err(SeriesError::InvalidName);
                    }
                    Ok(vec![SeriesCreated {
                        slug,
                        name: name.to_string(),
                        at: now,
                    }])
                }
                _ => Err(SeriesError::NotFound),
            };
        }
        Ok(match cmd {
            Create { slug, name } if slug == self.slug && name.trim() == self.name => vec![],
            Create { .. } => return Err(SeriesError::AlreadyExists),
            RegisterConference {
                conference_id,
                slug,
                year,
            } => {
                if !(1..=9999).contains(&year) {
                    return Err(SeriesError::InvalidYear);
                }
                match (self.conference_for_year(year), self.year_of(conference_id)) {
                    (Some(id), _) if id == conference_id => vec![], // retried
                    (Some(_), _) => return Err(SeriesError::YearTaken { year }),
                    (None, Some(other)) => {
                        return Err(SeriesError::ConferenceAlreadyRegistered { year: other });
                    }
                    (None, None) => vec![ConferenceRegistered {
                        conference_id,
                        slug,
                        year,
                        at: now,
                    }],
                }
            }
            Activate { conference_id } if self.active == Some(conference_id) => vec![],
            Activate { conference_id } => {
                if self.year_of(conference_id).is_none() {
                    return Err(SeriesError::UnknownConference);
                }
                vec![ConferenceActivated {
                    conference_id,
                    previous: self.active,
                    at: now,
                }]
            }
        })
    }

    fn evolve(&mut self, event: SeriesEvent) {
        use SeriesEvent::*;
        match event {
            SeriesCreated { slug, name, .. } => {
                self.created = true;
                self.slug = slug;
                self.name = name;
            }
            ConferenceRegistered {
                conference_id,
                slug,
                year,
                ..
            } => {
                self.conferences.insert(
                    year,
                    SeriesConference {
                        conference_id,
                        slug,
                        year,
                    },
                );
            }
            ConferenceActivated { conference_id, .. } => self.active = Some(conference_id),
        }
    }
}

impl Aggregate for Series {
    const TYPE: &'static str = "series";
    type Command = SeriesCommand;
    type Event = SeriesEvent;
    type Error = SeriesError;
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

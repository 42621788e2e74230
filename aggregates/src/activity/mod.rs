//! An activity (sprint, workshop, …) with its own roster: capacity, the
//! one-active-signup rule and FIFO waitlist promotion are local to this stream
//! (SPEC ACT-*).

mod commands;
mod errors;
mod events;
mod patch;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, VecDeque};

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::ActivityCommand;
pub use errors::ActivityError;
pub use events::ActivityEvent;
pub use patch::ActivityPatch;

use crate::{DomainServices, Timestamp};

/// ACT-1: activity types, stored lower_snake_case.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityType {
    Sprint,
    Workshop,
    Tutorial,
    LightningTalk,
    Social,
    OpenSpace,
    Summit,
    #[default]
    Other,
}

/// ACT-4: signup statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignupStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
}

/// ACT-2: everything an organizer edits about an activity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActivityDetails {
    pub name: String,
    pub activity_type: ActivityType,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub room: String,
    pub start_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    /// None = unlimited; 0 = always full (ACT-3).
    pub max_participants: Option<u32>,
    #[serde(default)]
    pub requires_ticket: bool,
    #[serde(default)]
    pub external_url: String,
    pub is_active: bool,
    #[serde(default)]
    pub organizers: Vec<Uuid>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Activity {
    created: bool,
    details: ActivityDetails,
    /// Active (non-cancelled) signups by user.
    active: HashMap<Uuid, SignupStatus>,
    confirmed: u32,
    /// Waitlisted users, oldest first (ACT-9).
    waitlist: VecDeque<Uuid>,
}

impl Activity {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn details(&self) -> &ActivityDetails {
        &self.details
    }

    pub fn status_of(&self, user: &Uuid) -> Option<SignupStatus> {
        self.active.get(user).copied()
    }

    /// ACT-3: None when unlimited.
    pub fn spots_remaining(&self) -> Option<u32> {
        self.details
            .max_participants
            .map(|max| max.saturating_sub(self.confirmed))
    }

    fn is_full(&self) -> bool {
        self.spots_remaining() == Some(0)
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: ActivityCommand,
        now: Timestamp,
    ) -> Result<Vec<ActivityEvent>, ActivityError> {
        use ActivityCommand::*;
        use ActivityEvent::*;
        if !self.created {
            return match cmd {
                Create {
                    conference_id,
                    slug,
                    details,
                } => {
                    check_details(&details)?;
                    Ok(vec![ActivityCreated {
                        conference_id,
                        slug,
                        details,
                        at: now,
                    }])
                }
                _ => Err(ActivityError::NotFound),
            };
        }
        Ok(match cmd {
            Create { details, .. } if details == self.details => vec![], // retried create
            Create { .. } => return Err(ActivityError::AlreadyExists),
            Change { patch } => {
                let mut details = self.details.clone();
                patch.apply_to(&mut details);
                if details == self.details {
                    return Ok(vec![]);
                }
                check_details(&details)?;
                vec![ActivityUpdated { details, at: now }]
            }
            SignUp { user, .. } if self.active.contains_key(&user) => vec![], // ACT-6 no-op
            SignUp { .. } if !self.details.is_active => return Err(ActivityError::NotActive),
            SignUp { user, note } if self.is_full() => {
                vec![SignupWaitlisted {
                    user,
                    note,
                    at: now,
                }]
            }
            SignUp { user, note } => vec![SignupConfirmed {
                user,
                note,
                at: now,
            }],
            Cancel { user } => {
                let was = self.status_of(&user).ok_or(ActivityError::NoActiveSignup)?;
                let mut facts = vec![SignupCancelled { user, was, at: now }];
                // ACT-9: only a confirmed cancellation frees a place, and the oldest
                // waitlisted signup takes it without a capacity re-check.
                if was == SignupStatus::Confirmed
                    && let Some(next) = self.waitlist.front()
                {
                    facts.push(WaitlistPromoted {
                        user: *next,
                        by: None,
                        at: now,
                    });
                }
                facts
            }
            Promote { user, by, by_staff } => {
                if !by_staff && !self.details.organizers.contains(&by) {
                    return Err(ActivityError::NotAnOrganizer);
                }
                match self.status_of(&user) {
                    Some(SignupStatus::Waitlisted) => vec![WaitlistPromoted {
                        user,
                        by: Some(by),
                        at: now,
                    }],
                    _ => return Err(ActivityError::NotWaitlisted),
                }
            }
        })
    }

    fn evolve(&mut self, event: ActivityEvent) {
        use ActivityEvent::*;
        match event {
            ActivityCreated { details, .. } => {
                self.created = true;
                self.details = details;
            }
            ActivityUpdated { details, .. } => self.details = details,
            SignupConfirmed { user, .. } => {
                self.active.insert(user, SignupStatus::Confirmed);
                self.confirmed += 1;
            }
            SignupWaitlisted { user, .. } => {
                self.active.insert(user, SignupStatus::Waitlisted);
                self.waitlist.push_back(user);
            }
            SignupCancelled { user, was, .. } => {
                self.active.remove(&user);
                match was {
                    SignupStatus::Confirmed => self.confirmed = self.confirmed.saturating_sub(1),
                    SignupStatus::Waitlisted => self.waitlist.retain(|u| *u != user),
                    SignupStatus::Cancelled => {}
                }
            }
            WaitlistPromoted { user, .. } => {
                self.waitlist.retain(|u| *u != user);
                self.active.insert(user, SignupStatus::Confirmed);
                self.confirmed += 1;
            }
        }
    }
}

fn check_details(details: &ActivityDetails) -> Result<(), ActivityError> {
    if details.name.trim().is_empty() {
        return Err(ActivityError::BlankName);
    }
    Ok(())
}

impl Aggregate for Activity {
    const TYPE: &'static str = "activity";
    type Command = ActivityCommand;
    type Event = ActivityEvent;
    type Error = ActivityError;
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

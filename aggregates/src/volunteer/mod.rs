//! One user's volunteer application for one conference year (MY-5, MY-6,
//! MY-11…13). The stream id is [`volunteer_id`]`(conference, user)`, so "at most
//! one application per (user, conference)" is decided by the stream's sequence
//! check, under any concurrency.
//!
//! Review is an explicit transition table ([`ApplicationStatus::may_become`]).

mod commands;
mod errors;
mod events;
#[cfg(test)]
mod tests;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::VolunteerCommand;
pub use errors::VolunteerError;
pub use events::VolunteerEvent;

use crate::profile::{SocialHandles, check_languages};
use crate::user::Sealed;
use crate::{DomainServices, Timestamp};

/// MY-6: the stream of `user`'s application for `conference`.
pub fn volunteer_id(conference: Uuid, user: Uuid) -> Uuid {
    crate::natural_id("volunteer", &format!("{conference}/{user}"))
}

/// MY-13: the "participated in a previous event" choice for a first-timer.
pub const FIRST_TIME: &str = "first_time";

/// Review statuses, stored lower_snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Waitlisted,
    Rejected,
    Cancelled,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 5] = [
        Self::Pending,
        Self::Approved,
        Self::Waitlisted,
        Self::Rejected,
        Self::Cancelled,
    ];

    /// The transition table: pending may become anything; a waitlisted volunteer
    /// may be approved, rejected or cancel; an approved one may be re-assigned
    /// (approved again) or cancel; rejected and cancelled are final.
    pub fn may_become(self, to: ApplicationStatus) -> bool {
        use ApplicationStatus::*;
        matches!(
            (self, to),
            (Pending, Approved | Waitlisted | Rejected | Cancelled)
                | (Waitlisted, Approved | Rejected | Cancelled)
                | (Approved, Approved | Cancelled)
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Waitlisted => "waitlisted",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }
}

/// MY-12: what a volunteer submits each year (and what pre-fills next year's form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerForm {
    #[serde(default)]
    pub social: SocialHandles,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub chapter: String,
    #[serde(default)]
    pub availability: String,
    /// MY-13: earlier years of the series (as "2024"), or "first_time".
    #[serde(default)]
    pub previous_events: Vec<String>,
}

/// The conference year an application belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Year {
    pub conference_id: Uuid,
    pub series_id: Uuid,
    pub year: i32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Volunteer {
    status: Option<ApplicationStatus>,
    form: VolunteerForm,
    teams: Vec<String>,
    roles: Vec<String>,
}

impl Volunteer {
    pub fn exists(&self) -> bool {
        self.status.is_some()
    }

    pub fn status(&self) -> Option<ApplicationStatus> {
        self.status
    }

    pub fn is_approved(&self) -> bool {
        self.status == Some(ApplicationStatus::Approved)
    }

    pub fn form(&self) -> &VolunteerForm {
        &self.form
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: VolunteerCommand,
        now: Timestamp,
    ) -> Result<Vec<VolunteerEvent>, VolunteerError> {
        use ApplicationStatus::*;
        use VolunteerCommand::*;
        use VolunteerEvent::*;
        let Some(status) = self.status else {
            return match cmd {
                Apply {
                    year,
                    user,
                    form,
                    open,
                    earlier_years,
                    sealed_social,
                } => {
                    if !open {
                        return Err(VolunteerError::ApplicationsClosed);
                    }
                    check_form(&form, &earlier_years)?;
                    Ok(vec![VolunteerApplied {
                        year,
                        user,
                        form: Box::new(without_sealed(form, &sealed_social)),
                        brought_forward_from: None,
                        at: now,
                        sealed_social,
                    }])
                }
                BringForward {
                    year,
                    user,
                    form,
                    from,
                    sealed_social,
                } => Ok(vec![VolunteerApplied {
                    year,
                    user,
                    form: Box::new(without_sealed(form, &sealed_social)),
                    brought_forward_from: Some(from),
                    at: now,
                    sealed_social,
                }]),
                _ => Err(VolunteerError::NotFound),
            };
        };
        let to = |next: ApplicationStatus| {
            if status.may_become(next) {
                Ok(())
            } else {
                Err(VolunteerError::InvalidTransition {
                    from: status,
                    to: next,
                })
            }
        };
        Ok(match cmd {
            Apply { .. } => return Err(VolunteerError::AlreadyApplied), // MY-6
            BringForward { .. } => vec![],                              // already applying: skipped
            Approve { teams, roles } => {
                to(Approved)?;
                let teams = clean(teams);
                let roles = clean(roles);
                if teams.is_empty() {
                    return Err(VolunteerError::NoTeam);
                }
                if roles.is_empty() {
                    return Err(VolunteerError::NoRole);
                }
                if status == Approved && teams == self.teams && roles == self.roles {
                    return Ok(vec![]);
                }
                vec![VolunteerApproved {
                    teams,
                    roles,
                    at: now,
                }]
            }
            Waitlist if status == Waitlisted => vec![],
            Waitlist => {
                to(Waitlisted)?;
                vec![VolunteerWaitlisted { at: now }]
            }
            Reject if status == Rejected => vec![],
            Reject => {
                to(Rejected)?;
                vec![VolunteerRejected { at: now }]
            }
            Cancel if status == Cancelled => vec![],
            Cancel => {
                to(Cancelled)?;
                vec![VolunteerCancelled {
                    was: status,
                    at: now,
                }]
            }
        })
    }

    fn evolve(&mut self, event: VolunteerEvent) {
        use VolunteerEvent::*;
        match event {
            VolunteerApplied { form, .. } => {
                self.status = Some(ApplicationStatus::Pending);
                self.form = *form;
            }
            VolunteerApproved { teams, roles, .. } => {
                self.status = Some(ApplicationStatus::Approved);
                self.teams = teams;
                self.roles = roles;
            }
            VolunteerWaitlisted { .. } => self.status = Some(ApplicationStatus::Waitlisted),
            VolunteerRejected { .. } => self.status = Some(ApplicationStatus::Rejected),
            VolunteerCancelled { .. } => self.status = Some(ApplicationStatus::Cancelled),
        }
    }
}

/// The form as recorded: without its social handles when they are sealed.
fn without_sealed(form: VolunteerForm, sealed: &Option<Sealed>) -> VolunteerForm {
    match sealed {
        Some(_) => VolunteerForm {
            social: SocialHandles::default(),
            ..form
        },
        None => form,
    }
}

/// Trimmed, without blanks or duplicates, sorted.
fn clean(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = values
        .into_iter()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// MY-12/13: field lengths, and previous events only among the series' earlier
/// years or "first_time" (not both).
fn check_form(form: &VolunteerForm, earlier_years: &[i32]) -> Result<(), VolunteerError> {
    if [&form.region, &form.chapter]
        .iter()
        .any(|f| f.chars().count() > 100)
        || form.availability.chars().count() > 2000
        || check_languages(&form.languages).is_err()
        || crate::profile::check_profile(&crate::profile::PortalProfile {
            social: form.social.clone(),
            ..Default::default()
        })
        .is_err()
    {
        return Err(VolunteerError::FieldTooLong);
    }
    let first_time = form.previous_events.iter().any(|p| p == FIRST_TIME);
    for choice in &form.previous_events {
        let known = choice == FIRST_TIME
            || choice
                .parse::<i32>()
                .is_ok_and(|y| earlier_years.contains(&y));
        if !known || (first_time && choice != FIRST_TIME) {
            return Err(VolunteerError::InvalidPreviousEvent {
                choice: choice.clone(),
            });
        }
    }
    Ok(())
}

impl Aggregate for Volunteer {
    const TYPE: &'static str = "volunteer";
    type Command = VolunteerCommand;
    type Event = VolunteerEvent;
    type Error = VolunteerError;
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

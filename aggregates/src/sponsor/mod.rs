//! A sponsor of one conference (SPEC SPONSOR-2…9, SPONSOR-12): its details, its
//! one override and its benefits. The sponsor's level lives on the conference
//! (AMB-5); the flow that sends a command looks the level up there and hands the
//! answer in, so SPONSOR-3 is decided here. Creating a sponsor records the level's
//! comp ticket count; the comp vouchers themselves land on the conference's
//! Inventory (`process::sponsors`).

mod commands;
mod errors;
mod events;
mod model;
mod patch;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::SponsorCommand;
pub use errors::SponsorError;
pub use events::SponsorEvent;
pub use model::{Benefit, Effective, LevelRef, SponsorDetails, SponsorOverride, effective};
pub use patch::SponsorPatch;

use crate::{DomainServices, Timestamp};

/// SPONSOR-12: the comp voucher codes of a sponsor: "SPONSOR-<SLUG>-<i>", the
/// slug upper-cased and truncated so each code is at most 100 characters.
pub fn comp_voucher_codes(slug: &str, count: u32) -> Vec<String> {
    const MAX: usize = 100;
    let upper = slug.to_uppercase();
    (1..=count)
        .map(|i| {
            let room = MAX - "SPONSOR-".len() - format!("-{i}").len();
            let head: String = upper.chars().take(room).collect();
            format!("SPONSOR-{head}-{i}")
        })
        .collect()
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Sponsor {
    created: bool,
    removed: bool,
    conference_id: Uuid,
    slug: String,
    comp_ticket_count: u32,
    details: SponsorDetails,
    over: Option<SponsorOverride>,
    benefits: BTreeMap<Uuid, Benefit>,
}

impl Sponsor {
    /// Created and not removed.
    pub fn exists(&self) -> bool {
        self.created && !self.removed
    }

    pub fn details(&self) -> &SponsorDetails {
        &self.details
    }

    /// SPONSOR-12: the comp vouchers its creation issues.
    pub fn comp_ticket_count(&self) -> u32 {
        self.comp_ticket_count
    }

    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: SponsorCommand,
        now: Timestamp,
    ) -> Result<Vec<SponsorEvent>, SponsorError> {
        use SponsorCommand::*;
        use SponsorEvent::*;
        if !self.exists() {
            return match cmd {
                Create {
                    conference_id,
                    slug,
                    details,
                    level,
                } => {
                    check_details(&details)?;
                    let level = level
                        .filter(|l| l.slug == details.level)
                        .ok_or(SponsorError::LevelOfAnotherConference)?;
                    Ok(vec![SponsorCreated {
                        conference_id,
                        slug,
                        details,
                        comp_ticket_count: level.comp_ticket_count,
                        at: now,
                    }])
                }
                _ => Err(SponsorError::NotFound),
            };
        }
        Ok(match cmd {
            Create { details, .. } if details == self.details => vec![], // retried create
            Create { .. } => return Err(SponsorError::AlreadyExists),
            Change { patch, level } => {
                if let Some(wanted) = &patch.level
                    && *wanted != self.details.level
                    && level.is_none_or(|l| l.slug != *wanted)
                {
                    return Err(SponsorError::LevelOfAnotherConference);
                }
                let mut details = self.details.clone();
                patch.apply_to(&mut details);
                if details == self.details {
                    return Ok(vec![]);
                }
                check_details(&details)?;
                vec![SponsorUpdated { details, at: now }]
            }
            SaveOverride { over, .. } if over.is_empty() => match self.over {
                Some(_) => vec![SponsorOverrideRemoved { at: now }],
                None => vec![], // SPONSOR-6: nothing to delete
            },
            SaveOverride { over, level_found } => {
                if over.level.is_some() && !level_found {
                    return Err(SponsorError::LevelOfAnotherConference);
                }
                if self.over.as_ref() == Some(&over) {
                    return Ok(vec![]);
                }
                vec![SponsorOverrideSaved { over, at: now }]
            }
            SaveBenefit { benefit, .. } if benefit.name.trim().is_empty() => {
                return Err(SponsorError::BlankBenefitName);
            }
            SaveBenefit { id, benefit } if self.benefits.get(&id) == Some(&benefit) => vec![],
            SaveBenefit { id, benefit } => vec![SponsorBenefitSaved {
                id,
                benefit,
                at: now,
            }],
            RemoveBenefit { id } if !self.benefits.contains_key(&id) => {
                return Err(SponsorError::BenefitNotFound);
            }
            RemoveBenefit { id } => vec![SponsorBenefitRemoved { id, at: now }],
            Remove => vec![SponsorRemoved { at: now }],
        })
    }

    fn evolve(&mut self, event: SponsorEvent) {
        use SponsorEvent::*;
        match event {
            SponsorCreated {
                conference_id,
                slug,
                details,
                comp_ticket_count,
                ..
            } => {
                *self = Sponsor {
                    created: true,
                    conference_id,
                    slug,
                    comp_ticket_count,
                    details,
                    ..Default::default()
                };
            }
            SponsorUpdated { details, .. } => self.details = details,
            SponsorOverrideSaved { over, .. } => self.over = Some(over),
            SponsorOverrideRemoved { .. } => self.over = None,
            SponsorBenefitSaved { id, benefit, .. } => {
                self.benefits.insert(id, benefit);
            }
            SponsorBenefitRemoved { id, .. } => {
                self.benefits.remove(&id);
            }
            SponsorRemoved { .. } => self.removed = true,
        }
    }
}

fn check_details(details: &SponsorDetails) -> Result<(), SponsorError> {
    if details.name.trim().is_empty() {
        return Err(SponsorError::BlankName);
    }
    Ok(())
}

impl Aggregate for Sponsor {
    const TYPE: &'static str = "sponsor";
    type Command = SponsorCommand;
    type Event = SponsorEvent;
    type Error = SponsorError;
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

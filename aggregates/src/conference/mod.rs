//! A conference: identity, series and year, dates, year-bound configuration,
//! sections, sponsor levels, feature-flag overrides, KPI targets and role grants
//! (SPEC CONF-*, MY-3/4). Activation belongs to the Series (MY-2); the product
//! catalog to the Inventory (CAT-*).

mod commands;
mod errors;
mod events;
mod model;
mod patch;
mod stats;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::ConferenceCommand;
pub use errors::ConferenceError;
pub use events::ConferenceEvent;
pub use model::{ConferenceDetails, FeatureOverrides, KpiTargets, Role, Section, SponsorLevel};
pub use patch::{DetailsPatch, KpiTargetsPatch, SectionPatch, SponsorLevelPatch};
pub use stats::{HistoricalFigures, StatsSnapshot, StatsState};

use crate::{DomainServices, PartSlug, Timestamp};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Conference {
    created: bool,
    series_id: Uuid,
    series_slug: String,
    slug: String,
    year: i32,
    details: ConferenceDetails,
    /// Sorted per CONF-9.
    sections: Vec<Section>,
    /// Sorted by order.
    sponsor_levels: Vec<SponsorLevel>,
    feature_overrides: FeatureOverrides,
    kpi_targets: KpiTargets,
    /// Roles by user, each list sorted and without duplicates.
    roles: BTreeMap<Uuid, Vec<Role>>,
    #[serde(default)]
    stats: StatsState,
}

impl Conference {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn details(&self) -> &ConferenceDetails {
        &self.details
    }

    pub fn slug(&self) -> &str {
        &self.slug
    }

    pub fn series_id(&self) -> Uuid {
        self.series_id
    }

    pub fn series_slug(&self) -> &str {
        &self.series_slug
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    /// CONF-9: sorted by (order, start_date).
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    pub fn section(&self, slug: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.slug == slug)
    }

    /// Sorted by (order, name).
    pub fn sponsor_levels(&self) -> &[SponsorLevel] {
        &self.sponsor_levels
    }

    pub fn sponsor_level(&self, slug: &str) -> Option<&SponsorLevel> {
        self.sponsor_levels.iter().find(|l| l.slug == slug)
    }

    pub fn feature_overrides(&self) -> &FeatureOverrides {
        &self.feature_overrides
    }

    pub fn kpi_targets(&self) -> &KpiTargets {
        &self.kpi_targets
    }

    pub fn roles_of(&self, user: &Uuid) -> Vec<Role> {
        self.roles.get(user).cloned().unwrap_or_default()
    }

    pub fn has_role(&self, user: &Uuid, role: Role) -> bool {
        self.roles.get(user).is_some_and(|r| r.contains(&role))
    }

    /// Every user holding at least one role, with their roles.
    /// MY-18/19: the historical figures and how many times the stats were frozen.
    pub fn stats(&self) -> &StatsState {
        &self.stats
    }

    pub fn role_grants(&self) -> &BTreeMap<Uuid, Vec<Role>> {
        &self.roles
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: ConferenceCommand,
        now: Timestamp,
    ) -> Result<Vec<ConferenceEvent>, ConferenceError> {
        use ConferenceCommand::*;
        use ConferenceEvent::*;
        if !self.created {
            return match cmd {
                Create {
                    series_id,
                    series_slug,
                    slug,
                    year,
                    details,
                } => {
                    if !crate::is_valid_slug(&slug) {
                        return Err(ConferenceError::InvalidSlug);
                    }
                    if !(1..=9999).contains(&year) {
                        return Err(ConferenceError::InvalidYear);
                    }
                    check_details(&details)?;
                    Ok(vec![ConferenceCreated {
                        series_id,
                        series_slug,
                        slug,
                        year,
                        details,
                        at: now,
                    }])
                }
                _ => Err(ConferenceError::NotFound),
            };
        }
        Ok(match cmd {
            Create {
                series_id,
                series_slug,
                slug,
                year,
                details,
            } if series_id == self.series_id
                && series_slug == self.series_slug
                && slug == self.slug
                && year == self.year
                && details == self.details =>
            {
                vec![] // retried create
            }
            Create { .. } => return Err(ConferenceError::AlreadyExists),
            UpdateDetails { details } => self.update_details(details, now)?,
            ChangeDetails { patch } => {
                let mut details = self.details.clone();
                patch.apply_to(&mut details);
                self.update_details(details, now)?
            }
            UpsertSection { section } => self.upsert_section(section, now)?,
            SaveSection { slug, patch } => {
                let slug = part_slug(&slug, |s| self.section(s).is_some())?;
                let current = self.section(&slug);
                let section = patch
                    .applied(slug.clone(), current)
                    .ok_or(ConferenceError::SectionDatesMissing)?;
                self.upsert_section(section, now)?
            }
            UpsertSponsorLevel { level } => self.upsert_sponsor_level(level, now)?,
            SaveSponsorLevel { slug, patch } => {
                let slug = part_slug(&slug, |s| self.sponsor_level(s).is_some())?;
                let mut level = self.sponsor_level(&slug).cloned().unwrap_or_default();
                level.slug = slug;
                patch.apply_to(&mut level);
                self.upsert_sponsor_level(level, now)?
            }
            SetFeatureOverrides { overrides } if overrides == self.feature_overrides => vec![],
            SetFeatureOverrides { overrides } => vec![FeatureOverridesSet { overrides, at: now }],
            ChangeKpiTargets { patch } => {
                let mut targets = self.kpi_targets.clone();
                patch.apply_to(&mut targets);
                if targets == self.kpi_targets {
                    return Ok(vec![]);
                }
                for (field, value) in targets.fields() {
                    non_negative(field, value)?;
                }
                vec![KpiTargetsSet { targets, at: now }]
            }
            GrantRole { user, role } if self.has_role(&user, role) => vec![],
            GrantRole { user, role } => vec![RoleGranted {
                user,
                role,
                at: now,
            }],
            RevokeRole { user, role } if !self.has_role(&user, role) => {
                return Err(ConferenceError::RoleNotHeld);
            }
            RevokeRole { user, role } => vec![RoleRevoked {
                user,
                role,
                at: now,
            }],
            RecordHistoricalFigures { figures } => self.stats.record(figures, now)?,
            FreezeStats { snapshot, reason } => self.stats.freeze(snapshot, reason, now)?,
        })
    }

    /// The details become `details` (checked as a create's). Same details: no-op.
    fn update_details(
        &self,
        details: ConferenceDetails,
        now: Timestamp,
    ) -> Result<Vec<ConferenceEvent>, ConferenceError> {
        if details == self.details {
            return Ok(vec![]);
        }
        check_details(&details)?;
        Ok(vec![ConferenceEvent::ConferenceDetailsUpdated {
            details,
            at: now,
        }])
    }

    /// CONF-9: adds or replaces the section with this slug. Same section: no-op.
    fn upsert_section(
        &self,
        section: Section,
        now: Timestamp,
    ) -> Result<Vec<ConferenceEvent>, ConferenceError> {
        use ConferenceEvent::*;
        if section.slug.trim().is_empty() || section.name.trim().is_empty() {
            return Err(ConferenceError::InvalidSection);
        }
        Ok(match self.section(&section.slug) {
            Some(current) if *current == section => vec![],
            Some(_) => vec![SectionUpdated { section, at: now }],
            None => vec![SectionAdded { section, at: now }],
        })
    }

    /// AMB-5: adds or replaces the sponsor level with this slug. Same level: no-op.
    fn upsert_sponsor_level(
        &self,
        level: SponsorLevel,
        now: Timestamp,
    ) -> Result<Vec<ConferenceEvent>, ConferenceError> {
        use ConferenceEvent::*;
        if level.slug.trim().is_empty() || level.name.trim().is_empty() {
            return Err(ConferenceError::InvalidSponsorLevel);
        }
        non_negative("cost", level.cost)?;
        Ok(match self.sponsor_level(&level.slug) {
            Some(current) if *current == level => vec![],
            Some(_) => vec![SponsorLevelUpdated { level, at: now }],
            None => vec![SponsorLevelAdded { level, at: now }],
        })
    }

    fn evolve(&mut self, event: ConferenceEvent) {
        use ConferenceEvent::*;
        match event {
            ConferenceCreated {
                series_id,
                series_slug,
                slug,
                year,
                details,
                ..
            } => {
                self.created = true;
                self.series_id = series_id;
                self.series_slug = series_slug;
                self.slug = slug;
                self.year = year;
                self.details = details;
            }
            ConferenceDetailsUpdated { details, .. } => self.details = details,
            SectionAdded { section, .. } | SectionUpdated { section, .. } => {
                upsert_section(&mut self.sections, section)
            }
            SponsorLevelAdded { level, .. } | SponsorLevelUpdated { level, .. } => {
                upsert_sponsor_level(&mut self.sponsor_levels, level)
            }
            FeatureOverridesSet { overrides, .. } => self.feature_overrides = overrides,
            KpiTargetsSet { targets, .. } => self.kpi_targets = targets,
            RoleGranted { user, role, .. } => grant_role(&mut self.roles, user, role),
            RoleRevoked { user, role, .. } => revoke_role(&mut self.roles, user, role),
            e @ (HistoricalFiguresRecorded { .. } | StatsFrozen { .. }) => self.stats.evolve(&e),
        }
    }
}

/// CONF-9: replaces the section with the same slug (or adds it) and keeps the list
/// sorted by (order, start_date), ties by slug. Shared with the read side.
pub fn upsert_section(sections: &mut Vec<Section>, section: Section) {
    match sections.iter_mut().find(|s| s.slug == section.slug) {
        Some(s) => *s = section,
        None => sections.push(section),
    }
    sections
        .sort_by(|a, b| (a.order, a.start_date, &a.slug).cmp(&(b.order, b.start_date, &b.slug)));
}

/// Replaces the level with the same slug (or adds it) and keeps the list sorted by
/// (order, name), ties by slug. Shared with the read side.
pub fn upsert_sponsor_level(levels: &mut Vec<SponsorLevel>, level: SponsorLevel) {
    match levels.iter_mut().find(|l| l.slug == level.slug) {
        Some(l) => *l = level,
        None => levels.push(level),
    }
    levels.sort_by(|a, b| (a.order, &a.name, &a.slug).cmp(&(b.order, &b.name, &b.slug)));
}

/// Adds `role` to the user's sorted role list. Shared with the read side.
pub fn grant_role(roles: &mut BTreeMap<Uuid, Vec<Role>>, user: Uuid, role: Role) {
    let held = roles.entry(user).or_default();
    if !held.contains(&role) {
        held.push(role);
        held.sort();
    }
}

/// Removes `role` from the user's role list, dropping users left with none.
/// Shared with the read side.
pub fn revoke_role(roles: &mut BTreeMap<Uuid, Vec<Role>>, user: Uuid, role: Role) {
    if let Some(held) = roles.get_mut(&user) {
        held.retain(|r| *r != role);
        if held.is_empty() {
            roles.remove(&user);
        }
    }
}

/// CONF-10: the slug a save addresses, unique among the parts `taken` knows.
fn part_slug(slug: &PartSlug, taken: impl Fn(&str) -> bool) -> Result<String, ConferenceError> {
    let slug = slug.resolve(taken);
    if crate::is_valid_slug(&slug) {
        Ok(slug)
    } else {
        Err(ConferenceError::InvalidSlug)
    }
}

fn non_negative(field: &'static str, value: Option<Decimal>) -> Result<(), ConferenceError> {
    match value {
        Some(v) if v < Decimal::ZERO => Err(ConferenceError::NegativeAmount { field }),
        _ => Ok(()),
    }
}

/// The timezone check of the domain: a non-empty name without whitespace. The HTTP
/// layer checks it against the IANA database (chrono-tz).
fn is_plausible_timezone(tz: &str) -> bool {
    !tz.is_empty() && !tz.chars().any(char::is_whitespace)
}

fn check_details(details: &ConferenceDetails) -> Result<(), ConferenceError> {
    let name = details.name.trim();
    if name.is_empty() || details.name.chars().count() > 200 {
        return Err(ConferenceError::InvalidName);
    }
    if !is_plausible_timezone(&details.timezone) {
        return Err(ConferenceError::InvalidTimezone);
    }
    if details.banner_text.chars().count() > 255 {
        return Err(ConferenceError::BannerTooLong);
    }
    non_negative("revenue_budget", details.revenue_budget)?;
    non_negative("grant_budget", details.grant_budget)?;
    non_negative("sponsorship_goal", Some(details.sponsorship_goal))?;
    non_negative("donation_goal", Some(details.donation_goal))?;
    Ok(())
}

impl Aggregate for Conference {
    const TYPE: &'static str = "conference";
    type Command = ConferenceCommand;
    type Event = ConferenceEvent;
    type Error = ConferenceError;
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

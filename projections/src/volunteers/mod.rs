//! Volunteers and teams per conference year, and every user's global profile
//! (MY-5, MY-6, MY-9…13, MY-20), with the figures a conference's statistics
//! include ([`summary`]).
//!
//! Keys: `application:{volunteer stream id}`, `team:{team stream id}`,
//! `profile:{user id}`.

mod stats;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::profile::{PortalProfile, ProfileEvent};
use tessera_aggregates::team::TeamEvent;
use tessera_aggregates::user::Sealed;
use tessera_aggregates::volunteer::{ApplicationStatus, VolunteerEvent, VolunteerForm, Year};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub use stats::{TeamCount, VolunteerSummary, summary};

pub struct Volunteers;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum VolunteerRow {
    Application(ApplicationRow),
    Team(TeamRow),
    Profile(ProfileRow),
}

/// One user's application for one conference year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationRow {
    pub id: Uuid,
    pub year: Year,
    pub user_id: Uuid,
    pub status: ApplicationStatus,
    /// Its social handles are empty when they are sealed (`sealed_social`).
    pub form: VolunteerForm,
    #[serde(default)]
    pub sealed_social: Option<Sealed>,
    /// Team slugs, set when approved.
    pub teams: Vec<String>,
    pub roles: Vec<String>,
    pub brought_forward_from: Option<Uuid>,
    pub applied_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Position of the event that created it: oldest first.
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub leads: Vec<Uuid>,
    pub cloned_from: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileRow {
    pub user_id: Uuid,
    /// Empty when the profile is sealed (`sealed`, JSON under the user's key).
    pub profile: PortalProfile,
    #[serde(default)]
    pub sealed: Option<Sealed>,
    pub terms_accepted_at: Option<DateTime<Utc>>,
}

pub fn application_key(stream: Uuid) -> String {
    format!("application:{stream}")
}

pub fn team_key(stream: Uuid) -> String {
    format!("team:{stream}")
}

pub fn profile_key(user: Uuid) -> String {
    format!("profile:{user}")
}

pub const APPLICATIONS: &str = "application:";
pub const TEAMS: &str = "team:";

impl Volunteers {
    fn application(rows: &mut Rows<VolunteerRow>, id: Uuid) -> Option<&mut ApplicationRow> {
        match rows.get_mut(&application_key(id)) {
            Some(VolunteerRow::Application(a)) => Some(a),
            _ => None,
        }
    }

    fn on_volunteer(rows: &mut Rows<VolunteerRow>, env: &Envelope, event: &VolunteerEvent) {
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        use VolunteerEvent::*;
        let (status, at) = match event {
            VolunteerApplied {
                year,
                user,
                form,
                brought_forward_from,
                at,
                sealed_social,
            } => {
                rows.insert(
                    application_key(id),
                    VolunteerRow::Application(ApplicationRow {
                        id,
                        year: *year,
                        user_id: *user,
                        status: ApplicationStatus::Pending,
                        form: form.as_ref().clone(),
                        sealed_social: sealed_social.clone(),
                        teams: vec![],
                        roles: vec![],
                        brought_forward_from: *brought_forward_from,
                        applied_at: *at,
                        updated_at: *at,
                        position: env.position,
                    }),
                );
                return;
            }
            VolunteerApproved { teams, roles, at } => {
                if let Some(a) = Self::application(rows, id) {
                    a.teams = teams.clone();
                    a.roles = roles.clone();
                }
                (ApplicationStatus::Approved, at)
            }
            VolunteerWaitlisted { at } => (ApplicationStatus::Waitlisted, at),
            VolunteerRejected { at } => (ApplicationStatus::Rejected, at),
            VolunteerCancelled { at, .. } => (ApplicationStatus::Cancelled, at),
        };
        if let Some(a) = Self::application(rows, id) {
            a.status = status;
            a.updated_at = *at;
        }
    }

    fn on_team(rows: &mut Rows<VolunteerRow>, env: &Envelope, event: &TeamEvent) {
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        match event {
            TeamEvent::TeamCreated {
                conference_id,
                slug,
                name,
                description,
                leads,
                cloned_from,
                at,
            } => rows.insert(
                team_key(id),
                VolunteerRow::Team(TeamRow {
                    id,
                    conference_id: *conference_id,
                    slug: slug.clone(),
                    name: name.clone(),
                    description: description.clone(),
                    leads: leads.clone(),
                    cloned_from: *cloned_from,
                    created_at: *at,
                }),
            ),
            TeamEvent::TeamLeadsSet { leads, .. } => {
                if let Some(VolunteerRow::Team(t)) = rows.get_mut(&team_key(id)) {
                    t.leads = leads.clone();
                }
            }
        }
    }

    fn on_profile(rows: &mut Rows<VolunteerRow>, event: &ProfileEvent) {
        let user = match event {
            ProfileEvent::ProfileSaved { user, .. } | ProfileEvent::TermsAccepted { user, .. } => {
                *user
            }
        };
        let key = profile_key(user);
        if rows.get(&key).is_none() {
            rows.insert(
                key.clone(),
                VolunteerRow::Profile(ProfileRow {
                    user_id: user,
                    ..Default::default()
                }),
            );
        }
        if let Some(VolunteerRow::Profile(p)) = rows.get_mut(&key) {
            match event {
                ProfileEvent::ProfileSaved {
                    profile, sealed, ..
                } => {
                    p.profile = profile.as_ref().clone();
                    p.sealed = sealed.clone();
                }
                ProfileEvent::TermsAccepted { at, .. } => p.terms_accepted_at = Some(*at),
            }
        }
    }
}

impl Projection for Volunteers {
    const NAME: &'static str = "volunteers";
    const VERSION: u32 = 1;
    type Row = VolunteerRow;

    fn apply(rows: &mut Rows<VolunteerRow>, env: &Envelope) {
        match &env.event {
            DomainEvent::Volunteer(e) => Self::on_volunteer(rows, env, e),
            DomainEvent::Team(e) => Self::on_team(rows, env, e),
            DomainEvent::Profile(e) => Self::on_profile(rows, e),
            _ => {}
        }
    }
}

/// MY-12: the most recent application of `user` in `series` for a year before
/// `year`: what pre-fills this year's form.
pub fn latest_earlier<'a>(
    applications: impl IntoIterator<Item = &'a ApplicationRow>,
    user: Uuid,
    series: Uuid,
    year: i32,
) -> Option<&'a ApplicationRow> {
    applications
        .into_iter()
        .filter(|a| a.user_id == user && a.year.series_id == series && a.year.year < year)
        .max_by_key(|a| a.year.year)
}

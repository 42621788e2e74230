//! Volunteers and teams per conference year, the global profile, and starting a
//! new year (MY-5, MY-6, MY-9…13, MY-20). Every route under
//! `/conferences/{slug}` is bound to that one conference year.

mod apply;
mod profile;
mod review;
mod sealing;
mod teams;
mod years;

pub(crate) use review::summary_view;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::profile::SocialHandles;
use tessera_aggregates::volunteer::{ApplicationStatus, VolunteerForm};
use tessera_projections::Projection;
use tessera_projections::volunteers::{
    APPLICATIONS, ApplicationRow, TEAMS, TeamRow, VolunteerRow, Volunteers,
};
use tessera_replay::storage;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::access::Group;
use crate::http::error::ApiResult;

pub fn groups() -> Vec<Group> {
    let mut groups = profile::groups();
    groups.extend(apply::groups());
    groups.extend(review::groups());
    groups.extend(teams::groups());
    groups.extend(years::groups());
    groups
}

/// Social handles, on the profile and on a volunteer form.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(as = VolunteerSocialHandles)]
pub struct SocialBody {
    #[serde(default)]
    #[schema(max_length = 100)]
    pub github: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub linkedin: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub mastodon: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub bluesky: String,
}

impl From<SocialBody> for SocialHandles {
    fn from(s: SocialBody) -> Self {
        Self {
            github: s.github,
            linkedin: s.linkedin,
            mastodon: s.mastodon,
            bluesky: s.bluesky,
        }
    }
}

impl From<SocialHandles> for SocialBody {
    fn from(s: SocialHandles) -> Self {
        Self {
            github: s.github,
            linkedin: s.linkedin,
            mastodon: s.mastodon,
            bluesky: s.bluesky,
        }
    }
}

/// A volunteer form (MY-12), as sent and as pre-filled.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct VolunteerFormBody {
    #[serde(default)]
    pub social: SocialBody,
    #[serde(default)]
    #[schema(value_type = Vec<crate::http::input::SlugString>)]
    pub languages: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub region: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub chapter: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub availability: String,
    /// MY-13: earlier years of the series ("2024"), or "first_time".
    #[serde(default)]
    #[schema(value_type = Vec<crate::http::input::SlugString>)]
    pub previous_events: Vec<String>,
}

impl From<VolunteerFormBody> for VolunteerForm {
    fn from(f: VolunteerFormBody) -> Self {
        Self {
            social: f.social.into(),
            languages: f.languages,
            region: f.region,
            chapter: f.chapter,
            availability: f.availability,
            previous_events: f.previous_events,
        }
    }
}

impl From<VolunteerForm> for VolunteerFormBody {
    fn from(f: VolunteerForm) -> Self {
        Self {
            social: f.social.into(),
            languages: f.languages,
            region: f.region,
            chapter: f.chapter,
            availability: f.availability,
            previous_events: f.previous_events,
        }
    }
}

/// One application of one conference year.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub user_id: Uuid,
    pub conference_id: Uuid,
    pub year: i32,
    /// pending, approved, waitlisted, rejected or cancelled.
    #[schema(value_type = String)]
    pub status: ApplicationStatus,
    pub form: VolunteerFormBody,
    pub teams: Vec<String>,
    pub roles: Vec<String>,
    /// Set when an organizer brought it forward from an earlier year.
    pub brought_forward_from: Option<Uuid>,
    pub applied_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ApplicationRow> for ApplicationView {
    fn from(a: ApplicationRow) -> Self {
        Self {
            user_id: a.user_id,
            conference_id: a.year.conference_id,
            year: a.year.year,
            status: a.status,
            form: a.form.into(),
            teams: a.teams,
            roles: a.roles,
            brought_forward_from: a.brought_forward_from,
            applied_at: a.applied_at,
            updated_at: a.updated_at,
        }
    }
}

/// A command's answer: send `position` as `X-Tessera-After` to read it back.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerAccepted {
    #[schema(value_type = Option<String>)]
    pub status: Option<ApplicationStatus>,
    /// Null when nothing changed.
    pub position: Option<i64>,
}

/// Every application row of every year (earlier years decide pre-fill and
/// returning volunteers).
pub(crate) async fn all_applications(app: &AppState) -> ApiResult<Vec<ApplicationRow>> {
    let rows = storage::live_rows_with_prefix(&app.db, Volunteers::NAME, APPLICATIONS).await?;
    let mut out = vec![];
    for (_, doc) in rows {
        if let VolunteerRow::Application(a) = serde_json::from_str(&doc)? {
            out.push(a);
        }
    }
    out.sort_by_key(|a| a.position);
    Ok(out)
}

/// The applications of one conference year, oldest first.
pub(crate) async fn applications_of(
    app: &AppState,
    conference: Uuid,
) -> ApiResult<Vec<ApplicationRow>> {
    let mut all = all_applications(app).await?;
    all.retain(|a| a.year.conference_id == conference);
    Ok(all)
}

/// The teams of one conference year, by name.
pub(crate) async fn teams_of(app: &AppState, conference: Uuid) -> ApiResult<Vec<TeamRow>> {
    let rows = storage::live_rows_with_prefix(&app.db, Volunteers::NAME, TEAMS).await?;
    let mut out = vec![];
    for (_, doc) in rows {
        if let VolunteerRow::Team(t) = serde_json::from_str(&doc)?
            && t.conference_id == conference
        {
            out.push(t);
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// What a copy into a new year did.
#[derive(Debug, Serialize, ToSchema)]
pub struct CopiedView {
    pub created: u32,
    /// Already there (a team name, or a user already applying).
    pub skipped: u32,
    pub position: Option<i64>,
}

impl From<crate::process::volunteers::Copied> for CopiedView {
    fn from(c: crate::process::volunteers::Copied) -> Self {
        Self {
            created: c.created,
            skipped: c.skipped,
            position: c.position,
        }
    }
}

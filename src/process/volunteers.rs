//! Volunteering per conference year (MY-5, MY-6, MY-11…13, MY-20): applying,
//! bringing last year's approved volunteers forward, cloning last year's teams.
//!
//! | Step | Command |
//! |---|---|
//! | apply | `Volunteer.Apply`, with the year's open flag and the series' earlier years (MY-13) |
//! | review | `Volunteer.Approve` (every team must exist in the year) / `Waitlist` / `Reject` |
//! | bring forward | `Volunteer.BringForward` per approved application of the earlier year (a no-op for users already applying) |
//! | clone teams | `Team.Create { cloned_from }` per team of the earlier year (a no-op for names that exist) |
//!
//! Every step is idempotent, so running one again after a failure finishes it.
//! The earlier year's rows are read by the caller from the `volunteers`
//! projection and handed in.

use tessera_aggregates::conference::{Conference, ConferenceError};
use tessera_aggregates::series::{Series, SeriesError};
use tessera_aggregates::team::{Team, TeamCommand, TeamError, team_id};
use tessera_aggregates::user::Sealed;
use tessera_aggregates::volunteer::{
    ApplicationStatus, Volunteer, VolunteerCommand, VolunteerError, VolunteerForm, Year,
    volunteer_id,
};
use tessera_projections::EventMeta;
use tessera_projections::volunteers::{ApplicationRow, TeamRow};
use uuid::Uuid;

use super::Context;
use crate::bus::BusError;
use crate::outcome::Sent;
use crate::provision::ProvisionError;
use crate::refusal::{Failure, Kind};

/// Why a volunteer or team flow did not happen.
#[derive(Debug, thiserror::Error)]
pub enum YearFlowError {
    #[error("Conference not found.")]
    NoConference,
    #[error("This series has no earlier conference year to copy from.")]
    NoEarlierYear,
    #[error("Unknown team \"{0}\" in this conference.")]
    UnknownTeam(String),
    #[error("Only the series' active conference starts the next year.")]
    NotActive,
    #[error("The active conference has not ended yet (it ends on {0}).")]
    NotEnded(chrono::NaiveDate),
    #[error(transparent)]
    Volunteer(#[from] BusError<VolunteerError>),
    #[error(transparent)]
    Team(#[from] BusError<TeamError>),
    #[error(transparent)]
    Conference(#[from] BusError<ConferenceError>),
    #[error(transparent)]
    Series(#[from] BusError<SeriesError>),
    #[error(transparent)]
    Provision(#[from] ProvisionError),
}

impl Failure for YearFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoConference => "conf.not_found",
            Self::NoEarlierYear => "year.no_earlier_year",
            Self::UnknownTeam(_) => "vol.unknown_team",
            Self::NotActive => "year.not_active",
            Self::NotEnded(_) => "year.not_ended",
            Self::Volunteer(e) => e.code(),
            Self::Team(e) => e.code(),
            Self::Conference(e) => e.code(),
            Self::Series(e) => e.code(),
            Self::Provision(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::NoConference => Kind::NotFound,
            Self::NoEarlierYear | Self::UnknownTeam(_) | Self::NotEnded(_) => Kind::Refused,
            Self::NotActive => Kind::Conflict,
            Self::Volunteer(e) => e.kind(),
            Self::Team(e) => e.kind(),
            Self::Conference(e) => e.kind(),
            Self::Series(e) => e.kind(),
            Self::Provision(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Volunteer(e) => Some(e),
            Self::Team(e) => Some(e),
            Self::Conference(e) => Some(e),
            Self::Series(e) => Some(e),
            Self::Provision(e) => Some(e),
            _ => None,
        }
    }
}

/// A conference year as the volunteer rules need it.
#[derive(Debug, Clone)]
pub struct YearOf {
    pub year: Year,
    pub slug: String,
    pub applications_open: bool,
    /// MY-13: the series' years before this one, ascending.
    pub earlier_years: Vec<i32>,
    /// The series' conference of the latest earlier year, if any.
    pub previous: Option<(Uuid, String, i32)>,
}

/// The year of `conference`, with its series' earlier years.
pub async fn year_of(ctx: Context<'_>, conference: Uuid) -> Result<YearOf, YearFlowError> {
    let found = ctx
        .bus
        .inspect(&Conference::stream(conference), |c| {
            c.exists().then(|| {
                (
                    c.series_id(),
                    c.year(),
                    c.slug().to_string(),
                    c.details().volunteer_application_open,
                )
            })
        })
        .await?;
    let (series_id, year, slug, open) = found.ok_or(YearFlowError::NoConference)?;
    let earlier = ctx
        .bus
        .inspect(&Series::stream(series_id), |s| {
            s.conferences()
                .filter(|c| c.year < year)
                .map(|c| (c.conference_id, c.slug.clone(), c.year))
                .collect::<Vec<_>>()
        })
        .await?;
    Ok(YearOf {
        year: Year {
            conference_id: conference,
            series_id,
            year,
        },
        slug,
        applications_open: open,
        earlier_years: earlier.iter().map(|(_, _, y)| *y).collect(),
        previous: earlier.last().cloned(),
    })
}

/// MY-11: `user` applies for the year of `conference`; `sealed_social` is the
/// form's social handles sealed under the user's key.
pub async fn apply(
    ctx: Context<'_>,
    conference: Uuid,
    user: Uuid,
    form: VolunteerForm,
    sealed_social: Option<Sealed>,
    meta: &EventMeta,
) -> Result<Sent, YearFlowError> {
    let year = year_of(ctx, conference).await?;
    let cmd = VolunteerCommand::Apply {
        year: year.year,
        user,
        form,
        open: year.applications_open,
        earlier_years: year.earlier_years,
        sealed_social,
    };
    let id = Volunteer::stream(volunteer_id(conference, user));
    Ok(ctx.bus.send(&id, cmd, meta).await?)
}

/// A review decision.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Approve {
        teams: Vec<String>,
        roles: Vec<String>,
    },
    Waitlist,
    Reject,
}

/// Reviews `user`'s application for `conference`; approving names teams that
/// exist in that year.
pub async fn review(
    ctx: Context<'_>,
    conference: Uuid,
    user: Uuid,
    decision: Decision,
    meta: &EventMeta,
) -> Result<Sent, YearFlowError> {
    let cmd = match decision {
        Decision::Approve { teams, roles } => {
            for slug in &teams {
                let id = team_id(conference, slug.trim()).to_string();
                if !ctx.bus.inspect(&Team::stream(id), |t| t.exists()).await? {
                    return Err(YearFlowError::UnknownTeam(slug.clone()));
                }
            }
            VolunteerCommand::Approve { teams, roles }
        }
        Decision::Waitlist => VolunteerCommand::Waitlist,
        Decision::Reject => VolunteerCommand::Reject,
    };
    let id = Volunteer::stream(volunteer_id(conference, user));
    Ok(ctx.bus.send(&id, cmd, meta).await?)
}

/// What a copy into a new year did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Copied {
    pub created: u32,
    pub skipped: u32,
    pub position: Option<i64>,
}

impl Copied {
    fn count(&mut self, sent: Sent) {
        match sent.position {
            Some(p) => {
                self.created += 1;
                self.position = self.position.max(Some(p));
            }
            None => self.skipped += 1,
        }
    }
}

/// Bring forward: every approved application of `from` (rows of that year)
/// becomes a pending application of `to`; pending, waitlisted, rejected and
/// cancelled ones are left behind, and users already applying to `to` are skipped.
pub async fn bring_forward(
    ctx: Context<'_>,
    to: &YearOf,
    from: Uuid,
    from_rows: &[ApplicationRow],
    meta: &EventMeta,
) -> Result<Copied, YearFlowError> {
    let mut copied = Copied::default();
    for row in from_rows
        .iter()
        .filter(|a| a.year.conference_id == from && a.status == ApplicationStatus::Approved)
    {
        let cmd = VolunteerCommand::BringForward {
            year: to.year,
            user: row.user_id,
            form: row.form.clone(),
            from,
            sealed_social: row.sealed_social.clone(),
        };
        let id = Volunteer::stream(volunteer_id(to.year.conference_id, row.user_id));
        copied.count(ctx.bus.send(&id, cmd, meta).await?);
    }
    Ok(copied)
}

/// MY-20: the teams of `from` (rows of that year) are created in `to` with their
/// names and descriptions, and their leads when `with_leads`; a name that exists
/// in `to` is skipped, so a second run creates nothing.
pub async fn clone_teams(
    ctx: Context<'_>,
    to: Uuid,
    from: Uuid,
    from_teams: &[TeamRow],
    with_leads: bool,
    meta: &EventMeta,
) -> Result<Copied, YearFlowError> {
    let mut copied = Copied::default();
    for team in from_teams.iter().filter(|t| t.conference_id == from) {
        let cmd = TeamCommand::Create {
            conference_id: to,
            slug: team.slug.clone(),
            name: team.name.clone(),
            description: team.description.clone(),
            leads: if with_leads {
                team.leads.clone()
            } else {
                vec![]
            },
            cloned_from: Some(from),
        };
        let id = Team::stream(team_id(to, &team.slug));
        copied.count(ctx.bus.send(&id, cmd, meta).await?);
    }
    Ok(copied)
}

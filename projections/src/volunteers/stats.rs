//! The volunteer figures of one conference year, for the organizers' summary and
//! for a conference's statistics to include as a section.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use tessera_aggregates::volunteer::ApplicationStatus;
use uuid::Uuid;

use super::ApplicationRow;

/// Volunteers of one team (approved into it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamCount {
    pub team: String,
    pub volunteers: u32,
}

/// Volunteer counts by status and team, and the returning-volunteer share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolunteerSummary {
    pub conference_id: Uuid,
    pub year: Option<i32>,
    /// Every status, zero included.
    pub by_status: BTreeMap<ApplicationStatus, u32>,
    /// Applications of the year, whatever their status.
    pub applications: u32,
    /// Approved volunteers per team slug, by slug.
    pub by_team: Vec<TeamCount>,
    /// Applicants of the year with an application in an earlier year of the series.
    pub returning: u32,
    /// returning / applications, 2 decimal places (0.00 without applications).
    pub returning_share: Decimal,
}

/// The summary of `conference` from every application row (all years: the
/// earlier ones tell who returns).
pub fn summary<'a>(
    all: impl IntoIterator<Item = &'a ApplicationRow> + Clone,
    conference: Uuid,
) -> VolunteerSummary {
    let mine: Vec<&ApplicationRow> = all
        .clone()
        .into_iter()
        .filter(|a| a.year.conference_id == conference)
        .collect();
    let mut by_status: BTreeMap<ApplicationStatus, u32> =
        ApplicationStatus::ALL.iter().map(|s| (*s, 0)).collect();
    let mut by_team: BTreeMap<String, u32> = BTreeMap::new();
    let mut returning = 0;
    for a in &mine {
        *by_status.entry(a.status).or_default() += 1;
        if a.status == ApplicationStatus::Approved {
            for t in &a.teams {
                *by_team.entry(t.clone()).or_default() += 1;
            }
        }
        let earlier = all.clone().into_iter().any(|o| {
            o.user_id == a.user_id
                && o.year.series_id == a.year.series_id
                && o.year.year < a.year.year
        });
        if earlier {
            returning += 1;
        }
    }
    let applications = mine.len() as u32;
    let mut returning_share = if applications == 0 {
        Decimal::ZERO
    } else {
        (Decimal::from(returning) / Decimal::from(applications)).round_dp(2)
    };
    returning_share.rescale(2);
    VolunteerSummary {
        conference_id: conference,
        year: mine.first().map(|a| a.year.year),
        by_status,
        applications,
        by_team: by_team
            .into_iter()
            .map(|(team, volunteers)| TeamCount { team, volunteers })
            .collect(),
        returning,
        returning_share,
    }
}

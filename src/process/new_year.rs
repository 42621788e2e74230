//! Starting a new year (MY-2, MY-4, MY-20): an organizer creates next year's
//! conference from the series' active one, once that one has ended.
//!
//! | Step | Command |
//! |---|---|
//! | 1 | refuse unless `from` is the series' active conference and its end date has passed |
//! | 2 | `Series.RegisterConference`, `Conference.Create`, `Inventory.Open` ([`crate::provision`]): name, year and dates advanced by one year, year-bound configuration copied, every open/closed flag closed |
//! | 3 | `Conference.GrantRole`: the active year's organizers organize the new one |
//! | 4 | clone the teams, then bring the approved volunteers forward ([`super::volunteers`]) |
//!
//! The new year is not activated: activation (`Series.Activate`) switches the
//! series' active year when the organizers are ready. Every step is idempotent:
//! the same request again finishes what a failure left.

use chrono::{Months, NaiveDate};
use tessera_aggregates::conference::{Conference, ConferenceCommand, ConferenceDetails, Role};
use tessera_aggregates::series::Series;
use tessera_projections::volunteers::{ApplicationRow, TeamRow};
use uuid::Uuid;

use super::Context;
use super::volunteers::{Copied, YearFlowError, bring_forward, clone_teams, year_of};
use crate::meta::CommandMeta;
use crate::provision;

/// What the client may choose about the new year.
#[derive(Debug, Clone, Default)]
pub struct NextYearOptions {
    /// Defaults to the active slug with its year advanced (or "-{year}" added).
    pub slug: Option<String>,
    /// Defaults to the active name with its year advanced.
    pub name: Option<String>,
    /// Copy the team leads too (MY-20).
    pub with_leads: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NextYear {
    pub id: Uuid,
    pub slug: String,
    pub year: i32,
    pub teams: Copied,
    pub volunteers: Copied,
    pub position: Option<i64>,
}

/// The active year's text with `year` replaced by `year + 1`, or `fallback` when
/// it does not mention the year.
fn advance(text: &str, year: i32, fallback: impl FnOnce() -> String) -> String {
    let y = year.to_string();
    if text.contains(&y) {
        text.replace(&y, &(year + 1).to_string())
    } else {
        fallback()
    }
}

/// The same day one year later (29 February becomes 28 February).
fn next_year_date(d: NaiveDate) -> NaiveDate {
    d.checked_add_months(Months::new(12)).unwrap_or(d)
}

/// MY-4: the new year's details: the year-bound configuration copied, the dates
/// advanced, the flags closed and the year's own figures reset.
pub fn next_details(
    active: &ConferenceDetails,
    year: i32,
    name: Option<String>,
) -> ConferenceDetails {
    ConferenceDetails {
        name: name.unwrap_or_else(|| {
            advance(&active.name, year, || {
                format!("{} {}", active.name, year + 1)
            })
        }),
        start_date: next_year_date(active.start_date),
        end_date: next_year_date(active.end_date),
        proposals_count: 0,
        volunteer_application_open: false,
        sponsorship_open: false,
        accepting_donations: false,
        ..active.clone()
    }
}

/// Creates the year after `from` (the series' active conference, ended), its
/// teams and its brought-forward volunteers. `teams` and `applications` are the
/// rows of the `volunteers` projection for `from`.
pub async fn start_next_year(
    ctx: Context<'_>,
    from: Uuid,
    options: NextYearOptions,
    teams: &[TeamRow],
    applications: &[ApplicationRow],
    meta: &CommandMeta,
) -> Result<NextYear, YearFlowError> {
    let found = ctx
        .bus
        .inspect(&Conference::stream(from), |c| {
            c.exists().then(|| {
                let organizers: Vec<Uuid> = c
                    .role_grants()
                    .iter()
                    .filter(|(_, roles)| roles.contains(&Role::Organizer))
                    .map(|(u, _)| *u)
                    .collect();
                (
                    c.series_id(),
                    c.series_slug().to_string(),
                    c.slug().to_string(),
                    c.year(),
                    c.details().clone(),
                    organizers,
                )
            })
        })
        .await?;
    let (series_id, series_slug, slug, year, details, organizers) =
        found.ok_or(YearFlowError::NoConference)?;
    let active = ctx
        .bus
        .inspect(&Series::stream(series_id), |s| s.active())
        .await?;
    if active != Some(from) {
        return Err(YearFlowError::NotActive);
    }
    if ctx.now().date_naive() <= details.end_date {
        return Err(YearFlowError::NotEnded(details.end_date));
    }
    let new_slug = options
        .slug
        .unwrap_or_else(|| advance(&slug, year, || format!("{slug}-{}", year + 1)));
    let new_details = next_details(&details, year, options.name);
    let made = provision::create_conference(
        ctx.bus,
        &series_slug,
        &new_slug,
        year + 1,
        new_details,
        meta,
    )
    .await?;
    let event_meta = meta.for_conf(Some(made.id));
    let mut position = made.position;
    for user in organizers {
        let sent = ctx
            .bus
            .send(
                &Conference::stream(made.id),
                ConferenceCommand::GrantRole {
                    user,
                    role: Role::Organizer,
                },
                &event_meta,
            )
            .await?;
        position = position.max(sent.position);
    }
    let teams = clone_teams(ctx, made.id, from, teams, options.with_leads, &event_meta).await?;
    let to = year_of(ctx, made.id).await?;
    let volunteers = bring_forward(ctx, &to, from, applications, &event_meta).await?;
    Ok(NextYear {
        id: made.id,
        slug: made.slug,
        year: made.year,
        position: position.max(teams.position).max(volunteers.position),
        teams,
        volunteers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn details() -> ConferenceDetails {
        ConferenceDetails {
            name: "PyLadiesCon 2025".into(),
            start_date: NaiveDate::from_ymd_opt(2025, 12, 5).unwrap_or_default(),
            end_date: NaiveDate::from_ymd_opt(2025, 12, 7).unwrap_or_default(),
            proposals_count: 194,
            volunteer_application_open: true,
            sponsorship_open: true,
            sponsorship_goal: rust_decimal::Decimal::new(1500000, 2),
            ..Default::default()
        }
    }

    #[test]
    fn my_4_the_next_year_advances_name_and_dates_copies_config_and_closes_flags() {
        let next = next_details(&details(), 2025, None);
        assert_eq!(next.name, "PyLadiesCon 2026");
        assert_eq!(next.start_date.year(), 2026);
        assert_eq!(
            next.end_date,
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap_or_default()
        );
        assert_eq!(next.sponsorship_goal, details().sponsorship_goal);
        assert_eq!(next.proposals_count, 0);
        assert!(!next.volunteer_application_open && !next.sponsorship_open);
        assert!(!next.accepting_donations);
    }

    #[test]
    fn a_name_without_its_year_gets_the_new_year_appended() {
        let d = ConferenceDetails {
            name: "PyLadiesCon".into(),
            ..details()
        };
        assert_eq!(next_details(&d, 2025, None).name, "PyLadiesCon 2026");
    }
}

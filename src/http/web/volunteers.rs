//! The volunteers page of a conference year: applications by status and approved
//! volunteers by team, the returning share (MY-12; the figures
//! `GET …/volunteers/summary` answers, the stats `volunteers` section), the teams
//! with their leads and members (MY-5, as `GET …/teams` counts them) and a paged
//! table of the applications (as `GET …/volunteers` lists them), names opened from
//! the user directory for the page's rows only.

use askama::Template;
use axum::extract::{Path, Query, State};
use tessera_aggregates::volunteer::ApplicationStatus;

use super::fundraising::{Breakdown, Figure, figure};
use super::grants::Cursor;
use super::{Nav, PageResult, Session, charts, render};
use crate::app::AppState;
use crate::http::conferences::MANAGE;
use crate::http::page::{PageParams, Paging, page_in_memory, time_sort};
use crate::http::registration::attendee_list::name_and_email;
use crate::http::volunteers::{applications_of, summary_view, teams_of};

pub(crate) struct TeamLine {
    pub slug: String,
    pub name: String,
    pub leads: usize,
    pub members: usize,
}

pub(crate) struct ApplicationLine {
    pub name: String,
    pub status: String,
    pub teams: String,
    pub roles: String,
    pub applied: String,
}

#[derive(Template)]
#[template(path = "volunteers.html")]
struct VolunteersPage {
    nav: Nav,
    conference: String,
    figures: Vec<Figure>,
    statuses: Vec<Breakdown>,
    by_team: Vec<Breakdown>,
    team_chart: String,
    teams: Vec<TeamLine>,
    rows: Vec<ApplicationLine>,
    total: String,
    next: Option<String>,
}

/// The year's volunteers and teams.
pub(super) async fn volunteers(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
    Query(q): Query<Cursor>,
) -> PageResult {
    let paging = Paging::parse(PageParams {
        limit: None,
        cursor: q.cursor,
    })?;
    let conf = app.gate(&slug, MANAGE).await?;
    let s = summary_view(&app, conf.id).await?;
    let figures = vec![
        figure("applications", "Applications", s.applications),
        figure("returning", "Returning volunteers", s.returning),
        figure(
            "returning_share",
            "Returning share",
            format!("{:.2}", s.returning_share),
        ),
    ];
    let statuses = s
        .by_status
        .iter()
        .map(|(k, v)| Breakdown {
            id: format!("status-{k}"),
            label: k.clone(),
            count: *v,
            amount: String::new(),
            detail: String::new(),
        })
        .collect();
    let by_team: Vec<Breakdown> = s
        .by_team
        .iter()
        .map(|(k, v)| Breakdown {
            id: format!("team-{k}"),
            label: k.clone(),
            count: *v,
            amount: String::new(),
            detail: String::new(),
        })
        .collect();
    let team_chart = charts::bars(
        "Approved volunteers by team",
        &by_team
            .iter()
            .map(|b| (b.label.clone(), f64::from(b.count)))
            .collect::<Vec<_>>(),
    );
    let applications = applications_of(&app, conf.id).await?;
    let teams = teams_of(&app, conf.id)
        .await?
        .into_iter()
        .map(|t| TeamLine {
            members: applications
                .iter()
                .filter(|a| a.status == ApplicationStatus::Approved && a.teams.contains(&t.slug))
                .count(),
            leads: t.leads.len(),
            slug: t.slug,
            name: t.name,
        })
        .collect();
    // The JSON list's order and paging (oldest first).
    let items = applications
        .into_iter()
        .map(|a| (time_sort(&a.applied_at), a.user_id.to_string(), a))
        .collect();
    let page = page_in_memory(&paging, "applied", false, items)?;
    let mut rows = Vec::with_capacity(page.items.len());
    for a in page.items {
        let (name, _) = name_and_email(&app, a.user_id).await?;
        rows.push(ApplicationLine {
            name,
            status: a.status.as_str().to_string(),
            teams: a.teams.join(", "),
            roles: a.roles.join(", "),
            applied: a.applied_at.format("%Y-%m-%d").to_string(),
        });
    }
    render(&VolunteersPage {
        nav: Nav::of(&app, &session),
        conference: slug,
        figures,
        statuses,
        by_team,
        team_chart,
        teams,
        rows,
        total: page.total.map(|t| t.to_string()).unwrap_or_default(),
        next: page.next_cursor.map(|c| format!("?cursor={c}")),
    })
}

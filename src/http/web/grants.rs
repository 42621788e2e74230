//! The travel grants page of a conference: the budget (committed, remaining,
//! disbursed; ANA-15, ANA-33, AMB-14/15), applications by status (GRANT-12) and a
//! paged table of the applications, each applicant's name opened from the user
//! directory (sealed personal data) for the page's rows only. The figures are the
//! ones `GET …/grants/summary` answers; the rows the ones `GET …/grants` lists.

use askama::Template;
use axum::extract::{Path, Query, State};
use rust_decimal::Decimal;
use serde::Deserialize;
use tessera_aggregates::travel_grant::GrantStatus;

use super::fundraising::{Breakdown, Figure, Progress, figure, money, progress};
use super::{Nav, PageResult, Session, charts, render};
use crate::app::AppState;
use crate::http::grants::{MANAGE, budget_summary, conference_grants};
use crate::http::page::{PageParams, Paging, page_in_memory, time_sort};
use crate::http::registration::attendee_list::name_and_email;

#[derive(Deserialize, Default)]
pub(super) struct Cursor {
    pub cursor: Option<String>,
}

pub(crate) struct GrantLine {
    pub name: String,
    pub status: String,
    pub requested: String,
    pub approved: String,
    pub disbursed: String,
}

#[derive(Template)]
#[template(path = "grants.html")]
struct GrantsPage {
    nav: Nav,
    conference: String,
    budget: Vec<Figure>,
    committed: Option<Progress>,
    statuses: Vec<Breakdown>,
    chart: String,
    rows: Vec<GrantLine>,
    total: String,
    next: Option<String>,
}

fn opt_money(d: Option<Decimal>) -> String {
    d.map(money).unwrap_or_else(|| "—".into())
}

/// The grant budget and the applications.
pub(super) async fn grants(
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
    let s = budget_summary(&app, conf.id).await?;
    let budget = vec![
        figure("budget", "Budget", opt_money(s.budget)),
        figure("committed", "Committed", money(s.committed)),
        figure("remaining", "Remaining", opt_money(s.remaining)),
        figure("disbursed", "Disbursed", money(s.total_disbursed)),
        figure("requested", "Requested", money(s.total_requested)),
        figure("applications", "Applications", s.total),
    ];
    let committed = s.budget.filter(|b| !b.is_zero()).map(|b| {
        progress(
            "Budget committed",
            "committed_percent",
            s.committed,
            b,
            s.committed_percent.unwrap_or_default(),
        )
    });
    let all = conference_grants(&app, conf.id).await?;
    let statuses: Vec<Breakdown> = GrantStatus::ALL
        .iter()
        .map(|st| Breakdown {
            id: format!("status-{}", st.as_str()),
            label: st.as_str().replace('_', " "),
            count: all.iter().filter(|g| g.status == *st).count() as u32,
            amount: String::new(),
            detail: String::new(),
        })
        .collect();
    let chart = charts::bars(
        "Applications by status",
        &statuses
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| (b.label.clone(), f64::from(b.count)))
            .collect::<Vec<_>>(),
    );
    // The JSON list's order and paging (oldest first).
    let items = all
        .into_iter()
        .map(|r| (time_sort(&r.created_at), r.id.to_string(), r))
        .collect();
    let page = page_in_memory(&paging, "created", false, items)?;
    let mut rows = Vec::with_capacity(page.items.len());
    for g in page.items {
        let (name, _) = name_and_email(&app, g.applicant).await?;
        rows.push(GrantLine {
            name,
            status: g.status.as_str().replace('_', " "),
            requested: money(g.application.requested_amount),
            approved: opt_money(g.approved_amount),
            disbursed: opt_money(g.disbursed_amount),
        });
    }
    render(&GrantsPage {
        nav: Nav::of(&app, &session),
        conference: slug,
        budget,
        committed,
        statuses,
        chart,
        rows,
        total: page.total.map(|t| t.to_string()).unwrap_or_default(),
        next: page.next_cursor.map(|c| format!("?cursor={c}")),
    })
}

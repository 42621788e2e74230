//! A conference's lists: attendees with their check-in, activity rosters,
//! vouchers, the CSV exports, and for admins the projections' status. Each reads
//! through the JSON handler's own function.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::Value;

use super::{Nav, PageError, PageResult, Row4, Session, render, text};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::page::{PageParams, Paging};
use crate::http::registration::attendee_list::{AttendeesQuery, attendees_page};
use crate::http::stats::stats_of;
use tessera_projections::Projection;
use tessera_projections::activity_roster::{ActivityRoster, RosterRow};
use tessera_replay::storage;

#[derive(Deserialize, Default)]
pub(super) struct AttendeeFilter {
    #[serde(default)]
    checked_in: String,
    cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "attendees.html")]
struct AttendeesPage {
    nav: Nav,
    conference: String,
    filter: String,
    rows: Vec<Row4>,
    total: String,
    checked_in: String,
    attendees: String,
    next: Option<String>,
}

/// Attendees with their check-in status (live: refreshed on each check-in).
pub(super) async fn attendees(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
    Query(f): Query<AttendeeFilter>,
) -> PageResult {
    let checked = match f.checked_in.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let q = AttendeesQuery {
        checked_in: checked,
        ticket_type: None,
        email: None,
        name: None,
        sort: None,
    };
    let paging = Paging::parse(PageParams {
        limit: None,
        cursor: f.cursor.clone(),
    })?;
    let page = attendees_page(&app, &slug, q, paging).await?;
    let conf = app.conference(&slug).await?;
    let stats = stats_of(&app, conf.id, &slug, None, true).await?;
    let ci = &stats.stats["sections"]["checkins"];
    render(&AttendeesPage {
        nav: Nav::of(&app, &session),
        conference: slug,
        filter: f.checked_in.clone(),
        rows: page
            .items
            .into_iter()
            .map(|a| {
                Row4(
                    a.name,
                    a.attendee.ticket_type,
                    if a.attendee.checked_in {
                        "Checked in"
                    } else {
                        "Not yet"
                    }
                    .to_string(),
                    a.attendee
                        .checked_in_at
                        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        total: page.total.map(|t| t.to_string()).unwrap_or_default(),
        checked_in: text(&ci["checked_in"]),
        attendees: text(&ci["attendees"]),
        next: page.next_cursor.map(|c| {
            format!(
                "?checked_in={}&cursor={c}",
                super::session::encode(&f.checked_in)
            )
        }),
    })
}

#[derive(Template)]
#[template(path = "table.html")]
struct TablePage {
    nav: Nav,
    conference: String,
    title: String,
    caption: String,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

async fn section(app: &AppState, slug: &str, name: &str) -> Result<Value, PageError> {
    let conf = app.conference(slug).await?;
    let view = stats_of(app, conf.id, slug, None, true).await?;
    Ok(view.stats["sections"][name].clone())
}

/// Activity rosters: capacity, confirmed, waitlist, utilization.
pub(super) async fn activities(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
) -> PageResult {
    let s = section(&app, &slug, "activities").await?;
    let rows = s
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| {
            [
                "name",
                "max_participants",
                "confirmed",
                "waitlisted",
                "cancelled",
                "utilization",
            ]
            .iter()
            .map(|k| text(&a[*k]))
            .collect()
        })
        .collect();
    render(&TablePage {
        nav: Nav::of(&app, &session),
        conference: slug,
        title: "Activities".into(),
        caption: "Activity rosters with their waitlists".into(),
        headers: vec![
            "Activity",
            "Capacity",
            "Confirmed",
            "Waitlist",
            "Cancelled",
            "Utilization %",
        ],
        rows,
    })
}

/// Vouchers with their use.
pub(super) async fn vouchers(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
) -> PageResult {
    let s = section(&app, &slug, "vouchers").await?;
    let rows = s["codes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| {
            ["code", "uses", "paid_orders", "revenue_impact", "revenue"]
                .iter()
                .map(|k| text(&v[*k]))
                .collect()
        })
        .collect();
    render(&TablePage {
        nav: Nav::of(&app, &session),
        conference: slug,
        title: "Vouchers".into(),
        caption: format!("Vouchers and their use ({} uses held)", text(&s["used"])),
        headers: vec!["Code", "Uses", "Paid orders", "Discount given", "Revenue"],
        rows,
    })
}

#[derive(Template)]
#[template(path = "exports.html")]
struct Exports {
    nav: Nav,
    conference: String,
    reports: Vec<(&'static str, &'static str)>,
    /// (slug, name) of the activities, each with its signups export.
    activities: Vec<(String, String)>,
}

/// Links to the CSV exports (the API's streamed files).
pub(super) async fn exports(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
) -> PageResult {
    let conf = app.conference(&slug).await?;
    let mut activities = vec![];
    for (_, doc) in storage::live_rows_with_prefix(&app.db, ActivityRoster::NAME, "activity:")
        .await
        .map_err(ApiError::from)?
    {
        if let Ok(RosterRow::Activity(a)) = serde_json::from_str(&doc)
            && a.conference_id == conf.id
        {
            activities.push((a.slug, a.details.name));
        }
    }
    activities.sort();
    render(&Exports {
        nav: Nav::of(&app, &session),
        conference: slug,
        reports: vec![
            ("inventory", "Inventory"),
            ("sales-by-date", "Sales by date"),
            ("registration-flow", "Registration flow"),
            ("reconciliation", "Reconciliation"),
            ("attendees", "Attendees"),
            ("vouchers", "Vouchers"),
            ("credit-notes", "Credit notes"),
            ("speaker-registrations", "Speaker registrations"),
            ("visa-letters", "Visa letters"),
        ],
        activities,
    })
}

pub(crate) struct OpsRow {
    pub name: String,
    pub version: i64,
    pub generation: i64,
    pub status: String,
    pub checkpoint: i64,
    pub lag: i64,
    pub progress: String,
}

#[derive(Template)]
#[template(path = "ops.html")]
struct Ops {
    nav: Nav,
    head: i64,
    runner: i64,
    rows: Vec<OpsRow>,
}

/// Admins: each projection generation, its lag, a rebuild's progress.
pub(super) async fn ops(State(app): State<AppState>, session: Session) -> PageResult {
    let status = tessera_replay::admin::status(&app.db)
        .await
        .map_err(ApiError::internal)?;
    let head = status.first().map_or(0, |s| s.head);
    render(&Ops {
        nav: Nav::of(&app, &session),
        head,
        runner: app.runner.position(),
        rows: status
            .into_iter()
            .map(|s| OpsRow {
                progress: if s.head > 0 {
                    format!("{:.1} %", 100.0 * s.checkpoint as f64 / s.head as f64)
                } else {
                    "100.0 %".into()
                },
                name: s.name,
                version: s.version,
                generation: s.generation,
                status: s.status,
                checkpoint: s.checkpoint,
                lag: s.lag,
            })
            .collect(),
    })
}

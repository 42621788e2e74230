//! The series pages: the conferences of each series by year, a year's overview
//! (KPI tiles, sales over time, revenue by ticket type, stock fill, cart funnel,
//! check-in progress) and the comparison of the years. Figures come from the JSON
//! handlers' own functions (`stats::series::year_view`, `compare`).

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::Value;
use tessera_projections::Projection;
use tessera_projections::conference_catalog::{
    CONFERENCE_PREFIX, CatalogRow, ConferenceCatalog, SERIES_PREFIX,
};
use tessera_replay::storage;

use super::{Nav, PageResult, Session, charts, num, render, text};
use crate::app::AppState;
use crate::http::error::ApiError;
use crate::http::stats::series::{compare as comparison, series_row, year_view};

pub(crate) struct YearLink {
    pub year: i32,
    pub conference: String,
    pub active: bool,
    pub selected: bool,
}

pub(crate) struct SeriesItem {
    pub slug: String,
    pub name: String,
    pub years: Vec<YearLink>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    nav: Nav,
    series: Vec<SeriesItem>,
}

/// The series with their conferences by year, the active one marked.
pub(super) async fn home(State(app): State<AppState>, session: Session) -> PageResult {
    let mut years_of: std::collections::BTreeMap<uuid::Uuid, Vec<YearLink>> = Default::default();
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, ConferenceCatalog::NAME, CONFERENCE_PREFIX)
            .await
            .map_err(ApiError::from)?
    {
        if let Ok(CatalogRow::Conference(c)) = serde_json::from_str(&doc) {
            years_of.entry(c.series_id).or_default().push(YearLink {
                year: c.year,
                conference: c.slug,
                active: c.is_active,
                selected: false,
            });
        }
    }
    let mut series = vec![];
    for (_, doc) in storage::live_rows_with_prefix(&app.db, ConferenceCatalog::NAME, SERIES_PREFIX)
        .await
        .map_err(ApiError::from)?
    {
        if let Ok(CatalogRow::Series(s)) = serde_json::from_str(&doc) {
            let mut years = years_of.remove(&s.id).unwrap_or_default();
            years.sort_by_key(|y| y.year);
            series.push(SeriesItem {
                slug: s.slug,
                name: s.name,
                years,
            });
        }
    }
    series.sort_by(|a, b| a.name.cmp(&b.name));
    render(&Home {
        nav: Nav::of(&app, &session),
        series,
    })
}

#[derive(Deserialize)]
pub(super) struct YearQuery {
    year: Option<i32>,
}

pub(crate) struct Tile {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
    pub target: String,
    /// "met", "missed" or "" (no target).
    pub state: &'static str,
}

pub(crate) struct Fill {
    pub name: String,
    pub sold: String,
    pub capacity: String,
    pub fill: String,
    pub width: f64,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview {
    nav: Nav,
    series: String,
    series_name: String,
    conference: String,
    year: i32,
    years: Vec<YearLink>,
    banner: Option<String>,
    historical: bool,
    tiles: Vec<Tile>,
    sales_chart: String,
    revenue_chart: String,
    funnel_chart: String,
    fills: Vec<Fill>,
    checked_in: String,
    attendees: String,
    checkin_rate: String,
    checkin_width: f64,
}

fn tile(id: &'static str, label: &'static str, value: String) -> Tile {
    Tile {
        id,
        label,
        value,
        target: String::new(),
        state: "",
    }
}

fn kpi(id: &'static str, label: &'static str, k: &Value) -> Tile {
    Tile {
        id,
        label,
        value: text(&k["value"]),
        target: k["target"].as_str().map(str::to_string).unwrap_or_default(),
        state: match k["met"].as_bool() {
            Some(true) => "met",
            Some(false) => "missed",
            None => "",
        },
    }
}

/// A year of the series (`?year=`, else the active one).
pub(super) async fn overview(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    let view = year_view(&app, &session.caller, &slug, q.year, false).await?;
    let series = series_row(&app, &slug).await?;
    let year = view.year.unwrap_or_default();
    let years = series
        .conferences
        .iter()
        .map(|(y, id)| YearLink {
            year: *y,
            conference: String::new(),
            active: series.active_conference == Some(*id),
            selected: *y == year,
        })
        .collect();
    let banner = if view.limited_data {
        view.notice.clone()
    } else {
        view.frozen_at
            .map(|t| format!("Final numbers (frozen on {}).", t.format("%Y-%m-%d")))
    };
    let mut page = Overview {
        nav: Nav::of(&app, &session),
        series: slug.clone(),
        series_name: series.name.clone(),
        conference: view.conference.clone(),
        year,
        years,
        banner,
        historical: view.historical.is_some(),
        tiles: vec![],
        sales_chart: String::new(),
        revenue_chart: String::new(),
        funnel_chart: String::new(),
        fills: vec![],
        checked_in: String::new(),
        attendees: String::new(),
        checkin_rate: String::new(),
        checkin_width: 0.0,
    };
    if let Some(h) = &view.historical {
        page.tiles = vec![
            tile(
                "registrations",
                "Registrations",
                h.registrations.to_string(),
            ),
            tile("sponsors", "Sponsors", h.sponsors.to_string()),
            tile(
                "sponsorship_amount",
                "Sponsorship",
                format!("{:.2}", h.sponsorship_amount),
            ),
            tile("donors", "Donors", h.donors.to_string()),
            tile(
                "donation_amount",
                "Donations",
                format!("{:.2}", h.donation_amount),
            ),
        ];
        return render(&page);
    }
    let s = &view.stats["sections"];
    let k = &s["kpis"];
    page.tiles = vec![
        tile(
            "attendees",
            "Attendees",
            text(&s["registrations"]["attendees"]),
        ),
        tile("net_revenue", "Net revenue", text(&s["money"]["net"])),
        kpi(
            "conversion_rate",
            "Cart conversion %",
            &k["conversion_rate"],
        ),
        kpi("refund_rate", "Refund rate %", &k["refund_rate"]),
        kpi("checkin_rate", "Check-in rate %", &k["checkin_rate"]),
        kpi(
            "revenue_per_attendee",
            "Revenue per attendee",
            &k["revenue_per_attendee"],
        ),
    ];
    let by_day = s["sales"]["by_day"].as_array().cloned().unwrap_or_default();
    let points: Vec<(String, f64)> = by_day
        .iter()
        .map(|d| (text(&d["date"]), num(&d["cumulative_revenue"])))
        .collect();
    page.sales_chart = charts::line("Cumulative revenue by day", &points);
    let types = s["registrations"]["ticket_types"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let revenue: Vec<(String, f64)> = types
        .iter()
        .map(|t| (text(&t["name"]), num(&t["revenue"])))
        .collect();
    page.revenue_chart = charts::bars("Revenue by ticket type", &revenue);
    page.fills = types
        .iter()
        .map(|t| Fill {
            name: text(&t["name"]),
            sold: text(&t["sold"]),
            capacity: if t["capacity"].is_null() {
                "unlimited".to_string()
            } else {
                text(&t["capacity"])
            },
            fill: text(&t["fill_rate"]),
            width: num(&t["fill_rate"]).clamp(0.0, 100.0),
        })
        .collect();
    let c = &s["carts"];
    page.funnel_chart = charts::bars(
        "Cart funnel",
        &[
            ("Carts".to_string(), num(&c["carts"])),
            ("Checked out".to_string(), num(&c["checked_out"])),
            ("Abandoned".to_string(), num(&c["abandoned"])),
            ("Expired".to_string(), num(&c["expired"])),
        ],
    );
    let ci = &s["checkins"];
    page.checked_in = text(&ci["checked_in"]);
    page.attendees = text(&ci["attendees"]);
    page.checkin_rate = text(&ci["checkin_rate"]);
    page.checkin_width = num(&ci["checkin_rate"]).clamp(0.0, 100.0);
    render(&page)
}

pub(crate) struct CompareRow {
    pub label: &'static str,
    pub id: &'static str,
    /// Per year: (value, growth).
    pub cells: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "compare.html")]
struct Compare {
    nav: Nav,
    series: String,
    years: Vec<(i32, String, String)>,
    rows: Vec<CompareRow>,
    chart: String,
}

const METRICS: [(&str, &str); 6] = [
    ("registrations", "Registrations"),
    ("revenue", "Revenue"),
    ("sponsors", "Sponsors"),
    ("sponsorship_amount", "Sponsorship"),
    ("donors", "Donors"),
    ("donation_amount", "Donations"),
];

/// The years side by side, with growth, and registrations across the years.
pub(super) async fn compare(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
) -> PageResult {
    let c = comparison(&app, &session.caller, &slug).await?;
    let rows = METRICS
        .iter()
        .map(|(id, label)| CompareRow {
            id,
            label,
            cells: c
                .years
                .iter()
                .map(|y| {
                    let g = y.growth.get(*id).cloned().unwrap_or(Value::Null);
                    (
                        text(y.metrics.get(*id).unwrap_or(&Value::Null)),
                        if g.is_null() {
                            String::new()
                        } else {
                            format!("{} %", text(&g))
                        },
                    )
                })
                .collect(),
        })
        .collect();
    let points: Vec<(String, f64)> = c
        .years
        .iter()
        .map(|y| {
            (
                y.year.to_string(),
                num(y.metrics.get("registrations").unwrap_or(&Value::Null)),
            )
        })
        .collect();
    render(&Compare {
        nav: Nav::of(&app, &session),
        series: slug,
        years: c
            .years
            .iter()
            .map(|y| {
                (
                    y.year,
                    y.source.clone(),
                    y.retention.clone().unwrap_or_else(|| "—".into()),
                )
            })
            .collect(),
        rows,
        chart: charts::bars("Registrations by year", &points),
    })
}

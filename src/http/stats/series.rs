//! The years of a series (MY-15…17): one year's statistics, and the comparison of
//! every year with growth (ANA-42), retention and lifetime value (ANA-41).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_projections::Projection;
use tessera_projections::conference_catalog::{
    CatalogRow, ConferenceCatalog, SeriesRow, conference_key, series_key,
};
use tessera_projections::stats::{money, pct, rate};
use tessera_replay::{stats_model, storage};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{STATS_ROLES, StatsView, stats_of};
use crate::app::{AppState, Caller, series_id};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, AuthUser, Path, Query};
use crate::process::stats::StatsQueryError;

pub(crate) async fn series_row(app: &AppState, slug: &str) -> ApiResult<SeriesRow> {
    let doc = storage::live_row(
        &app.db,
        ConferenceCatalog::NAME,
        &series_key(series_id(slug)),
    )
    .await?;
    match doc.map(|d| serde_json::from_str(&d)).transpose()? {
        Some(CatalogRow::Series(s)) => Ok(s),
        _ => Err(ApiError::not_found("Series")),
    }
}

async fn conference_slug(app: &AppState, id: Uuid) -> ApiResult<String> {
    let doc = storage::live_row(&app.db, ConferenceCatalog::NAME, &conference_key(id)).await?;
    match doc.map(|d| serde_json::from_str(&d)).transpose()? {
        Some(CatalogRow::Conference(c)) => Ok(c.slug),
        _ => Err(ApiError::not_found("Conference")),
    }
}

/// Admins, or holders of a stats role (organizer, finance, auditor) in one of
/// `conferences`.
async fn may_read(app: &AppState, caller: &Caller, conferences: &[Uuid]) -> ApiResult<()> {
    if caller.is_admin {
        return Ok(());
    }
    for c in conferences {
        let held = app.roles_in(*c, caller.id).await?;
        if held.iter().any(|r| STATS_ROLES.contains(r)) {
            return Ok(());
        }
    }
    Err(ApiError::forbidden())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// MY-16: the year; without it, the series' active conference.
    pub year: Option<i32>,
    /// A frozen year: the live projection instead of the snapshot.
    #[serde(default)]
    pub live: bool,
}

/// MY-15/16/18: the statistics of one year of the series (`?year=`), or of its
/// active conference. An unknown year is a 404 naming the known years. Callers:
/// admins, or organizers, finance staff and auditors of that year's conference.
#[utoipa::path(get, path = "/api/v1/series/{slug}/stats", tag = "stats",
    params(("slug" = String, Path), YearQuery),
    responses((status = 200, body = StatsView), (status = 404, body = Problem)))]
pub(super) async fn series_stats(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Json<StatsView>> {
    Ok(Json(year_view(&app, &caller, &slug, q.year, q.live).await?))
}

/// One year's statistics as `caller` may read them (the JSON handler and the
/// dashboard's overview).
pub(crate) async fn year_view(
    app: &AppState,
    caller: &Caller,
    slug: &str,
    year: Option<i32>,
    live: bool,
) -> ApiResult<StatsView> {
    let series = series_row(app, slug).await?;
    let (year, id) = match year {
        Some(y) => match series.conferences.get(&y) {
            Some(id) => (y, *id),
            None => {
                let known = series.conferences.keys().copied().collect();
                return Err(StatsQueryError::UnknownYear { year: y, known }.into());
            }
        },
        None => {
            let id = series
                .active_conference
                .ok_or(StatsQueryError::NoActiveConference)?;
            let year = series
                .conferences
                .iter()
                .find(|(_, c)| **c == id)
                .map(|(y, _)| *y)
                .unwrap_or_default();
            (year, id)
        }
    };
    may_read(app, caller, &[id]).await?;
    let conference = conference_slug(app, id).await?;
    stats_of(app, id, &conference, Some(year), live).await
}

/// One year of the comparison.
#[derive(Debug, Serialize, ToSchema)]
pub struct YearRow {
    pub year: i32,
    pub conference: String,
    /// `frozen`, `historical` or `live` (MY-17).
    pub source: String,
    pub limited_data: bool,
    /// registrations, revenue, sponsors, sponsorship_amount, donors,
    /// donation_amount, volunteers, grants_committed: null where the year has no
    /// such figure.
    #[schema(value_type = Object)]
    pub metrics: BTreeMap<String, serde_json::Value>,
    /// ANA-42: % growth of each metric against the previous year of the list.
    #[schema(value_type = Object)]
    pub growth: BTreeMap<String, serde_json::Value>,
    /// ANA-41: % of this year's attendees who attended an earlier year (null for a
    /// year without an attendee list).
    pub retention: Option<String>,
    /// ANA-41: over this year's buyers, Σ of their paid-set totals across the series.
    #[schema(value_type = Option<Object>)]
    pub lifetime_value: Option<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Comparison {
    pub series: String,
    pub years: Vec<YearRow>,
}

const METRICS: [&str; 8] = [
    "registrations",
    "revenue",
    "sponsors",
    "sponsorship_amount",
    "donors",
    "donation_amount",
    "volunteers",
    "grants_committed",
];

fn metrics_of(view: &StatsView) -> BTreeMap<String, serde_json::Value> {
    let mut m: BTreeMap<String, serde_json::Value> = METRICS
        .iter()
        .map(|k| (k.to_string(), serde_json::Value::Null))
        .collect();
    if let Some(h) = &view.historical {
        m.insert("registrations".into(), h.registrations.into());
        m.insert("sponsors".into(), h.sponsors.into());
        m.insert("sponsorship_amount".into(), money(h.sponsorship_amount));
        m.insert("donors".into(), h.donors.into());
        m.insert("donation_amount".into(), money(h.donation_amount));
    } else {
        let s = &view.stats["sections"];
        m.insert(
            "registrations".into(),
            s["registrations"]["attendees"].clone(),
        );
        m.insert("revenue".into(), s["money"]["net"].clone());
        // The later domains' sections (absent from snapshots of an older stats
        // version: null then). Sponsors are the committed deals (accepted … paid).
        let f = &s["fundraising"];
        if f.is_object() {
            let d = &f["sponsorship"]["committed"];
            m.insert("sponsors".into(), d["count"].clone());
            m.insert("sponsorship_amount".into(), d["amount"].clone());
            m.insert("donors".into(), f["donations"]["donors"].clone());
            m.insert("donation_amount".into(), f["donations"]["total"].clone());
        }
        let approved = &s["volunteers"]["by_status"]["approved"];
        if !approved.is_null() {
            m.insert("volunteers".into(), approved.clone());
        }
        if s["grants"].is_object() {
            m.insert("grants_committed".into(), s["grants"]["committed"].clone());
        }
    }
    m
}

fn number(v: &serde_json::Value) -> Option<Decimal> {
    match v {
        serde_json::Value::Number(n) => n.as_i64().map(Decimal::from),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Users with an attendee record, and paid-set totals by user, of one conference:
/// from the stored stats model when it is current, else from the live rows.
async fn people(app: &AppState, id: Uuid) -> ApiResult<Arc<stats_model::People>> {
    let wanted = app.runner.position();
    Ok(
        match stats_model::current_row(&app.db, id, app.stats.position(), wanted).await? {
            Some(row) if row.version == tessera_projections::stats::VERSION => {
                app.stats.people_of(&app.db, id, row).await?
            }
            _ => Arc::new(stats_model::people_live(&app.db, id).await?),
        },
    )
}

/// MY-17, ANA-41/42: every year of the series in year order, each metric from the
/// frozen snapshot when there is one, else the historical figures, else live; with
/// growth against the previous year, retention and lifetime value (see
/// docs/stats.md). Callers: admins, or stats staff of any year of the series.
#[utoipa::path(get, path = "/api/v1/series/{slug}/stats/comparison", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, body = Comparison), (status = 404, body = Problem)))]
pub(super) async fn comparison(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<Comparison>> {
    Ok(Json(compare(&app, &caller, &slug).await?))
}

/// The comparison of the series' years (the JSON handler and the dashboard page).
pub(crate) async fn compare(app: &AppState, caller: &Caller, slug: &str) -> ApiResult<Comparison> {
    let series = series_row(app, slug).await?;
    let ids: Vec<Uuid> = series.conferences.values().copied().collect();
    may_read(app, caller, &ids).await?;
    let mut people_by_year = vec![];
    for id in &ids {
        people_by_year.push(people(app, *id).await?);
    }
    let returning = app.stats.returning(&ids, people_by_year);
    let mut years: Vec<YearRow> = vec![];
    for ((year, id), figures) in series.conferences.iter().zip(returning.iter()) {
        let conference = conference_slug(app, *id).await?;
        let view = stats_of(app, *id, &conference, Some(*year), false).await?;
        let metrics = metrics_of(&view);
        let growth = METRICS
            .iter()
            .map(|k| {
                let prev = years.last().and_then(|p| number(&p.metrics[*k]));
                let cur = number(&metrics[*k]);
                let g = match (prev, cur) {
                    (Some(p), Some(c)) => pct(rate(c - p, p)),
                    _ => serde_json::Value::Null,
                };
                (k.to_string(), g)
            })
            .collect();
        // A historical year has no attendee list: neither figure applies.
        let historical = view.historical.is_some();
        let retention = (!historical).then(|| {
            format!(
                "{:.1}",
                rate(
                    Decimal::from(figures.returning),
                    Decimal::from(figures.attendees)
                )
            )
        });
        let lifetime_value = figures.lifetime.as_ref().filter(|_| !historical).map(|l| {
            serde_json::json!({
                "buyers": l.buyers,
                "average": money(l.total / Decimal::from(l.buyers)),
                "max": money(l.max),
                "min": money(l.min),
            })
        });
        years.push(YearRow {
            year: *year,
            conference,
            source: view.source.clone(),
            limited_data: view.limited_data,
            metrics,
            growth,
            retention,
            lifetime_value,
        });
    }
    Ok(Comparison {
        series: slug.to_string(),
        years,
    })
}

//! Conference statistics (ANA-*): the stats read model of a conference, served to
//! organizers, finance staff, auditors and admins; historical years (MY-18), frozen
//! snapshots (MY-19) and the years of a series (MY-15…17, ANA-41/42).

pub(crate) mod exports;
pub(crate) mod ledger_exports;
mod manage;
pub(crate) mod people;
pub(crate) mod series;

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{HistoricalFigures, Role};
use tessera_projections::Projection;
use tessera_projections::stats_archive::{ArchiveRow, StatsArchive, archive_key};
use tessera_replay::{stats as replay_stats, stats_model, storage};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::AppState;
use crate::http::access::{Access, Group, ORGANIZER};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, Path, Query};
use crate::process::stats::StatsQueryError;

/// Who reads a conference's statistics (admins always may).
pub const STATS_ROLES: &[Role] = &[Role::Organizer, Role::Finance, Role::Auditor];
pub const STATS_READERS: Access = Access::Staff(STATS_ROLES);

/// MY-18: the banner of a year that predates the portal.
pub const LIMITED_DATA: &str = "Limited data — this conference predates the portal.";

pub fn groups() -> Vec<Group> {
    vec![
        (
            STATS_READERS,
            OpenApiRouter::new()
                .routes(routes!(conference_stats))
                .routes(routes!(exports::sales_by_date))
                .routes(routes!(exports::registration_flow))
                .routes(routes!(exports::reconciliation))
                .routes(routes!(exports::inventory))
                .routes(routes!(people::attendees))
                .routes(routes!(people::speaker_registrations))
                .routes(routes!(people::visa_letters))
                .routes(routes!(people::activity_signups))
                .routes(routes!(ledger_exports::vouchers))
                .routes(routes!(ledger_exports::credit_notes)),
        ),
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(manage::freeze))
                .routes(routes!(manage::record_historical)),
        ),
        (
            // The handlers check a stats role in the conferences concerned.
            Access::Authenticated,
            OpenApiRouter::new()
                .routes(routes!(series::series_stats))
                .routes(routes!(series::comparison)),
        ),
    ]
}

/// A conference's statistics and where they come from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatsView {
    /// The conference's slug.
    pub conference: String,
    pub year: Option<i32>,
    /// `live` (the projections now), `frozen` (the latest snapshot a freeze
    /// recorded), `historical` (figures of a year that predates the portal) or
    /// `as_of` (folded from the log up to `position`, for `?as_of`/`?position`).
    #[schema(example = "live")]
    pub source: String,
    /// MY-18: true for a year that predates the portal.
    pub limited_data: bool,
    /// MY-18: "Limited data — this conference predates the portal." for those years.
    pub notice: Option<String>,
    /// The version of the stats model that computed `stats`.
    pub version: u32,
    /// A frozen snapshot: when it was frozen and the log position it covers; an
    /// `as_of` answer: the position of the conference's last event folded; a
    /// `live` answer: the log position the figures include (the stored stats
    /// model's, or the projections' when computed on the spot).
    pub frozen_at: Option<DateTime<Utc>>,
    pub position: Option<i64>,
    /// How many times the statistics were frozen (earlier snapshots are kept).
    pub freezes: usize,
    /// A historical year: the recorded figures (money as strings, counts as integers).
    #[schema(value_type = Option<Object>)]
    pub historical: Option<HistoricalFigures>,
    /// The statistics document (`sections` by name, keys sorted); for a historical
    /// year, the figures.
    #[schema(value_type = Object)]
    pub stats: serde_json::Value,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StatsQuery {
    /// A frozen conference: the live projection instead of the snapshot.
    #[serde(default)]
    pub live: bool,
    /// The figures as they stood at this moment (RFC 3339), folded from the log.
    pub as_of: Option<DateTime<Utc>>,
    /// The figures as they stood at this log position, folded from the log.
    pub position: Option<i64>,
}

pub(crate) async fn archive(app: &AppState, conference: Uuid) -> ApiResult<Option<ArchiveRow>> {
    let doc = storage::live_row(&app.db, StatsArchive::NAME, &archive_key(conference)).await?;
    Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
}

/// The statistics of one conference: historical figures when it predates the
/// portal, else the latest frozen snapshot unless `live`, else the live projections.
pub(crate) async fn stats_of(
    app: &AppState,
    conference: Uuid,
    slug: &str,
    year: Option<i32>,
    live: bool,
) -> ApiResult<StatsView> {
    let archive = archive(app, conference).await?;
    let freezes = archive.as_ref().map_or(0, |a| a.snapshots.len());
    let mut view = StatsView {
        conference: slug.to_string(),
        year,
        source: "live".into(),
        limited_data: false,
        notice: None,
        version: tessera_projections::stats::VERSION,
        frozen_at: None,
        position: None,
        freezes,
        historical: None,
        stats: serde_json::Value::Null,
    };
    if let Some(h) = archive.as_ref().and_then(|a| a.historical.clone()) {
        view.source = "historical".into();
        view.limited_data = true;
        view.notice = Some(LIMITED_DATA.into());
        view.stats = serde_json::to_value(&h)?;
        view.historical = Some(h);
        return Ok(view);
    }
    if !live && let Some(s) = archive.as_ref().and_then(|a| a.latest()) {
        view.source = "frozen".into();
        view.version = s.snapshot.stats_version;
        view.frozen_at = Some(s.frozen_at);
        view.position = Some(s.snapshot.position);
        view.stats = serde_json::from_str(&s.snapshot.snapshot)?;
        return Ok(view);
    }
    // The stored model (one indexed read), or assembled live when the model is
    // behind the position this read must include (`X-Tessera-After` waited for
    // the runner to reach it).
    let wanted = app.runner.position();
    let current = stats_model::current(&app.db, conference, app.stats.position(), wanted).await?;
    view.stats = current.stats;
    view.version = current.version;
    view.position = Some(current.position);
    Ok(view)
}

/// The statistics of one conference as they stood at `?as_of` or `?position`
/// (exactly one), folded from the log: what an auditor asks.
async fn stats_as_of(
    app: &AppState,
    conference: Uuid,
    slug: &str,
    q: &StatsQuery,
) -> ApiResult<StatsView> {
    let (up_to, until) = match (q.as_of, q.position) {
        (Some(t), None) => (None, Some(t + chrono::Duration::microseconds(1))),
        (None, Some(p)) if p >= 0 => (Some(p), None),
        _ => return Err(StatsQueryError::InvalidAsOf.into()),
    };
    let Some((position, stats)) = replay_stats::as_of(&app.db, conference, up_to, until).await?
    else {
        return Err(StatsQueryError::NotYet.into());
    };
    Ok(StatsView {
        conference: slug.to_string(),
        year: None,
        source: "as_of".into(),
        limited_data: false,
        notice: None,
        version: tessera_projections::stats::VERSION,
        frozen_at: None,
        position: Some(position),
        freezes: 0,
        historical: None,
        stats,
    })
}

/// The statistics of a conference: the live read models, the latest frozen
/// snapshot (MY-19; `?live=true` for the live figures) or, for a year that predates
/// the portal, its recorded figures (MY-18); with `?as_of` or `?position`, as they
/// stood then, folded from the log. Send `X-Tessera-After` with a command's
/// position to include it.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/stats", tag = "stats",
    params(("slug" = String, Path), StatsQuery),
    responses((status = 200, body = StatsView), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn conference_stats(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Json<StatsView>> {
    let conf = app.conference(&slug).await?;
    if q.as_of.is_some() || q.position.is_some() {
        return Ok(Json(stats_as_of(&app, conf.id, &slug, &q).await?));
    }
    let year = app
        .bus
        .peek(
            &tessera_aggregates::conference::Conference::stream(conf.id),
            |c| c.year(),
        )
        .await
        .map_err(crate::http::error::ApiError::from)?;
    Ok(Json(
        stats_of(&app, conf.id, &slug, Some(year), q.live).await?,
    ))
}

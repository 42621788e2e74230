//! Conference statistics (ANA-*): the stats read model of a conference, served to
//! organizers, finance staff, auditors and admins; the years of a series (MY-15…17).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::Role;
use tessera_replay::stats as replay_stats;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::app::AppState;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, Path, Query};

/// Who reads a conference's statistics (admins always may).
pub const STATS_READERS: Access = Access::Staff(&[Role::Organizer, Role::Finance, Role::Auditor]);

pub fn groups() -> Vec<Group> {
    vec![(
        STATS_READERS,
        OpenApiRouter::new().routes(routes!(conference_stats)),
    )]
}

/// A conference's statistics and where they come from.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsView {
    /// The conference's slug.
    pub conference: String,
    /// `live` (the projections now), `frozen` (the snapshot recorded by a freeze) or
    /// `historical` (figures of a year that predates the portal).
    #[schema(example = "live")]
    pub source: String,
    /// True for a year that predates the portal: only its recorded figures exist.
    pub limited_data: bool,
    /// "Limited data — this conference predates the portal." for those years.
    pub notice: Option<String>,
    /// The version of the stats model that computed `stats`.
    pub version: u32,
    /// The statistics document: `sections` by name (keys sorted).
    #[schema(value_type = Object)]
    pub stats: serde_json::Value,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct StatsQuery {
    /// A frozen conference: the live projection instead of the snapshot.
    #[serde(default)]
    pub live: bool,
}

/// The statistics of a conference, from its read models. Send `X-Tessera-After`
/// with a command's position to include it.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/stats", tag = "stats",
    params(("slug" = String, Path), StatsQuery),
    responses((status = 200, body = StatsView), (status = 404, body = Problem)))]
async fn conference_stats(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(_q): Query<StatsQuery>,
) -> ApiResult<Json<StatsView>> {
    let conf = app.conference(&slug).await?;
    let stats = replay_stats::live(&app.db, conf.id).await?;
    Ok(Json(StatsView {
        conference: slug,
        source: "live".to_string(),
        limited_data: false,
        notice: None,
        version: tessera_projections::stats::VERSION,
        stats,
    }))
}

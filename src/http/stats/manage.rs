//! Organizer actions on statistics: freeze (MY-19) and historical figures (MY-18,
//! MY-21…26).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{Conference, ConferenceCommand, HistoricalFigures};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta, Path};

#[derive(Debug, Deserialize, ToSchema)]
pub struct FreezeBody {
    /// Why the statistics are frozen again (required once they were frozen).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// What a freeze recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct FreezeView {
    /// The log position the snapshot covers.
    pub snapshot_position: i64,
    pub stats_version: u32,
    /// SHA-256 of the canonical snapshot, lowercase hex.
    pub sha256: String,
    /// The log position of the `StatsFrozen` event: send it as `X-Tessera-After`.
    pub position: Option<i64>,
}

/// MY-19: freezes the conference's statistics: the log up to its head, replayed into
/// the stats model, recorded as a snapshot with its SHA-256. Freezing again needs a
/// reason; earlier snapshots stay in the history.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/stats/freeze", tag = "stats",
    params(("slug" = String, Path)), request_body = FreezeBody,
    responses((status = 201, body = FreezeView), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn freeze(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<FreezeBody>,
) -> ApiResult<(StatusCode, Json<FreezeView>)> {
    let conf = app.conference(&slug).await?;
    let frozen = crate::process::stats::freeze(
        &app.bus,
        conf.id,
        body.reason.unwrap_or_default(),
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(FreezeView {
            snapshot_position: frozen.snapshot.position,
            stats_version: frozen.snapshot.stats_version,
            sha256: frozen.snapshot.sha256,
            position: frozen.position,
        }),
    ))
}

/// MY-21/22/26: the known figures of a year that predates the portal.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HistoricalBody {
    pub registrations: u32,
    pub sponsors: u32,
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub sponsorship_amount: Decimal,
    pub donors: u32,
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub donation_amount: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recorded {
    /// False when the same figures were recorded already.
    pub changed: bool,
    pub position: Option<i64>,
}

/// MY-18, MY-21…26: records (or corrects) the figures of a year that predates the
/// portal; its statistics then answer them with `limited_data`.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/stats/historical", tag = "stats",
    params(("slug" = String, Path)), request_body = HistoricalBody,
    responses((status = 200, body = Recorded), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub(super) async fn record_historical(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<HistoricalBody>,
) -> ApiResult<Json<Recorded>> {
    let conf = app.conference(&slug).await?;
    let sent = app
        .bus
        .send(
            &Conference::stream(conf.id),
            ConferenceCommand::RecordHistoricalFigures {
                figures: HistoricalFigures {
                    registrations: body.registrations,
                    sponsors: body.sponsors,
                    sponsorship_amount: body.sponsorship_amount,
                    donors: body.donors,
                    donation_amount: body.donation_amount,
                },
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(Recorded {
        changed: sent.position.is_some(),
        position: sent.position,
    }))
}

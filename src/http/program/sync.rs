//! PRETALX-1…16: the organizers' sync, and PRETALX-17 talk overrides.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tessera_aggregates::program::{Program, ProgramCommand, TalkOverride, program_id};
use utoipa::ToSchema;

use super::{MANAGE, SYNC};
use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta, Path};
use crate::process::program::{Steps, SyncReport, sync as run_sync};

/// PRETALX-16: the steps to run (none chosen: all).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProgramSyncBody {
    #[serde(default)]
    pub rooms: bool,
    #[serde(default)]
    pub speakers: bool,
    #[serde(default)]
    pub talks: bool,
    #[serde(default)]
    pub schedule: bool,
    #[serde(default)]
    pub allow_large_schedule_drop: bool,
}

/// Syncs the program from Pretalx: rooms → speakers → talks → schedule (AMB-11).
/// An aborted schedule step records nothing (PRETALX-11, 409).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/program/sync", tag = "program",
    params(("slug" = String, Path)), request_body = ProgramSyncBody,
    responses((status = 200, body = SyncReport), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 502, body = Problem)))]
pub async fn sync(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ProgramSyncBody>,
) -> ApiResult<Json<SyncReport>> {
    let conf = app.gate(&slug, SYNC).await?;
    let steps = Steps {
        rooms: body.rooms,
        speakers: body.speakers,
        talks: body.talks,
        schedule: body.schedule,
        allow_large_schedule_drop: body.allow_large_schedule_drop,
    };
    let report = run_sync(
        &app.bus,
        &app.config.pretalx,
        &conf.slug,
        steps,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(report))
}

/// PRETALX-17: an organizer's overrides of a synced talk (replacing earlier ones).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TalkOverrideBody {
    #[schema(max_length = 300)]
    pub title: Option<String>,
    #[serde(rename = "abstract")]
    #[schema(max_length = 10000)]
    pub abstract_text: Option<String>,
    /// A synced room's Pretalx id (PRETALX-19: of this conference).
    pub room: Option<i64>,
    pub slot_start: Option<chrono::DateTime<chrono::Utc>>,
    pub slot_end: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(max_length = 50)]
    pub state: Option<String>,
    #[serde(default)]
    pub is_cancelled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TalkOverrideAccepted {
    /// Null when nothing changed.
    pub position: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/conferences/{slug}/talks/{code}/override", tag = "program",
    params(("slug" = String, Path), ("code" = String, Path)), request_body = TalkOverrideBody,
    responses((status = 200, body = TalkOverrideAccepted), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn override_talk(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, code)): Path<(String, String)>,
    ApiJson(body): ApiJson<TalkOverrideBody>,
) -> ApiResult<Json<TalkOverrideAccepted>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = ProgramCommand::OverrideTalk {
        code,
        overrides: TalkOverride {
            title: body.title,
            abstract_text: body.abstract_text,
            room: body.room,
            slot_start: body.slot_start,
            slot_end: body.slot_end,
            state: body.state,
            is_cancelled: body.is_cancelled,
        },
    };
    let sent = app
        .bus
        .send::<Program>(
            &program_id(conf.id).to_string(),
            cmd,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(TalkOverrideAccepted {
        position: sent.position,
    }))
}

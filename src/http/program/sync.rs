//! PRETALX-1…16: the organizers' sync; PRETALX-17/18 talk, speaker and room
//! overrides.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tessera_aggregates::program::{
    Program, ProgramCommand, RoomOverride, SpeakerOverride, TalkOverride, program_id,
};
use utoipa::ToSchema;

use super::{MANAGE, SYNC};
use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta, Path};
use crate::process::program::{
    Steps, SyncReport, override_speaker as run_override_speaker, sync as run_sync,
};

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
        &app.personal,
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
    send_program(&app, &meta, conf.id, cmd).await
}

/// PRETALX-18: an organizer's overrides of a synced speaker (replacing earlier
/// ones; a null field shows the synced value).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SpeakerOverrideBody {
    #[schema(max_length = 300)]
    pub name: Option<String>,
    #[schema(max_length = 10000)]
    pub biography: Option<String>,
    #[schema(max_length = 2000)]
    pub avatar_url: Option<String>,
    /// Links the speaker to the account of this e-mail when it has none (the
    /// address itself is not kept).
    #[schema(max_length = 320, format = Email)]
    pub email: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/conferences/{slug}/speakers/{code}/override", tag = "program",
    params(("slug" = String, Path), ("code" = String, Path)), request_body = SpeakerOverrideBody,
    responses((status = 200, body = TalkOverrideAccepted), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn override_speaker(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, code)): Path<(String, String)>,
    ApiJson(body): ApiJson<SpeakerOverrideBody>,
) -> ApiResult<Json<TalkOverrideAccepted>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let overrides = SpeakerOverride {
        name: body.name,
        biography: body.biography,
        avatar_url: body.avatar_url,
    };
    let meta = meta.for_conf(Some(conf.id));
    let email = body.email.as_deref();
    let position = run_override_speaker(&app.bus, conf.id, code, overrides, email, &meta).await?;
    Ok(Json(TalkOverrideAccepted { position }))
}

/// PRETALX-18: an organizer's overrides of a synced room.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RoomOverrideBody {
    #[schema(max_length = 300)]
    pub name: Option<String>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Applies when not null.
    #[schema(maximum = 1000000)]
    pub capacity: Option<u32>,
}

#[utoipa::path(put, path = "/api/v1/conferences/{slug}/rooms/{room}/override", tag = "program",
    params(("slug" = String, Path), ("room" = i64, Path, description = "The room's Pretalx id")),
    request_body = RoomOverrideBody,
    responses((status = 200, body = TalkOverrideAccepted), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn override_room(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, room)): Path<(String, i64)>,
    ApiJson(body): ApiJson<RoomOverrideBody>,
) -> ApiResult<Json<TalkOverrideAccepted>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = ProgramCommand::OverrideRoom {
        room,
        overrides: RoomOverride {
            name: body.name,
            description: body.description,
            capacity: body.capacity,
        },
    };
    send_program(&app, &meta, conf.id, cmd).await
}

/// Sends an organizer's command (an override, a type default) to the
/// conference's program stream; answers its position (None when nothing changed).
pub(super) async fn send_program(
    app: &AppState,
    meta: &CommandMeta,
    conference: uuid::Uuid,
    cmd: ProgramCommand,
) -> ApiResult<Json<TalkOverrideAccepted>> {
    let sent = app
        .bus
        .send(
            &Program::stream(program_id(conference)),
            cmd,
            &meta.for_conf(Some(conference)),
        )
        .await?;
    Ok(Json(TalkOverrideAccepted {
        position: sent.position,
    }))
}

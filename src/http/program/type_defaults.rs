//! PRETALX-13…15: the organizers' type defaults (one per submission type) and
//! applying them on their own (a full sync applies them last).

use axum::Json;
use axum::extract::State;
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::Conference;
use tessera_aggregates::program::{ProgramCommand, TypeDefault};
use tessera_projections::program::{ProgramRow, type_defaults_prefix};
use utoipa::ToSchema;

use super::MANAGE;
use super::read::rows;
use super::sync::{TalkOverrideAccepted, send_program};
use crate::app::AppState;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, ApiJson, CommandMeta, Path};
use crate::http::page::{Page, PageParams, Paging, page_in_memory};
use crate::process::program::{TypeDefaultsReport, apply_type_defaults};

/// PRETALX-13: a submission type's defaults. PRETALX-14: a date is required
/// when a time is set, and both times or neither (422 otherwise).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeDefaultBody {
    /// A synced room's Pretalx id (of this conference).
    pub room: Option<i64>,
    pub date: Option<NaiveDate>,
    /// In the conference's timezone.
    #[schema(value_type = Option<String>, max_length = 8, example = "09:00:00")]
    pub start_time: Option<NaiveTime>,
    #[schema(value_type = Option<String>, max_length = 8, example = "10:00:00")]
    pub end_time: Option<NaiveTime>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramTypeDefault {
    pub submission_type: String,
    pub room: Option<i64>,
    pub date: Option<NaiveDate>,
    #[schema(value_type = Option<String>)]
    pub start_time: Option<NaiveTime>,
    #[schema(value_type = Option<String>)]
    pub end_time: Option<NaiveTime>,
}

/// The conference's type defaults, by submission type; paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/program/type-defaults", tag = "program",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<ProgramTypeDefault>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<ProgramTypeDefault>>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let out = rows(&app, &type_defaults_prefix(conf.id))
        .await?
        .into_iter()
        .filter_map(|r| match r {
            ProgramRow::TypeDefault(d) => Some(ProgramTypeDefault {
                submission_type: d.submission_type,
                room: d.room,
                date: d.date,
                start_time: d.start_time,
                end_time: d.end_time,
            }),
            _ => None,
        })
        .map(|d| (d.submission_type.clone(), d.submission_type.clone(), d))
        .collect();
    Ok(Json(page_in_memory(
        &paging,
        "submission_type",
        false,
        out,
    )?))
}

/// PRETALX-13/14: sets the defaults of a submission type (replacing earlier ones).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/program/type-defaults/{submission_type}",
    tag = "program",
    params(("slug" = String, Path), ("submission_type" = String, Path)),
    request_body = TypeDefaultBody,
    responses((status = 200, body = TalkOverrideAccepted), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn set(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, submission_type)): Path<(String, String)>,
    ApiJson(body): ApiJson<TypeDefaultBody>,
) -> ApiResult<Json<TalkOverrideAccepted>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = ProgramCommand::SetTypeDefault {
        conference_id: conf.id,
        default: TypeDefault {
            submission_type,
            room: body.room,
            date: body.date,
            start_time: body.start_time,
            end_time: body.end_time,
        },
    };
    send_program(&app, &meta, conf.id, cmd).await
}

/// Removes the defaults of a submission type.
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/program/type-defaults/{submission_type}",
    tag = "program",
    params(("slug" = String, Path), ("submission_type" = String, Path)),
    responses((status = 200, body = TalkOverrideAccepted), (status = 404, body = Problem)))]
pub async fn remove(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, submission_type)): Path<(String, String)>,
) -> ApiResult<Json<TalkOverrideAccepted>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let cmd = ProgramCommand::RemoveTypeDefault { submission_type };
    send_program(&app, &meta, conf.id, cmd).await
}

/// PRETALX-13: applies the type defaults to the talks now, times in the
/// conference's timezone (invalid: UTC), and keeps the submission types'
/// activities in step (PRETALX-5/6) as a sync does. Re-applying changes nothing.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/program/type-defaults/apply",
    tag = "program",
    params(("slug" = String, Path)),
    responses((status = 200, body = TypeDefaultsReport), (status = 404, body = Problem)))]
pub async fn apply(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
) -> ApiResult<Json<TypeDefaultsReport>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let timezone = app
        .bus
        .peek(&Conference::stream(conf.id), |c| {
            c.details().timezone.clone()
        })
        .await?;
    let meta = meta.for_conf(Some(conf.id));
    Ok(Json(
        apply_type_defaults(&app.bus, conf.id, timezone, &meta).await?,
    ))
}

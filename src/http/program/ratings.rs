//! Session ratings: one per (talk, user), score 1–5 (SURVEY-3), and their
//! analytics (ANA-38, SURVEY-6).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tessera_aggregates::program::{Program, program_id};
use tessera_aggregates::session_rating::{RatingCommand, SessionRating, rating_id};
use tessera_projections::stats::{Ctx, SESSION_RATINGS};
use utoipa::ToSchema;

use super::{MANAGE, PUBLIC};
use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, Path};

#[derive(Debug, Deserialize, ToSchema)]
pub struct SessionRatingBody {
    /// 1 to 5 (SURVEY-3).
    pub score: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionRated {
    pub score: i64,
    pub position: Option<i64>,
}

/// Rates a talk of the program: once per (talk, user), 1–5 (SURVEY-3).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/talks/{code}/rating", tag = "program",
    params(("slug" = String, Path), ("code" = String, Path)), request_body = SessionRatingBody,
    responses((status = 201, body = SessionRated), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn rate(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, code)): Path<(String, String)>,
    ApiJson(body): ApiJson<SessionRatingBody>,
) -> ApiResult<(StatusCode, Json<SessionRated>)> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let talk_exists = app
        .bus
        .peek(&Program::stream(program_id(conf.id)), |p| p.has_talk(&code))
        .await?;
    let cmd = RatingCommand::Rate {
        conference_id: conf.id,
        talk: code.clone(),
        user: user.id,
        score: body.score,
        talk_exists,
    };
    let sent = app
        .bus
        .send(
            &SessionRating::stream(rating_id(conf.id, &code, user.id)),
            cmd,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SessionRated {
            score: body.score,
            position: sent.position,
        }),
    ))
}

/// ANA-38: total, average, distribution, top and bottom 10 (talks with at least
/// 3 ratings, SURVEY-6) and averages per track; the stats document's
/// `session_ratings` section.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/program/ratings", tag = "program",
    params(("slug" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem)))]
pub async fn summary(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let sources =
        tessera_replay::stats::sources_of(&app.db, (SESSION_RATINGS.reads)(conf.id)).await?;
    let ctx = Ctx::new(conf.id, &sources);
    let section = (SESSION_RATINGS.compute)(&ctx).map_err(ApiError::internal)?;
    Ok(Json(section))
}

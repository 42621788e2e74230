//! Starting a new year from the series' active conference (MY-2, MY-4, MY-20).

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{CopiedView, applications_of, teams_of};
use crate::app::AppState;
use crate::http::access::{Group, ORGANIZER};
use crate::http::conferences::MANAGE;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta};
use crate::process::new_year::{NextYearOptions, start_next_year};

pub(super) fn groups() -> Vec<Group> {
    vec![(ORGANIZER, OpenApiRouter::new().routes(routes!(next_year)))]
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NextYearBody {
    /// Default: this slug with its year advanced.
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    /// Default: this name with its year advanced.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// Copy the team leads too (MY-20).
    #[serde(default)]
    pub with_leads: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NextYearCreated {
    pub id: Uuid,
    pub slug: String,
    pub year: i32,
    pub teams: CopiedView,
    pub volunteers: CopiedView,
    pub position: Option<i64>,
}

/// Creates next year's conference from this one, the series' active year, once it
/// has ended: name, year and dates advanced, year-bound configuration copied,
/// flags closed; then clones the teams and brings the approved volunteers forward.
/// It is not activated (organizers of this year).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/next-year", tag = "conferences",
    params(("slug" = String, Path)), request_body = NextYearBody,
    responses((status = 201, body = NextYearCreated), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not the active year (year.not_active) or the slug is taken"),
        (status = 422, body = Problem, description = "the year has not ended (year.not_ended)")))]
async fn next_year(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NextYearBody>,
) -> ApiResult<(StatusCode, Json<NextYearCreated>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let teams = teams_of(&app, conf.id).await?;
    let applications = applications_of(&app, conf.id).await?;
    let options = NextYearOptions {
        slug: body.slug,
        name: body.name,
        with_leads: body.with_leads,
    };
    let made = start_next_year(app.flows(), conf.id, options, &teams, &applications, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(NextYearCreated {
            id: made.id,
            slug: made.slug,
            year: made.year,
            teams: made.teams.into(),
            volunteers: made.volunteers.into(),
            position: made.position,
        }),
    ))
}

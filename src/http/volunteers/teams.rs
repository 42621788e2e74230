//! Teams of one conference year (MY-5, MY-20): organizers create them, set their
//! leads and clone last year's; the year's approved volunteers see them with
//! their members.

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tessera_aggregates::team::{Team, TeamCommand, team_id};
use tessera_aggregates::volunteer::ApplicationStatus;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::review::{CopyFromBody, source};
use super::{CopiedView, applications_of, teams_of};
use crate::app::AppState;
use crate::bootstrap::slugify;
use crate::features::Feature;
use crate::http::access::{Access, Group, ORGANIZER};
use crate::http::conferences::MANAGE;
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, ApiJson, CommandMeta};
use crate::http::page::{Page, PageParams, Paging, page_in_memory};
use crate::process::volunteers::{clone_teams as clone_flow, year_of};

pub(super) fn groups() -> Vec<Group> {
    vec![
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(create_team))
                .routes(routes!(set_leads))
                .routes(routes!(clone_teams)),
        ),
        (
            Access::Volunteer,
            OpenApiRouter::new().routes(routes!(list_teams)),
        ),
    ]
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TeamBody {
    #[schema(max_length = 100)]
    pub name: String,
    /// Defaults to slugify(name).
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    #[serde(default)]
    pub leads: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamCreated {
    pub id: Uuid,
    pub slug: String,
    pub position: Option<i64>,
}

/// Creates a team in this year; a name is unique within the year (organizers).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/teams", tag = "volunteers",
    params(("slug" = String, Path)), request_body = TeamBody,
    responses((status = 201, body = TeamCreated), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_team(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<TeamBody>,
) -> ApiResult<(StatusCode, Json<TeamCreated>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let team = body.slug.unwrap_or_else(|| slugify(&body.name));
    let id = team_id(conf.id, &team);
    let sent = app
        .bus
        .send(
            &Team::stream(id),
            TeamCommand::Create {
                conference_id: conf.id,
                slug: team.clone(),
                name: body.name,
                description: body.description,
                leads: body.leads,
                cloned_from: None,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TeamCreated {
            id,
            slug: team,
            position: sent.position,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LeadsBody {
    pub leads: Vec<Uuid>,
}

/// Replaces a team's leads (organizers).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/teams/{team}/leads", tag = "volunteers",
    params(("slug" = String, Path), ("team" = String, Path)), request_body = LeadsBody,
    responses((status = 200, body = TeamCreated), (status = 404, body = Problem)))]
async fn set_leads(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, team)): Path<(String, String)>,
    ApiJson(body): ApiJson<LeadsBody>,
) -> ApiResult<Json<TeamCreated>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let id = team_id(conf.id, &team);
    let sent = app
        .bus
        .send(
            &Team::stream(id),
            TeamCommand::SetLeads { leads: body.leads },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(TeamCreated {
        id,
        slug: team,
        position: sent.position,
    }))
}

/// MY-20: copies the earlier year's teams (names, descriptions; leads only with
/// `with_leads`) into this year; names that exist are skipped, so a second run
/// creates nothing (organizers).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/teams/clone", tag = "volunteers",
    params(("slug" = String, Path)), request_body = CopyFromBody,
    responses((status = 200, body = CopiedView), (status = 422, body = Problem)))]
async fn clone_teams(
    State(app): State<AppState>,
    meta: CommandMeta,
    _after: After,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<CopyFromBody>,
) -> ApiResult<Json<CopiedView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let to = year_of(app.flows(), conf.id).await?;
    let from = source(&app, &to, body.from).await?;
    let teams = teams_of(&app, from).await?;
    let copied = clone_flow(
        app.flows(),
        conf.id,
        from,
        &teams,
        body.with_leads,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(copied.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub leads: Vec<Uuid>,
    /// Volunteers approved into the team this year.
    pub members: Vec<Uuid>,
}

/// This year's teams with their leads and members (the year's approved
/// volunteers and its organizers).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/teams", tag = "volunteers",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<TeamView>), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn list_teams(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<TeamView>>> {
    let conf = app.gate(&slug, &[Feature::PublicUi]).await?;
    let approved: Vec<_> = applications_of(&app, conf.id)
        .await?
        .into_iter()
        .filter(|a| a.status == ApplicationStatus::Approved)
        .collect();
    let teams = teams_of(&app, conf.id).await?;
    let items = teams
        .into_iter()
        .map(|t| {
            let view = TeamView {
                members: approved
                    .iter()
                    .filter(|a| a.teams.contains(&t.slug))
                    .map(|a| a.user_id)
                    .collect(),
                id: t.id,
                slug: t.slug,
                name: t.name,
                description: t.description,
                leads: t.leads,
            };
            (view.name.clone(), view.id.to_string(), view)
        })
        .collect();
    Ok(Json(page_in_memory(&paging, "name", false, items)?))
}

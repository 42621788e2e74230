//! A user's own application for one conference year (MY-11…13).

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use tessera_aggregates::volunteer::{
    ApplicationStatus, FIRST_TIME, Volunteer, VolunteerCommand, VolunteerForm, volunteer_id,
};
use tessera_projections::volunteers::latest_earlier;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{ApplicationView, VolunteerAccepted, VolunteerFormBody, all_applications, sealing};
use crate::app::AppState;
use crate::features::Feature;
use crate::http::access::{Access, Group};
use crate::http::conferences::public::conference_row;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta};
use crate::http::stats::series::series_row;
use crate::process::volunteers::apply as apply_flow;

/// CONF-29: pages for the public need public_ui.
const PUBLIC: &[Feature] = &[Feature::PublicUi];

pub(super) fn groups() -> Vec<Group> {
    vec![(
        Access::Authenticated,
        OpenApiRouter::new()
            .routes(routes!(form))
            .routes(routes!(apply))
            .routes(routes!(mine, cancel_mine)),
    )]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VolunteerFormView {
    pub conference_id: uuid::Uuid,
    pub year: i32,
    /// The year's `volunteer_application_open`.
    pub applications_open: bool,
    /// MY-13: the series' earlier years, then "first_time".
    pub previous_event_choices: Vec<String>,
    /// MY-12: the form as pre-filled from the latest earlier application (still
    /// to be submitted); empty for a first-timer.
    pub form: VolunteerFormBody,
    /// The year the pre-fill comes from.
    pub prefilled_from: Option<i32>,
    /// The caller's application for this year, if any.
    pub application: Option<ApplicationView>,
}

/// The volunteer form of this year, pre-filled for a returning volunteer (MY-12,
/// MY-13).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/volunteers/form", tag = "volunteers",
    params(("slug" = String, Path)),
    responses((status = 200, body = VolunteerFormView), (status = 404, body = Problem)))]
async fn form(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<VolunteerFormView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let year = catalog_year(&app, conf.id).await?;
    let all = all_applications(&app).await?;
    let previous = latest_earlier(&all, user.id, year.series_id, year.year);
    let mut choices: Vec<String> = year.earlier_years.iter().map(|y| y.to_string()).collect();
    choices.push(FIRST_TIME.to_string());
    let mut form: VolunteerFormBody = match previous {
        Some(p) => sealing::view(&app, p.clone()).await?.form,
        None => VolunteerFormBody::default(),
    };
    // The previous events are this year's answer, not last year's.
    form.previous_events = vec![];
    let application = match all
        .iter()
        .find(|a| a.year.conference_id == conf.id && a.user_id == user.id)
    {
        Some(a) => Some(sealing::view(&app, a.clone()).await?),
        None => None,
    };
    Ok(Json(VolunteerFormView {
        conference_id: conf.id,
        year: year.year,
        applications_open: year.applications_open,
        previous_event_choices: choices,
        prefilled_from: previous.map(|p| p.year.year),
        form,
        application,
    }))
}

/// The year of a conference as the catalog read model has it.
struct CatalogYear {
    series_id: Uuid,
    year: i32,
    applications_open: bool,
    /// MY-13: the series' years before this one, ascending.
    earlier_years: Vec<i32>,
}

async fn catalog_year(app: &AppState, conference: Uuid) -> ApiResult<CatalogYear> {
    let conf = conference_row(app, conference)
        .await?
        .ok_or_else(|| ApiError::not_found("Conference"))?;
    let series = series_row(app, &conf.series_slug).await?;
    Ok(CatalogYear {
        series_id: conf.series_id,
        year: conf.year,
        applications_open: conf.details.volunteer_application_open,
        earlier_years: series
            .conferences
            .range(..conf.year)
            .map(|(y, _)| *y)
            .collect(),
    })
}

/// Applies to volunteer for this year: pending (MY-11); one application per user
/// and year (MY-6); only while applications are open.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/volunteers", tag = "volunteers",
    params(("slug" = String, Path)), request_body = VolunteerFormBody,
    responses((status = 201, body = VolunteerAccepted),
        (status = 409, body = Problem, description = "already applied (vol.already_applied)"),
        (status = 422, body = Problem)))]
async fn apply(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<VolunteerFormBody>,
) -> ApiResult<(StatusCode, Json<VolunteerAccepted>)> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let form: VolunteerForm = body.into();
    let sealed = sealing::seal_social(&app, user.id, &form.social).await?;
    let sent = apply_flow(
        app.flows(),
        conf.id,
        user.id,
        form,
        sealed,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(VolunteerAccepted {
            status: Some(ApplicationStatus::Pending),
            position: sent.position,
        }),
    ))
}

/// The caller's application for this year.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/volunteers/mine", tag = "volunteers",
    params(("slug" = String, Path)),
    responses((status = 200, body = ApplicationView), (status = 404, body = Problem)))]
async fn mine(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let all = all_applications(&app).await?;
    let row = all
        .into_iter()
        .find(|a| a.year.conference_id == conf.id && a.user_id == user.id)
        .ok_or_else(|| ApiError::not_found("Volunteer application"))?;
    Ok(Json(sealing::view(&app, row).await?))
}

/// The caller withdraws this year's application.
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/volunteers/mine", tag = "volunteers",
    params(("slug" = String, Path)),
    responses((status = 200, body = VolunteerAccepted), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
async fn cancel_mine(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
) -> ApiResult<Json<VolunteerAccepted>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let sent = app
        .bus
        .send(
            &Volunteer::stream(volunteer_id(conf.id, user.id)),
            VolunteerCommand::Cancel,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(VolunteerAccepted {
        status: Some(ApplicationStatus::Cancelled),
        position: sent.position,
    }))
}

//! Organizers review a year's applications, bring last year's approved
//! volunteers forward, and read the year's summary.

use crate::http::extract::{Path, Query};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use tessera_aggregates::volunteer::ApplicationStatus;
use tessera_aggregates::volunteer::VolunteerError;
use tessera_projections::volunteers::{VolunteerSummary, summary};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    ApplicationView, CopiedView, VolunteerAccepted, all_applications, applications_of, sealing,
};
use crate::app::{AppState, conference_id};
use crate::http::access::{Group, ORGANIZER};
use crate::http::conferences::MANAGE;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, CommandMeta};
use crate::http::page::{Page, PageParams, Paging, page_in_memory, time_sort};
use crate::process::volunteers::{Decision, bring_forward as bring, review as decide, year_of};

pub(super) fn groups() -> Vec<Group> {
    vec![(
        ORGANIZER,
        OpenApiRouter::new()
            .routes(routes!(list))
            .routes(routes!(review))
            .routes(routes!(bring_forward))
            .routes(routes!(volunteer_summary)),
    )]
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Only applications in this status.
    #[param(value_type = Option<String>)]
    pub status: Option<ApplicationStatus>,
}

/// This year's applications, oldest first (organizers); paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/volunteers", tag = "volunteers",
    params(("slug" = String, Path), ListQuery, PageParams),
    responses((status = 200, body = Page<ApplicationView>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn list(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<ApplicationView>>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let mut rows = applications_of(&app, conf.id).await?;
    rows.retain(|a| q.status.is_none_or(|s| s == a.status));
    let items = rows
        .into_iter()
        .map(|a| (time_sort(&a.applied_at), a.user_id.to_string(), a))
        .collect();
    // Only the page's applications are unsealed.
    let page = page_in_memory(&paging, "applied", false, items)?;
    Ok(Json(Page {
        items: sealing::views(&app, page.items).await?,
        next_cursor: page.next_cursor,
        total: page.total,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewBody {
    /// approve, waitlist or reject.
    #[schema(max_length = 16)]
    pub decision: String,
    /// Team slugs of this year (approve: at least one).
    #[serde(default)]
    #[schema(value_type = Vec<crate::http::input::SlugString>)]
    pub teams: Vec<String>,
    /// Volunteer roles (approve: at least one).
    #[serde(default)]
    #[schema(value_type = Vec<crate::http::input::SlugString>)]
    pub roles: Vec<String>,
}

/// Approves (with teams and roles), waitlists or rejects an application, per the
/// transition table (organizers).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/volunteers/{user}/review", tag = "volunteers",
    params(("slug" = String, Path), ("user" = Uuid, Path)), request_body = ReviewBody,
    responses((status = 200, body = VolunteerAccepted), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "not allowed from the current status"),
        (status = 422, body = Problem)))]
async fn review(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, user)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<Json<VolunteerAccepted>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let (decision, status) = match body.decision.as_str() {
        "approve" => (
            Decision::Approve {
                teams: body.teams,
                roles: body.roles,
            },
            ApplicationStatus::Approved,
        ),
        "waitlist" => (Decision::Waitlist, ApplicationStatus::Waitlisted),
        "reject" => (Decision::Reject, ApplicationStatus::Rejected),
        _ => {
            return Err(VolunteerError::InvalidDecision.into());
        }
    };
    let sent = decide(
        app.flows(),
        conf.id,
        user,
        decision,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(VolunteerAccepted {
        status: Some(status),
        position: sent.position,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CopyFromBody {
    /// The slug of the earlier conference; default: the series' latest year
    /// before this one.
    #[schema(max_length = 100)]
    pub from: Option<String>,
    /// Clone teams only: copy the leads too (MY-20).
    #[serde(default)]
    pub with_leads: bool,
}

/// The earlier conference a copy reads: the one named, or the latest earlier year.
pub(super) async fn source(
    app: &AppState,
    to: &crate::process::volunteers::YearOf,
    from: Option<String>,
) -> ApiResult<Uuid> {
    match from {
        Some(slug) => {
            let id = conference_id(&slug);
            let earlier = year_of(app.flows(), id)
                .await
                .ok()
                .filter(|y| y.year.series_id == to.year.series_id && y.year.year < to.year.year);
            earlier.map(|_| id).ok_or_else(|| {
                ApiError::from(VolunteerError::NoEarlierYear(
                    "from must be an earlier conference of the same series.",
                ))
            })
        }
        None => to.previous.as_ref().map(|(id, _, _)| *id).ok_or_else(|| {
            ApiError::from(VolunteerError::NoEarlierYear(
                "This series has no earlier conference year to copy from.",
            ))
        }),
    }
}

/// Bring forward: last year's approved volunteers become this year's pending
/// applications; pending, waitlisted, rejected and cancelled ones are left
/// behind, and users already applying are skipped (organizers).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/volunteers/bring-forward", tag = "volunteers",
    params(("slug" = String, Path)), request_body = CopyFromBody,
    responses((status = 200, body = CopiedView), (status = 422, body = Problem)))]
async fn bring_forward(
    State(app): State<AppState>,
    meta: CommandMeta,
    _after: After,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<CopyFromBody>,
) -> ApiResult<Json<CopiedView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let to = year_of(app.flows(), conf.id).await?;
    let from = source(&app, &to, body.from).await?;
    let rows = applications_of(&app, from).await?;
    let copied = bring(app.flows(), &to, from, &rows, &meta.for_conf(Some(conf.id))).await?;
    Ok(Json(copied.into()))
}

/// This year's volunteer counts by status and team, and the returning share
/// (organizers).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/volunteers/summary", tag = "volunteers",
    params(("slug" = String, Path)),
    responses((status = 200, body = SummaryView), (status = 404, body = Problem)))]
async fn volunteer_summary(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<SummaryView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    Ok(Json(summary_view(&app, conf.id).await?))
}

/// A year's volunteer figures (the JSON handler and the volunteers dashboard).
pub(crate) async fn summary_view(app: &AppState, conference: Uuid) -> ApiResult<SummaryView> {
    let all = all_applications(app).await?;
    let mut s = summary(&all, conference);
    if s.year.is_none() {
        s.year = year_of(app.flows(), conference)
            .await
            .ok()
            .map(|y| y.year.year);
    }
    Ok(s.into())
}

/// A year's volunteer figures (the same section a conference's statistics include).
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct SummaryView {
    pub conference_id: Uuid,
    pub year: Option<i32>,
    /// Applications per status (every status, zero included).
    #[schema(value_type = Object)]
    pub by_status: std::collections::BTreeMap<String, u32>,
    pub applications: u32,
    /// Approved volunteers per team slug.
    #[schema(value_type = Object)]
    pub by_team: std::collections::BTreeMap<String, u32>,
    /// Applicants with an application in an earlier year of the series.
    pub returning: u32,
    /// returning / applications, 2 decimal places.
    #[schema(value_type = String)]
    pub returning_share: rust_decimal::Decimal,
}

impl From<VolunteerSummary> for SummaryView {
    fn from(s: VolunteerSummary) -> Self {
        Self {
            conference_id: s.conference_id,
            year: s.year,
            by_status: s
                .by_status
                .into_iter()
                .map(|(k, v)| (k.as_str().to_string(), v))
                .collect(),
            applications: s.applications,
            by_team: s
                .by_team
                .into_iter()
                .map(|t| (t.team, t.volunteers))
                .collect(),
            returning: s.returning,
            returning_share: s.returning_share,
        }
    }
}

//! Surveys of a conference (SPEC SURVEY-1, 2, 4, 5) and their NPS (ANA-39):
//! organizers create, list and open or close them; the conference's attendees
//! answer each active one once.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::survey::{Survey, SurveyCommand, SurveyKind, survey_id};
use tessera_projections::Projection;
use tessera_projections::attendees::{Attendees, AttendeesRow, summary_key};
use tessera_projections::surveys::{SurveyRow, Surveys, SurveysRow, nps, surveys_prefix};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::AppState;
use crate::bootstrap::slugify;
use crate::features::Feature;
use crate::http::access::{Access, Group, ORGANIZER, ORGANIZER_READ};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, Path, Query};
use crate::http::page::{Page, PageParams, Paging, page_in_memory, position_sort};
use crate::process::surveys::{Answer, respond as respond_flow};

/// Surveys are part of the program (CONF-29).
const PUBLIC: &[Feature] = &[Feature::Programs, Feature::PublicUi];
const MANAGE: &[Feature] = &[Feature::Programs, Feature::ManageUi];

pub fn groups() -> Vec<Group> {
    vec![
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(create_survey))
                .routes(routes!(set_active)),
        ),
        (
            ORGANIZER_READ,
            OpenApiRouter::new()
                .routes(routes!(list_surveys))
                .routes(routes!(nps_report)),
        ),
        (
            Access::Authenticated,
            OpenApiRouter::new()
                .routes(routes!(active_surveys))
                .routes(routes!(respond)),
        ),
    ]
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SurveyBody {
    #[schema(max_length = 200)]
    pub title: String,
    /// Defaults to slugify(title).
    #[schema(max_length = 200)]
    pub slug: Option<String>,
    /// nps, satisfaction (default), session or custom (SURVEY-1).
    #[serde(default)]
    #[schema(value_type = String, example = "nps", max_length = 32)]
    pub kind: SurveyKind,
    #[serde(default = "yes")]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyChanged {
    pub id: Uuid,
    pub slug: String,
    pub position: Option<i64>,
}

/// Creates a survey; its slug is unique in the conference (SURVEY-1).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/surveys", tag = "surveys",
    params(("slug" = String, Path)), request_body = SurveyBody,
    responses((status = 201, body = SurveyChanged), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_survey(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<SurveyBody>,
) -> ApiResult<(StatusCode, Json<SurveyChanged>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let survey = body.slug.unwrap_or_else(|| slugify(&body.title));
    let id = survey_id(conf.id, &survey);
    let cmd = SurveyCommand::Create {
        conference_id: conf.id,
        slug: survey.clone(),
        title: body.title,
        kind: body.kind,
        is_active: body.is_active,
    };
    let sent = app
        .bus
        .send(&Survey::stream(id), cmd, &meta.for_conf(Some(conf.id)))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(SurveyChanged {
            id,
            slug: survey,
            position: sent.position,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivationBody {
    pub active: bool,
}

/// Opens or closes a survey to responses (SURVEY-1: is_active).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/surveys/{survey}/active", tag = "surveys",
    params(("slug" = String, Path), ("survey" = String, Path)), request_body = ActivationBody,
    responses((status = 200, body = SurveyChanged), (status = 404, body = Problem)))]
async fn set_active(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, survey)): Path<(String, String)>,
    ApiJson(body): ApiJson<ActivationBody>,
) -> ApiResult<Json<SurveyChanged>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let id = survey_id(conf.id, &survey);
    let cmd = SurveyCommand::SetActive {
        active: body.active,
    };
    let sent = app
        .bus
        .send(&Survey::stream(id), cmd, &meta.for_conf(Some(conf.id)))
        .await?;
    Ok(Json(SurveyChanged {
        id,
        slug: survey,
        position: sent.position,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyView {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    #[schema(value_type = String)]
    pub kind: SurveyKind,
    pub is_active: bool,
    /// SURVEY-2: the scores this type accepts.
    pub min_score: u8,
    pub max_score: u8,
    pub responses: u64,
    pub created_at: DateTime<Utc>,
}

impl From<SurveyRow> for SurveyView {
    fn from(s: SurveyRow) -> Self {
        let (min_score, max_score) = s.kind.score_range();
        Self {
            id: s.id,
            slug: s.slug,
            title: s.title,
            kind: s.kind,
            is_active: s.is_active,
            min_score,
            max_score,
            responses: s.responses,
            created_at: s.created_at,
        }
    }
}

/// The conference's surveys, oldest first.
async fn surveys_of(app: &AppState, conference: Uuid) -> ApiResult<Vec<SurveyRow>> {
    let rows =
        storage::live_rows_with_prefix(&app.db, Surveys::NAME, &surveys_prefix(conference)).await?;
    let mut out = vec![];
    for (_, doc) in rows {
        if let SurveysRow::Survey(s) = serde_json::from_str(&doc)? {
            out.push(s);
        }
    }
    out.sort_by_key(|s| s.position);
    Ok(out)
}

/// A page of surveys in creation order (key: the survey id).
fn survey_page(
    paging: &Paging,
    rows: impl Iterator<Item = SurveyRow>,
    view: impl Fn(SurveyRow) -> SurveyView,
) -> ApiResult<Page<SurveyView>> {
    let items = rows
        .map(|s| (position_sort(s.position), s.id.to_string(), view(s)))
        .collect();
    page_in_memory(paging, "position", false, items)
}

/// Every survey of the conference with its response count (organizers), in
/// creation order; paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/surveys", tag = "surveys",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<SurveyView>), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
async fn list_surveys(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<SurveyView>>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let rows = surveys_of(&app, conf.id).await?;
    Ok(Json(survey_page(
        &paging,
        rows.into_iter(),
        SurveyView::from,
    )?))
}

/// The surveys open to responses (any signed-in user; only attendees answer),
/// in creation order; paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/surveys/active", tag = "surveys",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<SurveyView>), (status = 400, body = Problem),
        (status = 401, body = Problem)))]
async fn active_surveys(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<SurveyView>>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let rows = surveys_of(&app, conf.id).await?;
    let page = survey_page(&paging, rows.into_iter().filter(|s| s.is_active), |s| {
        SurveyView {
            responses: 0, // counts are the organizers'
            ..SurveyView::from(s)
        }
    })?;
    Ok(Json(page))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResponseBody {
    /// SURVEY-2: 0–10 for nps and custom, 1–5 for satisfaction and session.
    pub score: i64,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseRecorded {
    pub position: Option<i64>,
}

/// An attendee's one response to an active survey (SURVEY-1, 2).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/surveys/{survey}/responses", tag = "surveys",
    params(("slug" = String, Path), ("survey" = String, Path)), request_body = ResponseBody,
    responses((status = 201, body = ResponseRecorded), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn respond(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, survey)): Path<(String, String)>,
    ApiJson(body): ApiJson<ResponseBody>,
) -> ApiResult<(StatusCode, Json<ResponseRecorded>)> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let answer = Answer {
        score: body.score,
        comment: body.comment,
    };
    let sent = respond_flow(
        app.flows(),
        conf.id,
        &survey,
        user.id,
        answer,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ResponseRecorded {
            position: sent.position,
        }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct NpsQuery {
    /// SURVEY-5: the survey to score; else the most recently created nps survey.
    pub survey: Option<String>,
}

/// ANA-39's figures; percentages with 1 decimal.
#[derive(Debug, Serialize, ToSchema)]
pub struct NpsView {
    pub survey: Option<String>,
    pub responses: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    pub promoter_pct: String,
    pub passive_pct: String,
    pub detractor_pct: String,
    /// promoter % − detractor %, rounded half to even.
    pub nps: i64,
    /// responses / attendees × 100.
    pub response_rate: String,
    pub attendees: u64,
}

/// The NPS of a survey of the conference (ANA-39, SURVEY-4/5).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/surveys/nps", tag = "surveys",
    params(("slug" = String, Path), NpsQuery),
    responses((status = 200, body = NpsView), (status = 403, body = Problem)))]
async fn nps_report(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<NpsQuery>,
) -> ApiResult<Json<NpsView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    Ok(Json(nps_view(&app, conf.id, q.survey.as_deref()).await?))
}

/// ANA-39: the NPS of a survey of `conference` (None: the latest nps survey,
/// SURVEY-5), as the route answers it.
pub(crate) async fn nps_view(
    app: &AppState,
    conference: Uuid,
    survey: Option<&str>,
) -> ApiResult<NpsView> {
    let surveys = surveys_of(app, conference).await?;
    let attendees = match storage::live_row(&app.db, Attendees::NAME, &summary_key(conference))
        .await?
        .map(|d| serde_json::from_str::<AttendeesRow>(&d))
        .transpose()?
    {
        Some(AttendeesRow::Summary(s)) => s.attendees,
        _ => 0,
    };
    let r = nps(&surveys, survey, attendees);
    let pct = |d: rust_decimal::Decimal| format!("{:.1}", d.round_dp(1));
    Ok(NpsView {
        survey: r.survey,
        responses: r.responses,
        promoters: r.promoters,
        passives: r.passives,
        detractors: r.detractors,
        promoter_pct: pct(r.promoter_pct),
        passive_pct: pct(r.passive_pct),
        detractor_pct: pct(r.detractor_pct),
        nps: r.nps,
        response_rate: pct(r.response_rate),
        attendees: r.attendees,
    })
}

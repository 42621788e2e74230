//! Admin: series, conference creation (a small process manager) and activation.

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{Conference, ConferenceDetails};
use tessera_aggregates::is_valid_slug;
use tessera_aggregates::series::{Series, SeriesCommand};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{ConferenceOptions, Created, invalid_slug};
use crate::app::{AppState, conference_id};
use crate::bootstrap::slugify;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta};
use crate::provision;

pub(super) fn groups() -> Vec<Group> {
    vec![(
        Access::Admin,
        OpenApiRouter::new()
            .routes(routes!(create_series))
            .routes(routes!(create_conference))
            .routes(routes!(activate)),
    )]
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSeries {
    /// Defaults to slugify(name).
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    #[schema(max_length = 200)]
    pub name: String,
}

/// Creates a series (AMB-29). The same slug and name again changes nothing and
/// answers the same (position null); another name for the slug is a conflict.
#[utoipa::path(post, path = "/api/v1/series", tag = "conferences", request_body = NewSeries,
    responses((status = 201, body = Created), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_series(
    State(app): State<AppState>,
    meta: CommandMeta,
    ApiJson(body): ApiJson<NewSeries>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let slug = body.slug.unwrap_or_else(|| slugify(&body.name));
    if !is_valid_slug(&slug) {
        return Err(invalid_slug());
    }
    let (id, sent) = provision::create_series(&app.bus, &slug, &body.name, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id,
            slug,
            position: sent.position,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewConference {
    /// The series' slug.
    #[schema(max_length = 100)]
    pub series: String,
    /// Defaults to slugify(name). Not editable afterwards (CONF-11).
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    /// Unique within the series (AMB-29); defaults to start_date's year.
    pub year: Option<i32>,
    #[schema(max_length = 200)]
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    #[serde(flatten)]
    pub options: ConferenceOptions,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceCreated {
    pub id: Uuid,
    pub slug: String,
    /// The series' slug.
    pub series: String,
    pub year: i32,
    pub position: Option<i64>,
}

/// Creates a conference in a series: registers its year in the series, creates it,
/// opens its sales ledger. Every step is idempotent, so retrying the same request
/// after a failure finishes the job.
#[utoipa::path(post, path = "/api/v1/conferences", tag = "conferences", request_body = NewConference,
    responses((status = 201, body = ConferenceCreated),
        (status = 409, body = Problem, description = "slug taken (conf.slug_taken) or year taken in the series (series.year_taken)"),
        (status = 422, body = Problem)))]
async fn create_conference(
    State(app): State<AppState>,
    meta: CommandMeta,
    ApiJson(body): ApiJson<NewConference>,
) -> ApiResult<(StatusCode, Json<ConferenceCreated>)> {
    let mut details = ConferenceDetails {
        name: body.name,
        start_date: body.start_date,
        end_date: body.end_date,
        ..Default::default()
    };
    body.options.apply(&mut details)?;
    let slug = body.slug.unwrap_or_else(|| slugify(&details.name));
    let year = body.year.unwrap_or_else(|| details.start_date.year());
    let made =
        provision::create_conference(&app.bus, &body.series, &slug, year, details, &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(ConferenceCreated {
            id: made.id,
            slug: made.slug,
            series: made.series,
            year: made.year,
            position: made.position,
        }),
    ))
}

/// Makes the conference the single active one of its series (MY-2); the previously
/// active one is deactivated.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/activate", tag = "conferences",
    params(("slug" = String, Path)),
    responses((status = 200, body = Created), (status = 404, body = Problem)))]
async fn activate(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
) -> ApiResult<Json<Created>> {
    let id = conference_id(&slug);
    let series = app
        .bus
        .inspect(&Conference::stream(id), |c| {
            c.exists().then(|| c.series_id())
        })
        .await?
        .ok_or_else(|| ApiError::not_found("Conference"))?;
    let sent = app
        .bus
        .send(
            &Series::stream(series),
            SeriesCommand::Activate { conference_id: id },
            &meta.for_conf(Some(id)),
        )
        .await?;
    Ok(Json(Created {
        id,
        slug,
        position: sent.position,
    }))
}

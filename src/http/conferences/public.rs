//! Public reads from the `conference_catalog` read model (not feature-gated).

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{ConferenceDetails, Section, SponsorLevel};
use tessera_aggregates::inventory::{Addon, TicketType};
use tessera_projections::Projection;
use tessera_projections::conference_catalog::{
    CONFERENCE_PREFIX, CatalogRow, ConferenceCatalog, ConferenceRow, conference_key, series_key,
};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::{AppState, conference_id, series_id};
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::After;
use crate::http::page::{Page, PageParams, Paging, page_in_memory};

pub(super) fn groups() -> Vec<Group> {
    vec![(
        Access::Public,
        OpenApiRouter::new()
            .routes(routes!(list_conferences))
            .routes(routes!(get_conference))
            .routes(routes!(active_of_series)),
    )]
}

/// The conference's catalog row, if the read model has it.
pub(crate) async fn conference_row(app: &AppState, id: Uuid) -> ApiResult<Option<ConferenceRow>> {
    let doc = storage::live_row(&app.db, ConferenceCatalog::NAME, &conference_key(id)).await?;
    Ok(
        match doc
            .map(|d| serde_json::from_str::<CatalogRow>(&d))
            .transpose()?
        {
            Some(CatalogRow::Conference(c)) => Some(c),
            _ => None,
        },
    )
}

/// The part of a series row this module reads. (Not `CatalogRow`: its year-keyed
/// map does not deserialize inside the internally tagged enum.)
#[derive(Debug, Deserialize)]
struct SeriesActive {
    row: String,
    active_conference: Option<Uuid>,
}

/// The active conference of the series: `None` when there is no such series,
/// `Some(None)` when it has no active conference.
async fn active_conference(app: &AppState, series: Uuid) -> ApiResult<Option<Option<Uuid>>> {
    let doc = storage::live_row(&app.db, ConferenceCatalog::NAME, &series_key(series)).await?;
    Ok(
        match doc
            .map(|d| serde_json::from_str::<SeriesActive>(&d))
            .transpose()?
        {
            Some(s) if s.row == "series" => Some(s.active_conference),
            _ => None,
        },
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceSummary {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    /// The series' slug.
    pub series: String,
    pub year: i32,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub timezone: String,
    pub venue: String,
    /// MY-2: the single active conference of its series.
    pub is_active: bool,
}

impl From<&ConferenceRow> for ConferenceSummary {
    fn from(c: &ConferenceRow) -> Self {
        Self {
            id: c.id,
            slug: c.slug.clone(),
            name: c.details.name.clone(),
            series: c.series_slug.clone(),
            year: c.year,
            start_date: c.details.start_date,
            end_date: c.details.end_date,
            timezone: c.details.timezone.clone(),
            venue: c.details.venue.clone(),
            is_active: c.is_active,
        }
    }
}

/// Every conference, newest start_date first (CONF-7), then by slug; paged
/// (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences", tag = "conferences",
    params(PageParams),
    responses((status = 200, body = Page<ConferenceSummary>), (status = 400, body = Problem)))]
async fn list_conferences(
    State(app): State<AppState>,
    _after: After,
    paging: Paging,
) -> ApiResult<Json<Page<ConferenceSummary>>> {
    let rows =
        storage::live_rows_with_prefix(&app.db, ConferenceCatalog::NAME, CONFERENCE_PREFIX).await?;
    let mut out = vec![];
    for (_, doc) in rows {
        if let CatalogRow::Conference(c) = serde_json::from_str(&doc)? {
            let c = ConferenceSummary::from(&c);
            // Newest first as an ascending key: days before the end of the calendar.
            let days =
                i64::from(NaiveDate::MAX.num_days_from_ce() - c.start_date.num_days_from_ce());
            out.push((format!("{days:010}"), c.slug.clone(), c));
        }
    }
    Ok(Json(page_in_memory(&paging, "start_date", false, out)?))
}

/// The public part of a conference's details: everything but the planning fields
/// (revenue_budget, target_attendance, grant_budget; see the organizer settings).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicDetails {
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub timezone: String,
    pub venue: String,
    pub address: String,
    pub website_url: String,
    pub pretalx_event_slug: String,
    pub total_capacity: u32,
    #[schema(value_type = String)]
    pub sponsorship_goal: Decimal,
    #[schema(value_type = String)]
    pub donation_goal: Decimal,
    pub proposals_count: u32,
    pub banner_text: String,
    pub volunteer_application_open: bool,
    pub sponsorship_open: bool,
    pub accepting_donations: bool,
}

impl From<ConferenceDetails> for PublicDetails {
    fn from(d: ConferenceDetails) -> Self {
        Self {
            name: d.name,
            start_date: d.start_date,
            end_date: d.end_date,
            timezone: d.timezone,
            venue: d.venue,
            address: d.address,
            website_url: d.website_url,
            pretalx_event_slug: d.pretalx_event_slug,
            total_capacity: d.total_capacity,
            sponsorship_goal: d.sponsorship_goal,
            donation_goal: d.donation_goal,
            proposals_count: d.proposals_count,
            banner_text: d.banner_text,
            volunteer_application_open: d.volunteer_application_open,
            sponsorship_open: d.sponsorship_open,
            accepting_donations: d.accepting_donations,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConferenceView {
    pub id: Uuid,
    pub slug: String,
    /// The series' slug.
    pub series: String,
    pub year: i32,
    pub is_active: bool,
    pub details: PublicDetails,
    /// CONF-9: by (order, start_date).
    #[schema(value_type = Vec<Object>)]
    pub sections: Vec<Section>,
    /// CAT-5: active ticket types that need no voucher, by (order, name).
    #[schema(value_type = Vec<Object>)]
    pub ticket_types: Vec<TicketType>,
    /// Active add-ons, by (order, name).
    #[schema(value_type = Vec<Object>)]
    pub addons: Vec<Addon>,
    #[schema(value_type = Vec<Object>)]
    pub sponsor_levels: Vec<SponsorLevel>,
}

impl From<ConferenceRow> for ConferenceView {
    fn from(c: ConferenceRow) -> Self {
        Self {
            id: c.id,
            slug: c.slug,
            series: c.series_slug,
            year: c.year,
            is_active: c.is_active,
            details: c.details.into(),
            sections: c.sections,
            ticket_types: c
                .ticket_types
                .into_iter()
                .filter(|t| t.is_active && !t.requires_voucher)
                .collect(),
            addons: c.addons.into_iter().filter(|a| a.is_active).collect(),
            sponsor_levels: c.sponsor_levels,
        }
    }
}

/// One conference with its public catalog.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}", tag = "conferences",
    params(("slug" = String, Path)),
    responses((status = 200, body = ConferenceView), (status = 404, body = Problem)))]
async fn get_conference(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<ConferenceView>> {
    let row = conference_row(&app, conference_id(&slug))
        .await?
        .ok_or_else(|| ApiError::not_found("Conference"))?;
    Ok(Json(row.into()))
}

/// The active conference of a series (MY-2), with its public catalog.
#[utoipa::path(get, path = "/api/v1/series/{slug}/active", tag = "conferences",
    params(("slug" = String, Path, description = "the series' slug")),
    responses((status = 200, body = ConferenceView), (status = 404, body = Problem)))]
async fn active_of_series(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<ConferenceView>> {
    let active = active_conference(&app, series_id(&slug))
        .await?
        .ok_or_else(|| ApiError::not_found("Series"))?
        .ok_or_else(|| ApiError::not_found("Active conference"))?;
    let row = conference_row(&app, active)
        .await?
        .ok_or_else(|| ApiError::not_found("Active conference"))?;
    Ok(Json(row.into()))
}

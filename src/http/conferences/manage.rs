//! Organizer settings of a conference: details, sections, sponsor levels, KPI
//! targets, and the full settings view. Gated on `manage_ui` (AMB-17).

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{
    self, Conference, ConferenceCommand, ConferenceDetails, ConferenceEvent, DetailsPatch,
    KpiTargets, KpiTargetsPatch, Role, Section, SectionPatch, SponsorLevel, SponsorLevelPatch,
};
use tessera_aggregates::inventory::{Addon, TicketType};
use tessera_projections::Projection;
use tessera_projections::user_directory::{UserDirectory, UserRow, user_key};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::public::conference_row;
use super::{ConferenceOptions, Created, MANAGE, Saved, check_money, part_slug, saved};
use crate::app::AppState;
use crate::http::access::{Group, ORGANIZER, ORGANIZER_READ};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, CommandMeta};
use crate::process::conference_details;

pub(super) fn groups() -> Vec<Group> {
    vec![
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(update_conference))
                .routes(routes!(upsert_section))
                .routes(routes!(upsert_sponsor_level))
                .routes(routes!(set_kpi_targets)),
        ),
        (
            ORGANIZER_READ,
            OpenApiRouter::new().routes(routes!(settings)),
        ),
    ]
}

/// Every field optional; absent fields keep their value. The slug and year are not
/// editable (CONF-11).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConferencePatch {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(flatten)]
    pub options: ConferenceOptions,
}

/// Changes a conference's details, year-bound configuration included (MY-4).
#[utoipa::path(patch, path = "/api/v1/conferences/{slug}", tag = "conferences",
    params(("slug" = String, Path)), request_body = ConferencePatch,
    responses((status = 200, body = Created), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_conference(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ConferencePatch>,
) -> ApiResult<Json<Created>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let patch = body.into_patch()?;
    let position = conference_details::change(app.flows(), conf.id, patch, &meta).await?;
    Ok(Json(Created {
        id: conf.id,
        slug,
        position,
    }))
}

impl ConferencePatch {
    /// Checks what the domain does not (IANA zone, cents): the change to send.
    fn into_patch(self) -> ApiResult<DetailsPatch> {
        Ok(DetailsPatch {
            name: self.name,
            start_date: self.start_date,
            end_date: self.end_date,
            ..self.options.into_patch()?
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SectionBody {
    /// With a slug: create or update that section. Without: a new section,
    /// slugify(name) (fallback "section") made unique with "-2", "-3", … (CONF-10).
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    #[schema(max_length = 200)]
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Default 0 (kept on update when absent).
    pub order: Option<i32>,
}

/// Creates or updates a section (CONF-9).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sections", tag = "conferences",
    params(("slug" = String, Path)), request_body = SectionBody,
    responses((status = 201, body = Saved), (status = 200, body = Saved, description = "updated"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn upsert_section(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<SectionBody>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let part = part_slug(body.slug, &body.name, "section")?;
    let patch = SectionPatch {
        name: Some(body.name),
        start_date: Some(body.start_date),
        end_date: Some(body.end_date),
        order: body.order,
    };
    let decided = app
        .bus
        .send_decided(
            &Conference::stream(conf.id),
            ConferenceCommand::SaveSection {
                slug: part.clone(),
                patch,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    let written = decided.events.iter().find_map(|e| match e {
        ConferenceEvent::SectionAdded { section, .. } => Some((section.slug.clone(), true)),
        ConferenceEvent::SectionUpdated { section, .. } => Some((section.slug.clone(), false)),
        _ => None,
    });
    Ok(saved(part, written, decided.position))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SponsorLevelBody {
    /// With a slug: create or update that level. Without: a new level,
    /// slugify(name) (fallback "level") made unique with "-2", "-3", ….
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    #[schema(max_length = 200)]
    pub name: String,
    /// At most 2 decimal places; null clears; absent keeps.
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub cost: Option<Option<Decimal>>,
    /// Comp vouchers per sponsor (AMB-5); absent keeps (default 0).
    pub comp_ticket_count: Option<u32>,
    /// Absent keeps (default 0).
    pub order: Option<i32>,
}

/// Creates or updates a sponsor level.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/sponsor-levels", tag = "conferences",
    params(("slug" = String, Path)), request_body = SponsorLevelBody,
    responses((status = 201, body = Saved), (status = 200, body = Saved, description = "updated"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn upsert_sponsor_level(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<SponsorLevelBody>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    check_money("cost", body.cost.flatten())?;
    let part = part_slug(body.slug, &body.name, "level")?;
    let patch = SponsorLevelPatch {
        name: Some(body.name),
        cost: body.cost,
        comp_ticket_count: body.comp_ticket_count,
        order: body.order,
    };
    let decided = app
        .bus
        .send_decided(
            &Conference::stream(conf.id),
            ConferenceCommand::SaveSponsorLevel {
                slug: part.clone(),
                patch,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    let written = decided.events.iter().find_map(|e| match e {
        ConferenceEvent::SponsorLevelAdded { level, .. } => Some((level.slug.clone(), true)),
        ConferenceEvent::SponsorLevelUpdated { level, .. } => Some((level.slug.clone(), false)),
        _ => None,
    });
    Ok(saved(part, written, decided.position))
}

/// KPI targets (CONF-13): absent keeps, null clears (= use the ANA-7 default).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct KpiBody {
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub target_conversion_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub target_refund_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub target_checkin_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub target_fulfillment_rate: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub target_revenue_per_attendee: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "crate::http::input::nullable_money")]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub target_room_utilization: Option<Option<Decimal>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiView {
    /// Every target (decimal string or null).
    #[schema(value_type = Object)]
    pub targets: KpiTargets,
    pub position: Option<i64>,
}

/// Sets the conference's KPI targets (CONF-13).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/kpi-targets", tag = "conferences",
    params(("slug" = String, Path)), request_body = KpiBody,
    responses((status = 200, body = KpiView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn set_kpi_targets(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<KpiBody>,
) -> ApiResult<Json<KpiView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let patch = KpiTargetsPatch {
        target_conversion_rate: body.target_conversion_rate,
        target_refund_rate: body.target_refund_rate,
        target_checkin_rate: body.target_checkin_rate,
        target_fulfillment_rate: body.target_fulfillment_rate,
        target_revenue_per_attendee: body.target_revenue_per_attendee,
        target_room_utilization: body.target_room_utilization,
    };
    let decided = app
        .bus
        .send_decided(
            &Conference::stream(conf.id),
            ConferenceCommand::ChangeKpiTargets { patch },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    let set = decided.events.into_iter().find_map(|e| match e {
        ConferenceEvent::KpiTargetsSet { targets, .. } => Some(targets),
        _ => None,
    });
    let targets = match set {
        Some(targets) => targets,
        // Nothing changed: answer with the record as the read model holds it once
        // it has caught up with the log.
        None => {
            app.wait_for(Some(app.db.head().await?)).await;
            conference_row(&app, conf.id)
                .await?
                .map(|row| row.kpi_targets)
                .unwrap_or_default()
        }
    };
    Ok(Json(KpiView {
        targets,
        position: decided.position,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleHolder {
    pub user_id: Uuid,
    /// Empty when the user directory does not have the user yet.
    pub email: String,
    pub name: String,
    #[schema(value_type = Vec<String>)]
    pub roles: Vec<Role>,
}

/// Everything an organizer edits: full details (planning fields included), every
/// product (inactive and voucher-only too), overrides, KPI targets, role holders.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    pub id: Uuid,
    pub slug: String,
    pub series: String,
    pub year: i32,
    pub is_active: bool,
    #[schema(value_type = Object)]
    pub details: ConferenceDetails,
    #[schema(value_type = Vec<Object>)]
    pub sections: Vec<Section>,
    #[schema(value_type = Vec<Object>)]
    pub ticket_types: Vec<TicketType>,
    #[schema(value_type = Vec<Object>)]
    pub addons: Vec<Addon>,
    #[schema(value_type = Vec<Object>)]
    pub sponsor_levels: Vec<SponsorLevel>,
    /// null = inherit (CONF-22).
    #[schema(value_type = Object)]
    pub feature_overrides: conference::FeatureOverrides,
    #[schema(value_type = Object)]
    pub kpi_targets: KpiTargets,
    pub roles: Vec<RoleHolder>,
}

/// The organizer's view of a conference (from the read model).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/settings", tag = "conferences",
    params(("slug" = String, Path)),
    responses((status = 200, body = SettingsView), (status = 404, body = Problem)))]
async fn settings(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<SettingsView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let row = conference_row(&app, conf.id)
        .await?
        .ok_or_else(|| ApiError::not_found("Conference"))?;
    let mut roles = vec![];
    for (user, held) in row.roles {
        let doc = storage::live_row(&app.db, UserDirectory::NAME, &user_key(user)).await?;
        let mut found = doc
            .map(|d| serde_json::from_str::<UserRow>(&d))
            .transpose()?;
        if let Some(u) = &mut found {
            app.personal.open_user_row(u).await?;
        }
        let (email, name) = found.map(|u| (u.email, u.name)).unwrap_or_default();
        roles.push(RoleHolder {
            user_id: user,
            email,
            name,
            roles: held,
        });
    }
    Ok(Json(SettingsView {
        id: row.id,
        slug: row.slug,
        series: row.series_slug,
        year: row.year,
        is_active: row.is_active,
        details: row.details,
        sections: row.sections,
        ticket_types: row.ticket_types,
        addons: row.addons,
        sponsor_levels: row.sponsor_levels,
        feature_overrides: row.feature_overrides,
        kpi_targets: row.kpi_targets,
        roles,
    }))
}

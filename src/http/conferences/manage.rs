//! Organizer settings of a conference: details, sections, sponsor levels, KPI
//! targets, and the full settings view. Gated on `manage_ui` (AMB-17).

use std::collections::{BTreeMap, BTreeSet};

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::{
    self, Conference, ConferenceCommand, ConferenceDetails, KpiTargets, Role, Section, SponsorLevel,
};
use tessera_aggregates::inventory::{Addon, TicketType};
use tessera_aggregates::inventory::{Inventory, InventoryCommand};
use tessera_projections::Projection;
use tessera_projections::user_directory::{UserDirectory, UserRow, user_key};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::public::conference_row;
use super::{ConferenceOptions, Created, MANAGE, Saved, check_money, slug_for};
use crate::app::AppState;
use crate::app::inventory_id;
use crate::http::access::{Group, ORGANIZER};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, CommandMeta};

pub(super) fn groups() -> Vec<Group> {
    vec![(
        ORGANIZER,
        OpenApiRouter::new()
            .routes(routes!(update_conference))
            .routes(routes!(settings))
            .routes(routes!(upsert_section))
            .routes(routes!(upsert_sponsor_level))
            .routes(routes!(set_kpi_targets)),
    )]
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
    let mut details = app
        .bus
        .inspect::<Conference, _>(&conf.id.to_string(), |c| c.details().clone())
        .await?;
    if let Some(v) = body.name {
        details.name = v;
    }
    if let Some(v) = body.start_date {
        details.start_date = v;
    }
    if let Some(v) = body.end_date {
        details.end_date = v;
    }
    body.options.apply(&mut details)?;
    let total_capacity = details.total_capacity;
    let sent = app
        .bus
        .send::<Conference>(
            &conf.id.to_string(),
            ConferenceCommand::UpdateDetails { details },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    // The Inventory enforces the venue capacity (CAT-14): keep it in step.
    let capacity = app
        .bus
        .send::<Inventory>(
            &inventory_id(conf.id).to_string(),
            InventoryCommand::SetCapacity { total_capacity },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(Created {
        id: conf.id,
        slug,
        position: sent.position.max(capacity.position),
    }))
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
    let existing: BTreeMap<String, Section> = app
        .bus
        .inspect::<Conference, _>(&conf.id.to_string(), |c| {
            c.sections()
                .iter()
                .map(|s| (s.slug.clone(), s.clone()))
                .collect()
        })
        .await?;
    let taken: BTreeSet<String> = existing.keys().cloned().collect();
    let section_slug = slug_for(body.slug, &body.name, "section", &taken)?;
    let current = existing.get(&section_slug);
    let section = Section {
        slug: section_slug.clone(),
        name: body.name,
        start_date: body.start_date,
        end_date: body.end_date,
        order: body.order.or(current.map(|s| s.order)).unwrap_or(0),
    };
    let created = current.is_none();
    let sent = app
        .bus
        .send::<Conference>(
            &conf.id.to_string(),
            ConferenceCommand::UpsertSection { section },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(saved(section_slug, created, sent.position))
}

pub(super) fn saved(
    slug: String,
    created: bool,
    position: Option<i64>,
) -> (StatusCode, Json<Saved>) {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        Json(Saved {
            slug,
            created,
            position,
        }),
    )
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
    let existing: BTreeMap<String, SponsorLevel> = app
        .bus
        .inspect::<Conference, _>(&conf.id.to_string(), |c| {
            c.sponsor_levels()
                .iter()
                .map(|l| (l.slug.clone(), l.clone()))
                .collect()
        })
        .await?;
    let taken: BTreeSet<String> = existing.keys().cloned().collect();
    let level_slug = slug_for(body.slug, &body.name, "level", &taken)?;
    let current = existing.get(&level_slug).cloned();
    let created = current.is_none();
    let mut level = current.unwrap_or_default();
    level.slug = level_slug.clone();
    level.name = body.name;
    if let Some(v) = body.cost {
        level.cost = v;
    }
    if let Some(v) = body.comp_ticket_count {
        level.comp_ticket_count = v;
    }
    if let Some(v) = body.order {
        level.order = v;
    }
    let sent = app
        .bus
        .send::<Conference>(
            &conf.id.to_string(),
            ConferenceCommand::UpsertSponsorLevel { level },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(saved(level_slug, created, sent.position))
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
    let mut targets = app
        .bus
        .inspect::<Conference, _>(&conf.id.to_string(), |c| c.kpi_targets().clone())
        .await?;
    let merge = |slot: &mut Option<Decimal>, v: Option<Option<Decimal>>| {
        if let Some(v) = v {
            *slot = v;
        }
    };
    merge(
        &mut targets.target_conversion_rate,
        body.target_conversion_rate,
    );
    merge(&mut targets.target_refund_rate, body.target_refund_rate);
    merge(&mut targets.target_checkin_rate, body.target_checkin_rate);
    merge(
        &mut targets.target_fulfillment_rate,
        body.target_fulfillment_rate,
    );
    merge(
        &mut targets.target_revenue_per_attendee,
        body.target_revenue_per_attendee,
    );
    merge(
        &mut targets.target_room_utilization,
        body.target_room_utilization,
    );
    let sent = app
        .bus
        .send::<Conference>(
            &conf.id.to_string(),
            ConferenceCommand::SetKpiTargets {
                targets: targets.clone(),
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(KpiView {
        targets,
        position: sent.position,
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

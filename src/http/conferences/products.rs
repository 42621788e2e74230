//! Organizer: the products a conference sells, defined on its sales ledger
//! (Inventory; CAT-1, CAT-6, BOOT-16). Gated on manage_ui (AMB-17).

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use tessera_aggregates::inventory::{
    AddonPatch, Inventory, InventoryCommand, InventoryEvent, TicketTypePatch,
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{MANAGE, Saved, nullable, part_slug, saved};
use crate::app::{AppState, inventory_id};
use crate::http::access::{Group, ORGANIZER};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta};

pub(super) fn groups() -> Vec<Group> {
    vec![(
        ORGANIZER,
        OpenApiRouter::new()
            .routes(routes!(define_ticket_type))
            .routes(routes!(define_addon)),
    )]
}

/// CAT-1. With a slug: create or update that ticket type (absent optional fields
/// keep their value). Without: a new one, slugify(name) (fallback "ticket") made
/// unique with "-2", "-3", … (CONF-10).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TicketTypeBody {
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// ≥ 0, at most 2 decimal places.
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub price: Decimal,
    /// 0 = unlimited (default).
    pub total_quantity: Option<u32>,
    /// Default 10.
    pub limit_per_user: Option<u32>,
    /// CAT-5: hidden from public listings (default false).
    pub requires_voucher: Option<bool>,
    /// Default true.
    pub is_active: Option<bool>,
    pub bulk_enabled: Option<bool>,
    /// Null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub available_from: Option<Option<DateTime<Utc>>>,
    /// Null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub available_until: Option<Option<DateTime<Utc>>>,
    /// Default 0.
    pub order: Option<i32>,
}

/// Creates or updates a ticket type.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/ticket-types", tag = "conferences",
    params(("slug" = String, Path)), request_body = TicketTypeBody,
    responses((status = 201, body = Saved), (status = 200, body = Saved, description = "updated"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn define_ticket_type(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<TicketTypeBody>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let part = part_slug(body.slug, &body.name, "ticket")?;
    let patch = TicketTypePatch {
        name: Some(body.name),
        description: body.description,
        price: Some(body.price),
        total_quantity: body.total_quantity,
        limit_per_user: body.limit_per_user,
        requires_voucher: body.requires_voucher,
        is_active: body.is_active,
        bulk_enabled: body.bulk_enabled,
        available_from: body.available_from,
        available_until: body.available_until,
        order: body.order,
    };
    let decided = app
        .bus
        .send_decided(
            &Inventory::stream(inventory_id(conf.id)),
            InventoryCommand::SaveTicketType {
                slug: part.clone(),
                patch,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    let written = decided.events.iter().find_map(|e| match e {
        InventoryEvent::TicketTypeAdded { ticket, .. } => Some((ticket.slug.clone(), true)),
        InventoryEvent::TicketTypeUpdated { ticket, .. } => Some((ticket.slug.clone(), false)),
        _ => None,
    });
    Ok(saved(part, written, decided.position))
}

/// CAT-6. With a slug: create or update that add-on (absent optional fields keep
/// their value). Without: a new one, slugify(name) (fallback "addon") made unique.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddonBody {
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// ≥ 0, at most 2 decimal places; default 0.
    #[serde(
        default,
        deserialize_with = "tessera_aggregates::money::optional_decimal"
    )]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub price: Option<Decimal>,
    /// Prerequisite ticket-type slugs of this conference (empty = any or no ticket).
    #[schema(value_type = Option<Vec<crate::http::input::SlugString>>)]
    pub requires: Option<Vec<String>>,
    /// 0 = unlimited (default).
    pub total_quantity: Option<u32>,
    /// Default true.
    pub is_active: Option<bool>,
    pub bulk_enabled: Option<bool>,
    /// Null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub available_from: Option<Option<DateTime<Utc>>>,
    /// Null clears.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub available_until: Option<Option<DateTime<Utc>>>,
    /// Default 0.
    pub order: Option<i32>,
}

/// Creates or updates an add-on (422 inventory.unknown_prerequisites when a
/// required ticket slug is unknown, BOOT-16).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/addons", tag = "conferences",
    params(("slug" = String, Path)), request_body = AddonBody,
    responses((status = 201, body = Saved), (status = 200, body = Saved, description = "updated"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn define_addon(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<AddonBody>,
) -> ApiResult<(StatusCode, Json<Saved>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let part = part_slug(body.slug, &body.name, "addon")?;
    let patch = AddonPatch {
        name: Some(body.name),
        description: body.description,
        price: body.price,
        requires: body.requires,
        total_quantity: body.total_quantity,
        is_active: body.is_active,
        bulk_enabled: body.bulk_enabled,
        available_from: body.available_from,
        available_until: body.available_until,
        order: body.order,
    };
    let decided = app
        .bus
        .send_decided(
            &Inventory::stream(inventory_id(conf.id)),
            InventoryCommand::SaveAddon {
                slug: part.clone(),
                patch,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    let written = decided.events.iter().find_map(|e| match e {
        InventoryEvent::AddonAdded { addon, .. } => Some((addon.slug.clone(), true)),
        InventoryEvent::AddonUpdated { addon, .. } => Some((addon.slug.clone(), false)),
        _ => None,
    });
    Ok(saved(part, written, decided.position))
}

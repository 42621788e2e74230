//! Organizer: the products a conference sells, defined on its sales ledger
//! (Inventory; CAT-1, CAT-6, BOOT-16). Gated on manage_ui (AMB-17).

use std::collections::{BTreeMap, BTreeSet};

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use tessera_aggregates::inventory::{Addon, Inventory, InventoryCommand, TicketType};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::manage::saved;
use super::{MANAGE, Saved, nullable, slug_for};
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
    let ledger = inventory_id(conf.id).to_string();
    let mut existing: BTreeMap<String, TicketType> = app
        .bus
        .inspect::<Inventory, _>(&ledger, |i| {
            i.ticket_types()
                .into_iter()
                .map(|t| (t.slug.clone(), t.clone()))
                .collect()
        })
        .await?;
    let taken: BTreeSet<String> = existing.keys().cloned().collect();
    let ticket_slug = slug_for(body.slug, &body.name, "ticket", &taken)?;
    let current = existing.remove(&ticket_slug);
    let created = current.is_none();
    let mut t = current.unwrap_or_default();
    t.slug = ticket_slug.clone();
    t.name = body.name;
    t.price = body.price;
    if let Some(v) = body.description {
        t.description = v;
    }
    if let Some(v) = body.total_quantity {
        t.total_quantity = v;
    }
    if let Some(v) = body.limit_per_user {
        t.limit_per_user = v;
    }
    if let Some(v) = body.requires_voucher {
        t.requires_voucher = v;
    }
    if let Some(v) = body.is_active {
        t.is_active = v;
    }
    if let Some(v) = body.bulk_enabled {
        t.bulk_enabled = v;
    }
    if let Some(v) = body.available_from {
        t.available_from = v;
    }
    if let Some(v) = body.available_until {
        t.available_until = v;
    }
    if let Some(v) = body.order {
        t.order = v;
    }
    let sent = app
        .bus
        .send::<Inventory>(
            &ledger,
            InventoryCommand::DefineTicketType { ticket: t },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(saved(ticket_slug, created, sent.position))
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
    let ledger = inventory_id(conf.id).to_string();
    let mut existing: BTreeMap<String, Addon> = app
        .bus
        .inspect::<Inventory, _>(&ledger, |i| {
            i.addons()
                .into_iter()
                .map(|a| (a.slug.clone(), a.clone()))
                .collect()
        })
        .await?;
    let taken: BTreeSet<String> = existing.keys().cloned().collect();
    let addon_slug = slug_for(body.slug, &body.name, "addon", &taken)?;
    let current = existing.remove(&addon_slug);
    let created = current.is_none();
    let mut a = current.unwrap_or_default();
    a.slug = addon_slug.clone();
    a.name = body.name;
    if let Some(v) = body.description {
        a.description = v;
    }
    if let Some(v) = body.price {
        a.price = v;
    }
    if let Some(v) = body.requires {
        a.requires = v;
    }
    if let Some(v) = body.total_quantity {
        a.total_quantity = v;
    }
    if let Some(v) = body.is_active {
        a.is_active = v;
    }
    if let Some(v) = body.bulk_enabled {
        a.bulk_enabled = v;
    }
    if let Some(v) = body.available_from {
        a.available_from = v;
    }
    if let Some(v) = body.available_until {
        a.available_until = v;
    }
    if let Some(v) = body.order {
        a.order = v;
    }
    let sent = app
        .bus
        .send::<Inventory>(
            &ledger,
            InventoryCommand::DefineAddon { addon: a },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(saved(addon_slug, created, sent.position))
}

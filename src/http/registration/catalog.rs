//! Live availability of ticket types and add-ons (CAT-*), and the organizers'
//! inventory breakdown.

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use tessera_aggregates::inventory::ProductAvailability;
use tessera_aggregates::pricing::ProductKind;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{MANAGE, PUBLIC, ledger};
use crate::app::AppState;
use crate::http::access::{Access, FINANCE_READ, Group};
use crate::http::error::{ApiResult, Problem};
use crate::http::page::{Page, PageParams, Paging, page_in_memory};

pub(super) fn groups() -> Vec<Group> {
    vec![
        (
            Access::Public,
            OpenApiRouter::new()
                .routes(routes!(ticket_types))
                .routes(routes!(addons)),
        ),
        (
            FINANCE_READ,
            OpenApiRouter::new().routes(routes!(inventory)),
        ),
    ]
}

/// One product with its live availability.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    pub slug: String,
    pub name: String,
    #[schema(value_type = String)]
    pub price: Decimal,
    /// 0 = unlimited.
    pub total_quantity: u32,
    /// null = unlimited (CAT-2).
    pub remaining: Option<i64>,
    pub available: bool,
    pub available_from: Option<DateTime<Utc>>,
    pub available_until: Option<DateTime<Utc>>,
}

impl From<&ProductAvailability> for ProductView {
    fn from(p: &ProductAvailability) -> Self {
        Self {
            slug: p.product.slug.clone(),
            name: p.name.clone(),
            price: p.price,
            total_quantity: p.total_quantity,
            remaining: p.remaining,
            available: p.available,
            available_from: p.window.from,
            available_until: p.window.until,
        }
    }
}

/// The display order of a product as a keyset sort value: `(order, name)` as
/// the catalog sorts them (the slug is the key).
fn display_key(order: i32, name: &str) -> String {
    format!(
        "{:010}\u{1}{name}",
        i64::from(order) + i64::from(i32::MAX) + 1
    )
}

/// Ticket types on public sale with live availability (CAT-2/4/5: voucher-only and
/// inactive types are not listed), in display order, paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/ticket-types", tag = "registration",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<ProductView>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn ticket_types(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<ProductView>>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let now = app.bus.services().now();
    let list = ledger(&app, &conf, |inv| {
        inv.availability(now)
            .iter()
            .filter(|p| p.product.kind == ProductKind::Ticket && p.is_active && !p.requires_voucher)
            .map(|p| {
                let order = inv.ticket_type(&p.product.slug).map_or(0, |t| t.order);
                (
                    display_key(order, &p.name),
                    p.product.slug.clone(),
                    ProductView::from(p),
                )
            })
            .collect()
    })
    .await?;
    Ok(Json(page_in_memory(&paging, "display", false, list)?))
}

/// Active add-ons with live availability (CAT-6/7/8), in display order, paged
/// (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/addons", tag = "registration",
    params(("slug" = String, Path), PageParams),
    responses((status = 200, body = Page<ProductView>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn addons(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    paging: Paging,
) -> ApiResult<Json<Page<ProductView>>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let now = app.bus.services().now();
    let list = ledger(&app, &conf, |inv| {
        let orders: std::collections::HashMap<&str, i32> = inv
            .addons()
            .into_iter()
            .map(|a| (a.slug.as_str(), a.order))
            .collect();
        inv.availability(now)
            .iter()
            .filter(|p| p.product.kind == ProductKind::Addon && p.is_active)
            .map(|p| {
                let order = orders.get(p.product.slug.as_str()).copied().unwrap_or(0);
                (
                    display_key(order, &p.name),
                    p.product.slug.clone(),
                    ProductView::from(p),
                )
            })
            .collect()
    })
    .await?;
    Ok(Json(page_in_memory(&paging, "display", false, list)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InventoryLine {
    #[schema(value_type = String, example = "ticket")]
    pub kind: ProductKind,
    pub slug: String,
    pub name: String,
    pub total_quantity: u32,
    /// In the paid set.
    pub sold: u64,
    /// Held by pending orders with a live hold.
    pub held: u64,
    pub remaining: Option<i64>,
    pub is_active: bool,
    pub requires_voucher: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InventoryView {
    /// 0 = no venue cap (CONF-4).
    pub total_capacity: u32,
    /// Tickets sold or held (CAT-10).
    pub global_sold: u64,
    pub global_remaining: Option<i64>,
    pub products: Vec<InventoryLine>,
}

/// The inventory breakdown: sold, held by pending orders, remaining (organizers,
/// finance).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/inventory", tag = "registration",
    params(("slug" = String, Path)),
    responses((status = 200, body = InventoryView), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn inventory(
    State(app): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Json<InventoryView>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let now = app.bus.services().now();
    let view = ledger(&app, &conf, |inv| InventoryView {
        total_capacity: inv.total_capacity(),
        global_sold: inv.global_sold(now),
        global_remaining: inv.global_remaining(now),
        products: inv
            .availability(now)
            .into_iter()
            .map(|p| InventoryLine {
                kind: p.product.kind,
                slug: p.product.slug,
                name: p.name,
                total_quantity: p.total_quantity,
                sold: p.sold,
                held: p.held,
                remaining: p.remaining,
                is_active: p.is_active,
                requires_voucher: p.requires_voucher,
            })
            .collect(),
    })
    .await?;
    Ok(Json(view))
}

//! The caller's cart (CART-*): one open cart per user and conference, sliding
//! expiry, items, voucher, and the pricing summary (CART-40…52).

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::cart::{Cart, CartCommand, CartStatus, VoucherInfo, VoucherLookup};
use tessera_aggregates::pricing::{
    self, CartOwner, PricingContext, PricingSummary, ProductKind, ProductRef,
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{PUBLIC, ledger};
use crate::app::{AppState, Caller, ConferenceRef};
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser, CommandMeta};

pub(super) fn groups() -> Vec<Group> {
    vec![(
        Access::Authenticated,
        OpenApiRouter::new()
            .routes(routes!(get_cart))
            .routes(routes!(add_item))
            .routes(routes!(update_item, remove_item))
            .routes(routes!(apply_voucher, remove_voucher)),
    )]
}

pub fn cart_id(conf: &ConferenceRef, user: Uuid) -> String {
    Cart::stream_id(conf.id, user).to_string()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CartItemView {
    pub id: Uuid,
    #[schema(value_type = String, example = "ticket")]
    pub kind: ProductKind,
    pub slug: String,
    pub name: String,
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    pub quantity: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CartView {
    pub cart_id: Option<Uuid>,
    /// open, checked_out, expired.
    #[schema(value_type = Option<String>)]
    pub status: Option<CartStatus>,
    pub expires_at: Option<DateTime<Utc>>,
    pub items: Vec<CartItemView>,
    pub voucher: Option<String>,
    /// CART-40…49, computed with the catalog's current prices, conditions and voucher.
    #[schema(value_type = Object)]
    pub summary: PricingSummary,
    pub position: Option<i64>,
}

/// The cart with its pricing summary as of now (no side effects, CART-50).
async fn view(
    app: &AppState,
    conf: &ConferenceRef,
    user: Uuid,
    position: Option<i64>,
) -> ApiResult<CartView> {
    let cart = app
        .bus
        .peek::<Cart, _>(&cart_id(conf, user), |c| {
            (
                c.cart_id(),
                c.status(),
                c.expires_at(),
                c.items().to_vec(),
                c.voucher().cloned(),
                c.lines_for_pricing(),
            )
        })
        .await?;
    let (id, status, expires_at, items, voucher, lines) = cart;
    let now = app.bus.services().now();
    let code = voucher.as_ref().map(|v| v.code.clone());
    let speaker = crate::process::program::speaker_facts(&app.bus, conf.id, user).await?;
    let summary = ledger(app, conf, |inv| {
        let voucher = code
            .as_deref()
            .and_then(|c| inv.voucher(c, now))
            .map(|v| v.voucher);
        let ctx = PricingContext {
            now,
            owner: CartOwner {
                paid_ticket_types: inv.owner_facts(user).paid_ticket_types,
                ..speaker
            },
        };
        pricing::price(&lines, voucher.as_ref(), inv.conditions(), &ctx)
    })
    .await??;
    Ok(CartView {
        cart_id: id,
        status,
        expires_at,
        items: items
            .into_iter()
            .map(|i| CartItemView {
                id: i.item_id,
                kind: i.product.kind,
                slug: i.product.slug,
                name: i.name,
                unit_price: i.unit_price,
                quantity: i.quantity,
            })
            .collect(),
        voucher: code,
        summary,
        position,
    })
}

/// CART-3: the caller's open cart, opened (or renewed after expiry) when needed.
async fn open_cart(
    app: &AppState,
    conf: &ConferenceRef,
    user: &Caller,
    meta: &CommandMeta,
) -> ApiResult<Option<i64>> {
    // Most requests find their cart open: no command (and no round trip) then. A
    // stale answer only means sending Open, which is a no-op on an open cart.
    let now = app.bus.services().now();
    let open = app
        .bus
        .cached::<Cart, _>(&cart_id(conf, user.id), |c| c.is_open_at(now))
        .await;
    if open == Some(true) {
        return Ok(None);
    }
    let sent = app
        .bus
        .send::<Cart>(
            &cart_id(conf, user.id),
            CartCommand::Open {
                cart_id: Uuid::new_v4(),
                conference_id: conf.id,
                user: user.id,
                expiry_minutes: app.config.cart_expiry_minutes,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(sent.position)
}

/// The caller's open cart (created when there is none, CART-3/39).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/cart", tag = "registration",
    params(("slug" = String, Path)),
    responses((status = 200, body = CartView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_cart(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
) -> ApiResult<Json<CartView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let position = open_cart(&app, &conf, &user, &meta).await?;
    Ok(Json(view(&app, &conf, user.id, position).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddItemBody {
    /// A ticket type's slug, or…
    #[schema(max_length = 100)]
    pub ticket_type: Option<String>,
    /// …an add-on's slug.
    #[schema(max_length = 100)]
    pub addon: Option<String>,
    #[serde(default = "one")]
    pub quantity: i64,
}

fn one() -> i64 {
    1
}

/// Adds a ticket (CART-10…17) or an add-on (CART-20…23); adding a product already in
/// the cart increments its item (CART-6).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/cart/items", tag = "registration",
    params(("slug" = String, Path)), request_body = AddItemBody,
    responses((status = 201, body = CartView), (status = 422, body = Problem)))]
async fn add_item(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<AddItemBody>,
) -> ApiResult<(StatusCode, Json<CartView>)> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let product = match (body.ticket_type, body.addon) {
        (Some(t), None) => ProductRef::ticket(t),
        (None, Some(a)) => ProductRef::addon(a),
        _ => {
            return Err(ApiError::unprocessable(
                "cart.invalid_item",
                "Send exactly one of ticket_type or addon.",
            ));
        }
    };
    let now = app.bus.services().now();
    // When this process does not know the cart to be open, the add goes out with
    // an Open in front, decided and written together (one append, not two). Such
    // a cart is new (no voucher) or was opened elsewhere, in which case the add
    // uses the voucher definition recorded when it was applied (CART-16).
    let known_open = app
        .bus
        .cached::<Cart, _>(&cart_id(&conf, user.id), |c| c.is_open_at(now))
        .await
        == Some(true);
    let cart_voucher = if known_open {
        app.bus
            .peek::<Cart, _>(&cart_id(&conf, user.id), |c| {
                c.voucher().map(|v| v.code.clone())
            })
            .await?
    } else {
        None
    };
    let (offer, voucher) = ledger(&app, &conf, |inv| {
        let voucher = cart_voucher
            .as_deref()
            .and_then(|code| inv.voucher(code, now))
            .map(|v| VoucherInfo {
                code: v.voucher.code.clone(),
                unlocks_hidden: v.voucher.unlocks_hidden,
                scope: v.voucher.scope.clone(),
            });
        (inv.offer(&product, user.id, now), voucher)
    })
    .await?;
    let offer = offer.ok_or_else(|| match product.kind {
        ProductKind::Ticket => ApiError::not_found("Ticket type"),
        ProductKind::Addon => ApiError::not_found("Add-on"),
    })?;
    let command = match product.kind {
        ProductKind::Ticket => CartCommand::AddTicket {
            item_id: Uuid::new_v4(),
            offer,
            quantity: body.quantity,
            voucher,
            expiry_minutes: app.config.cart_expiry_minutes,
        },
        ProductKind::Addon => CartCommand::AddAddon {
            item_id: Uuid::new_v4(),
            offer,
            quantity: body.quantity,
            expiry_minutes: app.config.cart_expiry_minutes,
        },
    };
    let command = if known_open {
        command
    } else {
        CartCommand::Sequence(vec![
            CartCommand::Open {
                cart_id: Uuid::new_v4(),
                conference_id: conf.id,
                user: user.id,
                expiry_minutes: app.config.cart_expiry_minutes,
            },
            command,
        ])
    };
    let sent = app
        .bus
        .send::<Cart>(
            &cart_id(&conf, user.id),
            command,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&app, &conf, user.id, sent.position).await?),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct QuantityBody {
    /// ≤ 0 removes the item (with the add-on cascade, CART-27).
    pub quantity: i64,
}

/// Changes an item's quantity (CART-27…30).
#[utoipa::path(patch, path = "/api/v1/conferences/{slug}/cart/items/{id}", tag = "registration",
    params(("slug" = String, Path), ("id" = Uuid, Path)), request_body = QuantityBody,
    responses((status = 200, body = CartView), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_item(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, item)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<QuantityBody>,
) -> ApiResult<Json<CartView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let now = app.bus.services().now();
    let product = app
        .bus
        .peek::<Cart, _>(&cart_id(&conf, user.id), |c| {
            c.items()
                .iter()
                .find(|i| i.item_id == item)
                .map(|i| i.product.clone())
        })
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "cart.item_not_found",
                "Cart item not found.",
            )
        })?;
    let offer = ledger(&app, &conf, |inv| inv.offer(&product, user.id, now))
        .await?
        .ok_or_else(|| ApiError::not_found("Product"))?;
    let sent = app
        .bus
        .send::<Cart>(
            &cart_id(&conf, user.id),
            CartCommand::UpdateQuantity {
                item_id: item,
                quantity: body.quantity,
                offer,
                expiry_minutes: app.config.cart_expiry_minutes,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(view(&app, &conf, user.id, sent.position).await?))
}

/// Removes an item; removing a ticket removes the add-ons that needed it (CART-25/26).
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/cart/items/{id}", tag = "registration",
    params(("slug" = String, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = CartView), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn remove_item(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, item)): Path<(String, Uuid)>,
) -> ApiResult<Json<CartView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let sent = app
        .bus
        .send::<Cart>(
            &cart_id(&conf, user.id),
            CartCommand::RemoveItem { item_id: item },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(view(&app, &conf, user.id, sent.position).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VoucherBody {
    #[schema(max_length = 100)]
    pub code: String,
}

/// Applies a voucher by its exact code (CART-35/36: no use is consumed).
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/cart/voucher", tag = "registration",
    params(("slug" = String, Path)), request_body = VoucherBody,
    responses((status = 200, body = CartView), (status = 422, body = Problem)))]
async fn apply_voucher(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<VoucherBody>,
) -> ApiResult<Json<CartView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    open_cart(&app, &conf, &user, &meta).await?;
    let now = app.bus.services().now();
    let lookup = ledger(&app, &conf, |inv| {
        inv.voucher(&body.code, now).map(|v| VoucherLookup {
            valid: v.voucher.is_valid(now),
            info: VoucherInfo {
                code: v.voucher.code.clone(),
                unlocks_hidden: v.voucher.unlocks_hidden,
                scope: v.voucher.scope.clone(),
            },
        })
    })
    .await?;
    let sent = app
        .bus
        .send::<Cart>(
            &cart_id(&conf, user.id),
            CartCommand::ApplyVoucher {
                code: body.code,
                voucher: lookup,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(view(&app, &conf, user.id, sent.position).await?))
}

/// Removes the voucher; hidden tickets added under it stay (CART-37).
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/cart/voucher", tag = "registration",
    params(("slug" = String, Path)),
    responses((status = 200, body = CartView), (status = 422, body = Problem)))]
async fn remove_voucher(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
) -> ApiResult<Json<CartView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let sent = app
        .bus
        .send::<Cart>(
            &cart_id(&conf, user.id),
            CartCommand::RemoveVoucher,
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(view(&app, &conf, user.id, sent.position).await?))
}

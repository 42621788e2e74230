//! The caller's cart (CART-*): one open cart per user and conference, sliding
//! expiry, items, voucher, and the pricing summary (CART-40…52).

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::cart::{Cart, CartRecord, CartStatus};
use tessera_aggregates::pricing::{PricingSummary, ProductKind};
use tessera_projections::Projection;
use tessera_projections::carts_funnel::{
    CartsFunnel, CartsRow, cart_key, cart_stream_key, current_cart,
};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::PUBLIC;
use crate::app::{AppState, Caller, ConferenceRef};
use crate::http::access::{Access, Group};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta};
use crate::process::cart::{self, CartOf, PricedCart};

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

/// The cart as it stands after the caller's command, priced as of now (CART-50).
async fn view(app: &AppState, of: CartOf<'_>, position: Option<i64>) -> ApiResult<CartView> {
    let cart = cart::priced(app.flows(), of).await?;
    Ok(CartView::of(cart, position))
}

impl CartView {
    fn of(cart: PricedCart, position: Option<i64>) -> CartView {
        CartView {
            cart_id: cart.cart_id,
            status: cart.status,
            expires_at: cart.expires_at,
            items: cart
                .items
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
            voucher: cart.voucher,
            summary: cart.summary,
            position,
        }
    }
}

/// The pair's latest cart generation, as the carts read model has it.
async fn cart_row(app: &AppState, of: CartOf<'_>) -> ApiResult<Option<CartRecord>> {
    let row = |key: String| async move {
        storage::live_row_of::<CartsRow>(&app.db, CartsFunnel::NAME, &key).await
    };
    let stream = cart_stream_key(Cart::stream_id(of.conference, of.user));
    let Some(current) = row(stream).await?.as_ref().and_then(current_cart) else {
        return Ok(None);
    };
    Ok(match row(cart_key(of.conference, current)).await? {
        Some(CartsRow::Cart(cart)) => Some(cart),
        _ => None,
    })
}

fn cart_of<'a>(conf: &ConferenceRef, user: &Caller, meta: &'a CommandMeta) -> CartOf<'a> {
    CartOf {
        conference: conf.id,
        user: user.id,
        meta,
    }
}

/// The caller's open cart (created when there is none, CART-3/39), from the carts
/// read model (`X-Tessera-After` for read-your-writes), priced as of now.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/cart", tag = "registration",
    params(("slug" = String, Path)),
    responses((status = 200, body = CartView), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn get_cart(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Json<CartView>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let of = cart_of(&conf, &user, &meta);
    let position = cart::open(app.flows(), of).await?;
    app.wait_for(position).await;
    let cart = cart_row(&app, of).await?;
    let priced = cart::price(app.flows(), of, cart).await?;
    Ok(Json(CartView::of(priced, position)))
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
    let of = cart_of(&conf, &user, &meta);
    let product = cart::product(body.ticket_type, body.addon)?;
    let position = cart::add(app.flows(), of, product, body.quantity).await?;
    Ok((StatusCode::CREATED, Json(view(&app, of, position).await?)))
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
    let of = cart_of(&conf, &user, &meta);
    let position = cart::set_quantity(app.flows(), of, item, body.quantity).await?;
    Ok(Json(view(&app, of, position).await?))
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
    let of = cart_of(&conf, &user, &meta);
    let position = cart::remove(app.flows(), of, item).await?;
    Ok(Json(view(&app, of, position).await?))
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
    let of = cart_of(&conf, &user, &meta);
    let position = cart::apply_voucher(app.flows(), of, body.code).await?;
    Ok(Json(view(&app, of, position).await?))
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
    let of = cart_of(&conf, &user, &meta);
    let position = cart::remove_voucher(app.flows(), of).await?;
    Ok(Json(view(&app, of, position).await?))
}

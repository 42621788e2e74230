//! Stripe Terminal at the registration desk (SPEC PAY-30…38, PAY-45): staff take
//! card-present payments for an order, or for a walk-up amount.
//!
//! **Create** (`POST …/terminal/intents`): for an order of the conference that is
//! pending with a balance, the intent charges that balance and carries the order
//! in its metadata (PAY-32/33); without an order a pending order is first decided
//! for the attendee (by access code) or the staff member, and the intent does not
//! carry it (PAY-34). Stripe makes a manual-capture, card-present intent; then the
//! intent is registered to its order (`TerminalIntent`) and the order records a
//! pending terminal payment with its terminal record, authorized (PAY-35).
//!
//! **Capture** / **cancel** find the order from the intent (404 when it is not a
//! terminal intent of this conference), ask Stripe, then record the outcome on
//! the order: captured → the payment succeeds and a pending order becomes paid in
//! its one transition that emits `OrderPaid`, walk-up orders included. That
//! departs from PAY-36 (hold kept, no order-paid event until the success webhook,
//! never for walk-ups) as AMB-6/7 settles it: every path to paid
//! emits `OrderPaid`, so the process managers create the attendee
//! (`process::attendees`) and turn the hold into a sale (`process::orders`,
//! `Inventory.ConfirmSale`), exactly as for the other payment methods. The
//! intent's success webhook (PAY-45), before or after the capture, pays the order
//! only once: whichever comes second records nothing. Cancelled → the reader's
//! action and the intent are cancelled and the payment fails (PAY-37). A
//! `payment_intent.payment_failed` webhook (declined at the reader, PAY-46) fails
//! an authorized record and its payment (`failed_at`); the order stays pending,
//! so the desk can create a new intent.
//! Stripe failures answer 502 "Payment processing error. Please try again."
//! (PAY-38). Capturing or cancelling twice answers the recorded outcome.
//!
//! **Cart** (PAY-39): `PUT …/terminal/cart` replaces every item of the target
//! user's open cart (the attendee of `attendee_access_code`, else the staff
//! member), skipping unknown products and checking no stock, limit, window or
//! capacity (`CartCommand::ReplaceItems`); `POST …/terminal/cart/checkout` places a
//! pending order with total = subtotal (no discounts, no hold, an AMB-3
//! reference) and checks the cart out.

use std::str::FromStr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::cart::{Cart, CartCommand, CartStatus, ReplacementItem};
use tessera_aggregates::conference::Role;
use tessera_aggregates::credit::CreditStatus;
use tessera_aggregates::money::Money;
use tessera_aggregates::order::{
    OrderLine, OrderRecord, OrderStatus, PaymentStatus, TerminalCaptureStatus,
};
use tessera_aggregates::pricing::{ProductKind, ProductRef};
use tessera_aggregates::terminal_intent::TerminalIntentError;
use tessera_projections::Projection;
use tessera_projections::credits::{Credits, CreditsRow, credits_prefix};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::checkins::{AttendeeView, attendee_by_code};
use super::credits::CreditView;
use super::ledger;
use super::orders::order_record;
use crate::app::{AppState, ConferenceRef};
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, optional_json};
use crate::http::page::{Page, PageParams, Paging, page_in_memory};
use crate::process::checkout::{Billing, How, checkout};
use crate::process::terminal::{self, Charge, Customer, Desk, TerminalError};
use crate::stripe::{GatewayError, Reader, SharedGateway};

/// The desk: organizers, finance and check-in staff (and global admins).
pub const TERMINAL: Access = Access::Staff(&[Role::Organizer, Role::Finance, Role::Checkin]);

pub(super) fn groups() -> Vec<Group> {
    vec![(
        TERMINAL,
        OpenApiRouter::new()
            .routes(routes!(create_intent))
            .routes(routes!(capture_intent))
            .routes(routes!(cancel_intent))
            .routes(routes!(update_cart))
            .routes(routes!(checkout_cart))
            .routes(routes!(lookup_attendee))
            .routes(routes!(list_readers))
            .routes(routes!(connection_token)),
    )]
}

fn gateway(app: &AppState) -> ApiResult<SharedGateway> {
    app.gateway
        .clone()
        .ok_or_else(|| ApiError::from(GatewayError::NotConfigured))
}

// ---------------------------------------------------------------------------
// Intents

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TerminalIntentBody {
    /// The Stripe Terminal reader (`tmr_…`). Required.
    #[serde(default)]
    #[schema(max_length = 100)]
    pub reader_id: String,
    /// The order to pay: its id or its reference.
    #[schema(max_length = 100)]
    pub order_id: Option<String>,
    /// Without an order: the amount to charge, a decimal > 0.
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub amount: Option<serde_json::Value>,
    /// Without an order: the attendee the walk-up order is for (else the staff
    /// member).
    #[schema(max_length = 100)]
    pub attendee_access_code: Option<String>,
}

/// A terminal payment as the desk sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalPaymentView {
    pub payment_intent_id: String,
    /// For the reader SDK (on creation).
    pub client_secret: Option<String>,
    pub order_id: Uuid,
    pub order_reference: String,
    pub reader_id: String,
    #[schema(value_type = String, example = "25.00")]
    pub amount: Decimal,
    pub currency: String,
    /// PAY-38: authorized, captured, cancelled or failed.
    #[schema(value_type = String, example = "authorized")]
    pub capture_status: TerminalCaptureStatus,
    #[schema(value_type = String, example = "pending")]
    pub payment_status: PaymentStatus,
    #[schema(value_type = String, example = "pending")]
    pub order_status: OrderStatus,
    pub captured_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// PAY-38/46: when Stripe reported the payment failed (declined at the reader).
    pub failed_at: Option<DateTime<Utc>>,
    /// Null when nothing changed.
    pub position: Option<i64>,
}

/// The terminal payment of `intent` on the order, as the command left it.
fn view(
    app: &AppState,
    o: &OrderRecord,
    intent: &str,
    client_secret: Option<String>,
    position: Option<i64>,
) -> ApiResult<TerminalPaymentView> {
    let t = o
        .terminal_payment(intent)
        .ok_or(TerminalError::PaymentNotFound)?;
    let payment_status = o
        .payment(t.payment_id)
        .map(|p| p.status)
        .unwrap_or(PaymentStatus::Pending);
    Ok(TerminalPaymentView {
        payment_intent_id: t.payment_intent_id.clone(),
        client_secret,
        order_id: o.id,
        order_reference: o.reference.clone(),
        reader_id: t.reader_id.clone(),
        amount: t.amount,
        currency: app.config.currency.to_ascii_lowercase(),
        capture_status: t.capture_status,
        payment_status,
        order_status: o.status,
        captured_at: t.captured_at,
        cancelled_at: t.cancelled_at,
        failed_at: t.failed_at,
        position,
    })
}

/// PAY-32: a decimal > 0 with at most 2 places, given as a string or a number.
fn parse_amount(raw: &serde_json::Value) -> ApiResult<Decimal> {
    let text = match raw {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let invalid = || ApiError::from(TerminalIntentError::InvalidAmount);
    let amount = Decimal::from_str(&text)
        .ok()
        .and_then(|d| Money::new(d).ok())
        .map(Decimal::from)
        .ok_or_else(invalid)?;
    if amount <= Decimal::ZERO {
        return Err(invalid());
    }
    Ok(amount)
}

/// Whom the desk serves: the attendee of the access code (404 when unknown), else
/// the staff member (PAY-34, PAY-39).
async fn customer(
    app: &AppState,
    conf: &ConferenceRef,
    staff: &crate::app::Caller,
    access_code: Option<&str>,
) -> ApiResult<Customer> {
    Ok(match access_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let a: AttendeeView = attendee_by_code(app, conf, code).await?;
            Customer {
                user: a.user_id,
                name: a.name,
                email: a.email,
            }
        }
        None => Customer {
            user: staff.id,
            name: staff.name.clone(),
            email: staff.email.clone(),
        },
    })
}

/// Creates a card-present intent for a reader (PAY-32…35): for an order (its
/// balance) or a walk-up amount (a new pending order).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/terminal/intents", tag = "terminal",
    params(("slug" = String, Path)), request_body = TerminalIntentBody,
    responses((status = 201, body = TerminalPaymentView),
        (status = 400, body = Problem, description = "terminal.reader_required, terminal.order_or_amount_required, terminal.invalid_amount"),
        (status = 403, body = Problem), (status = 404, body = Problem, description = "order.not_found, att.not_found"),
        (status = 409, body = Problem, description = "order.terminal_not_pending, order.already_paid"),
        (status = 502, body = Problem, description = "Stripe failed (PAY-38)"),
        (status = 503, body = Problem, description = "pay.stripe_not_configured")))]
async fn create_intent(
    State(app): State<AppState>,
    AuthUser(staff): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<TerminalIntentBody>,
) -> ApiResult<(StatusCode, Json<TerminalPaymentView>)> {
    let conf = app.conference(&slug).await?;
    let reader_id = body.reader_id.trim().to_string();
    if reader_id.is_empty() {
        return Err(TerminalIntentError::ReaderRequired.into());
    }
    let order_key = body
        .order_id
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let charge = match (order_key, body.amount.as_ref()) {
        (Some(key), _) => Charge::Order(key.to_string()),
        (None, Some(raw)) => {
            let amount = parse_amount(raw)?;
            let customer =
                customer(&app, &conf, &staff, body.attendee_access_code.as_deref()).await?;
            Charge::WalkUp { amount, customer }
        }
        (None, None) => {
            return Err(TerminalIntentError::OrderOrAmountRequired.into());
        }
    };
    let desk = Desk {
        conference: conf.id,
        slug: &conf.slug,
        staff: staff.id,
    };
    let ready = terminal::create_intent(app.flows(), desk, reader_id, charge, &meta).await?;
    let shown = view(
        &app,
        &ready.order,
        &ready.payment_intent_id,
        ready.client_secret,
        ready.position,
    )?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// Captures an authorized terminal payment (PAY-36): the payment succeeds and a
/// pending order becomes paid with `OrderPaid` (AMB-6/7, overriding PAY-36: hold
/// released, attendee created). Capturing again answers the capture.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/terminal/intents/{payment_intent}/capture", tag = "terminal",
    params(("slug" = String, Path), ("payment_intent" = String, Path)),
    responses((status = 200, body = TerminalPaymentView), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "order.terminal_payment_not_found"),
        (status = 409, body = Problem, description = "order.terminal_not_capturable"),
        (status = 502, body = Problem, description = "Stripe failed (PAY-38)"),
        (status = 503, body = Problem)))]
async fn capture_intent(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, intent)): Path<(String, String)>,
) -> ApiResult<Json<TerminalPaymentView>> {
    let conf = app.conference(&slug).await?;
    let moved = terminal::capture(app.flows(), conf.id, &intent, &meta).await?;
    Ok(Json(view(
        &app,
        &moved.order,
        &intent,
        None,
        moved.position,
    )?))
}

/// Cancels an authorized terminal payment (PAY-37): the reader's action and the
/// intent are cancelled in Stripe, the payment fails, the order is unchanged.
/// Cancelling again answers the cancellation.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/terminal/intents/{payment_intent}/cancel", tag = "terminal",
    params(("slug" = String, Path), ("payment_intent" = String, Path)),
    responses((status = 200, body = TerminalPaymentView), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "order.terminal_payment_not_found"),
        (status = 409, body = Problem, description = "order.terminal_already_captured"),
        (status = 502, body = Problem, description = "Stripe failed (PAY-38)"),
        (status = 503, body = Problem)))]
async fn cancel_intent(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, intent)): Path<(String, String)>,
) -> ApiResult<Json<TerminalPaymentView>> {
    let conf = app.conference(&slug).await?;
    let moved = terminal::cancel(app.flows(), conf.id, &intent, &meta).await?;
    Ok(Json(view(
        &app,
        &moved.order,
        &intent,
        None,
        moved.position,
    )?))
}

// ---------------------------------------------------------------------------
// Cart (PAY-39)

#[derive(Debug, Deserialize, ToSchema)]
pub struct TerminalCartItemBody {
    /// A ticket type's slug, or…
    #[schema(max_length = 100)]
    pub ticket_type: Option<String>,
    /// …an add-on's slug. An item naming neither, both, or an unknown product is
    /// skipped.
    #[schema(max_length = 100)]
    pub addon: Option<String>,
    /// ≤ 0 leaves the product out of the cart.
    #[serde(default = "one")]
    pub quantity: i64,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TerminalCartBody {
    /// The attendee whose cart it is (else the staff member's own).
    #[schema(max_length = 100)]
    pub attendee_access_code: Option<String>,
    /// The cart's items, all of them.
    #[serde(default)]
    pub items: Vec<TerminalCartItemBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalCartItemView {
    pub id: Uuid,
    #[schema(value_type = String, example = "ticket")]
    pub kind: ProductKind,
    pub slug: String,
    pub name: String,
    #[schema(value_type = String, example = "100.00")]
    pub unit_price: Decimal,
    pub quantity: u32,
    #[schema(value_type = String, example = "100.00")]
    pub line_total: Decimal,
}

/// The target user's cart as the desk sees it: no discounts, so the subtotal is
/// what checkout charges.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalCartView {
    pub cart_id: Option<Uuid>,
    pub user_id: Uuid,
    /// open, checked_out, expired.
    #[schema(value_type = Option<String>, example = "open")]
    pub status: Option<CartStatus>,
    pub expires_at: Option<DateTime<Utc>>,
    pub items: Vec<TerminalCartItemView>,
    #[schema(value_type = String, example = "100.00")]
    pub subtotal: Decimal,
    /// Null when nothing changed.
    pub position: Option<i64>,
}

fn cart_stream(conf: &ConferenceRef, user: Uuid) -> String {
    Cart::stream_id(conf.id, user).to_string()
}

async fn cart_view(
    app: &AppState,
    conf: &ConferenceRef,
    user: Uuid,
    position: Option<i64>,
) -> ApiResult<TerminalCartView> {
    let (cart_id, status, expires_at, items) = app
        .bus
        .peek(&Cart::stream(cart_stream(conf, user)), |c| {
            (c.cart_id(), c.status(), c.expires_at(), c.items().to_vec())
        })
        .await?;
    let items: Vec<TerminalCartItemView> = items
        .into_iter()
        .map(|i| TerminalCartItemView {
            id: i.item_id,
            line_total: i.line_total(),
            kind: i.product.kind,
            slug: i.product.slug,
            name: i.name,
            unit_price: i.unit_price,
            quantity: i.quantity,
        })
        .collect();
    Ok(TerminalCartView {
        cart_id,
        user_id: user,
        status,
        expires_at,
        subtotal: items.iter().map(|i| i.line_total).sum(),
        items,
        position,
    })
}

/// Replaces every item of the target user's open cart (PAY-39): the attendee of
/// `attendee_access_code`, else the staff member. Unknown products are skipped
/// silently; stock, per-user limits, sales windows and capacity are not checked.
#[utoipa::path(put, path = "/api/v1/conferences/{slug}/terminal/cart", tag = "terminal",
    params(("slug" = String, Path)), request_body = TerminalCartBody,
    responses((status = 200, body = TerminalCartView), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "att.not_found"),
        (status = 422, body = Problem)))]
async fn update_cart(
    State(app): State<AppState>,
    AuthUser(staff): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<TerminalCartBody>,
) -> ApiResult<Json<TerminalCartView>> {
    let conf = app.conference(&slug).await?;
    let who = customer(&app, &conf, &staff, body.attendee_access_code.as_deref()).await?;
    let listed: Vec<(ProductRef, i64)> = body
        .items
        .into_iter()
        .filter_map(|i| {
            let product = match (i.ticket_type, i.addon) {
                (Some(t), None) => ProductRef::ticket(t.trim()),
                (None, Some(a)) => ProductRef::addon(a.trim()),
                _ => return None,
            };
            Some((product, i.quantity))
        })
        .collect();
    let now = app.bus.services().now();
    let items = ledger(&app, &conf, |inv| {
        listed
            .into_iter()
            .filter_map(|(product, quantity)| {
                inv.offer(&product, who.user, now)
                    .map(|offer| ReplacementItem {
                        item_id: Uuid::new_v4(),
                        offer,
                        quantity,
                    })
            })
            .collect::<Vec<_>>()
    })
    .await?;
    let sent = app
        .bus
        .send(
            &Cart::stream(cart_stream(&conf, who.user)),
            CartCommand::Sequence(vec![
                CartCommand::Open {
                    cart_id: Uuid::new_v4(),
                    conference_id: conf.id,
                    user: who.user,
                    expiry_minutes: app.config.cart_expiry_minutes,
                },
                CartCommand::ReplaceItems {
                    items,
                    expiry_minutes: app.config.cart_expiry_minutes,
                },
            ]),
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(cart_view(&app, &conf, who.user, sent.position).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TerminalCheckoutBody {
    /// The attendee whose cart it is (else the staff member's own).
    #[schema(max_length = 100)]
    pub attendee_access_code: Option<String>,
}

/// The pending order a terminal checkout placed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalCheckoutView {
    pub order_id: Uuid,
    pub reference: String,
    pub user_id: Uuid,
    pub cart_id: Uuid,
    #[schema(value_type = String, example = "pending")]
    pub status: OrderStatus,
    #[schema(value_type = String, example = "100.00")]
    pub subtotal: Decimal,
    #[schema(value_type = String, example = "100.00")]
    pub total: Decimal,
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<OrderLine>,
    pub position: Option<i64>,
}

/// Checks out the target user's cart at the desk (PAY-39): a pending order with
/// total = subtotal at the catalog's current prices (no discounts, no voucher, no
/// hold), reference `<prefix>-` + 8 (AMB-3), and the cart checked out. Refused
/// like any checkout when the cart is not open, expired or empty (ORDER-4).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/terminal/cart/checkout", tag = "terminal",
    params(("slug" = String, Path)), request_body(content = Option<TerminalCheckoutBody>),
    responses((status = 201, body = TerminalCheckoutView), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "att.not_found, cart.not_found"),
        (status = 409, body = Problem, description = "cart.replaced"),
        (status = 422, body = Problem, description = "cart.empty, cart.expired, cart.not_open_for_checkout")))]
async fn checkout_cart(
    State(app): State<AppState>,
    AuthUser(staff): AuthUser,
    meta: CommandMeta,
    Path(slug): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<TerminalCheckoutView>)> {
    let conf = app.conference(&slug).await?;
    let body: TerminalCheckoutBody = optional_json(&body)?;
    let who = customer(&app, &conf, &staff, body.attendee_access_code.as_deref()).await?;
    let placed = checkout(
        app.flows(),
        conf.id,
        who.user,
        Billing {
            sealed: Some(
                app.personal
                    .seal_billing(who.user, &who.name, &who.email, "")
                    .await?,
            ),
            name: who.name,
            email: who.email,
            company: String::new(),
        },
        How::Desk { staff: staff.id },
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    tracing::info!(order = %placed.order.reference, total = %placed.order.total, "terminal cart checked out");
    Ok((
        StatusCode::CREATED,
        Json(TerminalCheckoutView {
            order_id: placed.order.order_id,
            reference: placed.order.reference,
            user_id: who.user,
            cart_id: placed.order.cart_id.unwrap_or_default(),
            status: OrderStatus::Pending,
            subtotal: placed.order.subtotal,
            total: placed.order.total,
            lines: placed.order.lines,
            position: placed.position,
        }),
    ))
}

// ---------------------------------------------------------------------------
// Attendee lookup

#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalOrderView {
    pub id: Uuid,
    pub reference: String,
    #[schema(value_type = String, example = "paid")]
    pub status: OrderStatus,
    #[schema(value_type = String)]
    pub total: Decimal,
    #[schema(value_type = String)]
    pub balance: Decimal,
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<OrderLine>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TerminalAttendeeView {
    pub attendee: AttendeeView,
    pub order: Option<TerminalOrderView>,
    /// The attendee's available credits in this conference.
    pub credits: Vec<CreditView>,
    /// Σ remaining of `credits`.
    #[schema(value_type = String, example = "0.00")]
    pub credits_total: Decimal,
    /// The order is in the paid set.
    pub registered: bool,
}

/// The attendee at the desk (PAY-30): their order with lines, their available
/// credits with Σ remaining, and whether they are registered (order paid). Read
/// from the read models: send `X-Tessera-After` to read a command's effect.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/terminal/attendees/{access_code}", tag = "terminal",
    params(("slug" = String, Path), ("access_code" = String, Path)),
    responses((status = 200, body = TerminalAttendeeView), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "att.not_found")))]
async fn lookup_attendee(
    State(app): State<AppState>,
    _after: After,
    Path((slug, access_code)): Path<(String, String)>,
) -> ApiResult<Json<TerminalAttendeeView>> {
    let conf = app.conference(&slug).await?;
    let attendee = attendee_by_code(&app, &conf, &access_code).await?;
    let order = match attendee.order_id {
        None => None,
        Some(id) => order_record(&app, conf.id, id)
            .await?
            .map(|o| TerminalOrderView {
                id,
                reference: o.reference,
                status: o.status,
                total: o.total,
                balance: o.balance,
                lines: o.lines,
            }),
    };
    let rows =
        storage::live_rows_with_prefix(&app.db, Credits::NAME, &credits_prefix(conf.id)).await?;
    let mut credits = vec![];
    for (_, doc) in rows {
        if let CreditsRow::Credit(c) = serde_json::from_str(&doc)?
            && c.user == attendee.user_id
            && c.status == CreditStatus::Available
            && c.spendable
        {
            credits.push(c);
        }
    }
    credits.sort_by_key(|c| (c.issued_at, c.id));
    let credits_total = credits
        .iter()
        .map(|c| c.remaining)
        .sum::<Decimal>()
        .round_dp(2);
    let registered = order.as_ref().is_some_and(|o| o.status.is_paid_set());
    Ok(Json(TerminalAttendeeView {
        attendee,
        order,
        credits: credits.into_iter().map(CreditView::from).collect(),
        credits_total,
        registered,
    }))
}

// ---------------------------------------------------------------------------
// Readers

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ReadersQuery {
    /// Only the readers of this Stripe location (`tml_…`).
    pub location: Option<String>,
}

/// The Stripe Terminal readers (PAY-31): at most 100, optionally of one
/// location; paged (`limit`, `cursor`) by reader id.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/terminal/readers", tag = "terminal",
    params(("slug" = String, Path), ReadersQuery, PageParams),
    responses((status = 200, body = Page<Reader>), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 502, body = Problem),
        (status = 503, body = Problem)))]
async fn list_readers(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ReadersQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<Reader>>> {
    app.conference(&slug).await?;
    let gateway = gateway(&app)?;
    let readers = gateway
        .list_readers(q.location.as_deref())
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|r| (r.id.clone(), r.id.clone(), r))
        .collect();
    Ok(Json(page_in_memory(&paging, "id", false, readers)?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConnectionTokenBody {
    /// Restricts the token to the readers of one Stripe location.
    #[schema(max_length = 100)]
    pub location: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionToken {
    pub secret: String,
}

/// A connection token for the Stripe Terminal reader SDK (PAY-31).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/terminal/connection-token", tag = "terminal",
    params(("slug" = String, Path)), request_body(content = Option<ConnectionTokenBody>),
    responses((status = 200, body = ConnectionToken), (status = 403, body = Problem),
        (status = 502, body = Problem), (status = 503, body = Problem)))]
async fn connection_token(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    body: Bytes,
) -> ApiResult<axum::response::Response> {
    app.conference(&slug).await?;
    let body: ConnectionTokenBody = optional_json(&body)?;
    let gateway = gateway(&app)?;
    let secret = gateway
        .create_connection_token(body.location.as_deref())
        .await
        .map_err(ApiError::from)?;
    // A secret: never kept for Idempotency-Key replay (a retry mints a new one).
    let mut response =
        axum::response::IntoResponse::into_response(Json(ConnectionToken { secret }));
    response
        .extensions_mut()
        .insert(crate::http::idempotency::NotStored);
    Ok(response)
}

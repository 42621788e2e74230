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
//! never for walk-ups) as ARCHITECTURE AMB-6/7 settles it: every path to paid
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
use tessera_aggregates::order::{
    Order, OrderCommand, OrderError, OrderLine, OrderStatus, PaymentStatus, TerminalCaptureStatus,
    terminal_payment_id,
};
use tessera_aggregates::pricing::{ProductKind, ProductRef};
use tessera_aggregates::terminal_intent::{self, TerminalIntent, TerminalIntentCommand};
use tessera_projections::Projection;
use tessera_projections::credits::{Credits, CreditsRow, credits_prefix};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::checkins::{AttendeeView, attendee_by_code};
use super::credits::CreditView;
use super::ledger;
use super::stripe_payments::gateway_problem;
use crate::app::{AppState, ConferenceRef, order_id};
use crate::bus::BusError;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser, CommandMeta, optional_json};
use crate::process::checkout::new_reference;
use crate::stripe::{
    GatewayError, Reader, SharedGateway, TerminalIntentRequest, cancel_idempotency_key,
    capture_idempotency_key, terminal_intent_idempotency_key,
};

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
        .ok_or_else(|| gateway_problem(&GatewayError::NotConfigured))
}

fn order_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "order.not_found", "Order not found")
}

fn terminal_not_found() -> ApiError {
    let e = OrderError::TerminalPaymentNotFound;
    ApiError::new(StatusCode::NOT_FOUND, e.code(), e.to_string())
}

/// PAY-32: the refusals of a terminal payment are conflicts (409).
fn terminal_refusal(e: BusError<OrderError>) -> ApiError {
    match e {
        BusError::Refused(
            e @ (OrderError::TerminalNotPending { .. }
            | OrderError::AlreadyPaid
            | OrderError::TerminalAlreadyCaptured
            | OrderError::TerminalNotCapturable { .. }),
        ) => {
            let detail = match &e {
                OrderError::AlreadyPaid => "Order is already fully paid".to_string(),
                other => other.to_string(),
            };
            ApiError::new(StatusCode::CONFLICT, e.code(), detail)
        }
        other => other.into(),
    }
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

/// The terminal payment of `intent` on `order`, as recorded.
async fn view(
    app: &AppState,
    order: Uuid,
    intent: &str,
    client_secret: Option<String>,
    position: Option<i64>,
) -> ApiResult<TerminalPaymentView> {
    let currency = app.config.currency.to_ascii_lowercase();
    app.bus
        .inspect::<Order, _>(&order.to_string(), |o| {
            let t = o.terminal_payment(intent)?;
            let payment_status = o
                .payment(t.payment_id)
                .map(|p| p.status)
                .unwrap_or(PaymentStatus::Pending);
            Some(TerminalPaymentView {
                payment_intent_id: t.payment_intent_id.clone(),
                client_secret,
                order_id: o.order_id(),
                order_reference: o.reference().to_string(),
                reader_id: t.reader_id.clone(),
                amount: t.amount,
                currency,
                capture_status: t.capture_status,
                payment_status,
                order_status: o.status(),
                captured_at: t.captured_at,
                cancelled_at: t.cancelled_at,
                failed_at: t.failed_at,
                position,
            })
        })
        .await?
        .ok_or_else(terminal_not_found)
}

/// PAY-32: a decimal > 0 with at most 2 places, given as a string or a number.
fn parse_amount(raw: &serde_json::Value) -> ApiResult<Decimal> {
    let text = match raw {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let invalid = || {
        ApiError::bad_request(
            "terminal.invalid_amount",
            "amount must be a decimal greater than zero",
        )
    };
    let amount = Decimal::from_str(&text).map_err(|_| invalid())?;
    if amount <= Decimal::ZERO || amount.normalize().scale() > 2 {
        return Err(invalid());
    }
    Ok(amount.round_dp(2))
}

/// What the intent pays.
struct Target {
    order: Uuid,
    reference: String,
    amount: Decimal,
    /// PAY-33: the order existed before (its id goes in the metadata).
    existing: bool,
    /// PAY-34: the walk-up order to place once Stripe made the intent.
    walk_up: Option<OrderCommand>,
}

/// PAY-32: an existing order of the conference, pending with a balance.
async fn existing_order(app: &AppState, conf: &ConferenceRef, key: &str) -> ApiResult<Target> {
    let id = Uuid::parse_str(key).unwrap_or_else(|_| order_id(key));
    let facts = app
        .bus
        .inspect::<Order, _>(&id.to_string(), |o| {
            (o.exists() && o.conference_id() == conf.id)
                .then(|| (o.reference().to_string(), o.status(), o.balance()))
        })
        .await?;
    let (reference, status, balance) = facts.ok_or_else(order_not_found)?;
    if status != OrderStatus::Pending {
        return Err(terminal_refusal(BusError::Refused(
            OrderError::TerminalNotPending { status },
        )));
    }
    if balance <= Decimal::ZERO {
        return Err(terminal_refusal(BusError::Refused(OrderError::AlreadyPaid)));
    }
    Ok(Target {
        order: id,
        reference,
        amount: balance,
        existing: true,
        walk_up: None,
    })
}

/// Whom the desk serves: the attendee of the access code (404 when unknown), else
/// the staff member (PAY-34, PAY-39).
struct Customer {
    user: Uuid,
    name: String,
    email: String,
}

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

/// PAY-34: a pending order of `amount` for the attendee of the access code (404
/// when unknown), else for the staff member: no lines, no hold (AMB-3 reference).
async fn walk_up(
    app: &AppState,
    conf: &ConferenceRef,
    staff: &crate::app::Caller,
    amount: Decimal,
    access_code: Option<&str>,
) -> ApiResult<Target> {
    let Customer { user, name, email } = customer(app, conf, staff, access_code).await?;
    let reference = new_reference(&app.config.order_reference_prefix);
    let order = order_id(&reference);
    Ok(Target {
        order,
        reference: reference.clone(),
        amount,
        existing: false,
        walk_up: Some(OrderCommand::Place {
            order_id: order,
            reference,
            conference_id: conf.id,
            user,
            cart_id: None,
            lines: vec![],
            subtotal: amount,
            discount_amount: Decimal::ZERO,
            total: amount,
            voucher_code: None,
            voucher_details: None,
            billing_name: name,
            billing_email: email,
            billing_company: String::new(),
            hold_expires_at: None,
        }),
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
        return Err(ApiError::bad_request(
            "terminal.reader_required",
            "reader_id is required",
        ));
    }
    let order_key = body
        .order_id
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let target = match (order_key, body.amount.as_ref()) {
        (Some(key), _) => existing_order(&app, &conf, key).await?,
        (None, Some(raw)) => {
            let amount = parse_amount(raw)?;
            walk_up(
                &app,
                &conf,
                &staff,
                amount,
                body.attendee_access_code.as_deref(),
            )
            .await?
        }
        (None, None) => {
            return Err(ApiError::bad_request(
                "terminal.order_or_amount_required",
                "Either order_id or amount is required",
            ));
        }
    };
    let gateway = gateway(&app)?;
    let event_meta = meta.for_conf(Some(conf.id));
    let request = TerminalIntentRequest {
        amount: target.amount,
        currency: app.config.currency.clone(),
        conference_id: conf.id,
        conference_slug: conf.slug.clone(),
        staff_user_id: staff.id,
        order: target
            .existing
            .then(|| (target.order, target.reference.clone())),
        description: Some(format!("Order {} (terminal)", target.reference)),
        idempotency_key: terminal_intent_idempotency_key(
            meta.scoped_id("terminal-intent", &conf.slug),
        ),
    };
    let intent = gateway
        .create_terminal_intent(&request)
        .await
        .map_err(|e| gateway_problem(&e))?;

    let stream = target.order.to_string();
    if let Some(place) = target.walk_up {
        app.bus.send::<Order>(&stream, place, &event_meta).await?;
    }
    app.bus
        .send::<TerminalIntent>(
            &terminal_intent::stream_id(&intent.id).to_string(),
            TerminalIntentCommand::Register {
                payment_intent_id: intent.id.clone(),
                conference_id: conf.id,
                order_id: target.order,
                reader_id: reader_id.clone(),
            },
            &event_meta,
        )
        .await?;
    let authorized = app
        .bus
        .send::<Order>(
            &stream,
            OrderCommand::AuthorizeTerminalPayment {
                payment_id: terminal_payment_id(&intent.id),
                payment_intent_id: intent.id.clone(),
                reader_id,
                amount: target.amount,
                by: Some(staff.id),
            },
            &event_meta,
        )
        .await;
    let sent = match authorized {
        Ok(sent) => sent,
        Err(e) => {
            // The order stopped awaiting payment meanwhile: the intent must not
            // stay open on the reader.
            let key =
                cancel_idempotency_key(&intent.id, meta.scoped_id("terminal-cancel", &intent.id));
            if let Err(cancel) = gateway.cancel_payment_intent(&intent.id, &key).await {
                tracing::warn!(payment_intent = %intent.id, error = %cancel, "could not cancel a refused terminal intent");
            }
            return Err(terminal_refusal(e));
        }
    };
    tracing::info!(order = %target.reference, payment_intent = %intent.id, amount = %target.amount, "terminal intent ready");
    let shown = view(
        &app,
        target.order,
        &intent.id,
        intent.client_secret.clone(),
        sent.position,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(shown)))
}

/// The order of a terminal intent of this conference (404 otherwise) and its reader.
async fn locate(app: &AppState, conf: &ConferenceRef, intent: &str) -> ApiResult<(Uuid, String)> {
    let well_formed = !intent.is_empty()
        && intent.len() <= 255
        && intent
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !well_formed {
        return Err(terminal_not_found());
    }
    app.bus
        .inspect::<TerminalIntent, _>(&terminal_intent::stream_id(intent).to_string(), |t| {
            t.order_id()
                .filter(|_| t.conference_id() == conf.id)
                .map(|o| (o, t.reader_id().to_string()))
        })
        .await?
        .ok_or_else(terminal_not_found)
}

async fn capture_status(
    app: &AppState,
    order: Uuid,
    intent: &str,
) -> ApiResult<TerminalCaptureStatus> {
    app.bus
        .inspect::<Order, _>(&order.to_string(), |o| {
            o.terminal_payment(intent).map(|t| t.capture_status)
        })
        .await?
        .ok_or_else(terminal_not_found)
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
    let (order, _) = locate(&app, &conf, &intent).await?;
    match capture_status(&app, order, &intent).await? {
        TerminalCaptureStatus::Captured => {
            return Ok(Json(view(&app, order, &intent, None, None).await?));
        }
        status @ (TerminalCaptureStatus::Cancelled | TerminalCaptureStatus::Failed) => {
            return Err(terminal_refusal(BusError::Refused(
                OrderError::TerminalNotCapturable {
                    status: status.as_str(),
                },
            )));
        }
        TerminalCaptureStatus::Authorized => {}
    }
    let gateway = gateway(&app)?;
    let key = capture_idempotency_key(&intent, meta.scoped_id("terminal-capture", &intent));
    let captured = match gateway.capture_payment_intent(&intent, &key).await {
        Ok(pi) => pi,
        // A capture whose answer was lost (or made by a concurrent request) is
        // found on the intent itself.
        Err(e) => match gateway.retrieve_payment_intent(&intent).await {
            Ok(pi) if pi.is_succeeded() => pi,
            _ => return Err(gateway_problem(&e)),
        },
    };
    let sent = app
        .bus
        .send::<Order>(
            &order.to_string(),
            OrderCommand::CaptureTerminalPayment {
                payment_intent_id: intent.clone(),
                amount: captured.amount,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await
        .map_err(terminal_refusal)?;
    tracing::info!(payment_intent = %intent, amount = %captured.amount, "terminal payment captured");
    Ok(Json(view(&app, order, &intent, None, sent.position).await?))
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
    let (order, reader) = locate(&app, &conf, &intent).await?;
    match capture_status(&app, order, &intent).await? {
        TerminalCaptureStatus::Cancelled | TerminalCaptureStatus::Failed => {
            return Ok(Json(view(&app, order, &intent, None, None).await?));
        }
        TerminalCaptureStatus::Captured => {
            return Err(terminal_refusal(BusError::Refused(
                OrderError::TerminalAlreadyCaptured,
            )));
        }
        TerminalCaptureStatus::Authorized => {}
    }
    let gateway = gateway(&app)?;
    if !reader.is_empty() {
        gateway
            .cancel_reader_action(&reader)
            .await
            .map_err(|e| gateway_problem(&e))?;
    }
    let key = cancel_idempotency_key(&intent, meta.scoped_id("terminal-cancel", &intent));
    if let Err(e) = gateway.cancel_payment_intent(&intent, &key).await {
        // A cancellation whose answer was lost is found on the intent itself.
        match gateway.retrieve_payment_intent(&intent).await {
            Ok(pi) if pi.status == "canceled" => {}
            _ => return Err(gateway_problem(&e)),
        }
    }
    let sent = app
        .bus
        .send::<Order>(
            &order.to_string(),
            OrderCommand::CancelTerminalPayment {
                payment_intent_id: intent.clone(),
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await
        .map_err(terminal_refusal)?;
    tracing::info!(payment_intent = %intent, "terminal payment cancelled");
    Ok(Json(view(&app, order, &intent, None, sent.position).await?))
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
        .peek::<Cart, _>(&cart_stream(conf, user), |c| {
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
        .send::<Cart>(
            &cart_stream(&conf, who.user),
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
    let now = app.bus.services().now();
    let stream = cart_stream(&conf, who.user);

    // ORDER-4: the cart's refusals first (not open, expired, empty).
    let (cart_id, items, voucher) = app
        .bus
        .peek::<Cart, _>(&stream, |c| {
            let cart_id = c.cart_id().unwrap_or_default();
            let probe = CartCommand::CheckOut {
                cart_id,
                order_id: Uuid::nil(),
            };
            c.decide(probe, now).map(|_| {
                (
                    cart_id,
                    c.items().to_vec(),
                    c.voucher().map(|v| v.code.clone()),
                )
            })
        })
        .await?
        .map_err(|e| ApiError::from(BusError::Refused(e)))?;
    // The checkout is tied to the cart exactly as seen here (a voucher on it is
    // ignored: the desk gives no discounts).
    let seen = CartCommand::Expect {
        cart_id,
        items: items.iter().map(|i| (i.item_id, i.quantity)).collect(),
        voucher,
    };

    // CART-7: prices are live until checkout; a product gone from the catalog
    // keeps the price it was put in the cart with.
    let lines: Vec<OrderLine> = ledger(&app, &conf, |inv| {
        items
            .iter()
            .map(|i| {
                let unit_price = inv
                    .offer(&i.product, who.user, now)
                    .map_or(i.unit_price, |o| o.unit_price);
                OrderLine {
                    product: i.product.clone(),
                    description: i.name.clone(),
                    unit_price,
                    quantity: i.quantity,
                    discount_amount: Decimal::ZERO,
                    line_total: unit_price * Decimal::from(i.quantity),
                }
            })
            .collect()
    })
    .await?;
    let subtotal: Decimal = lines.iter().map(|l| l.line_total).sum();

    let reference = new_reference(&app.config.order_reference_prefix);
    let order = order_id(&reference);
    let event_meta = meta.for_conf(Some(conf.id));
    let placed = app
        .bus
        .send::<Order>(
            &order.to_string(),
            OrderCommand::Place {
                order_id: order,
                reference: reference.clone(),
                conference_id: conf.id,
                user: who.user,
                cart_id: Some(cart_id),
                lines: lines.clone(),
                subtotal,
                discount_amount: Decimal::ZERO,
                total: subtotal,
                voucher_code: None,
                voucher_details: None,
                billing_name: who.name,
                billing_email: who.email,
                billing_company: String::new(),
                hold_expires_at: None,
            },
            &event_meta,
        )
        .await?;
    let closed = app
        .bus
        .send::<Cart>(
            &stream,
            CartCommand::Sequence(vec![
                seen,
                CartCommand::CheckOut {
                    cart_id,
                    order_id: order,
                },
            ]),
            &event_meta,
        )
        .await;
    let closed = match closed {
        Ok(sent) => sent,
        Err(e) => {
            // The cart changed meanwhile: this order must not stand.
            if let Err(cancel) = app
                .bus
                .send::<Order>(
                    &order.to_string(),
                    OrderCommand::Cancel { by: Some(staff.id) },
                    &event_meta,
                )
                .await
            {
                tracing::warn!(order = %reference, error = %cancel, "could not cancel a terminal order whose cart changed");
            }
            return Err(e.into());
        }
    };
    tracing::info!(order = %reference, total = %subtotal, "terminal cart checked out");
    Ok((
        StatusCode::CREATED,
        Json(TerminalCheckoutView {
            order_id: order,
            reference,
            user_id: who.user,
            cart_id,
            status: OrderStatus::Pending,
            subtotal,
            total: subtotal,
            lines,
            position: placed.position.max(closed.position),
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
/// credits with Σ remaining, and whether they are registered (order paid).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/terminal/attendees/{access_code}", tag = "terminal",
    params(("slug" = String, Path), ("access_code" = String, Path)),
    responses((status = 200, body = TerminalAttendeeView), (status = 403, body = Problem),
        (status = 404, body = Problem, description = "att.not_found")))]
async fn lookup_attendee(
    State(app): State<AppState>,
    Path((slug, access_code)): Path<(String, String)>,
) -> ApiResult<Json<TerminalAttendeeView>> {
    let conf = app.conference(&slug).await?;
    let attendee = attendee_by_code(&app, &conf, &access_code).await?;
    let order = match attendee.order_id {
        None => None,
        Some(id) => {
            app.bus
                .inspect::<Order, _>(&id.to_string(), |o| {
                    o.exists().then(|| TerminalOrderView {
                        id,
                        reference: o.reference().to_string(),
                        status: o.status(),
                        total: o.total(),
                        balance: o.balance(),
                        lines: o.lines().to_vec(),
                    })
                })
                .await?
        }
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

#[derive(Debug, Serialize, ToSchema)]
pub struct ReaderList {
    pub readers: Vec<Reader>,
}

/// The Stripe Terminal readers (PAY-31): at most 100, optionally of one location.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/terminal/readers", tag = "terminal",
    params(("slug" = String, Path), ReadersQuery),
    responses((status = 200, body = ReaderList), (status = 403, body = Problem),
        (status = 502, body = Problem), (status = 503, body = Problem)))]
async fn list_readers(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ReadersQuery>,
) -> ApiResult<Json<ReaderList>> {
    app.conference(&slug).await?;
    let gateway = gateway(&app)?;
    let readers = gateway
        .list_readers(q.location.as_deref())
        .await
        .map_err(|e| gateway_problem(&e))?;
    Ok(Json(ReaderList { readers }))
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
) -> ApiResult<Json<ConnectionToken>> {
    app.conference(&slug).await?;
    let body: ConnectionTokenBody = optional_json(&body)?;
    let gateway = gateway(&app)?;
    let secret = gateway
        .create_connection_token(body.location.as_deref())
        .await
        .map_err(|e| gateway_problem(&e))?;
    Ok(Json(ConnectionToken { secret }))
}

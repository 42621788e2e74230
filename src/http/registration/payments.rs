//! Payments recorded by hand (PAY-12 comp, PAY-13 manual, PAY-19/20 store credit)
//! and refunds (PAY-25…29 with AMB-9/10). Every path to paid is the order's one
//! transition that emits `OrderPaid` (AMB-6/7); a refund never exceeds what was
//! paid, because the order decides it before any money moves.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::money::Money;
use tessera_aggregates::order::{OrderStatus, RefundReason, RefundTo};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::FINANCE;
use super::orders::{Viewer, visible_order};
use crate::app::AppState;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser, CommandMeta};
use crate::process::payments::{self, Details, Method, Payable, PaymentError};
use crate::process::refund::{self, Ask, Refundable};

pub(super) fn groups() -> Vec<Group> {
    vec![
        (
            Access::Authenticated,
            OpenApiRouter::new().routes(routes!(record_payment)),
        ),
        (FINANCE, OpenApiRouter::new().routes(routes!(refund_order))),
    ]
}

/// The payment methods recorded by hand (card payments come from Stripe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ManualMethod {
    /// PAY-12: a zero-total order (owner or staff).
    Comp,
    /// PAY-13: money received outside Stripe (organizers and finance).
    Manual,
    /// PAY-19/20: the owner's store credit of this conference.
    Credit,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentBody {
    pub method: ManualMethod,
    /// Manual: required, > 0. Credit: at most this much (default: as much as the
    /// credit and the balance allow). Comp: ignored (0.00).
    #[serde(
        default,
        deserialize_with = "tessera_aggregates::money::optional_decimal"
    )]
    #[schema(value_type = Option<crate::http::input::MoneyString>)]
    pub amount: Option<Decimal>,
    /// Credit: the credit to spend.
    pub credit_id: Option<Uuid>,
    /// Manual: the payment's reference (cheque or transfer number).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reference: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentRecorded {
    pub payment_id: Uuid,
    pub order_reference: String,
    pub method: ManualMethod,
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// The order's status after the payment.
    #[schema(value_type = String, example = "paid")]
    pub status: OrderStatus,
    #[schema(value_type = String)]
    pub balance: Decimal,
    pub position: Option<i64>,
}

/// Money has two decimal places (SPEC "How to read").
fn money(amount: Decimal) -> ApiResult<Decimal> {
    Money::new(amount)
        .map(Decimal::from)
        .map_err(|e| PaymentError::InvalidAmount(e).into())
}

/// Records a comp, manual or store-credit payment (PAY-12/13/19/20). When the order
/// is paid in full it becomes paid, once (AMB-6/7).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/orders/{reference}/payments", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)), request_body = PaymentBody,
    responses((status = 201, body = PaymentRecorded), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn record_payment(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path((slug, reference)): Path<(String, String)>,
    ApiJson(body): ApiJson<PaymentBody>,
) -> ApiResult<(StatusCode, Json<PaymentRecorded>)> {
    let viewer = Viewer::resolve(&app, &slug, caller).await?;
    let order = visible_order(&app, &viewer, &reference).await?;
    let method = match body.method {
        // PAY-12: anyone who may see the order (its owner or staff): it only ever
        // completes a zero-total order.
        ManualMethod::Comp => Method::Comp,
        ManualMethod::Manual if !viewer.staff => return Err(ApiError::forbidden()),
        ManualMethod::Manual => Method::Manual(money(body.amount.unwrap_or(Decimal::ZERO))?),
        ManualMethod::Credit => Method::Credit {
            credit_id: body.credit_id.ok_or(PaymentError::CreditRequired)?,
            cap: body.amount.map(money).transpose()?,
        },
    };
    let payable = Payable {
        order_id: order.order_id,
        conference: viewer.conf.id,
        user: order.user,
        status: order.status,
        balance: order.balance,
    };
    let details = Details {
        payment_id: meta.scoped_id("payment", &reference),
        reference: body.reference,
        note: body.note,
        by: Some(viewer.caller.id),
    };
    let payment_id = details.payment_id;
    let paid = payments::record(
        app.flows(),
        payable,
        method,
        details,
        &meta.for_conf(Some(viewer.conf.id)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(PaymentRecorded {
            payment_id,
            order_reference: order.reference,
            method: body.method,
            amount: paid.amount,
            status: paid.status,
            balance: paid.balance,
            position: paid.position,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefundBody {
    #[serde(deserialize_with = "tessera_aggregates::money::decimal")]
    #[schema(value_type = crate::http::input::MoneyString)]
    pub amount: Decimal,
    /// AMB-9: "card" (Stripe, with a credit note) or "credit" (a spendable store
    /// credit; no money moves).
    #[schema(value_type = String, max_length = 32, example = "credit")]
    pub to: RefundTo,
    /// PAY-27: requested_by_customer (default), duplicate, fraudulent.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 32)]
    pub reason: RefundReason,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefundRecorded {
    pub refund_id: Uuid,
    /// The store credit (to credit) or
    /// the credit note (to card).
    pub credit_id: Uuid,
    #[schema(value_type = String)]
    pub amount: Decimal,
    #[schema(value_type = String, max_length = 32, example = "credit")]
    pub to: RefundTo,
    /// The order's status after the refund (PAY-29 with AMB-10).
    #[schema(value_type = String, example = "partially_refunded")]
    pub status: OrderStatus,
    pub position: Option<i64>,
}

/// Refunds a paid order, never beyond what was paid (PAY-25…29, AMB-9/10):
/// to store credit (a spendable credit, no money moves) or to the card (Stripe,
/// recorded by a non-spendable credit note). Organizers and finance staff.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/orders/{reference}/refunds", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)), request_body = RefundBody,
    responses((status = 201, body = RefundRecorded), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 503, body = Problem, description = "payments.stripe_unavailable")))]
async fn refund_order(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path((slug, reference)): Path<(String, String)>,
    ApiJson(body): ApiJson<RefundBody>,
) -> ApiResult<(StatusCode, Json<RefundRecorded>)> {
    let viewer = Viewer::resolve(&app, &slug, caller).await?;
    if !viewer.staff {
        // The guard checked the role; only the organizer side can be off (CONF-28).
        return Err(ApiError::not_found("Conference"));
    }
    let order = visible_order(&app, &viewer, &reference).await?;
    let amount = money(body.amount)?;
    let refundable = Refundable {
        order_id: order.order_id,
        reference: order.reference.clone(),
        conference: viewer.conf.id,
        user: order.user,
        status: order.status,
    };
    let ask = Ask {
        refund_id: meta.scoped_id("refund", &reference),
        amount,
        to: body.to,
        reason: body.reason,
        by: Some(viewer.caller.id),
    };
    let refunded = refund::refund(
        app.flows(),
        &app.refunds_in_flight,
        refundable,
        ask,
        &meta.for_conf(Some(viewer.conf.id)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(RefundRecorded {
            refund_id: ask.refund_id,
            credit_id: refunded.credit_id,
            amount,
            to: body.to,
            status: refunded.status,
            position: refunded.position,
        }),
    ))
}

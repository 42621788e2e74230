//! Payments recorded by hand (PAY-12 comp, PAY-13 manual, PAY-19/20 store credit)
//! and refunds (PAY-25…29 with AMB-9/10). Every path to paid is the order's one
//! transition that emits `OrderPaid` (AMB-6/7); a refund never exceeds what was
//! paid, because the order decides it before any money moves.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::credit::{Credit, CreditCommand};
use tessera_aggregates::order::{
    Order, OrderCommand, OrderError, OrderStatus, PaymentMethod, RefundReason, RefundTo,
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::FINANCE;
use super::orders::{OrderFacts, Viewer, read_order, visible_order};
use crate::app::{AppState, ConferenceRef};
use crate::bus::{BusError, Sent};
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser, CommandMeta};
use crate::process::orders::refund_credit_id;
use tessera_projections::EventMeta;

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
    if amount.normalize().scale() > 2 {
        return Err(ApiError::unprocessable(
            "payments.invalid_amount",
            "Amounts must have at most 2 decimal places.",
        ));
    }
    Ok(amount)
}

fn refused<E: crate::refusal::Failure>(e: E) -> ApiError {
    BusError::Refused(e).into()
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
    let event_meta = meta.for_conf(Some(viewer.conf.id));
    let payment_id = meta.scoped_id("payment", &reference);
    let by = Some(viewer.caller.id);
    let record = |method, amount, credit_id| OrderCommand::RecordPayment {
        payment_id,
        method,
        amount,
        stripe_payment_intent: None,
        credit_id,
        reference: body.reference.clone(),
        note: body.note.clone(),
        by,
    };
    let order_stream = order.order_id.to_string();
    let (amount, sent) = match body.method {
        // PAY-12: anyone who may see the order (its owner or staff): it only ever
        // completes a zero-total order.
        ManualMethod::Comp => {
            let sent = app
                .bus
                .send::<Order>(
                    &order_stream,
                    record(PaymentMethod::Comp, Decimal::ZERO, None),
                    &event_meta,
                )
                .await?;
            (Decimal::new(0, 2), sent)
        }
        ManualMethod::Manual => {
            if !viewer.staff {
                return Err(ApiError::forbidden());
            }
            let amount = money(body.amount.unwrap_or(Decimal::ZERO))?;
            let sent = app
                .bus
                .send::<Order>(
                    &order_stream,
                    record(PaymentMethod::Manual, amount, None),
                    &event_meta,
                )
                .await?;
            (amount, sent)
        }
        ManualMethod::Credit => {
            let credit_id = body.credit_id.ok_or_else(|| {
                ApiError::unprocessable(
                    "payments.credit_required",
                    "Choose the credit to apply (credit_id).",
                )
            })?;
            let cap = body.amount.map(money).transpose()?;
            let amount = apply_credit(
                &app,
                &viewer.conf,
                &order,
                credit_id,
                cap,
                payment_id,
                &event_meta,
            )
            .await?;
            let recorded = app
                .bus
                .send::<Order>(
                    &order_stream,
                    record(PaymentMethod::Credit, amount, Some(credit_id)),
                    &event_meta,
                )
                .await;
            match recorded {
                Ok(sent) => (amount, sent),
                Err(BusError::Refused(e)) => {
                    // The order refused the payment: the credit gets its money back.
                    // (Other failures are finished by the process manager, which
                    // records or restores this payment from `CreditApplied`.)
                    let restored = app
                        .bus
                        .send::<Credit>(
                            &credit_id.to_string(),
                            CreditCommand::Restore {
                                order_id: order.order_id,
                                payment_id,
                            },
                            &event_meta,
                        )
                        .await;
                    if let Err(err) = restored {
                        tracing::warn!(%credit_id, %payment_id, error = %err, "credit restore deferred to the process manager");
                    }
                    return Err(refused(e));
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let (status, balance) = read_order(&app, &viewer.conf, &reference, |o| {
        (o.status(), o.balance())
    })
    .await?
    .ok_or_else(|| ApiError::not_found("Order"))?;
    Ok((
        StatusCode::CREATED,
        Json(PaymentRecorded {
            payment_id,
            order_reference: order.reference,
            method: body.method,
            amount,
            status,
            balance,
            position: sent.position,
        }),
    ))
}

/// PAY-19/20: spends min(credit remaining, order balance, cap) of the credit on the
/// order (`Credit.Apply`, idempotent by payment id). The credit checks that it is
/// available and belongs to the order's owner and conference.
async fn apply_credit(
    app: &AppState,
    conf: &ConferenceRef,
    order: &OrderFacts,
    credit_id: Uuid,
    cap: Option<Decimal>,
    payment_id: Uuid,
    meta: &EventMeta,
) -> ApiResult<Decimal> {
    if order.status != OrderStatus::Pending {
        return Err(refused(OrderError::CreditNotPending));
    }
    if order.balance <= Decimal::ZERO {
        return Err(refused(OrderError::AlreadyPaid));
    }
    let conference = conf.id;
    let remaining = app
        .bus
        .inspect::<Credit, _>(&credit_id.to_string(), |c| {
            (c.exists() && c.conference_id() == conference).then(|| c.remaining())
        })
        .await?
        .ok_or_else(|| ApiError::not_found("Credit"))?;
    let mut amount = remaining.min(order.balance);
    if let Some(cap) = cap {
        amount = amount.min(cap);
    }
    app.bus
        .send::<Credit>(
            &credit_id.to_string(),
            CreditCommand::Apply {
                order_id: order.order_id,
                payment_id,
                amount,
                order_user: order.user,
                order_conference: conference,
            },
            meta,
        )
        .await?;
    Ok(amount)
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
    /// The store credit (to credit; issued by the process manager right after) or
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
    let event_meta = meta.for_conf(Some(viewer.conf.id));
    let refund_id = meta.scoped_id("refund", &reference);
    let order_stream = order.order_id.to_string();
    // A card refund is claimed before it is recorded: the process managers of this
    // process wait for this request instead of making the same Stripe call.
    let _claim = (body.to == RefundTo::Card).then(|| app.refunds_in_flight.claim(refund_id));
    let mut sent = app
        .bus
        .send::<Order>(
            &order_stream,
            OrderCommand::Refund {
                refund_id,
                amount,
                to: body.to,
                reason: body.reason,
                by: Some(viewer.caller.id),
            },
            &event_meta,
        )
        .await?;
    let credit_id = refund_credit_id(refund_id);
    if body.to == RefundTo::Card {
        let noted = card_refund(&app, &order, refund_id, &event_meta).await?;
        sent.position = sent.position.max(noted.position);
    }
    // To credit: the process manager issues the store credit (src/process/orders.rs).
    let status = read_order(&app, &viewer.conf, &reference, |o| o.status())
        .await?
        .ok_or_else(|| ApiError::not_found("Order"))?;
    Ok((
        StatusCode::CREATED,
        Json(RefundRecorded {
            refund_id,
            credit_id,
            amount,
            to: body.to,
            status,
            position: sent.position,
        }),
    ))
}

/// Steps 2…4 of a refund to the card (src/process/refunds.rs), right after it was
/// recorded: the Stripe call with the refund's persisted key, its outcome on the
/// order, and on success the credit note (AMB-9). A refusal voids the refund
/// (`RecordRefundFailure`); an unknown outcome leaves it pending for the process
/// managers, which retry it with the same key. What a crash between any two steps
/// leaves undone, the process managers finish; the key keeps it one Stripe refund.
async fn card_refund(
    app: &AppState,
    order: &OrderFacts,
    refund_id: Uuid,
    meta: &EventMeta,
) -> ApiResult<Sent> {
    use crate::process::refunds::{self, CardRefundState, RefundStep, StripeOutcome};

    let state = refunds::card_refund_state(&app.bus, order.order_id, refund_id)
        .await?
        .ok_or_else(|| ApiError::internal(format!("refund {refund_id} vanished from its order")))?;
    let refund = match state {
        CardRefundState::AwaitsStripe(refund) => refund,
        // A retried request: the refund is already made (the credit note is
        // issued again, a no-op) or was voided.
        CardRefundState::Made {
            amount,
            user,
            conference_id,
        } => {
            return Ok(refunds::issue_credit_note(
                &app.bus,
                order.order_id,
                refund_id,
                conference_id,
                user,
                amount,
                meta,
            )
            .await?);
        }
        CardRefundState::Failed => {
            return Err(ApiError::conflict(
                "payments.card_refund_voided",
                "This refund to the card failed and was voided; nothing was refunded.",
            ));
        }
        CardRefundState::NotOurs => return Ok(Sent { position: None }),
    };
    app.faults.trip(RefundStep::AfterRecord)?;
    let Some(gateway) = app.gateway.clone() else {
        tracing::warn!(
            %refund_id,
            order_id = %refund.order_id,
            order = %refund.order_reference,
            "card refund requested but Stripe is not configured"
        );
        // This process never called Stripe for it: void it.
        void(app, &refund, "payments.stripe_unavailable", meta).await;
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "payments.stripe_unavailable",
            "Refunds to the card are not available right now; refund to store credit instead.",
        ));
    };
    if refund.payment_intent.trim().is_empty() {
        void(app, &refund, OrderError::NoStripePayment.code(), meta).await;
        return Err(refused(OrderError::NoStripePayment));
    }
    match refunds::call_stripe(&gateway, &app.config.currency, &refund).await {
        StripeOutcome::Made(stripe_refund_id) => {
            app.faults.trip(RefundStep::AfterStripe)?;
            refunds::record_made(&app.bus, &refund, stripe_refund_id, meta).await?;
            app.faults.trip(RefundStep::AfterOutcome)?;
            Ok(refunds::issue_credit_note(
                &app.bus,
                refund.order_id,
                refund_id,
                refund.conference_id,
                refund.user,
                refund.amount,
                meta,
            )
            .await?)
        }
        StripeOutcome::Refused(e) => {
            void(app, &refund, e.code(), meta).await;
            Err(ApiError::from(e))
        }
        // Left pending: the process managers retry it with the same key.
        StripeOutcome::Unknown(e) => Err(ApiError::from(e)),
    }
}

/// Compensation: the refund did not happen. A failure to record it leaves the
/// refund pending, for the process managers to finish.
async fn void(
    app: &AppState,
    refund: &crate::process::refunds::CardRefund,
    reason: &str,
    meta: &EventMeta,
) {
    let voided = crate::process::refunds::record_refused(
        &app.bus,
        refund.order_id,
        refund.refund_id,
        reason,
        meta,
    )
    .await;
    if let Err(err) = voided {
        tracing::error!(refund_id = %refund.refund_id, error = %err, "card refund failed and could not be voided");
    }
}

//! Card payments through Stripe: paying an order (PAY-4…9) and the webhook that
//! reports what happened to the money (PAY-40…48, PAY-53, AMB-6/31;
//! ARCHITECTURE §4 and §6).
//!
//! **Paying.** `POST …/orders/{reference}/pay` opens (or reuses) a payment attempt
//! on the order, its idempotency key persisted by `StartPaymentAttempt` before
//! Stripe is called, then records the intent Stripe made (`RecordPaymentIntent`).
//! A retried call reuses the open attempt: the same intent and client secret when
//! it was recorded, else the same key, so Stripe answers with the intent it made the
//! first time. The order becomes paid only when the webhook reports the money.
//!
//! **The webhook.** `POST …/webhooks/stripe`, public and never feature-gated
//! (CONF-30):
//! 1. The signature is verified with every configured secret (rotation) within the
//!    tolerance; a forged, stale or malformed delivery is answered 400 and stores
//!    nothing.
//! 2. `Receive` on the event's `StripeEventRecord` stream: an event already
//!    processed (or refused by this endpoint) is answered 200 and changes nothing.
//! 3. The order is found (the object's `metadata.order_id`, or for charges and
//!    disputes the metadata of their intent, read from Stripe). An order of another
//!    conference is `Refuse`d for this endpoint (PAY-53) and answered 200.
//! 4. The event is applied to the order, forward only:
//!    `payment_intent.succeeded` → `RecordPayment { method: Stripe }` (money for an
//!    order that stopped awaiting payment is recorded and flagged, AMB-6);
//!    `payment_intent.payment_failed` → `RecordPaymentFailure` (the intent's
//!    pending attempt, or its authorized terminal record with its payment, fails;
//!    the order is unchanged); `charge.refunded` →
//!    the payment (if its own event has not arrived yet) then `RecordStripeRefund`
//!    (AMB-31: a charge without intent matches nothing); `charge.dispute.created` →
//!    `MarkDisputed`. Other kinds are stored and not processed (PAY-43).
//! 5. `MarkProcessed` and 200; or, when the infrastructure failed (store, Stripe),
//!    `MarkFailed` and 500, so Stripe delivers again and the event is processed then.
//!    Every step is idempotent, so reprocessing repeats only no-ops.

use std::fmt::Display;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use rust_decimal::Decimal;
use serde::Serialize;
use tessera_aggregates::natural_id;
use tessera_aggregates::order::{Order, OrderCommand, PaymentMethod};
use tessera_aggregates::stripe_event::{
    self, StripeEventCommand, StripeEventError, StripeEventRecord,
};
use tessera_projections::EventMeta;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::PUBLIC;
use crate::app::{AppState, ConferenceRef};
use crate::bus::BusError;
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{AuthUser, CommandMeta};
use crate::process::card_payment::{Payer, pay_by_card};
use crate::stripe::amount::from_minor_units;
use crate::stripe::webhook::{
    ChargeObject, DisputeObject, PaymentIntentObject, SIGNATURE_HEADER, payload_digest,
};
use crate::stripe::{EventData, GatewayError, StripeEvent, parse_event, verify_with_config};

pub(super) fn groups() -> Vec<Group> {
    vec![
        (
            Access::Authenticated,
            OpenApiRouter::new().routes(routes!(pay_order)),
        ),
        (
            Access::Public,
            OpenApiRouter::new().routes(routes!(stripe_webhook)),
        ),
    ]
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentStarted {
    /// For Stripe.js (PAY-7).
    pub client_secret: String,
    pub payment_intent_id: String,
    /// What the intent charges: the order's balance when the attempt started.
    #[schema(value_type = String, example = "100.00")]
    pub amount: Decimal,
    /// Null when nothing changed (a retried call answered from the open attempt).
    pub position: Option<i64>,
}

/// Pays the order by card (PAY-4…9): the owner gets the client secret of the
/// order's PaymentIntent. A pending order with a balance only; a retried call
/// returns the same intent and client secret (one intent per attempt, its
/// idempotency key persisted before Stripe is called). The order is paid when
/// Stripe's webhook reports the money.
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/orders/{reference}/pay", tag = "registration",
    params(("slug" = String, Path), ("reference" = String, Path)),
    responses((status = 200, body = PaymentStarted), (status = 404, body = Problem),
        (status = 422, body = Problem, description = "order.payment_not_initiable, order.already_paid"),
        (status = 502, body = Problem, description = "Stripe failed (pay.*)"),
        (status = 503, body = Problem, description = "pay.stripe_not_configured")))]
async fn pay_order(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path((slug, reference)): Path<(String, String)>,
) -> ApiResult<Json<PaymentStarted>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let payer = Payer {
        user: caller.id,
        email: caller.email,
        name: caller.name,
    };
    let started = pay_by_card(
        app.flows(),
        conf.id,
        &conf.slug,
        &reference,
        &payer,
        &meta.for_conf(Some(conf.id)),
    )
    .await?;
    Ok(Json(PaymentStarted {
        client_secret: started.client_secret,
        payment_intent_id: started.payment_intent_id,
        amount: started.amount,
        position: started.position,
    }))
}

// ---------------------------------------------------------------------------
// The webhook

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookOutcome {
    /// Applied to its order.
    Processed,
    /// Stored; nothing to do (a kind not handled, an object naming no order of
    /// ours, or a change the order refused).
    Ignored,
    /// Delivered before and already processed (or refused): nothing changed.
    Duplicate,
    /// It names an order of another conference (PAY-53).
    Refused,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAck {
    pub received: bool,
    pub event_id: String,
    #[schema(value_type = String, example = "payment_intent.succeeded")]
    pub event_type: String,
    pub outcome: WebhookOutcome,
}

fn ack(event: &StripeEvent, outcome: WebhookOutcome) -> Json<WebhookAck> {
    Json(WebhookAck {
        received: true,
        event_id: event.id.clone(),
        event_type: event.kind.clone(),
        outcome,
    })
}

/// A failure of the infrastructure (store, Stripe): the delivery is answered 500
/// and processed again on the next one.
#[derive(Debug)]
struct Failure(String);

impl<E: std::error::Error> From<BusError<E>> for Failure {
    fn from(e: BusError<E>) -> Self {
        Failure(e.to_string())
    }
}

/// A command's outcome while processing: a rule's refusal is final (logged, the
/// event is not retried); anything else is a failure to retry.
fn settle<E: std::error::Error>(
    outcome: Result<crate::bus::Sent, BusError<E>>,
    what: &str,
) -> Result<bool, Failure> {
    match outcome {
        Ok(_) => Ok(true),
        Err(BusError::Refused(e)) => {
            tracing::warn!(step = what, refusal = %e, "Stripe event refused by the order");
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// The bookkeeping commands carry the conference and point at the Stripe event.
fn webhook_meta(conf: &ConferenceRef, event: &StripeEvent, headers: &HeaderMap) -> EventMeta {
    EventMeta {
        conference_id: Some(conf.id),
        actor: "stripe".to_string(),
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        causation_id: Some(event.id.clone()),
        idempotency_key: None,
        recorded_at: None,
    }
}

fn bad_delivery(code: &str, detail: impl Display) -> ApiError {
    tracing::warn!(code, %detail, "Stripe webhook delivery refused");
    ApiError::bad_request(code, detail.to_string())
}

/// Stripe's webhook (PAY-40…48, PAY-53): verified, deduplicated, applied to the
/// order forward only. 400 for a delivery that is forged, stale or malformed
/// (nothing stored); 200 once processed, for a duplicate, or for an event of
/// another conference; 500 when processing failed (Stripe delivers again).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/webhooks/stripe", tag = "registration",
    params(("slug" = String, Path)), request_body(content = String, description = "The Stripe event, signed (Stripe-Signature header)"),
    responses((status = 200, body = WebhookAck), (status = 400, body = Problem, description = "stripe.webhook.*"),
        (status = 404, body = Problem), (status = 500, body = Problem, description = "processing failed; Stripe retries")))]
async fn stripe_webhook(
    State(app): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WebhookAck>> {
    // 1. Verify: nothing is stored for a delivery that fails.
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = app.bus.services().now().timestamp();
    verify_with_config(&body, signature, &app.config.stripe, now)
        .map_err(|e| bad_delivery(e.code(), e))?;
    let event = parse_event(&body).map_err(|e| bad_delivery(e.code(), e))?;
    let data = event.data().map_err(|e| bad_delivery(e.code(), e))?;
    // CONF-30: no feature gate; the conference must exist.
    let conf = app.conference(&slug).await?;
    let meta = webhook_meta(&conf, &event, &headers);
    let record = stripe_event::stream_id(&event.id).to_string();

    // 2. Deduplicate.
    let received = app
        .bus
        .send::<StripeEventRecord>(
            &record,
            StripeEventCommand::Receive {
                event_id: event.id.clone(),
                kind: event.kind.clone(),
                endpoint_conference_id: conf.id,
                order_id: event.order_id(),
                conference_id: event.conference_id(),
                payload_digest: payload_digest(&body),
            },
            &meta,
        )
        .await;
    match received {
        Ok(_) => {}
        Err(BusError::Refused(e)) if e.is_duplicate() => {
            tracing::info!(event = %event.id, kind = %event.kind, "duplicate Stripe delivery");
            return Ok(ack(&event, WebhookOutcome::Duplicate));
        }
        Err(BusError::Refused(e)) => return Err(bad_delivery(e.code(), e)),
        Err(e) => return Err(ApiError::internal(e)),
    }

    // 3–5. Process, then record how it went.
    let bookkeeping = |outcome: Result<crate::bus::Sent, BusError<StripeEventError>>| {
        outcome.map(|_| ()).or_else(|e| match e {
            // Processed meanwhile by a concurrent delivery: nothing to add.
            BusError::Refused(StripeEventError::AlreadyProcessed) => Ok(()),
            e => Err(ApiError::internal(e)),
        })
    };
    match process(&app, &conf, &event, &data, &meta).await {
        Ok(Handled::Done(outcome)) => {
            bookkeeping(
                app.bus
                    .send::<StripeEventRecord>(&record, StripeEventCommand::MarkProcessed, &meta)
                    .await,
            )?;
            tracing::info!(event = %event.id, kind = %event.kind, ?outcome, "Stripe event processed");
            Ok(ack(&event, outcome))
        }
        Ok(Handled::Refused(reason)) => {
            tracing::warn!(event = %event.id, kind = %event.kind, %reason, "Stripe event refused for this conference");
            bookkeeping(
                app.bus
                    .send::<StripeEventRecord>(
                        &record,
                        StripeEventCommand::Refuse {
                            endpoint_conference_id: conf.id,
                            reason,
                        },
                        &meta,
                    )
                    .await,
            )?;
            Ok(ack(&event, WebhookOutcome::Refused))
        }
        Err(Failure(error)) => {
            let marked = app
                .bus
                .send::<StripeEventRecord>(
                    &record,
                    StripeEventCommand::MarkFailed {
                        error: error.clone(),
                    },
                    &meta,
                )
                .await;
            if let Err(e) = marked {
                tracing::error!(event = %event.id, error = %e, "could not record the failure of a Stripe event");
            }
            Err(ApiError::internal(format!(
                "Stripe event {} ({}) failed: {error}",
                event.id, event.kind
            )))
        }
    }
}

enum Handled {
    Done(WebhookOutcome),
    /// PAY-53: the reason.
    Refused(String),
}

/// The order the event is about, when it is one of ours.
async fn order_of(app: &AppState, data: &EventData) -> Result<Option<Uuid>, Failure> {
    let (from_metadata, intent) = match data {
        EventData::PaymentIntentSucceeded(pi) | EventData::PaymentIntentPaymentFailed(pi) => {
            // PAY-45: an intent without order_id is not ours.
            return Ok(pi.order_id);
        }
        EventData::ChargeRefunded(c) => (c.order_id, c.payment_intent_id()),
        EventData::ChargeDisputeCreated(d) => (None, d.payment_intent_id()),
        _ => return Ok(None),
    };
    // AMB-31: no intent, no payment to match.
    let Some(intent) = intent else {
        return Ok(None);
    };
    if from_metadata.is_some() {
        return Ok(from_metadata);
    }
    // Charges and disputes may not carry the intent's metadata: ask Stripe.
    let Some(gateway) = app.gateway.as_ref() else {
        return Err(Failure(format!(
            "cannot find the order of {intent}: Stripe is not configured"
        )));
    };
    match gateway.retrieve_payment_intent(intent).await {
        Ok(pi) => Ok(pi.order_id),
        // Not an intent of this account: nothing of ours.
        Err(GatewayError::Stripe { status: 404, .. }) => Ok(None),
        Err(e) => Err(Failure(format!("retrieving {intent}: {e}"))),
    }
}

/// Steps 3 and 4: find the order, check its conference, apply the event.
async fn process(
    app: &AppState,
    conf: &ConferenceRef,
    event: &StripeEvent,
    data: &EventData,
    meta: &EventMeta,
) -> Result<Handled, Failure> {
    let ignored = Ok(Handled::Done(WebhookOutcome::Ignored));
    let Some(order) = order_of(app, data).await? else {
        return ignored;
    };
    let stream = order.to_string();
    let owner = app
        .bus
        .inspect::<Order, _>(&stream, |o| o.exists().then(|| o.conference_id()))
        .await?;
    match owner {
        Some(c) if c == conf.id => {}
        Some(_) => {
            return Ok(Handled::Refused(format!(
                "order {order} belongs to another conference"
            )));
        }
        None => {
            if let Some(c) = event.conference_id().filter(|c| *c != conf.id) {
                return Ok(Handled::Refused(format!("the event names conference {c}")));
            }
            tracing::warn!(event = %event.id, %order, "Stripe event for an unknown order");
            return ignored;
        }
    }
    let applied = match data {
        EventData::PaymentIntentSucceeded(pi) => payment_succeeded(app, &stream, pi, meta).await?,
        EventData::PaymentIntentPaymentFailed(pi) => settle(
            app.bus
                .send::<Order>(
                    &stream,
                    OrderCommand::RecordPaymentFailure {
                        payment_intent_id: pi.id.clone(),
                    },
                    meta,
                )
                .await,
            "record the payment failure",
        )?,
        EventData::ChargeRefunded(c) => charge_refunded(app, &stream, event, c, meta).await?,
        EventData::ChargeDisputeCreated(d) => dispute_created(app, &stream, d, meta).await?,
        _ => false,
    };
    Ok(Handled::Done(if applied {
        WebhookOutcome::Processed
    } else {
        WebhookOutcome::Ignored
    }))
}

/// The payment of a card intent: one per intent, whichever event reports it.
fn stripe_payment_id(payment_intent: &str) -> Uuid {
    natural_id("stripe-payment", payment_intent)
}

fn record_card_payment(
    payment_intent: &str,
    amount: Decimal,
    charge: Option<&str>,
) -> OrderCommand {
    OrderCommand::RecordPayment {
        payment_id: stripe_payment_id(payment_intent),
        method: PaymentMethod::Stripe,
        amount,
        stripe_payment_intent: Some(payment_intent.to_string()),
        credit_id: None,
        reference: charge.unwrap_or(payment_intent).to_string(),
        note: String::new(),
        by: None,
    }
}

/// PAY-45: the money arrived. Forward only: recorded once per intent; for an order
/// that no longer awaits payment it is recorded and flagged (AMB-6).
async fn payment_succeeded(
    app: &AppState,
    stream: &str,
    pi: &PaymentIntentObject,
    meta: &EventMeta,
) -> Result<bool, Failure> {
    let minor = if pi.amount_received > 0 {
        pi.amount_received
    } else {
        pi.amount
    };
    if !pi.currency.eq_ignore_ascii_case(&app.config.currency) {
        tracing::warn!(payment_intent = %pi.id, currency = %pi.currency, "card payment in another currency than the configured one");
    }
    let amount = from_minor_units(minor, &pi.currency);
    settle(
        app.bus
            .send::<Order>(
                stream,
                record_card_payment(&pi.id, amount, pi.latest_charge.as_deref()),
                meta,
            )
            .await,
        "record the card payment",
    )
}

/// PAY-47: Stripe refunded (part of) a charge. The payment comes first: a refund
/// reported before its payment's own event records that payment (the charge says
/// it was captured), so the order only moves forward whatever the order of
/// arrival. Then only what Stripe refunded beyond the refunds already recorded on
/// the intent moves the order.
async fn charge_refunded(
    app: &AppState,
    stream: &str,
    event: &StripeEvent,
    c: &ChargeObject,
    meta: &EventMeta,
) -> Result<bool, Failure> {
    let Some(intent) = c.payment_intent_id() else {
        return Ok(false); // AMB-31
    };
    settle(
        app.bus
            .send::<Order>(
                stream,
                record_card_payment(intent, c.amount_decimal(), Some(&c.id)),
                meta,
            )
            .await,
        "record the refunded card payment",
    )?;
    // The refund this event reports: the newest listed refund not yet recorded on
    // the order (else the event itself), so a refund is never taken for one
    // already counted.
    let recorded: Vec<String> = app
        .bus
        .inspect::<Order, _>(stream, |o| {
            o.refunds()
                .iter()
                .filter_map(|r| r.stripe_refund_id.clone())
                .collect()
        })
        .await?;
    let stripe_refund_id = c
        .refunds
        .iter()
        .filter(|r| !recorded.contains(&r.id))
        .enumerate()
        // Newest first; on a tie, the earlier listed (Stripe lists newest first).
        .max_by_key(|(i, r)| (r.created.unwrap_or(i64::MIN), std::cmp::Reverse(*i)))
        .map(|(_, r)| r.id.clone())
        .unwrap_or_else(|| event.id.clone());
    settle(
        app.bus
            .send::<Order>(
                stream,
                OrderCommand::RecordStripeRefund {
                    stripe_refund_id,
                    payment_intent_id: intent.to_string(),
                    amount_refunded: c.amount_refunded_decimal(),
                },
                meta,
            )
            .await,
        "record the Stripe refund",
    )
}

/// PAY-48: recorded once per dispute; nothing else changes.
async fn dispute_created(
    app: &AppState,
    stream: &str,
    d: &DisputeObject,
    meta: &EventMeta,
) -> Result<bool, Failure> {
    let Some(intent) = d.payment_intent_id() else {
        return Ok(false); // AMB-31
    };
    tracing::warn!(dispute = %d.id, payment_intent = %intent, reason = ?d.reason, "card payment disputed");
    settle(
        app.bus
            .send::<Order>(
                stream,
                OrderCommand::MarkDisputed {
                    dispute_id: d.id.clone(),
                    payment_intent_id: intent.to_string(),
                    amount: from_minor_units(d.amount, &d.currency),
                    reason: d.reason.clone().unwrap_or_default(),
                },
                meta,
            )
            .await,
        "record the dispute",
    )
}

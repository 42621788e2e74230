//! Card payments through Stripe: paying an order (PAY-4…9) and the webhook that
//! reports what happened to the money (PAY-40…48, PAY-53, AMB-6/31).
//!
//! **Paying.** `POST …/orders/{reference}/pay` opens (or reuses) a payment attempt
//! on the order, its idempotency key persisted by `StartPaymentAttempt` before
//! Stripe is called, then records the intent Stripe made (`RecordPaymentIntent`).
//! A retried call reuses the open attempt: the same intent and client secret when
//! it was recorded, else the same key, so Stripe answers with the intent it made the
//! first time. The order becomes paid only when the webhook reports the money.
//!
//! **The webhook.** `POST …/webhooks/stripe`, public and never feature-gated
//! (CONF-30): the signature is verified with every configured secret (rotation)
//! within the tolerance; a forged, stale or malformed delivery is answered 400 and
//! stores nothing. The verified event is handed to the webhook flow
//! (`crate::process::stripe_webhook`: deduplicated, applied to its order forward
//! only, recorded); 200 once processed, for a duplicate or for an event of another
//! conference (PAY-53), 500 when processing failed so Stripe delivers again.

use crate::refusal::Failure;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use rust_decimal::Decimal;
use serde::Serialize;
use tessera_projections::EventMeta;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::PUBLIC;
use crate::app::{AppState, ConferenceRef};
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{AuthUser, CommandMeta};
use crate::process::card_payment::{Payer, pay_by_card};
use crate::process::stripe_webhook::{self, Outcome, WebhookError};
use crate::stripe::webhook::{SIGNATURE_HEADER, payload_digest};
use crate::stripe::{StripeEvent, parse_event, verify_with_config};

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

fn bad_delivery(e: impl Failure) -> ApiError {
    tracing::warn!(code = e.code(), detail = %e, "Stripe webhook delivery refused");
    e.into()
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
    verify_with_config(&body, signature, &app.config.stripe, now).map_err(bad_delivery)?;
    let event = parse_event(&body).map_err(bad_delivery)?;
    let data = event.data().map_err(bad_delivery)?;
    // CONF-30: no feature gate; the conference must exist.
    let conf = app.conference(&slug).await?;
    let meta = webhook_meta(&conf, &event, &headers);
    let outcome = stripe_webhook::handle(
        app.flows(),
        conf.id,
        &event,
        &data,
        &payload_digest(&body),
        &meta,
    )
    .await
    .map_err(|e| match e {
        refused @ WebhookError::Delivery(_) => bad_delivery(refused),
        e => e.into(),
    })?;
    Ok(Json(WebhookAck {
        received: true,
        event_id: event.id.clone(),
        event_type: event.kind.clone(),
        outcome: match outcome {
            Outcome::Processed => WebhookOutcome::Processed,
            Outcome::Ignored => WebhookOutcome::Ignored,
            Outcome::Duplicate => WebhookOutcome::Duplicate,
            Outcome::Refused => WebhookOutcome::Refused,
        },
    }))
}

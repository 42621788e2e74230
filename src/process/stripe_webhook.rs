//! Stripe's webhook, once the delivery is verified (PAY-40…48, PAY-53, AMB-6/31):
//! what happened to the money, applied to the order forward only, with its
//! consequences in place before the answer.
//!
//! | Step | Command |
//! |---|---|
//! | 1. deduplicate | `Receive` on the event's `StripeEventRecord` stream: an event already processed (or refused by this endpoint) is a duplicate and changes nothing |
//! | 2. the order | the object's `metadata.order_id`, or for charges and disputes the metadata of their intent, read from Stripe; an order of another conference is `Refuse`d for this endpoint (PAY-53) |
//! | 3. applied | `payment_intent.succeeded` → `Order.RecordPayment { method: Stripe }` (money for an order that stopped awaiting payment is recorded and flagged, AMB-6); `payment_intent.payment_failed` → `RecordPaymentFailure`; `charge.refunded` → the payment (if its own event has not arrived yet) then `RecordStripeRefund` (AMB-31: a charge without intent matches nothing); `charge.dispute.created` → `MarkDisputed`; other kinds are stored and not processed (PAY-43) |
//! | 4. the Inventory | the sale of a paid order, the stock of a fully refunded one ([`super::sales`]) |
//! | 5. recorded | `MarkProcessed`; or, when the infrastructure failed (store, Stripe), `MarkFailed`, so Stripe delivers again and the event is processed then |
//!
//! Every step is idempotent, so reprocessing repeats only no-ops.

use rust_decimal::Decimal;
use tessera_aggregates::natural_id;
use tessera_aggregates::order::{Order, OrderCommand, OrderEvent, PaymentMethod};
use tessera_aggregates::stripe_event::{StripeEventCommand, StripeEventError, StripeEventRecord};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::bulk_purchases as bulk;
use super::{Context, donations, sales};
use crate::bus::BusError;
use crate::outcome::Decided;
use crate::refusal::Failure as _;
use crate::refusal::Kind;
use crate::stripe::amount::from_minor_units;
use crate::stripe::webhook::{
    ChargeObject, CheckoutSessionObject, DisputeObject, PaymentIntentObject,
};
use crate::stripe::{EventData, GatewayError, StripeEvent};
use tessera_aggregates::bulk_purchase::BulkPurchase;
use tessera_aggregates::fundraising::FundraisingCommand;

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
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

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The event record refused the delivery (400; nothing stored).
    #[error(transparent)]
    Delivery(StripeEventError),
    /// The store or Stripe failed: Stripe delivers again (500).
    #[error("{0}")]
    Store(String),
}

impl crate::refusal::Failure for WebhookError {
    fn code(&self) -> &'static str {
        match self {
            Self::Delivery(e) => e.code(),
            Self::Store(_) => "internal",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Delivery(_) => Kind::Invalid,
            Self::Store(_) => Kind::Internal,
        }
    }
}

/// Handles the verified `event` (its `data`) delivered to the endpoint of
/// `conference`; `payload_digest` identifies the delivery's body.
pub async fn handle(
    ctx: Context<'_>,
    conference: Uuid,
    event: &StripeEvent,
    data: &EventData,
    payload_digest: &str,
    meta: &EventMeta,
) -> Result<Outcome, WebhookError> {
    let record = tessera_aggregates::stripe_event::stream_id(&event.id).to_string();
    // 2. Deduplicate.
    let received = ctx
        .bus
        .send(
            &StripeEventRecord::stream(&record),
            StripeEventCommand::Receive {
                event_id: event.id.clone(),
                kind: event.kind.clone(),
                endpoint_conference_id: conference,
                order_id: event.order_id(),
                conference_id: event.conference_id(),
                payload_digest: payload_digest.to_string(),
            },
            meta,
        )
        .await;
    match received {
        Ok(_) => {}
        Err(BusError::Refused(e)) if e.is_duplicate() => {
            tracing::info!(event = %event.id, kind = %event.kind, "duplicate Stripe delivery");
            return Ok(Outcome::Duplicate);
        }
        Err(BusError::Refused(e)) => return Err(WebhookError::Delivery(e)),
        Err(e) => return Err(WebhookError::Store(e.to_string())),
    }

    // 3–5. Process, then record how it went.
    let bookkeeping = |outcome: Result<crate::bus::Sent, BusError<StripeEventError>>| {
        outcome.map(|_| ()).or_else(|e| match e {
            // Processed meanwhile by a concurrent delivery: nothing to add.
            BusError::Refused(StripeEventError::AlreadyProcessed) => Ok(()),
            e => Err(WebhookError::Store(e.to_string())),
        })
    };
    match process(ctx, conference, event, data, meta).await {
        Ok(Handled::Done(outcome)) => {
            bookkeeping(
                ctx.bus
                    .send(
                        &StripeEventRecord::stream(&record),
                        StripeEventCommand::MarkProcessed,
                        meta,
                    )
                    .await,
            )?;
            tracing::info!(event = %event.id, kind = %event.kind, ?outcome, "Stripe event processed");
            Ok(outcome)
        }
        Ok(Handled::Refused(reason)) => {
            tracing::warn!(event = %event.id, kind = %event.kind, %reason, "Stripe event refused for this conference");
            bookkeeping(
                ctx.bus
                    .send(
                        &StripeEventRecord::stream(&record),
                        StripeEventCommand::Refuse {
                            endpoint_conference_id: conference,
                            reason,
                        },
                        meta,
                    )
                    .await,
            )?;
            Ok(Outcome::Refused)
        }
        Err(Failure(error)) => {
            let marked = ctx
                .bus
                .send(
                    &StripeEventRecord::stream(&record),
                    StripeEventCommand::MarkFailed {
                        error: error.clone(),
                    },
                    meta,
                )
                .await;
            if let Err(e) = marked {
                tracing::error!(event = %event.id, error = %e, "could not record the failure of a Stripe event");
            }
            Err(WebhookError::Store(format!(
                "Stripe event {} ({}) failed: {error}",
                event.id, event.kind
            )))
        }
    }
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

/// A command on the order, then the Inventory step of what it decided (a sale, a
/// return), so the next request sees it.
async fn apply(
    ctx: Context<'_>,
    order: Uuid,
    conference: Uuid,
    command: OrderCommand,
    meta: &EventMeta,
    what: &str,
) -> Result<bool, Failure> {
    let decided: Result<Decided<OrderEvent>, _> = ctx
        .bus
        .send_decided(&Order::stream(order), command, meta)
        .await;
    let events = match &decided {
        Ok(d) => d.events.clone(),
        Err(_) => vec![],
    };
    let applied = settle(decided.map(|d| d.sent()), what)?;
    sales::follow_now(ctx.bus, order, conference, &events, meta).await;
    Ok(applied)
}

enum Handled {
    Done(Outcome),
    /// PAY-53: the reason.
    Refused(String),
}

/// The order the event is about, when it is one of ours.
async fn order_of(ctx: Context<'_>, data: &EventData) -> Result<Option<Uuid>, Failure> {
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
    let Some(gateway) = ctx.gateway else {
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
    ctx: Context<'_>,
    conference: Uuid,
    event: &StripeEvent,
    data: &EventData,
    meta: &EventMeta,
) -> Result<Handled, Failure> {
    let ignored = Ok(Handled::Done(Outcome::Ignored));
    // PAY-49/50, PAY-47 (SPONSOR-27): bulk purchases.
    // MY-29: donations paid through Checkout.
    match data {
        EventData::CheckoutSessionCompleted(s) | EventData::CheckoutSessionExpired(s)
            if metadata_uuid(&s.metadata, "donation_id").is_some() =>
        {
            let completed = matches!(data, EventData::CheckoutSessionCompleted(_));
            return donation_session(ctx, conference, completed, s, meta).await;
        }
        EventData::CheckoutSessionCompleted(s) => {
            return checkout_session(ctx, conference, true, s, meta).await;
        }
        EventData::CheckoutSessionExpired(s) => {
            return checkout_session(ctx, conference, false, s, meta).await;
        }
        EventData::ChargeRefunded(c) => match target_of_charge(ctx, c).await? {
            Some(ChargeTarget::Bulk(purchase)) => {
                return bulk_refunded(ctx, conference, purchase, c, meta).await;
            }
            Some(ChargeTarget::Donation(donation)) => {
                return donation_refunded(ctx, conference, donation, c, meta).await;
            }
            None => {}
        },
        _ => {}
    }
    let Some(order) = order_of(ctx, data).await? else {
        return ignored;
    };
    let stream = order.to_string();
    let owner = ctx
        .bus
        .inspect(&Order::stream(&stream), |o| {
            o.exists().then(|| o.conference_id)
        })
        .await?;
    match owner {
        Some(c) if c == conference => {}
        Some(_) => {
            return Ok(Handled::Refused(format!(
                "order {order} belongs to another conference"
            )));
        }
        None => {
            if let Some(c) = event.conference_id().filter(|c| *c != conference) {
                return Ok(Handled::Refused(format!("the event names conference {c}")));
            }
            tracing::warn!(event = %event.id, %order, "Stripe event for an unknown order");
            return ignored;
        }
    }
    let applied = match data {
        EventData::PaymentIntentSucceeded(pi) => {
            payment_succeeded(ctx, order, conference, pi, meta).await?
        }
        EventData::PaymentIntentPaymentFailed(pi) => settle(
            ctx.bus
                .send(
                    &Order::stream(&stream),
                    OrderCommand::RecordPaymentFailure {
                        payment_intent_id: pi.id.clone(),
                    },
                    meta,
                )
                .await,
            "record the payment failure",
        )?,
        EventData::ChargeRefunded(c) => {
            charge_refunded(ctx, order, conference, event, c, meta).await?
        }
        EventData::ChargeDisputeCreated(d) => dispute_created(ctx, &stream, d, meta).await?,
        _ => false,
    };
    Ok(Handled::Done(if applied {
        Outcome::Processed
    } else {
        Outcome::Ignored
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
    ctx: Context<'_>,
    order: Uuid,
    conference: Uuid,
    pi: &PaymentIntentObject,
    meta: &EventMeta,
) -> Result<bool, Failure> {
    let minor = if pi.amount_received > 0 {
        pi.amount_received
    } else {
        pi.amount
    };
    if !pi.currency.eq_ignore_ascii_case(&ctx.config.currency) {
        tracing::warn!(payment_intent = %pi.id, currency = %pi.currency, "card payment in another currency than the configured one");
    }
    let amount = from_minor_units(minor, &pi.currency);
    let command = record_card_payment(&pi.id, amount, pi.latest_charge.as_deref());
    apply(
        ctx,
        order,
        conference,
        command,
        meta,
        "record the card payment",
    )
    .await
}

/// PAY-47: Stripe refunded (part of) a charge. The payment comes first: a refund
/// reported before its payment's own event records that payment (the charge says
/// it was captured), so the order only moves forward whatever the order of
/// arrival. Then only what Stripe refunded beyond the refunds already recorded on
/// the intent moves the order.
async fn charge_refunded(
    ctx: Context<'_>,
    order: Uuid,
    conference: Uuid,
    event: &StripeEvent,
    c: &ChargeObject,
    meta: &EventMeta,
) -> Result<bool, Failure> {
    let Some(intent) = c.payment_intent_id() else {
        return Ok(false); // AMB-31
    };
    let command = record_card_payment(intent, c.amount_decimal(), Some(&c.id));
    apply(
        ctx,
        order,
        conference,
        command,
        meta,
        "record the refunded card payment",
    )
    .await?;
    let stream = Order::stream(order);
    // The refund this event reports: the newest listed refund not yet recorded on
    // the order (else the event itself), so a refund is never taken for one
    // already counted.
    let recorded: Vec<String> = ctx
        .bus
        .inspect(&stream, |o| {
            o.refunds
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
    let command = OrderCommand::RecordStripeRefund {
        stripe_refund_id,
        payment_intent_id: intent.to_string(),
        amount_refunded: c.amount_refunded_decimal(),
    };
    apply(
        ctx,
        order,
        conference,
        command,
        meta,
        "record the Stripe refund",
    )
    .await
}

/// PAY-48: recorded once per dispute; nothing else changes.
async fn dispute_created(
    ctx: Context<'_>,
    stream: &str,
    d: &DisputeObject,
    meta: &EventMeta,
) -> Result<bool, Failure> {
    let Some(intent) = d.payment_intent_id() else {
        return Ok(false); // AMB-31
    };
    tracing::warn!(dispute = %d.id, payment_intent = %intent, reason = ?d.reason, "card payment disputed");
    settle(
        ctx.bus
            .send(
                &Order::stream(stream),
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

fn metadata_uuid(metadata: &std::collections::BTreeMap<String, String>, key: &str) -> Option<Uuid> {
    metadata
        .get(key)
        .and_then(|s| Uuid::parse_str(s.trim()).ok())
}

/// The purchase a purchase's checkout, refund or failure concerns, when it is one
/// of ours: `Ok(None)` when it names nothing known, `Err` with the reason when it
/// is another conference's (PAY-53).
async fn bulk_purchase_of(
    ctx: Context<'_>,
    conference: Uuid,
    id: Uuid,
) -> Result<Result<Option<BulkView>, String>, Failure> {
    let found = ctx
        .bus
        .inspect(&BulkPurchase::stream(id), |p| {
            p.exists().then(|| BulkView {
                conference: p.conference_id(),
                session_id: p.session_id().map(str::to_string),
                payment_intent: p.payment_intent().map(str::to_string),
            })
        })
        .await?;
    Ok(match found {
        Some(p) if p.conference != conference => {
            Err(format!("bulk purchase {id} belongs to another conference"))
        }
        other => Ok(other),
    })
}

struct BulkView {
    conference: Uuid,
    session_id: Option<String>,
    payment_intent: Option<String>,
}

/// PAY-49 (completed) and PAY-50 (expired) for a bulk purchase's session.
async fn checkout_session(
    ctx: Context<'_>,
    conference: Uuid,
    completed: bool,
    s: &CheckoutSessionObject,
    meta: &EventMeta,
) -> Result<Handled, Failure> {
    let ignored = Ok(Handled::Done(Outcome::Ignored));
    // PAY-49: ignored unless the metadata names a bulk purchase.
    let Some(id) = metadata_uuid(&s.metadata, "bulk_purchase_id") else {
        return ignored;
    };
    let purchase = match bulk_purchase_of(ctx, conference, id).await? {
        Err(reason) => return Ok(Handled::Refused(reason)),
        Ok(None) => return ignored,
        Ok(Some(p)) => p,
    };
    // The purchase with that session id (PAY-49/50): another session is not its.
    if purchase.session_id.as_deref() != Some(s.id.as_str()) {
        return ignored;
    }
    if !completed {
        // PAY-50, SPONSOR-28 (a no-op unless pending or processing).
        return match bulk::mark_failed(
            &ctx,
            conference,
            id,
            "The checkout session expired.".into(),
            None,
            meta,
        )
        .await
        {
            Ok(_) => Ok(Handled::Done(Outcome::Processed)),
            Err(e) if e.is_refusal() => ignored,
            Err(e) => Err(Failure(e.to_string())),
        };
    }
    // PAY-49: deferred (processed, nothing done) until the money is in.
    if s.payment_status.as_deref() != Some("paid") {
        return ignored;
    }
    let intent = s.payment_intent.clone();
    match bulk::fulfil(
        &ctx,
        conference,
        id,
        bulk::FulfilledBy::Payment,
        intent.clone(),
        meta,
    )
    .await
    {
        Ok(_) => Ok(Handled::Done(Outcome::Processed)),
        // SPONSOR-26: a webhook-driven fulfilment that a rule refuses fails the
        // purchase (the payment intent is kept for the refund).
        Err(e) if e.is_refusal() => {
            tracing::warn!(purchase = %id, refusal = %e, "bulk purchase fulfilment failed");
            let marked = bulk::mark_failed(&ctx, conference, id, e.detail(), intent, meta).await;
            match marked {
                Ok(_) => Ok(Handled::Done(Outcome::Processed)),
                Err(e) if e.is_refusal() => ignored,
                Err(e) => Err(Failure(e.to_string())),
            }
        }
        Err(e) => Err(Failure(e.to_string())),
    }
}

/// What a refunded charge paid for, when not an order.
enum ChargeTarget {
    Bulk(Uuid),
    Donation(Uuid),
}

fn charge_target(metadata: &std::collections::BTreeMap<String, String>) -> Option<ChargeTarget> {
    metadata_uuid(metadata, "bulk_purchase_id")
        .map(ChargeTarget::Bulk)
        .or_else(|| metadata_uuid(metadata, "donation_id").map(ChargeTarget::Donation))
}

/// The bulk purchase or donation a refunded charge paid for: named by its
/// metadata, else by its intent's (Stripe does not copy an intent's metadata to
/// its charges).
async fn target_of_charge(
    ctx: Context<'_>,
    c: &ChargeObject,
) -> Result<Option<ChargeTarget>, Failure> {
    if let Some(target) = charge_target(&c.metadata) {
        return Ok(Some(target));
    }
    if c.order_id.is_some() {
        return Ok(None);
    }
    let (Some(intent), Some(gateway)) = (c.payment_intent_id(), ctx.gateway) else {
        return Ok(None);
    };
    match gateway.retrieve_payment_intent(intent).await {
        Ok(pi) => Ok(charge_target(&pi.metadata)),
        Err(GatewayError::Stripe { status: 404, .. }) => Ok(None),
        Err(e) => Err(Failure(format!("retrieving {intent}: {e}"))),
    }
}

/// The donation a session or charge names, checked to be of `conference`:
/// `Err` with the reason when it names another conference (PAY-53).
async fn donation_of(
    ctx: Context<'_>,
    conference: Uuid,
    id: Uuid,
    metadata: &std::collections::BTreeMap<String, String>,
) -> Result<Result<Option<donations::DonationView>, String>, Failure> {
    if let Some(c) = metadata_uuid(metadata, "conference_id").filter(|c| *c != conference) {
        return Ok(Err(format!("donation {id} belongs to conference {c}")));
    }
    donations::find(&ctx, conference, id)
        .await
        .map(Ok)
        .map_err(|e| Failure(e.to_string()))
}

/// A command on a donation from a webhook: a refusal is final (ignored), the
/// rest is retried.
async fn donation_step(
    ctx: Context<'_>,
    conference: Uuid,
    command: FundraisingCommand,
    meta: &EventMeta,
) -> Result<Handled, Failure> {
    match donations::send(&ctx, conference, command, meta).await {
        Ok(_) => Ok(Handled::Done(Outcome::Processed)),
        Err(e) if e.is_refusal() => {
            tracing::warn!(refusal = %e, "Stripe event refused by the donation");
            Ok(Handled::Done(Outcome::Ignored))
        }
        Err(e) => Err(Failure(e.to_string())),
    }
}

/// MY-29: a donation's session was paid (it counts from now on) or expired (it
/// never will).
async fn donation_session(
    ctx: Context<'_>,
    conference: Uuid,
    completed: bool,
    s: &CheckoutSessionObject,
    meta: &EventMeta,
) -> Result<Handled, Failure> {
    let ignored = Ok(Handled::Done(Outcome::Ignored));
    let Some(id) = metadata_uuid(&s.metadata, "donation_id") else {
        return ignored;
    };
    let donation = match donation_of(ctx, conference, id, &s.metadata).await? {
        Err(reason) => return Ok(Handled::Refused(reason)),
        Ok(None) => return ignored,
        Ok(Some(d)) => d,
    };
    // Another session is not its.
    if donation
        .session_id
        .as_deref()
        .is_some_and(|held| held != s.id)
    {
        return ignored;
    }
    if !completed {
        return donation_step(
            ctx,
            conference,
            FundraisingCommand::FailDonationCheckout {
                id,
                reason: "The checkout session expired.".into(),
            },
            meta,
        )
        .await;
    }
    // Deferred (processed, nothing done) until the money is in.
    if s.payment_status.as_deref() != Some("paid") {
        return ignored;
    }
    donation_step(
        ctx,
        conference,
        FundraisingCommand::CompleteDonationCheckout {
            id,
            session_id: s.id.clone(),
            payment_intent: s.payment_intent.clone(),
        },
        meta,
    )
    .await
}

/// PAY-47 for a donation: a full refund of its intent refunds it; a partial
/// refund changes nothing.
async fn donation_refunded(
    ctx: Context<'_>,
    conference: Uuid,
    id: Uuid,
    c: &ChargeObject,
    meta: &EventMeta,
) -> Result<Handled, Failure> {
    let ignored = Ok(Handled::Done(Outcome::Ignored));
    let donation = match donation_of(ctx, conference, id, &c.metadata).await? {
        Err(reason) => return Ok(Handled::Refused(reason)),
        Ok(None) => return ignored,
        Ok(Some(d)) => d,
    };
    // AMB-31: the donation holding that intent id.
    if c.payment_intent_id().is_none()
        || donation.payment_intent.as_deref() != c.payment_intent_id()
    {
        return ignored;
    }
    if !c.is_full_refund() {
        return ignored;
    }
    donation_step(
        ctx,
        conference,
        FundraisingCommand::RefundDonation { id },
        meta,
    )
    .await
}

/// PAY-47, SPONSOR-27: a full refund of the purchase's intent refunds the purchase
/// and deactivates its vouchers; a partial refund changes nothing.
async fn bulk_refunded(
    ctx: Context<'_>,
    conference: Uuid,
    id: Uuid,
    c: &ChargeObject,
    meta: &EventMeta,
) -> Result<Handled, Failure> {
    let ignored = Ok(Handled::Done(Outcome::Ignored));
    let purchase = match bulk_purchase_of(ctx, conference, id).await? {
        Err(reason) => return Ok(Handled::Refused(reason)),
        Ok(None) => return ignored,
        Ok(Some(p)) => p,
    };
    // AMB-31: the purchase holding that intent id.
    if c.payment_intent_id().is_none()
        || purchase.payment_intent.as_deref() != c.payment_intent_id()
    {
        return ignored;
    }
    if !c.is_full_refund() {
        return ignored;
    }
    match bulk::refund(&ctx, conference, id, false, meta).await {
        Ok(_) => Ok(Handled::Done(Outcome::Processed)),
        Err(e) if e.is_refusal() => ignored,
        Err(e) => Err(Failure(e.to_string())),
    }
}

//! Paying an order by card (PAY-4…11): the owner gets the client secret of the
//! order's PaymentIntent. The order becomes paid only when the webhook reports the
//! money ([`super::stripe_webhook`]).
//!
//! | Step | Command or call | Why first |
//! |---|---|---|
//! | 1 | `Order.StartPaymentAttempt` (unless an attempt for the balance is open) | its Stripe idempotency key is persisted before Stripe is called |
//! | 2 | the user's Stripe customer of the conference: reused, else created in Stripe and `StripeCustomer.Record`ed (PAY-5/11) | the intent carries it |
//! | 3 | Stripe creates the intent with the attempt's key | a retry gets the same intent |
//! | 4 | `Order.RecordPaymentIntent` | the next call answers from it |
//!
//! A retried call reuses the open attempt: the same intent and client secret when
//! it was recorded, else the same key, so Stripe answers with the intent it made
//! the first time. On a Stripe failure the attempt stays open with its key.

use rust_decimal::Decimal;
use tessera_aggregates::conference::{Conference, ConferenceError};
use tessera_aggregates::natural_id;
use tessera_aggregates::order::{
    Order, OrderCommand, OrderError, OrderEvent, OrderStatus, PaymentAttempt, is_valid_reference,
};
use tessera_aggregates::stripe_customer::{
    self, StripeCustomer, StripeCustomerCommand, StripeCustomerError, StripeCustomerEvent,
};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::Context;
use crate::bus::BusError;
use crate::ids::order_id;
use crate::refusal::{Failure, Kind};
use crate::stripe::{
    CustomerRequest, GatewayError, PaymentIntentRequest, customer_idempotency_key,
    intent_idempotency_key,
};

/// Who pays: the signed-in owner of the order.
#[derive(Debug, Clone)]
pub struct Payer {
    pub user: Uuid,
    pub email: String,
    pub name: String,
}

/// The intent the payer confirms with Stripe.js (PAY-7).
#[derive(Debug, Clone)]
pub struct PaymentStarted {
    pub client_secret: String,
    pub payment_intent_id: String,
    /// The order's balance when the attempt started.
    pub amount: Decimal,
    /// None when nothing changed (answered from the open attempt).
    pub position: Option<i64>,
}

/// Why no intent was handed out.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// ORDER-24: not an order of this conference, or not the payer's.
    #[error("Order not found.")]
    OrderNotFound,
    #[error(transparent)]
    Order(BusError<OrderError>),
    #[error(transparent)]
    Conference(BusError<ConferenceError>),
    #[error(transparent)]
    Customer(BusError<StripeCustomerError>),
    #[error(transparent)]
    Gateway(GatewayError),
    #[error("card payment: {0}")]
    Internal(String),
}

impl Failure for PayError {
    fn code(&self) -> &'static str {
        match self {
            Self::OrderNotFound => "not_found",
            Self::Order(e) => e.code(),
            Self::Conference(e) => e.code(),
            Self::Customer(e) => e.code(),
            Self::Gateway(e) => e.code(),
            Self::Internal(_) => "internal",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::OrderNotFound => Kind::NotFound,
            Self::Order(e) => e.kind(),
            Self::Conference(e) => e.kind(),
            Self::Customer(e) => e.kind(),
            Self::Gateway(e) => e.kind(),
            Self::Internal(_) => Kind::Internal,
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Order(e) => Some(e),
            Self::Conference(e) => Some(e),
            Self::Customer(e) => Some(e),
            Self::Gateway(e) => Some(e),
            _ => None,
        }
    }
}

/// An attempt as paying needs it.
#[derive(Clone)]
struct Attempt {
    attempt_id: Uuid,
    idempotency_key: String,
    amount: Decimal,
    /// The recorded intent and its client secret.
    intent: Option<(String, String)>,
}

fn attempt_of(o: &Order, a: &PaymentAttempt) -> Attempt {
    Attempt {
        attempt_id: a.attempt_id,
        idempotency_key: a.idempotency_key.clone(),
        amount: a.amount,
        intent: a
            .payment_intent_id
            .clone()
            .zip(o.client_secret(a.attempt_id).map(str::to_string))
            .filter(|(id, secret)| !id.is_empty() && !secret.is_empty()),
    }
}

/// The id of the `n`-th payment attempt of an order: the same on every retry, so
/// two concurrent calls open one attempt.
fn attempt_id(reference: &str, n: u32) -> Uuid {
    natural_id("payment-attempt", &format!("{reference}#{n}"))
}

/// Pays order `reference` of the conference by card (see the module table).
pub async fn pay_by_card(
    ctx: Context<'_>,
    conference: Uuid,
    conference_slug: &str,
    reference: &str,
    payer: &Payer,
    meta: &EventMeta,
) -> Result<PaymentStarted, PayError> {
    let order = order_id(reference);
    let stream = order.to_string();
    let facts = if is_valid_reference(reference) {
        ctx.bus
            .inspect(&Order::stream(&stream), |o| {
                (o.exists() && o.conference_id == conference).then(|| {
                    (
                        o.user,
                        o.status,
                        o.balance,
                        o.open_attempt().map(|a| attempt_of(o, a)),
                        o.attempts.len(),
                    )
                })
            })
            .await
            .map_err(PayError::Order)?
    } else {
        None
    };
    // Only the owner pays; anyone else is told the order does not exist (ORDER-24).
    let (status, balance, open, attempts) = match facts {
        Some((user, status, balance, open, attempts)) if user == payer.user => {
            (status, balance, open, attempts)
        }
        _ => return Err(PayError::OrderNotFound),
    };
    let gateway = ctx
        .gateway
        .ok_or(PayError::Gateway(GatewayError::NotConfigured))?;
    if status != OrderStatus::Pending {
        return Err(PayError::Order(BusError::Refused(
            OrderError::PaymentNotInitiable,
        )));
    }
    if balance <= Decimal::ZERO {
        return Err(PayError::Order(BusError::Refused(OrderError::AlreadyPaid)));
    }

    // The open attempt, unless the balance moved since it started (another payment
    // came in): then a new attempt charges what is left.
    let attempt = match open.filter(|a| a.amount == balance) {
        Some(open) => open,
        None => {
            let n = u32::try_from(attempts + 1).unwrap_or(u32::MAX);
            let id = attempt_id(reference, n);
            let started = ctx
                .bus
                .send_decided(
                    &Order::stream(&stream),
                    OrderCommand::StartPaymentAttempt {
                        attempt_id: id,
                        idempotency_key: intent_idempotency_key(reference, n),
                        amount: balance,
                    },
                    meta,
                )
                .await
                .map_err(PayError::Order)?;
            let opened = started.events.into_iter().find_map(|e| match e {
                OrderEvent::PaymentAttemptStarted {
                    attempt_id,
                    idempotency_key,
                    amount,
                    ..
                } => Some(Attempt {
                    attempt_id,
                    idempotency_key,
                    amount,
                    intent: None,
                }),
                _ => None,
            });
            match opened {
                Some(attempt) => attempt,
                // A concurrent call opened (and may even have completed) the same
                // attempt: what the order holds is what counts.
                None => ctx
                    .bus
                    .inspect(&Order::stream(&stream), |o| {
                        o.attempt(id).map(|a| attempt_of(o, a))
                    })
                    .await
                    .map_err(PayError::Order)?
                    .ok_or_else(|| PayError::Internal(format!("attempt {id} vanished")))?,
            }
        }
    };
    if let Some((payment_intent_id, client_secret)) = attempt.intent {
        return Ok(PaymentStarted {
            client_secret,
            payment_intent_id,
            amount: attempt.amount,
            position: None,
        });
    }

    let conference_name = ctx
        .bus
        .inspect(&Conference::stream(conference), |c| {
            c.details().name.clone()
        })
        .await
        .map_err(PayError::Conference)?;
    let customer = stripe_customer(ctx, conference, conference_slug, payer, meta).await?;
    let request = PaymentIntentRequest {
        amount: attempt.amount,
        currency: ctx.config.currency.clone(),
        order_id: order,
        conference_id: conference,
        reference: reference.to_string(),
        description: Some(format!("Order {reference} for {conference_name}")),
        customer: Some(customer),
        idempotency_key: attempt.idempotency_key.clone(),
    };
    // On failure the attempt stays open with its key: the next call asks Stripe
    // again with the same key, so an intent made despite the error is found.
    let intent = gateway
        .create_payment_intent(&request)
        .await
        .map_err(PayError::Gateway)?;
    let client_secret = intent.client_secret.clone().unwrap_or_default();
    let sent = ctx
        .bus
        .send(
            &Order::stream(&stream),
            OrderCommand::RecordPaymentIntent {
                attempt_id: attempt.attempt_id,
                payment_intent_id: intent.id.clone(),
                client_secret: client_secret.clone(),
            },
            meta,
        )
        .await
        .map_err(PayError::Order)?;
    tracing::info!(order = %reference, payment_intent = %intent.id, amount = %attempt.amount, "payment intent ready");
    Ok(PaymentStarted {
        client_secret,
        payment_intent_id: intent.id,
        amount: attempt.amount,
        position: sent.position,
    })
}

/// PAY-5/11: the user's Stripe customer id in the conference, created when there
/// is none (email, full name, metadata `user_id` and `conference_slug`; key
/// `customer-<conference id>-<user id>`). Two concurrent first payments send the
/// same key, so Stripe makes one customer; whatever the stream stored first is
/// what every caller uses.
async fn stripe_customer(
    ctx: Context<'_>,
    conference: Uuid,
    conference_slug: &str,
    payer: &Payer,
    meta: &EventMeta,
) -> Result<String, PayError> {
    let stream = StripeCustomer::stream(stripe_customer::stream_id(conference, payer.user));
    let stored = || async {
        ctx.bus
            .inspect(&stream, |c| c.stripe_customer_id().map(str::to_string))
            .await
            .map_err(PayError::Customer)
    };
    if let Some(id) = stored().await? {
        return Ok(id);
    }
    let gateway = ctx
        .gateway
        .ok_or(PayError::Gateway(GatewayError::NotConfigured))?;
    let request = CustomerRequest {
        email: payer.email.clone(),
        name: payer.name.clone(),
        user_id: payer.user,
        conference_slug: conference_slug.to_string(),
        idempotency_key: customer_idempotency_key(conference, payer.user),
    };
    let customer = gateway
        .create_customer(&request)
        .await
        .map_err(PayError::Gateway)?;
    let recorded = ctx
        .bus
        .send_decided(
            &stream,
            StripeCustomerCommand::Record {
                conference_id: conference,
                user: payer.user,
                stripe_customer_id: customer.id.clone(),
            },
            meta,
        )
        .await
        .map_err(PayError::Customer)?;
    if let Some(StripeCustomerEvent::StripeCustomerRecorded {
        stripe_customer_id, ..
    }) = recorded.events.into_iter().next()
    {
        return Ok(stripe_customer_id);
    }
    // PAY-11: a concurrent creation stored another one first: it wins.
    let id = stored()
        .await?
        .ok_or_else(|| PayError::Internal(format!("Stripe customer {} vanished", customer.id)))?;
    if id != customer.id {
        tracing::warn!(stored = %id, created = %customer.id, "a second Stripe customer was created for one user; using the stored one");
    }
    Ok(id)
}

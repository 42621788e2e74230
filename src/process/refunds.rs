//! Refunds to the card (PAY-25…29 with AMB-9/10), crash-safe and exactly once.
//!
//! A refund to the card is four steps, each recorded before the next:
//!
//! 1. `Order.Refund` records the refund with the Stripe idempotency key of its one
//!    Stripe call ([`card_refund_idempotency_key`], from the refund id);
//! 2. the Stripe call, with that key;
//! 3. its outcome on the order: `Order.RecordCardRefund` (the Stripe refund id) or,
//!    when Stripe refused it, `Order.RecordRefundFailure` (the refund is void);
//! 4. the non-spendable credit note (AMB-9), id [`refund_credit_id`].
//!
//! The refund endpoint runs all four at once, so its answer says what happened.
//! The process managers finish whatever a crash left undone: on `OrderRefunded`
//! to the card they make the Stripe call of a refund still without an outcome
//! (same key: Stripe answers with the refund it already made, never a second one)
//! and record it; on `CardRefundSucceeded` they issue the credit note (a no-op when
//! the endpoint did). Delivery is at-least-once and every step is idempotent by
//! refund id, so a redelivery after success changes nothing.
//!
//! The endpoint and the process managers never race in one process: the endpoint
//! claims the refund id ([`InFlight`]) before recording it, and the process
//! managers wait for the claim to go before they look at the refund. A crash ends
//! both, and the restarted process managers resume from their checkpoint, which
//! never moved past a refund they had not finished.
//!
//! A Stripe failure never loses a refund and never pays it twice: a refusal voids
//! it (Stripe stored the refusal under the key, so it cannot pay it later); a
//! failure whose outcome is unknown (no answer, 5xx, 409/429 after retries, a key
//! conflict) leaves it pending, and the process managers retry it with the same
//! key until Stripe answers. Meanwhile the order shows it `pending`. A process
//! without Stripe configured leaves a pending refund pending (logged): it cannot
//! tell whether a process with Stripe made the call before it died.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use rust_decimal::Decimal;
use tessera_aggregates::Timestamp;
use tessera_aggregates::credit::{Credit, CreditCommand, CreditSource, IssuedCredit};
use tessera_aggregates::order::{Order, OrderCommand, RefundReason, RefundTo};
use tessera_projections::EventMeta;
use tokio::sync::Notify;
use uuid::Uuid;

use super::FaultPoint;
use crate::bus::{BusError, CommandBus, Sent};
use crate::stripe::{GatewayError, RefundRequest, SharedGateway};

pub use tessera_aggregates::order::card_refund_idempotency_key;

/// The credit (store credit or credit note) a refund issues: one per refund, the same
/// id on every delivery.
pub fn refund_credit_id(refund_id: Uuid) -> Uuid {
    tessera_aggregates::natural_id("refund-credit", &refund_id.to_string())
}

/// The points between a card refund's steps where a test can inject a crash
/// ([`super::Faults`]): nothing after the point runs, as if the process died there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStep {
    /// The refund is recorded on the order; Stripe was not called.
    AfterRecord = 11,
    /// Stripe made the refund; its outcome is not recorded.
    AfterStripe = 12,
    /// The outcome is recorded; no credit note yet.
    AfterOutcome = 13,
}

impl FaultPoint for RefundStep {
    fn code(self) -> u8 {
        self as u8
    }
}

/// Refund ids whose card refund the refund endpoint of this process is running.
#[derive(Debug, Default)]
pub struct InFlight {
    ids: Mutex<HashSet<Uuid>>,
    released: Notify,
}

/// Holds a claim; dropping it (answer, error or cancelled request) releases it.
#[must_use]
pub struct Claim {
    owner: Arc<InFlight>,
    refund_id: Uuid,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.owner.lock().remove(&self.refund_id);
        self.owner.released.notify_waiters();
    }
}

impl InFlight {
    fn lock(&self) -> MutexGuard<'_, HashSet<Uuid>> {
        self.ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Claims `refund_id` for the caller until the claim is dropped. Claims of one
    /// id nest (a retried request): the first drop releases it.
    pub fn claim(self: &Arc<Self>, refund_id: Uuid) -> Claim {
        self.lock().insert(refund_id);
        Claim {
            owner: self.clone(),
            refund_id,
        }
    }

    /// Waits until no request of this process claims `refund_id`.
    pub async fn wait_released(&self, refund_id: Uuid) {
        loop {
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if !self.lock().contains(&refund_id) {
                return;
            }
            released.await;
        }
    }
}

/// Where a card refund stands on its order.
#[derive(Debug, Clone)]
pub enum CardRefundState {
    /// Recorded, its Stripe call has no outcome yet: `CardRefund` says what to ask.
    AwaitsStripe(CardRefund),
    /// Stripe made it (`stripe_refund_id`).
    Made {
        amount: Decimal,
        user: Uuid,
        conference_id: Uuid,
    },
    /// Stripe refused it: void.
    Failed,
    /// Nothing for these steps: not a card refund, or a card refund recorded
    /// before keys were persisted (its Stripe call was made then, never again).
    NotOurs,
}

/// What the Stripe call of a card refund needs (PAY-27).
#[derive(Debug, Clone)]
pub struct CardRefund {
    pub order_id: Uuid,
    pub order_reference: String,
    pub conference_id: Uuid,
    pub user: Uuid,
    pub refund_id: Uuid,
    pub amount: Decimal,
    pub reason: RefundReason,
    /// The intent of the order's first succeeded Stripe payment.
    pub payment_intent: String,
    /// Persisted with the refund (see [`card_refund_idempotency_key`]).
    pub idempotency_key: String,
}

/// Reads the refund `refund_id` of order `order_id`; None when either is missing.
pub async fn card_refund_state(
    bus: &CommandBus,
    order_id: Uuid,
    refund_id: Uuid,
) -> Result<Option<CardRefundState>, BusError<tessera_aggregates::order::OrderError>> {
    bus.inspect(&Order::stream(order_id), |o| {
        let r = o.refund(refund_id).filter(|_| o.exists())?;
        Some(
            match (&r.stripe_idempotency_key, &r.stripe_payment_intent) {
                _ if r.to != RefundTo::Card => CardRefundState::NotOurs,
                _ if r.failed => CardRefundState::Failed,
                _ if r.stripe_refund_id.is_some() => CardRefundState::Made {
                    amount: r.amount,
                    user: o.user,
                    conference_id: o.conference_id,
                },
                (Some(key), Some(intent)) => CardRefundState::AwaitsStripe(CardRefund {
                    order_id,
                    order_reference: o.reference.to_string(),
                    conference_id: o.conference_id,
                    user: o.user,
                    refund_id,
                    amount: r.amount,
                    reason: r.reason,
                    payment_intent: intent.clone(),
                    idempotency_key: key.clone(),
                }),
                _ => CardRefundState::NotOurs,
            },
        )
    })
    .await
}

/// How a Stripe call ended, for the refund.
#[derive(Debug)]
pub enum StripeOutcome {
    /// The refund is made: the Stripe refund id.
    Made(String),
    /// Stripe refused it: nothing was refunded, nor ever will be under this key.
    Refused(GatewayError),
    /// Stripe may or may not have made it: retry later with the same key.
    Unknown(GatewayError),
}

/// Whether a failure proves that no money moved under the key: Stripe stores a
/// refusal under the key and answers it again, so the refund can be voided. An
/// unknown outcome, a throttled or concurrent request (429/409) and a key used with
/// other parameters prove nothing.
pub fn proves_no_refund(e: &GatewayError) -> bool {
    !e.is_retryable() && !matches!(e, GatewayError::IdempotencyConflict(_))
}

/// The Stripe call of `refund` (PAY-27: the intent, the amount converted by PAY-9,
/// the reason), with its persisted key; retried with the same key a few times while
/// the outcome is unknown. The key makes every call of one refund one Stripe refund.
pub async fn call_stripe(
    gateway: &SharedGateway,
    currency: &str,
    refund: &CardRefund,
) -> StripeOutcome {
    use crate::stripe::RefundReason as StripeReason;

    let reason = match refund.reason {
        RefundReason::RequestedByCustomer => StripeReason::RequestedByCustomer,
        RefundReason::Duplicate => StripeReason::Duplicate,
        RefundReason::Fraudulent => StripeReason::Fraudulent,
    };
    let request = RefundRequest {
        payment_intent: refund.payment_intent.clone(),
        amount: refund.amount,
        currency: currency.to_string(),
        reason,
        idempotency_key: refund.idempotency_key.clone(),
    };
    const ATTEMPTS: u32 = 3;
    let mut attempt = 1;
    loop {
        match gateway.create_refund(&request).await {
            Ok(done) => {
                tracing::info!(
                    refund_id = %refund.refund_id,
                    order_id = %refund.order_id,
                    order = %refund.order_reference,
                    stripe_refund = %done.id,
                    amount = %refund.amount,
                    "refunded to the card"
                );
                return StripeOutcome::Made(done.id);
            }
            Err(e) if e.is_retryable() && attempt < ATTEMPTS => {
                tracing::warn!(refund_id = %refund.refund_id, attempt, error = %e, "card refund: retrying with the same key");
                tokio::time::sleep(std::time::Duration::from_millis(200 * u64::from(attempt)))
                    .await;
                attempt += 1;
            }
            Err(e) if proves_no_refund(&e) => return StripeOutcome::Refused(e),
            Err(e) => {
                tracing::warn!(refund_id = %refund.refund_id, error = %e, "card refund: outcome unknown; left pending for the process managers");
                return StripeOutcome::Unknown(e);
            }
        }
    }
}

/// Step 3 after a success: the Stripe refund id on the order (once per refund).
pub async fn record_made(
    bus: &CommandBus,
    refund: &CardRefund,
    stripe_refund_id: String,
    meta: &EventMeta,
) -> Result<Sent, BusError<tessera_aggregates::order::OrderError>> {
    bus.send(
        &Order::stream(refund.order_id),
        OrderCommand::RecordCardRefund {
            refund_id: refund.refund_id,
            stripe_refund_id,
        },
        meta,
    )
    .await
}

/// Step 3 after a refusal: the refund is void (once per refund).
pub async fn record_refused(
    bus: &CommandBus,
    order_id: Uuid,
    refund_id: Uuid,
    reason: &str,
    meta: &EventMeta,
) -> Result<Sent, BusError<tessera_aggregates::order::OrderError>> {
    bus.send(
        &Order::stream(order_id),
        OrderCommand::RecordRefundFailure {
            refund_id,
            reason: reason.to_string(),
        },
        meta,
    )
    .await
}

/// The non-spendable credit note of a refund Stripe made (AMB-9), under an id
/// drawn from the refund, so issuing it again is a no-op.
pub fn credit_note(
    order_id: Uuid,
    refund_id: Uuid,
    conference_id: Uuid,
    user: Uuid,
    amount: Decimal,
    at: Timestamp,
) -> IssuedCredit {
    IssuedCredit {
        credit_id: refund_credit_id(refund_id),
        conference_id,
        user,
        amount,
        spendable: false,
        source: CreditSource::Refund {
            order_id,
            refund_id,
        },
        at,
    }
}

/// Step 4: issue the refund's [`credit_note`].
pub async fn issue_credit_note(
    bus: &CommandBus,
    note: IssuedCredit,
    meta: &EventMeta,
) -> Result<Sent, BusError<tessera_aggregates::credit::CreditError>> {
    bus.send(
        &Credit::stream(note.credit_id),
        CreditCommand::Issue(note),
        meta,
    )
    .await
}

//! A refund of a paid order, never beyond what was paid (PAY-25…29, AMB-9/10): to
//! store credit (a spendable credit, no money moves) or to the card (Stripe,
//! recorded by a non-spendable credit note). The order decides it before any money
//! moves; its consequences are in place before the answer.
//!
//! | Step | To credit | To card ([`super::refunds`]) |
//! |---|---|---|
//! | 1 | `Order.Refund` | `Order.Refund` with the key of its one Stripe call (claimed first: the process managers of this process wait) |
//! | 2 | `Credit.Issue { spendable: true }` (AMB-9) | the Stripe call, then `Order.RecordCardRefund`, or `RecordRefundFailure` when refused (void) |
//! | 3 | refunded in full: `Inventory.ReturnSale` (CAT-3) | `Credit.Issue { spendable: false }`, the credit note |
//! | 4 | — | refunded in full: `Inventory.ReturnSale` |
//!
//! Every step is keyed by the refund id (the credit is [`refund_credit_id`] of
//! it), so a retried request and the process managers, which finish whatever a
//! crash left undone, only repeat no-ops. An unknown Stripe outcome leaves the
//! refund pending for them; they retry it with the same key.

use rust_decimal::Decimal;
use tessera_aggregates::credit::{Credit, CreditCommand, CreditError, CreditSource, IssuedCredit};
use tessera_aggregates::order::{
    Order, OrderCommand, OrderError, OrderEvent, OrderStatus, RefundReason, RefundTo,
};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::refunds::{self, CardRefund, CardRefundState, InFlight, RefundStep, StripeOutcome};
use super::{Context, InjectedCrash, sales};
use crate::bus::BusError;
use crate::refusal::{Failure, Kind};
use crate::stripe::GatewayError;

pub use super::refunds::refund_credit_id;

/// The order refunded, as the caller found it.
#[derive(Debug, Clone)]
pub struct Refundable {
    pub order_id: Uuid,
    pub reference: String,
    pub conference: Uuid,
    pub user: Uuid,
    pub status: OrderStatus,
}

/// What is asked.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    pub refund_id: Uuid,
    pub amount: Decimal,
    pub to: RefundTo,
    pub reason: RefundReason,
    pub by: Option<Uuid>,
}

/// What the refund came to.
#[derive(Debug, Clone, Copy)]
pub struct Refunded {
    /// The store credit (to credit) or the credit note (to card).
    pub credit_id: Uuid,
    /// The order's status after the refund (PAY-29 with AMB-10).
    pub status: OrderStatus,
    pub position: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error(transparent)]
    Order(BusError<OrderError>),
    #[error(transparent)]
    Credit(BusError<CreditError>),
    #[error(transparent)]
    Gateway(GatewayError),
    #[error("This refund to the card failed and was voided; nothing was refunded.")]
    Voided,
    #[error("Refunds to the card are not available right now; refund to store credit instead.")]
    StripeUnavailable,
    #[error("refund {0} vanished from its order")]
    Vanished(Uuid),
    #[error(transparent)]
    Crash(#[from] InjectedCrash),
}

impl Failure for RefundError {
    fn code(&self) -> &'static str {
        match self {
            Self::Order(e) => e.code(),
            Self::Credit(e) => e.code(),
            Self::Gateway(e) => e.code(),
            Self::Voided => "payments.card_refund_voided",
            Self::StripeUnavailable => "payments.stripe_unavailable",
            Self::Vanished(_) => "internal",
            Self::Crash(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Order(e) => e.kind(),
            Self::Credit(e) => e.kind(),
            Self::Gateway(e) => e.kind(),
            Self::Voided => Kind::Conflict,
            Self::StripeUnavailable => Kind::Unavailable,
            Self::Vanished(_) => Kind::Internal,
            Self::Crash(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Order(e) => Some(e),
            Self::Credit(e) => Some(e),
            Self::Gateway(e) => Some(e),
            _ => None,
        }
    }
}

/// Refunds `order` as `ask` says (see the module table).
pub async fn refund(
    ctx: Context<'_>,
    in_flight: &std::sync::Arc<InFlight>,
    order: Refundable,
    ask: Ask,
    meta: &EventMeta,
) -> Result<Refunded, RefundError> {
    // A card refund is claimed before it is recorded: the process managers of this
    // process wait for this request instead of making the same Stripe call.
    let _claim = (ask.to == RefundTo::Card).then(|| in_flight.claim(ask.refund_id));
    let decided = ctx
        .bus
        .send_decided(
            &Order::stream(order.order_id),
            OrderCommand::Refund {
                refund_id: ask.refund_id,
                amount: ask.amount,
                to: ask.to,
                reason: ask.reason,
                by: ask.by,
            },
            meta,
        )
        .await
        .map_err(RefundError::Order)?;
    // A retried request decides nothing: the order as found already has it.
    let status = decided
        .events
        .iter()
        .find_map(|e| match e {
            OrderEvent::OrderRefunded { status, .. } => Some(*status),
            _ => None,
        })
        .unwrap_or(order.status);
    let credit_id = refund_credit_id(ask.refund_id);
    let mut position = decided.position;
    let mut note = |p: Option<i64>| position = p.or(position);
    match ask.to {
        RefundTo::Credit => {
            let issued = ctx
                .bus
                .send(
                    &Credit::stream(credit_id),
                    CreditCommand::Issue(IssuedCredit {
                        credit_id,
                        conference_id: order.conference,
                        user: order.user,
                        amount: ask.amount,
                        spendable: true,
                        source: CreditSource::Refund {
                            order_id: order.order_id,
                            refund_id: ask.refund_id,
                        },
                        at: ctx.now(),
                    }),
                    meta,
                )
                .await;
            match issued {
                Ok(sent) => note(sent.position),
                // The process managers issue it from `OrderRefunded`.
                Err(e) => {
                    tracing::warn!(refund_id = %ask.refund_id, error = %e, "store credit left to the process managers")
                }
            }
            note(
                sales::follow_now(
                    ctx.bus,
                    order.order_id,
                    order.conference,
                    &decided.events,
                    meta,
                )
                .await,
            );
        }
        RefundTo::Card => {
            let recorded = decided
                .events
                .iter()
                .find_map(|e| recorded_card_refund(&order, e));
            note(card(ctx, order.order_id, ask.refund_id, recorded, meta).await?);
            if status == OrderStatus::Refunded {
                // CAT-3: the money is confirmed gone; the stock comes back.
                match sales::return_sale(ctx.bus, order.order_id, order.conference, meta).await {
                    Ok(sent) => note(sent.position),
                    Err(e) => {
                        tracing::warn!(order_id = %order.order_id, error = %e, "inventory step left to the process managers")
                    }
                }
            }
        }
    }
    Ok(Refunded {
        credit_id,
        status,
        position,
    })
}

/// Steps 2…4 of a refund to the card ([`super::refunds`]), right after it was
/// recorded: the Stripe call with the refund's persisted key, its outcome on the
/// order, and on success the credit note (AMB-9). A refusal voids the refund; an
/// unknown outcome leaves it pending for the process managers.
async fn card(
    ctx: Context<'_>,
    order_id: Uuid,
    refund_id: Uuid,
    recorded: Option<CardRefundState>,
    meta: &EventMeta,
) -> Result<Option<i64>, RefundError> {
    let state = match recorded {
        Some(state) => state,
        // A retried request recorded nothing now: where the refund stands.
        None => refunds::card_refund_state(ctx.bus, order_id, refund_id)
            .await
            .map_err(RefundError::Order)?
            .ok_or(RefundError::Vanished(refund_id))?,
    };
    let refund = match state {
        CardRefundState::AwaitsStripe(refund) => refund,
        // A retried request: the refund is already made (the credit note is
        // issued again, a no-op) or was voided.
        CardRefundState::Made {
            amount,
            user,
            conference_id,
        } => {
            let note =
                refunds::credit_note(order_id, refund_id, conference_id, user, amount, ctx.now());
            let sent = refunds::issue_credit_note(ctx.bus, note, meta)
                .await
                .map_err(RefundError::Credit)?;
            return Ok(sent.position);
        }
        CardRefundState::Failed => return Err(RefundError::Voided),
        CardRefundState::NotOurs => return Ok(None),
    };
    ctx.faults.trip(RefundStep::AfterRecord)?;
    let Some(gateway) = ctx.gateway else {
        tracing::warn!(
            %refund_id,
            %order_id,
            order = %refund.order_reference,
            "card refund requested but Stripe is not configured"
        );
        // This process never called Stripe for it: void it.
        let refused = RefundError::StripeUnavailable;
        void(ctx, &refund, refused.code(), meta).await;
        return Err(refused);
    };
    if refund.payment_intent.trim().is_empty() {
        void(ctx, &refund, OrderError::NoStripePayment.code(), meta).await;
        return Err(RefundError::Order(BusError::Refused(
            OrderError::NoStripePayment,
        )));
    }
    match refunds::call_stripe(gateway, &ctx.config.currency, &refund).await {
        StripeOutcome::Made(stripe_refund_id) => {
            ctx.faults.trip(RefundStep::AfterStripe)?;
            refunds::record_made(ctx.bus, &refund, stripe_refund_id, meta)
                .await
                .map_err(RefundError::Order)?;
            ctx.faults.trip(RefundStep::AfterOutcome)?;
            let note = refunds::credit_note(
                refund.order_id,
                refund_id,
                refund.conference_id,
                refund.user,
                refund.amount,
                ctx.now(),
            );
            let sent = refunds::issue_credit_note(ctx.bus, note, meta)
                .await
                .map_err(RefundError::Credit)?;
            Ok(sent.position)
        }
        StripeOutcome::Refused(e) => {
            void(ctx, &refund, e.code(), meta).await;
            Err(RefundError::Gateway(e))
        }
        // Left pending: the process managers retry it with the same key.
        StripeOutcome::Unknown(e) => Err(RefundError::Gateway(e)),
    }
}

/// What the Stripe call of a refund to the card needs, from the refund the order
/// just decided (as `refunds::card_refund_state` reads it from the order).
fn recorded_card_refund(order: &Refundable, event: &OrderEvent) -> Option<CardRefundState> {
    let OrderEvent::OrderRefunded {
        refund_id,
        amount,
        to,
        reason,
        stripe_payment_intent,
        stripe_idempotency_key,
        ..
    } = event
    else {
        return None;
    };
    Some(match (to, stripe_idempotency_key, stripe_payment_intent) {
        (RefundTo::Card, Some(key), Some(intent)) => CardRefundState::AwaitsStripe(CardRefund {
            order_id: order.order_id,
            order_reference: order.reference.clone(),
            conference_id: order.conference,
            user: order.user,
            refund_id: *refund_id,
            amount: *amount,
            reason: *reason,
            payment_intent: intent.clone(),
            idempotency_key: key.clone(),
        }),
        _ => CardRefundState::NotOurs,
    })
}

/// Compensation: the refund did not happen. A failure to record it leaves the
/// refund pending, for the process managers to finish.
async fn void(ctx: Context<'_>, refund: &CardRefund, reason: &str, meta: &EventMeta) {
    let voided =
        refunds::record_refused(ctx.bus, refund.order_id, refund.refund_id, reason, meta).await;
    if let Err(err) = voided {
        tracing::error!(refund_id = %refund.refund_id, error = %err, "card refund failed and could not be voided");
    }
}

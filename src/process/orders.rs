//! The order flow's follow-ups: what an order's facts mean for the conference's
//! sales ledger (Inventory) and for credits. Every step is an idempotent command
//! keyed by the order, payment or refund it follows, so a redelivery after a crash
//! repeats only no-ops.
//!
//! | Fact | Follow-up |
//! |---|---|
//! | `OrderPaid` | `Inventory.ConfirmSale` (AMB-6/7: a late payment is never lost); for an order that held nothing (a desk checkout, ORDER-21), `Inventory.RecordSale` with the order's lines (CAT-2/3) |
//! | `OrderCancelled` (cancelled or expired) | `Inventory.ReleaseHold` (ORDER-18/20, DISC-6) |
//! | `CreditPaymentReversed` | `Credit.Restore` (ORDER-18, AMB-22) |
//! | `CreditApplied` | `Order.RecordPayment` with the same payment id, or `Credit.Restore` when the order refuses it |
//! | `OrderRefunded` to credit | `Credit.Issue { spendable: true }` (AMB-9), id from the refund |
//! | `OrderRefunded` to the card, still without a Stripe outcome | the Stripe call (persisted key), then `Order.RecordCardRefund` or `Order.RecordRefundFailure` ([`super::refunds`]) |
//! | `CardRefundSucceeded` | `Credit.Issue { spendable: false }` (AMB-9: the credit note), id from the refund |
//! | refunded in full (confirmed money) | `Inventory.ReturnSale` (CAT-3) |
//!
//! **Where each step lives.**
//! - The Inventory steps ([`super::sales`]) are run by the flow that decided the
//!   fact, before it answers; here they are catch-up after a crash, and no-ops
//!   otherwise.
//! - The store credit of a refund to credit is issued by the refund flow
//!   ([`super::refund`]) before it answers, and again here (a no-op then): a crash
//!   between the refund and the credit is finished when the reactor runs again. The
//!   credit id is [`refund_credit_id`] of the refund, so every delivery issues the
//!   same credit.
//! - A refund to the card is run by the refund endpoint (record, Stripe, outcome,
//!   credit note) so that its answer says what happened; a crash between any two of
//!   those steps is finished here ([`super::refunds`]): the Stripe call with the
//!   key persisted on the refund (Stripe answers with the refund it already made),
//!   the outcome, and the credit note, which only follows a recorded success. The
//!   credit note uses the same id scheme.
//! - A credit payment is `Credit.Apply` then `Order.RecordPayment` with the same
//!   payment id, sent by the payment endpoint; the reaction to `CreditApplied` sends
//!   the same `RecordPayment` again (a no-op when the endpoint got there first) so a
//!   crash between the two steps never leaves a credit spent on nothing, and gives
//!   the credit back when the order refuses the payment.
//! - Stock comes back after a full refund only once the money is confirmed gone: a
//!   refund to credit at once; a refund to the card when its credit note is issued
//!   (after Stripe succeeded); a refund made in Stripe when the webhook reports it.

use tessera_aggregates::credit::{Credit, CreditCommand, CreditEvent, CreditSource, IssuedCredit};
use tessera_aggregates::order::{
    Order, OrderCommand, OrderEvent, OrderStatus, PaymentMethod, RefundTo,
};
use tessera_projections::{DomainEvent, Envelope, EventMeta};
use uuid::Uuid;

pub use super::refunds::refund_credit_id;
use super::refunds::{self, CardRefundState, StripeOutcome};
use super::{Processes, Reaction, StripeAccess, sales, settle};
use crate::bus::{BusError, CommandBus, Sent};

pub async fn react(processes: &Processes, env: &Envelope) -> anyhow::Result<Reaction> {
    let bus = &*processes.bus;
    match &env.event {
        DomainEvent::Order(OrderEvent::OrderRefunded {
            refund_id,
            to: RefundTo::Card,
            ..
        }) => finish_card_refund(processes, env, *refund_id).await,
        DomainEvent::Order(event) => on_order(bus, env, event).await,
        DomainEvent::Credit(event) => on_credit(bus, env, event).await,
        _ => Ok(Reaction::Done),
    }
}

/// The follow-up commands carry the fact's conference and point back at it.
fn meta_for(env: &Envelope, conference: Option<Uuid>) -> EventMeta {
    EventMeta {
        conference_id: conference.or(env.meta.conference_id),
        actor: "system".to_string(),
        request_id: env.meta.request_id.clone(),
        causation_id: Some(env.position.to_string()),
        idempotency_key: None,
        recorded_at: None,
    }
}

async fn on_order(
    bus: &CommandBus,
    env: &Envelope,
    event: &OrderEvent,
) -> anyhow::Result<Reaction> {
    let Some(order_id) = env.aggregate_uuid() else {
        return Ok(Reaction::Refused(format!(
            "order stream id {} is not a uuid",
            env.aggregate_id
        )));
    };
    match event {
        OrderEvent::OrderPaid { conference_id, .. } => {
            inventory(bus, env, order_id, *conference_id, event).await
        }
        OrderEvent::OrderCancelled { .. } => match order_conference(bus, order_id).await? {
            Some(conference) => inventory(bus, env, order_id, conference, event).await,
            None => Ok(Reaction::Refused(format!("order {order_id} not found"))),
        },
        OrderEvent::CreditPaymentReversed {
            payment_id,
            credit_id,
            ..
        } => settle(
            bus.send(
                &Credit::stream(credit_id),
                CreditCommand::Restore {
                    order_id,
                    payment_id: *payment_id,
                },
                &meta_for(env, None),
            )
            .await,
        ),
        OrderEvent::OrderRefunded {
            refund_id,
            amount,
            to: RefundTo::Credit,
            status,
            ..
        } => {
            let Some((conference, user)) = bus
                .inspect(&Order::stream(order_id), |o| {
                    o.exists().then(|| (o.conference_id, o.user))
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            else {
                return Ok(Reaction::Refused(format!("order {order_id} not found")));
            };
            let issued = settle(
                bus.send(
                    &Credit::stream(refund_credit_id(*refund_id)),
                    CreditCommand::Issue(IssuedCredit {
                        credit_id: refund_credit_id(*refund_id),
                        conference_id: conference,
                        user,
                        amount: *amount,
                        spendable: true,
                        source: CreditSource::Refund {
                            order_id,
                            refund_id: *refund_id,
                        },
                        at: env.recorded_at,
                    }),
                    &meta_for(env, Some(conference)),
                )
                .await,
            )?;
            if *status != OrderStatus::Refunded {
                return Ok(issued);
            }
            let returned = inventory(bus, env, order_id, conference, event).await?;
            Ok(both(issued, returned))
        }
        // AMB-9: the money went back to the card; the credit note records it.
        OrderEvent::CardRefundSucceeded { refund_id, .. } => {
            match refunds::card_refund_state(bus, order_id, *refund_id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                Some(CardRefundState::Made {
                    amount,
                    user,
                    conference_id: conference,
                }) => settle(
                    refunds::issue_credit_note(
                        bus,
                        refunds::credit_note(
                            order_id,
                            *refund_id,
                            conference,
                            user,
                            amount,
                            env.recorded_at,
                        ),
                        &meta_for(env, Some(conference)),
                    )
                    .await,
                ),
                _ => Ok(Reaction::Refused(format!(
                    "card refund {refund_id} of order {order_id} is not made"
                ))),
            }
        }
        OrderEvent::StripeRefundRecorded {
            status: OrderStatus::Refunded,
            ..
        } => match order_conference(bus, order_id).await? {
            Some(conference) => inventory(bus, env, order_id, conference, event).await,
            None => Ok(Reaction::Refused(format!("order {order_id} not found"))),
        },
        _ => Ok(Reaction::Done),
    }
}

async fn on_credit(
    bus: &CommandBus,
    env: &Envelope,
    event: &CreditEvent,
) -> anyhow::Result<Reaction> {
    let Some(credit_id) = env.aggregate_uuid() else {
        return Ok(Reaction::Refused(format!(
            "credit stream id {} is not a uuid",
            env.aggregate_id
        )));
    };
    match event {
        CreditEvent::CreditApplied {
            order_id,
            payment_id,
            amount,
            ..
        } => {
            let recorded = bus
                .send(
                    &Order::stream(order_id),
                    OrderCommand::RecordPayment {
                        payment_id: *payment_id,
                        method: PaymentMethod::Credit,
                        amount: *amount,
                        stripe_payment_intent: None,
                        credit_id: Some(credit_id),
                        reference: String::new(),
                        note: String::new(),
                        by: None,
                    },
                    &meta_for(env, None),
                )
                .await;
            match recorded {
                Err(BusError::Refused(why)) => {
                    // The order will not take it: the credit gets its money back.
                    let restored = settle(
                        bus.send(
                            &Credit::stream(credit_id),
                            CreditCommand::Restore {
                                order_id: *order_id,
                                payment_id: *payment_id,
                            },
                            &meta_for(env, None),
                        )
                        .await,
                    )?;
                    tracing::info!(%order_id, %payment_id, %why, "credit payment refused by the order; credit restored");
                    Ok(restored)
                }
                other => settle(other),
            }
        }
        // A refund to the card is confirmed by its credit note: now a full refund
        // may give the stock back.
        CreditEvent::CreditIssued(IssuedCredit {
            spendable: false,
            source: CreditSource::Refund { order_id, .. },
            ..
        }) => {
            let Some((conference, status)) = bus
                .inspect(&Order::stream(order_id), |o| {
                    o.exists().then(|| (o.conference_id, o.status))
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            else {
                return Ok(Reaction::Refused(format!("order {order_id} not found")));
            };
            if status == OrderStatus::Refunded {
                let meta = meta_for(env, Some(conference));
                settle(sales::return_sale(bus, *order_id, conference, &meta).await)
            } else {
                Ok(Reaction::Done)
            }
        }
        _ => Ok(Reaction::Done),
    }
}

/// A refund to the card whose Stripe call has no recorded outcome: a crash cut the
/// refund endpoint between recording it and recording the outcome (or Stripe's
/// answer was unknown). The call is made again with the refund's persisted key, so
/// Stripe makes the refund at most once; then the outcome is recorded. Waits for
/// the refund endpoint of this process when it is running that refund.
async fn finish_card_refund(
    processes: &Processes,
    env: &Envelope,
    refund_id: Uuid,
) -> anyhow::Result<Reaction> {
    let bus = &*processes.bus;
    let Some(order_id) = env.aggregate_uuid() else {
        return Ok(Reaction::Refused(format!(
            "order stream id {} is not a uuid",
            env.aggregate_id
        )));
    };
    processes.in_flight.wait_released(refund_id).await;
    if processes.faults.crashed() {
        anyhow::bail!("this process crashed (injected fault): it reacts to nothing more");
    }
    let state = refunds::card_refund_state(bus, order_id, refund_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let refund = match state {
        Some(CardRefundState::AwaitsStripe(refund)) => refund,
        // Made (its credit note follows `CardRefundSucceeded`), void, or not ours.
        Some(_) => return Ok(Reaction::Done),
        None => return Ok(Reaction::Refused(format!("order {order_id} not found"))),
    };
    let (gateway, currency) = match &processes.stripe {
        StripeAccess::Gateway { gateway, currency } => (gateway, currency),
        StripeAccess::NotConfigured => {
            tracing::error!(%refund_id, %order_id, "card refund left pending: Stripe is not configured");
            return Ok(Reaction::Refused(format!(
                "card refund {refund_id} of order {order_id} left pending: Stripe is not configured"
            )));
        }
        StripeAccess::LeftToServer => anyhow::bail!(
            "card refund {refund_id} of order {order_id} awaits Stripe: the server finishes it"
        ),
    };
    let meta = meta_for(env, Some(refund.conference_id));
    match refunds::call_stripe(gateway, currency, &refund).await {
        StripeOutcome::Made(stripe_refund_id) => {
            if processes
                .faults
                .trip(refunds::RefundStep::AfterStripe)
                .is_err()
            {
                anyhow::bail!("injected crash after the Stripe call of refund {refund_id}");
            }
            settle(refunds::record_made(bus, &refund, stripe_refund_id, &meta).await)
        }
        StripeOutcome::Refused(e) => {
            tracing::warn!(%refund_id, %order_id, error = %e, "card refund refused by Stripe: voided");
            settle(refunds::record_refused(bus, order_id, refund_id, e.code(), &meta).await)
        }
        // Retried on the next delivery, with the same key.
        StripeOutcome::Unknown(e) => Err(anyhow::anyhow!(
            "card refund {refund_id} of order {order_id}: Stripe's answer is unknown ({e}); retrying"
        )),
    }
}

async fn order_conference(bus: &CommandBus, order_id: Uuid) -> anyhow::Result<Option<Uuid>> {
    bus.inspect(&Order::stream(order_id), |o| {
        o.exists().then(|| o.conference_id)
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The Inventory step of `event` ([`sales`]): the same commands the flow that
/// decided it ran before answering, so after that flow they are no-ops.
async fn inventory(
    bus: &CommandBus,
    env: &Envelope,
    order_id: Uuid,
    conference: Uuid,
    event: &OrderEvent,
) -> anyhow::Result<Reaction> {
    let meta = meta_for(env, Some(conference));
    let outcome = sales::follow(
        bus,
        order_id,
        conference,
        std::slice::from_ref(event),
        &meta,
    )
    .await
    .map(|position| Sent { position });
    settle(outcome)
}

fn both(a: Reaction, b: Reaction) -> Reaction {
    match (a, b) {
        (Reaction::Done, Reaction::Done) => Reaction::Done,
        (Reaction::Refused(x), Reaction::Done) | (Reaction::Done, Reaction::Refused(x)) => {
            Reaction::Refused(x)
        }
        (Reaction::Refused(x), Reaction::Refused(y)) => Reaction::Refused(format!("{x}; {y}")),
    }
}

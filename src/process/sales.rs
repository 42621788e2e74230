//! The Inventory step of an order's facts: what a payment, a cancel or a full
//! refund means for the conference's sales ledger. The flows that decide those
//! facts run it before they answer, so the next request of any client sees it
//! (the per-user limit counts a purchase, freed stock can be bought at once); the
//! process managers run it again from the log as catch-up after a crash, where it
//! is then a no-op. Every command is idempotent by order id.
//!
//! | Fact | Inventory |
//! |---|---|
//! | `OrderPaid` | `ConfirmSale` (AMB-6/7: a late payment is never lost); an order that held nothing (a desk checkout, ORDER-21): `RecordSale` with its lines (CAT-2/3) |
//! | `OrderCancelled` (cancelled or expired) | `ReleaseHold` (ORDER-18/20, DISC-6) |
//! | `OrderRefunded` to credit, now refunded in full | `ReturnSale` (CAT-3) |
//! | `StripeRefundRecorded`, now refunded in full | `ReturnSale` (CAT-3) |
//!
//! A full refund to the card returns its stock only once Stripe made it: the
//! refund flow calls [`return_sale`] after the credit note (AMB-9).

use tessera_aggregates::inventory::{
    HeldLine, Inventory, InventoryCommand, InventoryError, ReleaseReason,
};
use tessera_aggregates::order::{CancelReason, Order, OrderEvent, OrderStatus, RefundTo};
use tessera_projections::EventMeta;
use uuid::Uuid;

use crate::bus::{BusError, CommandBus, Sent};
use crate::ids::inventory_id;

/// Runs the Inventory step of each of `events` (decided by order `order_id` of
/// `conference`); the last position written, if any.
pub async fn follow(
    bus: &CommandBus,
    order_id: Uuid,
    conference: Uuid,
    events: &[OrderEvent],
    meta: &EventMeta,
) -> Result<Option<i64>, BusError<InventoryError>> {
    let mut position = None;
    for event in events {
        let sent = match event {
            OrderEvent::OrderPaid { .. } => confirm_sale(bus, order_id, conference, meta).await?,
            OrderEvent::OrderCancelled { reason, .. } => {
                let reason = match reason {
                    CancelReason::Cancelled => ReleaseReason::Cancelled,
                    CancelReason::Expired => ReleaseReason::Expired,
                };
                no_hold_is_done(
                    send(
                        bus,
                        conference,
                        InventoryCommand::ReleaseHold { order_id, reason },
                        meta,
                    )
                    .await,
                )?
            }
            OrderEvent::OrderRefunded {
                to: RefundTo::Credit,
                status: OrderStatus::Refunded,
                ..
            }
            | OrderEvent::StripeRefundRecorded {
                status: OrderStatus::Refunded,
                ..
            } => return_sale(bus, order_id, conference, meta).await?,
            _ => continue,
        };
        position = sent.position.or(position);
    }
    Ok(position)
}

/// [`follow`] for a flow that already answered for the order: a failure is logged,
/// not the caller's (the process managers finish the step from the log).
pub async fn follow_now(
    bus: &CommandBus,
    order_id: Uuid,
    conference: Uuid,
    events: &[OrderEvent],
    meta: &EventMeta,
) -> Option<i64> {
    match follow(bus, order_id, conference, events, meta).await {
        Ok(position) => position,
        Err(e) => {
            tracing::warn!(%order_id, error = %e, "inventory step left to the process managers");
            None
        }
    }
}

/// CAT-3: a fully refunded order gives its stock back (its voucher use stays).
pub async fn return_sale(
    bus: &CommandBus,
    order_id: Uuid,
    conference: Uuid,
    meta: &EventMeta,
) -> Result<Sent, BusError<InventoryError>> {
    no_hold_is_done(
        send(
            bus,
            conference,
            InventoryCommand::ReturnSale { order_id },
            meta,
        )
        .await,
    )
}

/// AMB-6/7: the hold becomes a sale; an order that held nothing (a desk checkout,
/// ORDER-21, PAY-39) enters the paid set with its own lines. A redelivery finds
/// the sale (`ConfirmSale` is a no-op, and so is `RecordSale`).
async fn confirm_sale(
    bus: &CommandBus,
    order_id: Uuid,
    conference: Uuid,
    meta: &EventMeta,
) -> Result<Sent, BusError<InventoryError>> {
    match send(
        bus,
        conference,
        InventoryCommand::ConfirmSale { order_id },
        meta,
    )
    .await
    {
        Err(BusError::Refused(InventoryError::HoldNotFound { .. })) => {}
        other => return other,
    }
    let found = bus
        .inspect(&Order::stream(order_id), |o| {
            o.exists().then(|| {
                let lines: Vec<HeldLine> = o
                    .lines
                    .iter()
                    .map(|l| HeldLine {
                        product: l.product.clone(),
                        name: l.description.clone(),
                        unit_price: l.unit_price,
                        quantity: l.quantity,
                    })
                    .collect();
                (o.user, lines)
            })
        })
        .await
        .map_err(|e| BusError::Store(e.to_string()))?;
    let Some((user, lines)) = found else {
        return Err(BusError::Refused(InventoryError::HoldNotFound { order_id }));
    };
    if lines.is_empty() {
        return Ok(Sent { position: None }); // a walk-up amount (PAY-34): no product sold
    }
    send(
        bus,
        conference,
        InventoryCommand::RecordSale {
            order_id,
            user,
            lines,
        },
        meta,
    )
    .await
}

async fn send(
    bus: &CommandBus,
    conference: Uuid,
    command: InventoryCommand,
    meta: &EventMeta,
) -> Result<Sent, BusError<InventoryError>> {
    bus.send(&Inventory::stream(inventory_id(conference)), command, meta)
        .await
}

/// Orders that never held stock (terminal walk-ups, ORDER-21) have nothing to
/// release or return.
fn no_hold_is_done(
    outcome: Result<Sent, BusError<InventoryError>>,
) -> Result<Sent, BusError<InventoryError>> {
    match outcome {
        Err(BusError::Refused(InventoryError::HoldNotFound { .. })) => Ok(Sent { position: None }),
        other => other,
    }
}

//! Cancelling a pending order (ORDER-18, DISC-6) by its owner or staff; a
//! cancelled order changes nothing.
//!
//! | Step | Command |
//! |---|---|
//! | 1 | `Order.Cancel` |
//! | 2 | `Inventory.ReleaseHold` ([`super::sales`]): the stock and the voucher use are free when the answer is sent |
//!
//! The process managers release the hold again from `OrderCancelled` (a no-op
//! then) when a crash came between the two steps.

use tessera_aggregates::order::{Order, OrderCommand, OrderError};
use tessera_projections::EventMeta;
use uuid::Uuid;

use super::{Context, sales};
use crate::bus::BusError;

/// Cancels order `order_id` of `conference` for `by`; the last position written.
pub async fn cancel(
    ctx: Context<'_>,
    order_id: Uuid,
    conference: Uuid,
    by: Uuid,
    meta: &EventMeta,
) -> Result<Option<i64>, BusError<OrderError>> {
    let decided = ctx
        .bus
        .send_decided(
            &Order::stream(order_id),
            OrderCommand::Cancel { by: Some(by) },
            meta,
        )
        .await?;
    let released = sales::follow_now(ctx.bus, order_id, conference, &decided.events, meta).await;
    Ok(released.or(decided.position))
}

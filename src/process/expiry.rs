//! Stale-order expiry (ORDER-3/20): pending orders whose hold has run out become
//! cancelled (reason expired). A checkout runs it before it decides anything; the
//! hold sweeper runs it on a timer in every conference.
//!
//! | Step | Command | Answer used |
//! |---|---|---|
//! | 1 | `Inventory.ExpireHolds` (stock and voucher uses return) | its `HoldExpired` facts: which orders |
//! | 2 | `Order.Expire` per order | whether it expired (a hold without an order, or an order paid or cancelled meanwhile, decides nothing) |
//!
//! Applied credits come back through the process managers that follow
//! `OrderCancelled` (AMB-22). Every step is idempotent, so a sweep racing a
//! checkout (or another instance's sweep) only repeats no-ops.

use std::collections::BTreeSet;

use tessera_aggregates::inventory::{Inventory, InventoryCommand, InventoryError, InventoryEvent};
use tessera_aggregates::order::{Order, OrderCommand, OrderError};
use tessera_projections::EventMeta;
use uuid::Uuid;

use crate::bus::{BusError, CommandBus};
use crate::ids::inventory_id;
use crate::refusal::{Failure, Kind};

/// Why stale orders were not expired.
#[derive(Debug, thiserror::Error)]
pub enum ExpiryError {
    #[error(transparent)]
    Inventory(BusError<InventoryError>),
    #[error(transparent)]
    Order(BusError<OrderError>),
}

impl Failure for ExpiryError {
    fn code(&self) -> &'static str {
        match self {
            Self::Inventory(e) => e.code(),
            Self::Order(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Inventory(e) => e.kind(),
            Self::Order(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Inventory(e) => Some(e),
            Self::Order(e) => Some(e),
        }
    }
}

/// What an expiry run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expired {
    /// Pending orders it cancelled as expired.
    pub orders: usize,
    /// The log position of its last event (None: nothing was stale).
    pub position: Option<i64>,
}

/// Expires the stale pending orders of one conference (see the module
/// documentation). Nothing stale: no command.
pub async fn expire_stale(
    bus: &CommandBus,
    conference: Uuid,
    meta: &EventMeta,
) -> Result<Expired, ExpiryError> {
    let ledger = inventory_id(conference).to_string();
    let now = bus.services().now();
    // Spares a hot ledger a command when nothing is stale.
    let mut stale: BTreeSet<Uuid> = bus
        .peek(&Inventory::stream(&ledger), |inv| inv.expired_holds(now))
        .await
        .map_err(ExpiryError::Inventory)?
        .into_iter()
        .collect();
    if stale.is_empty() {
        return Ok(Expired::default());
    }
    let holds = bus
        .send_decided(
            &Inventory::stream(&ledger),
            InventoryCommand::ExpireHolds,
            meta,
        )
        .await
        .map_err(ExpiryError::Inventory)?;
    // The orders of the holds seen stale (another instance may have recorded
    // their expiry first) and of those this command expired.
    stale.extend(holds.events.iter().filter_map(|e| match e {
        InventoryEvent::HoldExpired { order_id, .. } => Some(*order_id),
        _ => None,
    }));
    let mut expired = Expired {
        orders: 0,
        position: holds.position,
    };
    for order_id in stale {
        match bus
            .send_decided(&Order::stream(order_id), OrderCommand::Expire, meta)
            .await
        {
            Ok(decided) => {
                expired.orders += usize::from(!decided.events.is_empty());
                expired.position = expired.position.max(decided.position);
            }
            // A hold whose order was never placed (a crash mid-checkout), or an
            // order that got paid or cancelled meanwhile: nothing to expire.
            Err(BusError::Refused(_)) => {}
            Err(e) => return Err(ExpiryError::Order(e)),
        }
    }
    Ok(expired)
}

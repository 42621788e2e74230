//! Carts and the registration funnel of a conference (SPEC CART-1…5, ANA-34
//! "active carts"): every cart generation with its status and items, and counters
//! per conference.
//!
//! Keys:
//! - `funnel:{conference_id}` → [`FunnelRow`];
//! - `cart:{conference_id}:{cart_id}` → [`CartRecord`], one per cart generation
//!   (the Cart's own record, folded by the same code); a
//!   conference's carts are the prefix [`carts_prefix`], a user's are those rows
//!   filtered by `user`. Active carts (ANA-34) = status open and `expires_at` in the
//!   future, read at request time;
//! - `stream:{cart_stream_id}` → the (conference, user) of the cart stream and its
//!   latest generation ([`current_cart`]).

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};
use tessera_aggregates::cart::{CartEvent, CartRecord, CartStatus};
use uuid::Uuid;

use crate::keys::{conference_of, stream_key};
use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct CartsFunnel;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum CartsRow {
    Funnel(FunnelRow),
    Cart(CartRecord),
    /// `stream:{cart_stream_id}`: whose carts the stream holds, and its latest
    /// generation (the buyer's cart page reads it).
    Stream {
        conference_id: Uuid,
        user: Uuid,
        #[serde(default)]
        current: Option<Uuid>,
    },
}

/// Counters of one conference's carts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunnelRow {
    pub conference_id: Uuid,
    /// Cart generations opened.
    pub carts_opened: u64,
    /// Distinct (conference, user) cart streams.
    pub shoppers: u64,
    /// Generations whose status is open now (some may be past their expiry).
    pub carts_open: u64,
    /// Items added (a new product in a cart; adding again changes the quantity).
    pub items_added: u64,
    pub quantity_changes: u64,
    pub items_removed: u64,
    /// Of those, removed by the add-on cascade (CART-26).
    pub items_cascaded: u64,
    pub vouchers_applied: u64,
    pub vouchers_removed: u64,
    pub checked_out: u64,
    pub expired: u64,
}

pub fn funnel_key(conference_id: Uuid) -> String {
    format!("funnel:{conference_id}")
}

pub fn cart_key(conference_id: Uuid, cart_id: Uuid) -> String {
    format!("cart:{conference_id}:{cart_id}")
}

/// Every cart of a conference.
pub fn carts_prefix(conference_id: Uuid) -> String {
    format!("cart:{conference_id}:")
}

/// The stream row of a (conference, user) pair's carts (`Cart::stream_id`).
pub fn cart_stream_key(cart_stream: Uuid) -> String {
    stream_key(&cart_stream.to_string())
}

/// The pair's latest generation, from its stream row.
pub fn current_cart(row: &CartsRow) -> Option<Uuid> {
    match row {
        CartsRow::Stream { current, .. } => *current,
        _ => None,
    }
}

impl CartsFunnel {
    fn funnel(rows: &mut Rows<CartsRow>, conference_id: Uuid, f: impl FnOnce(&mut FunnelRow)) {
        let row = rows.upsert_with(&funnel_key(conference_id), || {
            CartsRow::Funnel(FunnelRow {
                conference_id,
                ..Default::default()
            })
        });
        if let CartsRow::Funnel(funnel) = row {
            f(funnel)
        }
    }

    fn open(rows: &mut Rows<CartsRow>, env: &Envelope, event: &CartEvent) {
        let Some(cart) = CartRecord::opened(event) else {
            return;
        };
        let (conference_id, cart_id) = (cart.conference_id, cart.cart_id);
        let key = cart_key(conference_id, cart_id);
        if rows.get(&key).is_some() {
            return;
        }
        let new_stream = rows.get(&stream_key(&env.aggregate_id)).is_none();
        rows.insert(
            stream_key(&env.aggregate_id),
            CartsRow::Stream {
                conference_id,
                user: cart.user,
                current: Some(cart_id),
            },
        );
        rows.insert(key, CartsRow::Cart(cart));
        Self::funnel(rows, conference_id, |f| {
            f.carts_opened += 1;
            f.carts_open += 1;
            if new_stream {
                f.shoppers += 1;
            }
        });
    }
}

/// Counts an event of a cart that was open (`was_open`) before it.
fn tally(f: &mut FunnelRow, event: &CartEvent, was_open: bool) {
    use CartEvent::*;
    match event {
        CartOpened { .. } => {}
        CartExpired { .. } | CartCheckedOut { .. } => {
            if matches!(event, CartExpired { .. }) {
                f.expired += 1;
            } else {
                f.checked_out += 1;
            }
            if was_open {
                f.carts_open = f.carts_open.saturating_sub(1);
            }
        }
        ItemAdded { .. } => f.items_added += 1,
        ItemQuantityChanged { .. } => f.quantity_changes += 1,
        ItemRemoved { cascaded, .. } => {
            f.items_removed += 1;
            if *cascaded {
                f.items_cascaded += 1;
            }
        }
        VoucherApplied { .. } => f.vouchers_applied += 1,
        VoucherRemoved { .. } => f.vouchers_removed += 1,
    }
}

impl Projection for CartsFunnel {
    const NAME: &'static str = "carts_funnel";
    const VERSION: u32 = 2;
    type Row = CartsRow;

    fn apply(rows: &mut Rows<CartsRow>, env: &Envelope) {
        let DomainEvent::Cart(event) = &env.event else {
            return;
        };
        if matches!(event, CartEvent::CartOpened { .. }) {
            Self::open(rows, env, event);
            return;
        }
        let pointer = match rows.get(&stream_key(&env.aggregate_id)) {
            Some(CartsRow::Stream { conference_id, .. }) => Some(*conference_id),
            _ => None,
        };
        let Some(conference_id) = conference_of(pointer, env) else {
            return;
        };
        let Some(CartsRow::Cart(cart)) = rows.get_mut(&cart_key(conference_id, event.cart_id()))
        else {
            return;
        };
        let was_open = cart.status == CartStatus::Open;
        cart.evolve(event);
        Self::funnel(rows, conference_id, |f| tally(f, event, was_open));
    }
}

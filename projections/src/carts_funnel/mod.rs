//! Carts and the registration funnel of a conference (SPEC CART-1…5, ANA-34
//! "active carts"): every cart generation with its status and items, and counters
//! per conference.
//!
//! Keys:
//! - `funnel:{conference_id}` → [`FunnelRow`];
//! - `cart:{conference_id}:{cart_id}` → [`CartRow`], one per cart generation; a
//!   conference's carts are the prefix [`carts_prefix`], a user's are those rows
//!   filtered by `user`. Active carts (ANA-34) = status open and `expires_at` in the
//!   future, read at request time;
//! - `stream:{cart_stream_id}` → the (conference, user) of the cart stream
//!   (internal pointer).

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::cart::{CartEvent, CartItem, CartStatus};
use uuid::Uuid;

use crate::keys::{conference_of, stream_key};
use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct CartsFunnel;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum CartsRow {
    Funnel(FunnelRow),
    Cart(CartRow),
    /// `stream:{cart_stream_id}`: whose carts the stream holds.
    Stream {
        conference_id: Uuid,
        user: Uuid,
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

/// One cart generation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartRow {
    pub cart_id: Uuid,
    pub conference_id: Uuid,
    pub user: Uuid,
    /// CART-1, stored lower_snake_case.
    pub status: CartStatus,
    pub opened_at: DateTime<Utc>,
    /// CART-5: slid by adds and quantity updates.
    pub expires_at: DateTime<Utc>,
    pub items: Vec<CartItem>,
    pub voucher_code: Option<String>,
    pub order_id: Option<Uuid>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub expired_at: Option<DateTime<Utc>>,
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

fn cart_id_of(event: &CartEvent) -> Uuid {
    use CartEvent::*;
    match event {
        CartOpened { cart_id, .. }
        | CartExpired { cart_id, .. }
        | ItemAdded { cart_id, .. }
        | ItemQuantityChanged { cart_id, .. }
        | ItemRemoved { cart_id, .. }
        | VoucherApplied { cart_id, .. }
        | VoucherRemoved { cart_id, .. }
        | CartCheckedOut { cart_id, .. } => *cart_id,
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
        let CartEvent::CartOpened {
            cart_id,
            conference_id,
            user,
            expires_at,
            at,
        } = event
        else {
            return;
        };
        let new_stream = rows.get(&stream_key(&env.aggregate_id)).is_none();
        if new_stream {
            rows.insert(
                stream_key(&env.aggregate_id),
                CartsRow::Stream {
                    conference_id: *conference_id,
                    user: *user,
                },
            );
        }
        let key = cart_key(*conference_id, *cart_id);
        if rows.get(&key).is_some() {
            return;
        }
        rows.insert(
            key,
            CartsRow::Cart(CartRow {
                cart_id: *cart_id,
                conference_id: *conference_id,
                user: *user,
                status: CartStatus::Open,
                opened_at: *at,
                expires_at: *expires_at,
                items: Vec::new(),
                voucher_code: None,
                order_id: None,
                checked_out_at: None,
                expired_at: None,
            }),
        );
        Self::funnel(rows, *conference_id, |f| {
            f.carts_opened += 1;
            f.carts_open += 1;
            if new_stream {
                f.shoppers += 1;
            }
        });
    }
}

/// Folds an event into its cart generation.
fn evolve(cart: &mut CartRow, event: &CartEvent) {
    use CartEvent::*;
    match event {
        CartOpened { .. } => {}
        CartExpired { at, .. } => {
            cart.status = CartStatus::Expired;
            cart.expired_at = Some(*at);
        }
        ItemAdded {
            item_id,
            product,
            name,
            unit_price,
            quantity,
            requires,
            expires_at,
            ..
        } => {
            cart.items.push(CartItem {
                item_id: *item_id,
                product: product.clone(),
                name: name.clone(),
                unit_price: *unit_price,
                quantity: *quantity,
                requires: requires.clone(),
            });
            cart.expires_at = *expires_at;
        }
        ItemQuantityChanged {
            item_id,
            quantity,
            unit_price,
            expires_at,
            ..
        } => {
            if let Some(item) = cart.items.iter_mut().find(|i| i.item_id == *item_id) {
                item.quantity = *quantity;
                item.unit_price = *unit_price;
            }
            cart.expires_at = *expires_at;
        }
        ItemRemoved { item_id, .. } => cart.items.retain(|i| i.item_id != *item_id),
        VoucherApplied { voucher, .. } => cart.voucher_code = Some(voucher.code.clone()),
        VoucherRemoved { .. } => cart.voucher_code = None,
        CartCheckedOut { order_id, at, .. } => {
            cart.status = CartStatus::CheckedOut;
            cart.order_id = Some(*order_id);
            cart.checked_out_at = Some(*at);
        }
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
    const VERSION: u32 = 1;
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
        let Some(CartsRow::Cart(cart)) = rows.get_mut(&cart_key(conference_id, cart_id_of(event)))
        else {
            return;
        };
        let was_open = cart.status == CartStatus::Open;
        evolve(cart, event);
        Self::funnel(rows, conference_id, |f| tally(f, event, was_open));
    }
}

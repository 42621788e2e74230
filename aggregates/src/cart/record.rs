//! The one shape of a cart generation as it stands: the Cart decides on it and
//! the carts projection stores it as the generation's row, so its fold
//! ([`CartRecord::evolve`]) is written once, here. A stored format (projection
//! rows): never rename a field.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{CartEvent, CartItem, CartStatus, VoucherInfo};
use crate::Timestamp;
use crate::pricing::{CartLine, ProductRef};

/// One generation of a (conference, user) pair's cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartRecord {
    pub cart_id: Uuid,
    pub conference_id: Uuid,
    pub user: Uuid,
    /// CART-1, stored lower_snake_case.
    pub status: CartStatus,
    pub opened_at: Timestamp,
    /// CART-5: slid by adds and quantity updates.
    pub expires_at: Timestamp,
    /// In cart order.
    pub items: Vec<CartItem>,
    pub voucher: Option<VoucherInfo>,
    /// The order that checked it out.
    pub order_id: Option<Uuid>,
    pub checked_out_at: Option<Timestamp>,
    pub expired_at: Option<Timestamp>,
}

impl CartRecord {
    /// The generation a `CartOpened` starts (None for any other event).
    pub fn opened(event: &CartEvent) -> Option<CartRecord> {
        let CartEvent::CartOpened {
            cart_id,
            conference_id,
            user,
            expires_at,
            at,
        } = event
        else {
            return None;
        };
        Some(CartRecord {
            cart_id: *cart_id,
            conference_id: *conference_id,
            user: *user,
            status: CartStatus::Open,
            opened_at: *at,
            expires_at: *expires_at,
            items: Vec::new(),
            voucher: None,
            order_id: None,
            checked_out_at: None,
            expired_at: None,
        })
    }

    /// Folds one event of this generation; events of other generations (and
    /// `CartOpened`, see [`Self::opened`]) change nothing.
    pub fn evolve(&mut self, event: &CartEvent) {
        use CartEvent::*;
        if event.cart_id() != self.cart_id {
            return;
        }
        match event {
            CartOpened { .. } => {}
            CartExpired { at, .. } => {
                self.status = CartStatus::Expired;
                self.expired_at = Some(*at);
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
                self.items.push(CartItem {
                    item_id: *item_id,
                    product: product.clone(),
                    name: name.clone(),
                    unit_price: *unit_price,
                    quantity: *quantity,
                    requires: requires.clone(),
                });
                self.expires_at = *expires_at;
            }
            ItemQuantityChanged {
                item_id,
                quantity,
                unit_price,
                expires_at,
                ..
            } => {
                if let Some(item) = self.item_mut(*item_id) {
                    item.quantity = *quantity;
                    item.unit_price = *unit_price;
                }
                self.expires_at = *expires_at;
            }
            ItemRemoved { item_id, .. } => self.items.retain(|i| i.item_id != *item_id),
            VoucherApplied { voucher, .. } => self.voucher = Some(voucher.clone()),
            VoucherRemoved { .. } => self.voucher = None,
            CartCheckedOut { order_id, at, .. } => {
                self.status = CartStatus::CheckedOut;
                self.order_id = Some(*order_id);
                self.checked_out_at = Some(*at);
            }
        }
    }

    pub(super) fn item(&self, item_id: Uuid) -> Option<&CartItem> {
        self.items.iter().find(|i| i.item_id == item_id)
    }

    fn item_mut(&mut self, item_id: Uuid) -> Option<&mut CartItem> {
        self.items.iter_mut().find(|i| i.item_id == item_id)
    }

    pub(super) fn item_for(&self, product: &ProductRef) -> Option<&CartItem> {
        self.items.iter().find(|i| &i.product == product)
    }

    /// CART-14: ticket units in the cart (add-ons excluded).
    pub fn ticket_quantity(&self) -> u32 {
        self.items
            .iter()
            .filter(|i| i.is_ticket())
            .map(|i| i.quantity)
            .fold(0u32, u32::saturating_add)
    }

    /// Stale: expires_at strictly before now (CART-3/4).
    pub fn is_stale(&self, now: Timestamp) -> bool {
        self.expires_at < now
    }

    /// Open and not stale at `now`.
    pub fn is_open_at(&self, now: Timestamp) -> bool {
        self.status == CartStatus::Open && !self.is_stale(now)
    }

    /// The items as pricing sees them (CART-40…49), in cart order.
    pub fn lines_for_pricing(&self) -> Vec<CartLine> {
        self.items
            .iter()
            .map(|i| CartLine {
                line_id: i.item_id,
                product: i.product.clone(),
                unit_price: i.unit_price,
                quantity: i.quantity,
            })
            .collect()
    }
}

impl CartEvent {
    /// The generation the event concerns.
    pub fn cart_id(&self) -> Uuid {
        use CartEvent::*;
        match self {
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
}

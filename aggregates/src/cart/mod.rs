//! The carts of one user at one conference (SPEC CART-1…39, ORDER-4): one stream per
//! (conference, user) pair, holding a sequence of cart *generations*. `Open` starts a
//! generation when none is open, so after a checkout the same pair gets a new cart;
//! every event names the generation (`cart_id`) it concerns.
//!
//! The cart validates against [`Offer`]s (the inventory's view of one product for this
//! user now); it never reserves stock (CAT-3). Checkout re-validates on the Inventory.

mod commands;
mod decide;
mod errors;
mod events;
mod items;
#[cfg(test)]
mod tests;

use chrono::TimeDelta;
use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::{CartCommand, ReplacementItem, VoucherLookup};
pub use errors::CartError;
pub use events::CartEvent;

pub use crate::inventory::Offer;
use crate::pricing::{CartLine, ProductKind, ProductRef, ProductScope};
use crate::{DomainServices, Timestamp};

/// CART-1: cart statuses, stored lower_snake_case. Nothing sets `abandoned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CartStatus {
    Open,
    CheckedOut,
    Expired,
    Abandoned,
}

/// What a cart keeps of its voucher (CART-2, CART-15): enough to unlock hidden
/// tickets; pricing reads the full voucher from the Inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherInfo {
    pub code: String,
    pub unlocks_hidden: bool,
    pub scope: ProductScope,
}

/// CART-6/7: one product in a cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartItem {
    pub item_id: Uuid,
    pub product: ProductRef,
    pub name: String,
    /// From the latest offer (CART-7: live until checkout).
    pub unit_price: Decimal,
    pub quantity: u32,
    /// Add-ons: prerequisite ticket slugs; empty = none.
    pub requires: Vec<String>,
}

impl CartItem {
    pub fn is_ticket(&self) -> bool {
        self.product.kind == ProductKind::Ticket
    }

    /// CART-7: unit price × quantity (for display: bounded prices and quantities
    /// never reach the saturation; pricing refuses what would).
    pub fn line_total(&self) -> Decimal {
        self.unit_price.saturating_mul(Decimal::from(self.quantity))
    }
}

/// One generation of the pair's cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartGeneration {
    pub cart_id: Uuid,
    pub status: CartStatus,
    pub opened_at: Timestamp,
    pub expires_at: Timestamp,
    /// In cart order.
    pub items: Vec<CartItem>,
    pub voucher: Option<VoucherInfo>,
    /// The order that checked it out.
    pub order_id: Option<Uuid>,
}

impl CartGeneration {
    fn item(&self, item_id: Uuid) -> Option<&CartItem> {
        self.items.iter().find(|i| i.item_id == item_id)
    }

    fn item_mut(&mut self, item_id: Uuid) -> Option<&mut CartItem> {
        self.items.iter_mut().find(|i| i.item_id == item_id)
    }

    fn item_for(&self, product: &ProductRef) -> Option<&CartItem> {
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
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cart {
    conference_id: Uuid,
    user: Uuid,
    /// The latest generation; None before the first `Open`.
    current: Option<CartGeneration>,
    /// Generations started so far.
    generations: u32,
    /// Every order that checked out a generation, with that generation's id.
    checkouts: Vec<(Uuid, Uuid)>,
}

impl Cart {
    /// The stream of the (conference, user) pair.
    pub fn stream_id(conference_id: Uuid, user: Uuid) -> Uuid {
        crate::natural_id("cart", &format!("{conference_id}/{user}"))
    }

    pub fn exists(&self) -> bool {
        self.current.is_some()
    }

    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }

    pub fn user(&self) -> Uuid {
        self.user
    }

    /// The current generation (open or not).
    pub fn current(&self) -> Option<&CartGeneration> {
        self.current.as_ref()
    }

    pub fn cart_id(&self) -> Option<Uuid> {
        self.current.as_ref().map(|c| c.cart_id)
    }

    pub fn status(&self) -> Option<CartStatus> {
        self.current.as_ref().map(|c| c.status)
    }

    pub fn expires_at(&self) -> Option<Timestamp> {
        self.current.as_ref().map(|c| c.expires_at)
    }

    pub fn items(&self) -> &[CartItem] {
        self.current.as_ref().map_or(&[], |c| &c.items)
    }

    pub fn voucher(&self) -> Option<&VoucherInfo> {
        self.current.as_ref().and_then(|c| c.voucher.as_ref())
    }

    pub fn generations(&self) -> u32 {
        self.generations
    }

    /// The generation `order_id` checked out, if any.
    pub fn checked_out_by(&self, order_id: Uuid) -> Option<Uuid> {
        self.checkouts
            .iter()
            .find(|(order, _)| *order == order_id)
            .map(|(_, cart)| *cart)
    }

    /// The current cart is open and not stale at `now`.
    pub fn is_open_at(&self, now: Timestamp) -> bool {
        self.current
            .as_ref()
            .is_some_and(|c| c.status == CartStatus::Open && !c.is_stale(now))
    }

    /// The current cart's items as pricing sees them (CART-40…49), in cart order.
    pub fn lines_for_pricing(&self) -> Vec<CartLine> {
        self.items()
            .iter()
            .map(|i| CartLine {
                line_id: i.item_id,
                product: i.product.clone(),
                unit_price: i.unit_price,
                quantity: i.quantity,
            })
            .collect()
    }

    fn evolve(&mut self, event: CartEvent) {
        use CartEvent::*;
        match event {
            CartOpened {
                cart_id,
                conference_id,
                user,
                expires_at,
                at,
            } => {
                self.conference_id = conference_id;
                self.user = user;
                self.generations += 1;
                self.current = Some(CartGeneration {
                    cart_id,
                    status: CartStatus::Open,
                    opened_at: at,
                    expires_at,
                    items: Vec::new(),
                    voucher: None,
                    order_id: None,
                });
            }
            CartCheckedOut {
                cart_id, order_id, ..
            } => {
                self.checkouts.push((order_id, cart_id));
                if let Some(cart) = self.generation_mut(cart_id) {
                    cart.status = CartStatus::CheckedOut;
                    cart.order_id = Some(order_id);
                }
            }
            other => {
                let Some(cart) = self.generation_mut(cart_id_of(&other)) else {
                    return;
                };
                evolve_generation(cart, other);
            }
        }
    }

    fn generation_mut(&mut self, cart_id: Uuid) -> Option<&mut CartGeneration> {
        self.current.as_mut().filter(|c| c.cart_id == cart_id)
    }
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

fn evolve_generation(cart: &mut CartGeneration, event: CartEvent) {
    use CartEvent::*;
    match event {
        CartExpired { .. } => cart.status = CartStatus::Expired,
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
                item_id,
                product,
                name,
                unit_price,
                quantity,
                requires,
            });
            cart.expires_at = expires_at;
        }
        ItemQuantityChanged {
            item_id,
            quantity,
            unit_price,
            expires_at,
            ..
        } => {
            if let Some(item) = cart.item_mut(item_id) {
                item.quantity = quantity;
                item.unit_price = unit_price;
            }
            cart.expires_at = expires_at;
        }
        ItemRemoved { item_id, .. } => cart.items.retain(|i| i.item_id != item_id),
        VoucherApplied { voucher, .. } => cart.voucher = Some(voucher),
        VoucherRemoved { .. } => cart.voucher = None,
        CartOpened { .. } | CartCheckedOut { .. } => {}
    }
}

/// CART-5: now + the conference's cart_expiry_minutes.
fn slide(now: Timestamp, minutes: u32) -> Timestamp {
    TimeDelta::try_minutes(i64::from(minutes))
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now)
}

impl Aggregate for Cart {
    const TYPE: &'static str = "cart";
    type Command = CartCommand;
    type Event = CartEvent;
    type Error = CartError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for fact in self.decide(command, services.now())? {
            sink.write(fact, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.evolve(event)
    }
}

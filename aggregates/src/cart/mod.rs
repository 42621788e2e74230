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
mod record;
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
pub use record::CartRecord;

pub use crate::inventory::Offer;
use crate::pricing::{ProductKind, ProductRef, ProductScope};
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cart {
    conference_id: Uuid,
    user: Uuid,
    /// The latest generation; None before the first `Open`.
    current: Option<CartRecord>,
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
    pub fn current(&self) -> Option<&CartRecord> {
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
        self.current.as_ref().is_some_and(|c| c.is_open_at(now))
    }

    fn evolve(&mut self, event: CartEvent) {
        if let Some(opened) = CartRecord::opened(&event) {
            self.conference_id = opened.conference_id;
            self.user = opened.user;
            self.generations += 1;
            self.current = Some(opened);
            return;
        }
        if let CartEvent::CartCheckedOut {
            cart_id, order_id, ..
        } = &event
        {
            self.checkouts.push((*order_id, *cart_id));
        }
        if let Some(cart) = self.current.as_mut() {
            cart.evolve(&event);
        }
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

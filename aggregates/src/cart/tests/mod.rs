//! Given/when/then tests of the cart, one per SPEC rule.

mod addons;
mod lifecycle;
mod terminal;
mod tickets;
mod vouchers;

use chrono::{TimeDelta, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::*;
use crate::pricing::ProductRef;

pub(super) fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// t0 + `n` minutes (negative: before).
pub(super) fn mins(n: i64) -> Timestamp {
    t0() + TimeDelta::minutes(n)
}

pub(super) fn id(name: &str) -> Uuid {
    crate::natural_id("test", name)
}

pub(super) fn conf() -> Uuid {
    id("conference")
}

pub(super) fn user() -> Uuid {
    id("ana")
}

pub(super) fn cart1() -> Uuid {
    id("cart-1")
}

pub(super) fn framework() -> TestFramework<Cart> {
    framework_at(t0())
}

pub(super) fn framework_at(now: Timestamp) -> TestFramework<Cart> {
    TestFramework::with(DomainServices::at(now))
}

/// Cart 1, opened 10 minutes before t0, expiring 20 minutes after.
pub(super) fn opened() -> CartEvent {
    CartEvent::CartOpened {
        cart_id: cart1(),
        conference_id: conf(),
        user: user(),
        expires_at: mins(20),
        at: mins(-10),
    }
}

pub(super) fn ticket(slug: &str, price: i64) -> Offer {
    Offer {
        product: ProductRef::ticket(slug),
        name: slug.to_string(),
        unit_price: Decimal::from(price),
        unavailable: None,
        remaining: None,
        limit_per_user: Some(10),
        purchased: 0,
        requires_voucher: false,
        requires: Vec::new(),
        global_remaining: None,
        total_capacity: 0,
    }
}

pub(super) fn addon(slug: &str, price: i64, requires: &[&str]) -> Offer {
    Offer {
        product: ProductRef::addon(slug),
        limit_per_user: None,
        requires: requires.iter().map(|s| s.to_string()).collect(),
        ..ticket(slug, price)
    }
}

/// The item `name` added at t0 from `offer` (expiry slid to t0 + 30).
pub(super) fn added(name: &str, offer: &Offer, quantity: u32) -> CartEvent {
    CartEvent::ItemAdded {
        cart_id: cart1(),
        item_id: id(name),
        product: offer.product.clone(),
        name: offer.name.clone(),
        unit_price: offer.unit_price,
        quantity,
        requires: offer.requires.clone(),
        expires_at: mins(30),
        at: t0(),
    }
}

pub(super) fn changed(name: &str, quantity: u32, price: i64) -> CartEvent {
    CartEvent::ItemQuantityChanged {
        cart_id: cart1(),
        item_id: id(name),
        quantity,
        unit_price: Decimal::from(price),
        expires_at: mins(30),
        at: t0(),
    }
}

pub(super) fn removed(name: &str, product: ProductRef, cascaded: bool) -> CartEvent {
    CartEvent::ItemRemoved {
        cart_id: cart1(),
        item_id: id(name),
        product,
        cascaded,
        at: t0(),
    }
}

pub(super) fn add_ticket(name: &str, offer: Offer, quantity: i64) -> CartCommand {
    CartCommand::AddTicket {
        item_id: id(name),
        offer,
        quantity,
        voucher: None,
        expiry_minutes: 30,
    }
}

pub(super) fn add_addon(name: &str, offer: Offer, quantity: i64) -> CartCommand {
    CartCommand::AddAddon {
        item_id: id(name),
        offer,
        quantity,
        expiry_minutes: 30,
    }
}

pub(super) fn update(name: &str, offer: Offer, quantity: i64) -> CartCommand {
    CartCommand::UpdateQuantity {
        item_id: id(name),
        quantity,
        offer,
        expiry_minutes: 30,
    }
}

pub(super) fn voucher(code: &str, unlocks_hidden: bool) -> VoucherInfo {
    VoucherInfo {
        code: code.to_string(),
        unlocks_hidden,
        scope: crate::pricing::ProductScope::all(),
    }
}

pub(super) fn voucher_applied(info: VoucherInfo) -> CartEvent {
    CartEvent::VoucherApplied {
        cart_id: cart1(),
        voucher: info,
        at: mins(-5),
    }
}

/// The state after `events`.
pub(super) fn state(events: Vec<CartEvent>) -> Cart {
    let mut cart = Cart::default();
    for event in events {
        cart.apply(event);
    }
    cart
}

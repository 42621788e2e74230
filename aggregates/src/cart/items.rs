//! Adding, updating and removing cart items (CART-6, CART-10…30), validated against
//! the inventory's [`Offer`] and the cart's own items; the terminal's unchecked
//! replacement of them all (PAY-39).

use uuid::Uuid;

use super::{CartError, CartEvent, CartRecord, Offer, ReplacementItem, VoucherInfo};
use crate::Timestamp;
use crate::pricing::{MAX_QUANTITY, ProductKind, is_within_bounds};

/// CART-10: guard (done by the caller), quantity, conference (the offer comes from the
/// conference's inventory: a ticket of it), availability, stock, per-user limit,
/// global capacity, voucher requirement.
pub(super) fn add_ticket(
    cart: &CartRecord,
    item_id: Uuid,
    offer: &Offer,
    quantity: i64,
    voucher: Option<&VoucherInfo>,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<Vec<CartEvent>, CartError> {
    let qty = at_least_one(quantity)?;
    if offer.product.kind != ProductKind::Ticket {
        return Err(CartError::TicketTypeNotFound);
    }
    let name = &offer.name;
    if offer.unavailable.is_some() {
        return Err(CartError::TicketUnavailable { name: name.clone() });
    }
    let in_cart = cart.item_for(&offer.product).map_or(0, |i| i.quantity);
    let wanted = u64::from(in_cart) + u64::from(qty);
    check_ticket_stock(offer, wanted)?; // CART-11
    if let Some(limit) = offer.limit_per_user
        && wanted + u64::from(offer.purchased) > u64::from(limit)
    {
        return Err(CartError::PerUserLimit {
            name: name.clone(),
            quantity: qty,
            limit,
        }); // CART-12
    }
    check_capacity(offer, u64::from(cart.ticket_quantity()) + u64::from(qty))?; // CART-14
    if offer.requires_voucher {
        // CART-15, CART-16: validity is not re-checked.
        let Some(voucher) = voucher.filter(|v| v.unlocks_hidden) else {
            return Err(CartError::VoucherRequired { name: name.clone() });
        };
        if !voucher.scope.tickets.covers(&offer.product.slug) {
            return Err(CartError::VoucherDoesNotCover { name: name.clone() });
        }
    }
    add_or_increment(cart, item_id, offer, qty, Vec::new(), expires_at, now)
}

/// CART-20: guard (done by the caller), quantity, conference, availability (CAT-7),
/// prerequisite, stock. No per-user limit or capacity (CART-23).
pub(super) fn add_addon(
    cart: &CartRecord,
    item_id: Uuid,
    offer: &Offer,
    quantity: i64,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<Vec<CartEvent>, CartError> {
    let qty = at_least_one(quantity)?;
    if offer.product.kind != ProductKind::Addon {
        return Err(CartError::AddonNotFound);
    }
    if let Some(message) = &offer.unavailable {
        return Err(CartError::AddonUnavailable {
            message: message.clone(),
        });
    }
    if !offer.requires.is_empty() && !has_any_ticket(cart, &offer.requires, None) {
        let mut required = offer.requires.clone();
        required.sort();
        return Err(CartError::AddonRequiresTicket {
            name: offer.name.clone(),
            required: required.join(", "),
        }); // CART-21
    }
    let in_cart = cart.item_for(&offer.product).map_or(0, |i| i.quantity);
    check_addon_stock(offer, u64::from(in_cart) + u64::from(qty))?; // CART-22
    add_or_increment(
        cart,
        item_id,
        offer,
        qty,
        offer.requires.clone(),
        expires_at,
        now,
    )
}

/// CART-27…30: ≤ 0 removes; otherwise stock, per-user limit and capacity against the
/// new quantity (tickets), or stock (add-ons). Active flag, window, voucher
/// requirement and prerequisites are not re-checked.
pub(super) fn update_quantity(
    cart: &CartRecord,
    item_id: Uuid,
    quantity: i64,
    offer: &Offer,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<Vec<CartEvent>, CartError> {
    if quantity <= 0 {
        return remove(cart, item_id, now);
    }
    let item = cart.item(item_id).ok_or(CartError::ItemNotFound)?;
    if offer.product != item.product {
        return Err(CartError::OfferMismatch);
    }
    let qty = at_least_one(quantity)?;
    check_price(offer)?;
    if item.is_ticket() {
        check_ticket_stock(offer, u64::from(qty))?;
        if let Some(limit) = offer.limit_per_user
            && u64::from(offer.purchased) + u64::from(qty) > u64::from(limit)
        {
            return Err(CartError::PerUserLimitOnUpdate {
                name: offer.name.clone(),
                quantity: qty,
                limit,
            });
        }
        let others = cart.ticket_quantity().saturating_sub(item.quantity);
        check_capacity(offer, u64::from(others) + u64::from(qty))?;
    } else {
        check_addon_stock(offer, u64::from(qty))?;
    }
    Ok(vec![CartEvent::ItemQuantityChanged {
        cart_id: cart.cart_id,
        item_id,
        quantity: qty,
        unit_price: offer.unit_price,
        expires_at,
        at: now,
    }])
}

/// CART-25/26: removing a ticket also removes every add-on whose non-empty
/// prerequisite list shares no ticket type with the tickets left.
pub(super) fn remove(
    cart: &CartRecord,
    item_id: Uuid,
    now: Timestamp,
) -> Result<Vec<CartEvent>, CartError> {
    let item = cart.item(item_id).ok_or(CartError::ItemNotFound)?;
    let removed = |item_id: Uuid, product, cascaded| CartEvent::ItemRemoved {
        cart_id: cart.cart_id,
        item_id,
        product,
        cascaded,
        at: now,
    };
    let mut facts = vec![removed(item_id, item.product.clone(), false)];
    if item.is_ticket() {
        for addon in cart.items.iter().filter(|i| !i.is_ticket()) {
            if !addon.requires.is_empty() && !has_any_ticket(cart, &addon.requires, Some(item_id)) {
                facts.push(removed(addon.item_id, addon.product.clone(), true));
            }
        }
    }
    Ok(facts)
}

/// PAY-39: the cart's items become exactly `items`, with no stock, limit, window,
/// prerequisite or capacity check. Items kept keep their id; removals come first,
/// then changes and additions in list order. Nothing changes: no facts.
pub(super) fn replace(
    cart: &CartRecord,
    items: Vec<ReplacementItem>,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<Vec<CartEvent>, CartError> {
    // One entry per product, in first-listed order (CART-6).
    let mut wanted: Vec<(Uuid, Offer, u32)> = Vec::new();
    for item in items.into_iter().filter(|i| i.quantity > 0) {
        let qty = u32::try_from(item.quantity).map_err(|_| CartError::QuantityTooHigh)?;
        match wanted
            .iter_mut()
            .find(|(_, o, _)| o.product == item.offer.product)
        {
            Some((_, _, total)) => {
                *total = total.checked_add(qty).ok_or(CartError::QuantityTooHigh)?
            }
            None => wanted.push((item.item_id, item.offer, qty)),
        }
    }
    if wanted.iter().any(|(_, _, qty)| *qty > MAX_QUANTITY) {
        return Err(CartError::QuantityTooHigh);
    }
    for (_, offer, _) in &wanted {
        check_price(offer)?;
    }
    let mut facts: Vec<CartEvent> = cart
        .items
        .iter()
        .filter(|i| !wanted.iter().any(|(_, o, _)| o.product == i.product))
        .map(|i| CartEvent::ItemRemoved {
            cart_id: cart.cart_id,
            item_id: i.item_id,
            product: i.product.clone(),
            cascaded: false,
            at: now,
        })
        .collect();
    let mut new_ids: Vec<Uuid> = Vec::new();
    for (item_id, offer, qty) in wanted {
        match cart.item_for(&offer.product) {
            Some(item) if item.quantity == qty && item.unit_price == offer.unit_price => {}
            Some(item) => facts.push(CartEvent::ItemQuantityChanged {
                cart_id: cart.cart_id,
                item_id: item.item_id,
                quantity: qty,
                unit_price: offer.unit_price,
                expires_at,
                at: now,
            }),
            None => {
                if cart.item(item_id).is_some() || new_ids.contains(&item_id) {
                    return Err(CartError::DuplicateItemId);
                }
                new_ids.push(item_id);
                facts.push(CartEvent::ItemAdded {
                    cart_id: cart.cart_id,
                    item_id,
                    product: offer.product,
                    name: offer.name,
                    unit_price: offer.unit_price,
                    quantity: qty,
                    requires: offer.requires,
                    expires_at,
                    at: now,
                });
            }
        }
    }
    Ok(facts)
}

/// CAT-1's bounds: a price stored before they were enforced is not sold (it could
/// not be priced).
fn check_price(offer: &Offer) -> Result<(), CartError> {
    if is_within_bounds(offer.unit_price) {
        Ok(())
    } else {
        Err(CartError::PriceOutOfBounds {
            name: offer.name.clone(),
        })
    }
}

fn at_least_one(quantity: i64) -> Result<u32, CartError> {
    if quantity < 1 {
        return Err(CartError::QuantityTooLow);
    }
    match u32::try_from(quantity) {
        Ok(qty) if qty <= MAX_QUANTITY => Ok(qty),
        _ => Err(CartError::QuantityTooHigh),
    }
}

/// Whether the cart holds a ticket with one of `slugs`, leaving out `except`.
fn has_any_ticket(cart: &CartRecord, slugs: &[String], except: Option<Uuid>) -> bool {
    cart.items
        .iter()
        .filter(|i| i.is_ticket() && Some(i.item_id) != except)
        .any(|i| slugs.contains(&i.product.slug))
}

fn below(remaining: Option<i64>, wanted: u64) -> Option<i64> {
    remaining.filter(|r| i128::from(*r) < i128::from(wanted))
}

/// CART-11 / CART-28.
fn check_ticket_stock(offer: &Offer, wanted: u64) -> Result<(), CartError> {
    match below(offer.remaining, wanted) {
        Some(remaining) => Err(CartError::TicketStock {
            name: offer.name.clone(),
            remaining,
        }),
        None => Ok(()),
    }
}

/// CART-22 / CART-29.
fn check_addon_stock(offer: &Offer, wanted: u64) -> Result<(), CartError> {
    match below(offer.remaining, wanted) {
        Some(remaining) => Err(CartError::AddonStock {
            name: offer.name.clone(),
            remaining,
        }),
        None => Ok(()),
    }
}

/// CAT-13 with the desired ticket total of CART-14 / CART-28.
fn check_capacity(offer: &Offer, desired: u64) -> Result<(), CartError> {
    match below(offer.global_remaining, desired) {
        Some(remaining) if remaining <= 0 => Err(CartError::SoldOut {
            capacity: offer.total_capacity,
        }),
        Some(remaining) => Err(CartError::CapacityExceeded {
            remaining,
            capacity: offer.total_capacity,
        }),
        None => Ok(()),
    }
}

/// CART-6: one item per product; adding again increments it. CART-5: slides expiry.
fn add_or_increment(
    cart: &CartRecord,
    item_id: Uuid,
    offer: &Offer,
    qty: u32,
    requires: Vec<String>,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<Vec<CartEvent>, CartError> {
    check_price(offer)?;
    if let Some(item) = cart.item_for(&offer.product) {
        let quantity = item.quantity.saturating_add(qty);
        if quantity > MAX_QUANTITY {
            return Err(CartError::QuantityTooHigh);
        }
        return Ok(vec![CartEvent::ItemQuantityChanged {
            cart_id: cart.cart_id,
            item_id: item.item_id,
            quantity,
            unit_price: offer.unit_price,
            expires_at,
            at: now,
        }]);
    }
    if cart.item(item_id).is_some() {
        return Err(CartError::DuplicateItemId);
    }
    Ok(vec![CartEvent::ItemAdded {
        cart_id: cart.cart_id,
        item_id,
        product: offer.product.clone(),
        name: offer.name.clone(),
        unit_price: offer.unit_price,
        quantity: qty,
        requires,
        expires_at,
        at: now,
    }])
}

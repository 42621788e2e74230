//! Cart decisions: lifecycle, voucher and checkout here; items in `items.rs`.

use uuid::Uuid;

use super::{
    Cart, CartCommand, CartError, CartEvent, CartRecord, CartStatus, VoucherLookup, slide,
};
use crate::Timestamp;

impl Cart {
    /// Pure: state + command + now -> facts. No I/O, no clock. A refusal writes
    /// nothing.
    pub fn decide(&self, cmd: CartCommand, now: Timestamp) -> Result<Vec<CartEvent>, CartError> {
        use CartCommand::*;
        match cmd {
            Open {
                cart_id,
                conference_id,
                user,
                expiry_minutes,
            } => self.open(cart_id, conference_id, user, expiry_minutes, now),
            Expire => Ok(self.expire(now)),
            CheckOut { cart_id, order_id } => self.check_out(cart_id, order_id, now),
            Expect {
                cart_id,
                items,
                voucher,
            } => {
                let seen = self.current.as_ref().is_some_and(|c| {
                    c.cart_id == cart_id
                        && c.voucher.as_ref().map(|v| &v.code) == voucher.as_ref()
                        && c.items.len() == items.len()
                        && c.items
                            .iter()
                            .zip(&items)
                            .all(|(i, (id, q))| i.item_id == *id && i.quantity == *q)
                });
                if seen {
                    Ok(vec![])
                } else {
                    Err(CartError::Replaced)
                }
            }
            Sequence(commands) => {
                let mut scratch = self.clone();
                let mut facts = vec![];
                for command in commands {
                    for fact in scratch.decide(command, now)? {
                        scratch.evolve(fact.clone());
                        facts.push(fact);
                    }
                }
                Ok(facts)
            }
            AddTicket {
                item_id,
                offer,
                quantity,
                voucher,
                expiry_minutes,
            } => {
                let cart = self.mutable(now)?;
                let voucher = match (voucher, &cart.voucher) {
                    (Some(fresh), Some(applied)) if fresh.code == applied.code => Some(fresh),
                    (_, applied) => applied.clone(),
                };
                super::items::add_ticket(
                    cart,
                    item_id,
                    &offer,
                    quantity,
                    voucher.as_ref(),
                    slide(now, expiry_minutes),
                    now,
                )
            }
            AddAddon {
                item_id,
                offer,
                quantity,
                expiry_minutes,
            } => super::items::add_addon(
                self.mutable(now)?,
                item_id,
                &offer,
                quantity,
                slide(now, expiry_minutes),
                now,
            ),
            UpdateQuantity {
                item_id,
                quantity,
                offer,
                expiry_minutes,
            } => super::items::update_quantity(
                self.mutable(now)?,
                item_id,
                quantity,
                &offer,
                slide(now, expiry_minutes),
                now,
            ),
            RemoveItem { item_id } => super::items::remove(self.mutable(now)?, item_id, now),
            ReplaceItems {
                items,
                expiry_minutes,
            } => super::items::replace(self.mutable(now)?, items, slide(now, expiry_minutes), now),
            ApplyVoucher { code, voucher } => apply_voucher(self.mutable(now)?, code, voucher, now),
            RemoveVoucher => {
                let cart = self.mutable(now)?;
                Ok(cart
                    .voucher
                    .as_ref()
                    .map(|v| CartEvent::VoucherRemoved {
                        cart_id: cart.cart_id,
                        code: v.code.clone(),
                        at: now,
                    })
                    .into_iter()
                    .collect())
            }
        }
    }

    /// CART-4: expiry first (strictly before now), then status.
    fn mutable(&self, now: Timestamp) -> Result<&CartRecord, CartError> {
        let cart = self.current.as_ref().ok_or(CartError::NotFound)?;
        if cart.is_stale(now) {
            return Err(CartError::Expired);
        }
        if cart.status != CartStatus::Open {
            return Err(CartError::NotOpen);
        }
        Ok(cart)
    }

    /// CART-3: get-or-create.
    fn open(
        &self,
        cart_id: Uuid,
        conference_id: Uuid,
        user: Uuid,
        expiry_minutes: u32,
        now: Timestamp,
    ) -> Result<Vec<CartEvent>, CartError> {
        if self.exists() && (self.conference_id != conference_id || self.user != user) {
            return Err(CartError::WrongOwner);
        }
        let mut facts = Vec::new();
        if let Some(cart) = &self.current {
            if cart.is_open_at(now) {
                return Ok(facts); // the open cart is returned as is (not extended)
            }
            if cart.cart_id == cart_id {
                return Err(CartError::DuplicateCartId);
            }
            facts.extend(self.expire(now));
        }
        facts.push(CartEvent::CartOpened {
            cart_id,
            conference_id,
            user,
            expires_at: slide(now, expiry_minutes),
            at: now,
        });
        Ok(facts)
    }

    fn expire(&self, now: Timestamp) -> Vec<CartEvent> {
        self.current
            .as_ref()
            .filter(|c| c.status == CartStatus::Open && c.is_stale(now))
            .map(|c| CartEvent::CartExpired {
                cart_id: c.cart_id,
                at: now,
            })
            .into_iter()
            .collect()
    }

    /// ORDER-4: status, then expiry, then emptiness.
    fn check_out(
        &self,
        cart_id: Uuid,
        order_id: Uuid,
        now: Timestamp,
    ) -> Result<Vec<CartEvent>, CartError> {
        if self.checked_out_by(order_id) == Some(cart_id) {
            return Ok(vec![]); // re-sent step
        }
        let cart = self.current.as_ref().ok_or(CartError::NotFound)?;
        if cart.cart_id != cart_id {
            return Err(CartError::Replaced);
        }
        if cart.status != CartStatus::Open {
            return Err(CartError::NotOpenForCheckout);
        }
        if cart.is_stale(now) {
            return Err(CartError::Expired);
        }
        if cart.items.is_empty() {
            return Err(CartError::Empty);
        }
        Ok(vec![CartEvent::CartCheckedOut {
            cart_id,
            order_id,
            at: now,
        }])
    }
}

/// CART-35/36/38: replaces any voucher on the cart; consumes no use.
fn apply_voucher(
    cart: &CartRecord,
    code: String,
    lookup: Option<VoucherLookup>,
    now: Timestamp,
) -> Result<Vec<CartEvent>, CartError> {
    if code.trim().is_empty() {
        return Err(CartError::EmptyVoucherCode);
    }
    let Some(lookup) = lookup else {
        return Err(CartError::VoucherNotFound { code });
    };
    if !lookup.valid {
        return Err(CartError::VoucherInvalid { code });
    }
    if cart.voucher.as_ref() == Some(&lookup.info) {
        return Ok(vec![]);
    }
    Ok(vec![CartEvent::VoucherApplied {
        cart_id: cart.cart_id,
        voucher: lookup.info,
        at: now,
    }])
}

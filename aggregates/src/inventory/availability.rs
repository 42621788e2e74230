//! What the read side and the cart ask of the ledger: one product's offer to a user
//! (CART-10…30), and the availability of every product (CAT-2, CAT-4, CAT-7, CAT-16,
//! CAT-17).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Addon, Inventory, Offer, TicketType};
use crate::Timestamp;
use crate::pricing::{ProductKind, ProductRef, Window};

/// One product's stock and sale state at an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductAvailability {
    pub product: ProductRef,
    pub name: String,
    pub price: Decimal,
    /// 0 = unlimited.
    pub total_quantity: u32,
    /// In the paid set.
    pub sold: u64,
    /// In live holds.
    pub held: u64,
    /// CAT-2: total − sold − held; None = unlimited; may be negative.
    pub remaining: Option<i64>,
    /// Tickets: CAT-4. Add-ons: active, in window and stock left.
    pub available: bool,
    /// Tickets only (CAT-5).
    pub requires_voucher: bool,
    pub is_active: bool,
    pub window: Window,
}

impl Inventory {
    /// One product as a cart sees it at `now`, for `user`; None when the catalog has
    /// no such product.
    pub fn offer(&self, product: &ProductRef, user: Uuid, now: Timestamp) -> Option<Offer> {
        let global_remaining = self.global_remaining(now);
        let remaining = self.remaining(product, now);
        Some(match product.kind {
            ProductKind::Ticket => {
                let t = self.tickets.get(&product.slug)?;
                let unavailable = (!ticket_available(t, remaining, now))
                    .then(|| format!("Ticket type '{}' is not available.", t.name)); // CART-10
                Offer {
                    product: product.clone(),
                    name: t.name.clone(),
                    unit_price: t.price,
                    unavailable,
                    remaining,
                    limit_per_user: Some(t.limit_per_user),
                    purchased: self.purchased(user, &t.slug),
                    requires_voucher: t.requires_voucher,
                    requires: Vec::new(),
                    global_remaining,
                    total_capacity: self.total_capacity,
                }
            }
            ProductKind::Addon => {
                let a = self.addons.get(&product.slug)?;
                Offer {
                    product: product.clone(),
                    name: a.name.clone(),
                    unit_price: a.price,
                    unavailable: addon_unavailable(a, now),
                    remaining, // AMB-4: live holds count while editing too
                    limit_per_user: None,
                    purchased: 0,
                    requires_voucher: false,
                    requires: a.requires.clone(),
                    global_remaining,
                    total_capacity: self.total_capacity,
                }
            }
        })
    }

    /// Every product at `now`: ticket types then add-ons, each in display order.
    pub fn availability(&self, now: Timestamp) -> Vec<ProductAvailability> {
        let tickets = self.ticket_types().into_iter().map(|t| {
            let product = ProductRef::ticket(t.slug.clone());
            let remaining = self.remaining(&product, now);
            ProductAvailability {
                name: t.name.clone(),
                price: t.price,
                total_quantity: t.total_quantity,
                sold: self.sold(&product),
                held: self.held(&product, now),
                remaining,
                available: ticket_available(t, remaining, now),
                requires_voucher: t.requires_voucher,
                is_active: t.is_active,
                window: Window {
                    from: t.available_from,
                    until: t.available_until,
                },
                product,
            }
        });
        let addons = self.addons().into_iter().map(|a| {
            let product = ProductRef::addon(a.slug.clone());
            let remaining = self.remaining(&product, now);
            ProductAvailability {
                name: a.name.clone(),
                price: a.price,
                total_quantity: a.total_quantity,
                sold: self.sold(&product),
                held: self.held(&product, now),
                remaining,
                available: addon_unavailable(a, now).is_none() && remaining.is_none_or(|r| r > 0),
                requires_voucher: false,
                is_active: a.is_active,
                window: Window {
                    from: a.available_from,
                    until: a.available_until,
                },
                product,
            }
        });
        tickets.chain(addons).collect()
    }
}

/// CAT-4.
fn ticket_available(t: &TicketType, remaining: Option<i64>, now: Timestamp) -> bool {
    t.is_on_sale(now) && remaining.is_none_or(|r| r > 0)
}

/// CAT-7: why an add-on cannot be added now.
fn addon_unavailable(a: &Addon, now: Timestamp) -> Option<String> {
    if !a.is_active {
        Some(format!("Add-on '{}' is not active.", a.name))
    } else if a.available_from.is_some_and(|from| now < from) {
        Some(format!("Add-on '{}' is not yet available.", a.name))
    } else if a.available_until.is_some_and(|until| now > until) {
        Some(format!("Add-on '{}' is no longer available.", a.name))
    } else {
        None
    }
}

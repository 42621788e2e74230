//! The checks a hold re-runs on every line before it reserves anything (ORDER-5…8,
//! AMB-4, AMB-24, CAT-13). Each reads the counts at `now` (live holds included).

use std::collections::BTreeSet;

use uuid::Uuid;

use super::{HoldLine, Inventory, InventoryError};
use crate::Timestamp;
use crate::pricing::{self, ProductKind, ProductRef};

impl Inventory {
    /// ORDER-5: CAT-4 availability, then stock (paid + live holds).
    pub(super) fn check_ticket_line(
        &self,
        product: &ProductRef,
        qty: u64,
        now: Timestamp,
    ) -> Result<(), InventoryError> {
        let Some(ticket) = self.tickets.get(&product.slug) else {
            return Err(InventoryError::UnknownProduct {
                slug: product.slug.clone(),
            });
        };
        let remaining = self.remaining(product, now);
        if !ticket.is_on_sale(now) || remaining.is_some_and(|r| r <= 0) {
            return Err(InventoryError::TicketUnavailable {
                name: ticket.name.clone(),
            });
        }
        match remaining {
            Some(r) if r < to_i64(qty) => Err(InventoryError::NotEnoughTickets {
                name: ticket.name.clone(),
                remaining: r,
                requested: to_u32(qty),
            }),
            _ => Ok(()),
        }
    }

    /// ORDER-6/7 (AMB-4: stock counts live holds).
    pub(super) fn check_addon_line(
        &self,
        product: &ProductRef,
        qty: u64,
        ticket_slugs: &BTreeSet<&str>,
        now: Timestamp,
    ) -> Result<(), InventoryError> {
        let Some(addon) = self.addons.get(&product.slug) else {
            return Err(InventoryError::UnknownProduct {
                slug: product.slug.clone(),
            });
        };
        let name = addon.name.clone();
        if !addon.requires.is_empty()
            && !addon
                .requires
                .iter()
                .any(|slug| ticket_slugs.contains(slug.as_str()))
        {
            return Err(InventoryError::AddonPrerequisiteMissing { name });
        }
        if !addon.is_active {
            return Err(InventoryError::AddonInactive { name });
        }
        if addon.available_from.is_some_and(|from| now < from) {
            return Err(InventoryError::AddonNotYetAvailable { name });
        }
        if addon.available_until.is_some_and(|until| now > until) {
            return Err(InventoryError::AddonNoLongerAvailable { name });
        }
        match self.remaining(product, now) {
            Some(r) if r < to_i64(qty) => Err(InventoryError::NotEnoughAddons {
                name,
                remaining: r,
                requested: to_u32(qty),
            }),
            _ => Ok(()),
        }
    }

    /// ORDER-8, CAT-13: skipped without ticket lines or without a cap.
    pub(super) fn check_capacity(
        &self,
        desired: u64,
        now: Timestamp,
    ) -> Result<(), InventoryError> {
        let Some(remaining) = self.global_remaining(now) else {
            return Ok(());
        };
        if desired == 0 || to_i64(desired) <= remaining {
            return Ok(());
        }
        let capacity = self.total_capacity;
        Err(if remaining <= 0 {
            InventoryError::SoldOut { capacity }
        } else {
            InventoryError::CapacityExceeded {
                remaining,
                capacity,
            }
        })
    }

    /// AMB-24 (CART-12/13): paid + the user's live holds + this request.
    pub(super) fn check_user_limit(
        &self,
        product: &ProductRef,
        qty: u64,
        user: Uuid,
        now: Timestamp,
    ) -> Result<(), InventoryError> {
        let Some(ticket) = self.tickets.get(&product.slug) else {
            return Ok(());
        };
        let already = u64::from(self.purchased(user, &product.slug))
            + self.user_live_quantity(user, product, now);
        if already + qty > u64::from(ticket.limit_per_user) {
            return Err(InventoryError::PerUserLimit {
                name: ticket.name.clone(),
                quantity: to_u32(qty),
                limit: ticket.limit_per_user,
            });
        }
        Ok(())
    }

    /// AMB-24 (CART-15/16): a hidden ticket needs a voucher that exists, unlocks
    /// hidden tickets and covers it; its validity is DISC-5's business.
    pub(super) fn check_voucher_requirement(
        &self,
        product: &ProductRef,
        voucher: Option<&pricing::Voucher>,
    ) -> Result<(), InventoryError> {
        let Some(ticket) = self.tickets.get(&product.slug) else {
            return Ok(());
        };
        if !ticket.requires_voucher {
            return Ok(());
        }
        let name = ticket.name.clone();
        match voucher {
            Some(v) if v.unlocks_hidden && v.scope.covers(product) => Ok(()),
            Some(v) if v.unlocks_hidden => Err(InventoryError::VoucherDoesNotCover { name }),
            _ => Err(InventoryError::VoucherRequired { name }),
        }
    }
}

/// The requested quantity per product, in the order products first appear.
pub(super) fn requested(lines: &[HoldLine]) -> Vec<(ProductRef, u64)> {
    let mut out: Vec<(ProductRef, u64)> = Vec::new();
    for line in lines {
        match out.iter_mut().find(|(p, _)| *p == line.product) {
            Some((_, q)) => *q += u64::from(line.quantity),
            None => out.push((line.product.clone(), u64::from(line.quantity))),
        }
    }
    out
}

pub(super) fn requested_tickets(requested: &[(ProductRef, u64)]) -> u64 {
    requested
        .iter()
        .filter(|(p, _)| p.kind == ProductKind::Ticket)
        .map(|(_, q)| q)
        .sum()
}

pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn to_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

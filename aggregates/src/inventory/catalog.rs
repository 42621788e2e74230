//! The product catalog and the global capacity (CAT-1, CAT-6, CAT-10…14, CONF-4,
//! BOOT-16).

use rust_decimal::Decimal;

use super::{
    Addon, AddonPatch, Inventory, InventoryError, InventoryEvent, TicketType, TicketTypePatch,
};
use crate::{PartSlug, Timestamp};

impl Inventory {
    /// CAT-1: create or update a ticket type by slug.
    pub(super) fn define_ticket_type(
        &self,
        ticket: TicketType,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        use InventoryEvent::*;
        check_product(&ticket.slug, &ticket.name, ticket.price)?;
        Ok(match self.tickets.get(&ticket.slug) {
            Some(current) if *current == ticket => vec![],
            Some(_) => vec![TicketTypeUpdated { ticket, at: now }],
            None => vec![TicketTypeAdded { ticket, at: now }],
        })
    }

    /// CAT-1, CONF-10: the ticket type `slug` addresses with `patch` written in
    /// (a new one starts from the defaults), then defined as above.
    pub(super) fn save_ticket_type(
        &self,
        slug: PartSlug,
        patch: TicketTypePatch,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        let slug = part_slug(&slug, |s| self.tickets.contains_key(s))?;
        let mut ticket = self.tickets.get(&slug).cloned().unwrap_or_default();
        ticket.slug = slug;
        patch.apply_to(&mut ticket);
        self.define_ticket_type(ticket, now)
    }

    /// CAT-6, BOOT-16: create or update an add-on by slug.
    pub(super) fn define_addon(
        &self,
        mut addon: Addon,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        use InventoryEvent::*;
        check_product(&addon.slug, &addon.name, addon.price)?;
        // BOOT-16: the prerequisites are a set.
        addon.requires.sort();
        addon.requires.dedup();
        let unknown: Vec<String> = addon
            .requires
            .iter()
            .filter(|slug| !self.tickets.contains_key(*slug))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(InventoryError::UnknownPrerequisites {
                addon: addon.slug,
                slugs: unknown,
            });
        }
        Ok(match self.addons.get(&addon.slug) {
            Some(current) if *current == addon => vec![],
            Some(_) => vec![AddonUpdated { addon, at: now }],
            None => vec![AddonAdded { addon, at: now }],
        })
    }

    /// CAT-6, CONF-10: the add-on `slug` addresses with `patch` written in (a new
    /// one starts from the defaults), then defined as above.
    pub(super) fn save_addon(
        &self,
        slug: PartSlug,
        patch: AddonPatch,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        let slug = part_slug(&slug, |s| self.addons.contains_key(s))?;
        let mut addon = self.addons.get(&slug).cloned().unwrap_or_default();
        addon.slug = slug;
        patch.apply_to(&mut addon);
        self.define_addon(addon, now)
    }

    /// CONF-4: 0 = unlimited. Lowering it below what is sold is allowed (CAT-12:
    /// remaining may be negative).
    pub(super) fn set_capacity(&self, total_capacity: u32, now: Timestamp) -> Vec<InventoryEvent> {
        if total_capacity == self.total_capacity {
            return vec![];
        }
        vec![InventoryEvent::CapacitySet {
            total_capacity,
            at: now,
        }]
    }
}

pub(super) fn ticket_order(a: &TicketType, b: &TicketType) -> std::cmp::Ordering {
    (a.order, &a.name, &a.slug).cmp(&(b.order, &b.name, &b.slug))
}

pub(super) fn addon_order(a: &Addon, b: &Addon) -> std::cmp::Ordering {
    (a.order, &a.name, &a.slug).cmp(&(b.order, &b.name, &b.slug))
}

/// CAT-1: replaces the ticket type with the same slug (or adds it) and keeps the
/// list in display order (order, name). Shared with the read side.
pub fn upsert_ticket_type(tickets: &mut Vec<TicketType>, ticket: TicketType) {
    match tickets.iter_mut().find(|t| t.slug == ticket.slug) {
        Some(t) => *t = ticket,
        None => tickets.push(ticket),
    }
    tickets.sort_by(ticket_order);
}

/// Replaces the add-on with the same slug (or adds it) and keeps the list in
/// display order (order, name). Shared with the read side.
pub fn upsert_addon(addons: &mut Vec<Addon>, addon: Addon) {
    match addons.iter_mut().find(|a| a.slug == addon.slug) {
        Some(a) => *a = addon,
        None => addons.push(addon),
    }
    addons.sort_by(addon_order);
}

/// CONF-10: the slug a save addresses, unique among the products `taken` knows.
fn part_slug(slug: &PartSlug, taken: impl Fn(&str) -> bool) -> Result<String, InventoryError> {
    let slug = slug.resolve(taken);
    if crate::is_valid_slug(&slug) {
        Ok(slug)
    } else {
        Err(InventoryError::InvalidSlug)
    }
}

/// CAT-1: money is a decimal(10, 2): 2 fractional digits, never negative, at most
/// 99999999.99 (so that no cart of the catalog's products overflows its totals).
fn is_valid_price(price: Decimal) -> bool {
    crate::pricing::is_within_bounds(price) && price.normalize().scale() <= 2
}

fn check_product(slug: &str, name: &str, price: Decimal) -> Result<(), InventoryError> {
    if slug.trim().is_empty() || name.trim().is_empty() {
        return Err(InventoryError::InvalidProduct);
    }
    if !is_valid_price(price) {
        return Err(InventoryError::InvalidPrice);
    }
    Ok(())
}

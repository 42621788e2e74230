//! A conference's sales ledger (ARCHITECTURE §2): one per conference, the stream
//! that owns everything a checkout must check atomically. For now it holds the
//! product catalog: ticket types and add-ons (SPEC CAT-1, CAT-6, BOOT-16).

mod commands;
mod errors;
mod events;
mod model;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use cqrs_es::{Aggregate, event_sink::EventSink};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use commands::InventoryCommand;
pub use errors::InventoryError;
pub use events::InventoryEvent;
pub use model::{Addon, TicketType};

use crate::{DomainServices, Timestamp};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Inventory {
    created: bool,
    conference_id: Uuid,
    /// By slug.
    tickets: BTreeMap<String, TicketType>,
    /// By slug.
    addons: BTreeMap<String, Addon>,
}

impl Inventory {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }

    /// CAT-1: in display order (order, name).
    pub fn ticket_types(&self) -> Vec<&TicketType> {
        let mut all: Vec<&TicketType> = self.tickets.values().collect();
        all.sort_by(|a, b| ticket_order(a, b));
        all
    }

    /// In display order (order, name).
    pub fn addons(&self) -> Vec<&Addon> {
        let mut all: Vec<&Addon> = self.addons.values().collect();
        all.sort_by(|a, b| addon_order(a, b));
        all
    }

    pub fn ticket_type(&self, slug: &str) -> Option<&TicketType> {
        self.tickets.get(slug)
    }

    pub fn addon(&self, slug: &str) -> Option<&Addon> {
        self.addons.get(slug)
    }

    /// Pure: state + command + now -> facts. No I/O, no clock.
    pub fn decide(
        &self,
        cmd: InventoryCommand,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        use InventoryCommand::*;
        use InventoryEvent::*;
        if !self.created {
            return match cmd {
                Open { conference_id } => Ok(vec![InventoryOpened {
                    conference_id,
                    at: now,
                }]),
                _ => Err(InventoryError::NotFound),
            };
        }
        Ok(match cmd {
            Open { conference_id } if conference_id == self.conference_id => vec![],
            Open { .. } => return Err(InventoryError::AlreadyExists),
            DefineTicketType { ticket } => {
                check_product(&ticket.slug, &ticket.name, ticket.price)?;
                match self.tickets.get(&ticket.slug) {
                    Some(current) if *current == ticket => vec![],
                    Some(_) => vec![TicketTypeUpdated { ticket, at: now }],
                    None => vec![TicketTypeAdded { ticket, at: now }],
                }
            }
            DefineAddon { mut addon } => {
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
                match self.addons.get(&addon.slug) {
                    Some(current) if *current == addon => vec![],
                    Some(_) => vec![AddonUpdated { addon, at: now }],
                    None => vec![AddonAdded { addon, at: now }],
                }
            }
        })
    }

    fn evolve(&mut self, event: InventoryEvent) {
        use InventoryEvent::*;
        match event {
            InventoryOpened { conference_id, .. } => {
                self.created = true;
                self.conference_id = conference_id;
            }
            TicketTypeAdded { ticket, .. } | TicketTypeUpdated { ticket, .. } => {
                self.tickets.insert(ticket.slug.clone(), ticket);
            }
            AddonAdded { addon, .. } | AddonUpdated { addon, .. } => {
                self.addons.insert(addon.slug.clone(), addon);
            }
        }
    }
}

fn ticket_order(a: &TicketType, b: &TicketType) -> std::cmp::Ordering {
    (a.order, &a.name, &a.slug).cmp(&(b.order, &b.name, &b.slug))
}

fn addon_order(a: &Addon, b: &Addon) -> std::cmp::Ordering {
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

/// CAT-1: money is a decimal with 2 fractional digits, never negative.
fn is_valid_price(price: Decimal) -> bool {
    price >= Decimal::ZERO && price.normalize().scale() <= 2
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

impl Aggregate for Inventory {
    const TYPE: &'static str = "inventory";
    type Command = InventoryCommand;
    type Event = InventoryEvent;
    type Error = InventoryError;
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

//! A conference's sales ledger: one per conference, the stream
//! that owns everything a checkout must check atomically: the product catalog
//! (CAT-1, CAT-6, BOOT-16), the global capacity (CAT-10…14), vouchers and discount
//! conditions with their uses (DISC-*), live holds with expiry, and the paid set's
//! per-product and per-user counts (ORDER-*, AMB-4/6/7/22/24).
//!
//! Files: `catalog` (products, capacity), `vouchers` (vouchers, conditions),
//! `holds` (checkout reservations and how they end), `checkout` (the line checks a
//! hold re-runs), `ledger` (the counts), `availability` (queries for carts and the
//! read side).

mod availability;
mod catalog;
mod checkout;
mod commands;
mod errors;
mod events;
mod holds;
mod ledger;
mod model;
mod offer;
mod patch;
#[cfg(test)]
mod tests;
mod vouchers;

use std::collections::{BTreeMap, BTreeSet};

use cqrs_es::{Aggregate, event_sink::EventSink};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use availability::ProductAvailability;
pub use catalog::{upsert_addon, upsert_ticket_type};
pub use commands::InventoryCommand;
pub use errors::InventoryError;
pub use events::InventoryEvent;
pub use holds::{HeldLine, HoldLine, HoldRecord, HoldStatus, ReleaseReason, VoucherSnapshot};
pub use model::{Addon, TicketType};
pub use offer::Offer;
pub use patch::{AddonPatch, TicketTypePatch};
pub use vouchers::VoucherState;

use crate::pricing::{Condition, Voucher};
use crate::{DomainServices, Timestamp};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Inventory {
    created: bool,
    conference_id: Uuid,
    /// By slug.
    tickets: BTreeMap<String, TicketType>,
    /// By slug.
    addons: BTreeMap<String, Addon>,
    /// CONF-4: 0 = unlimited.
    total_capacity: u32,
    /// By code; `uses` are the permanent uses (sold orders, DISC-4).
    vouchers: BTreeMap<String, Voucher>,
    /// In definition order; `times_used` as counted (DISC-40).
    conditions: Vec<Condition>,
    /// Every hold ever taken, by order id.
    holds: BTreeMap<Uuid, HoldRecord>,
    /// The ids of the holds whose status is `Held`.
    pending: BTreeSet<Uuid>,
    /// The paid set per product.
    sold: ledger::SoldCounts,
    /// CART-13: the paid set's ticket quantities per user and ticket slug.
    purchased: BTreeMap<Uuid, BTreeMap<String, u32>>,
    /// Indexes of the `pending` holds, kept by the folds: their quantities per
    /// product, and the holds by expiry, user and voucher. A count "at now" then
    /// costs the few holds already past their expiry, not every hold: during a
    /// rush the ledger holds thousands and decides on each checkout.
    #[serde(default)]
    pending_index: ledger::PendingIndex,
    /// SPONSOR-20: the voucher codes linked to each bulk purchase.
    #[serde(default)]
    bulk: BTreeMap<Uuid, Vec<String>>,
}

impl Inventory {
    pub fn exists(&self) -> bool {
        self.created
    }

    pub fn conference_id(&self) -> Uuid {
        self.conference_id
    }

    /// CONF-4: 0 = unlimited.
    pub fn total_capacity(&self) -> u32 {
        self.total_capacity
    }

    /// CAT-1: in display order (order, name).
    pub fn ticket_types(&self) -> Vec<&TicketType> {
        let mut all: Vec<&TicketType> = self.tickets.values().collect();
        all.sort_by(|a, b| catalog::ticket_order(a, b));
        all
    }

    /// In display order (order, name).
    pub fn addons(&self) -> Vec<&Addon> {
        let mut all: Vec<&Addon> = self.addons.values().collect();
        all.sort_by(|a, b| catalog::addon_order(a, b));
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
        if !self.created {
            return match cmd {
                Open { conference_id } => Ok(vec![InventoryEvent::InventoryOpened {
                    conference_id,
                    at: now,
                }]),
                _ => Err(InventoryError::NotFound),
            };
        }
        match cmd {
            Open { conference_id } if conference_id == self.conference_id => Ok(vec![]),
            Open { .. } => Err(InventoryError::AlreadyExists),
            DefineTicketType { ticket } => self.define_ticket_type(ticket, now),
            SaveTicketType { slug, patch } => self.save_ticket_type(slug, patch, now),
            DefineAddon { addon } => self.define_addon(addon, now),
            SaveAddon { slug, patch } => self.save_addon(slug, patch, now),
            SetCapacity { total_capacity } => Ok(self.set_capacity(total_capacity, now)),
            CreateVoucher { voucher } => self.create_voucher(voucher, now),
            GenerateVouchers {
                prefix,
                count,
                template,
                codes,
            } => self.generate_vouchers(prefix, count, template, codes, now),
            IssueSponsorVouchers { codes } => self.issue_sponsor_vouchers(codes, now),
            IssueBulkVouchers {
                purchase_id,
                quantity,
                prefix,
                template,
                candidates,
            } => self.issue_bulk_vouchers(purchase_id, quantity, prefix, template, candidates, now),
            DeactivateBulkVouchers { purchase_id } => {
                Ok(self.deactivate_bulk_vouchers(purchase_id, now))
            }
            DeactivateVoucher { code } => self.deactivate_voucher(code, now),
            DefineCondition { condition } => self.define_condition(condition, now),
            Hold {
                order_id,
                user,
                lines,
                voucher_code,
                owner,
                expires_at,
            } => self.take_hold(
                holds::HoldRequest {
                    order_id,
                    user,
                    lines,
                    voucher_code,
                    owner,
                    expires_at,
                },
                now,
            ),
            ReleaseHold { order_id, reason } => self.release(order_id, reason, now),
            ExpireHolds => Ok(self.expire(now)),
            ConfirmSale { order_id } => self.confirm_sale(order_id, now),
            RecordSale {
                order_id,
                user,
                lines,
            } => Ok(self.record_sale(order_id, user, lines, now)),
            ReturnSale { order_id } => self.return_sale(order_id, now),
        }
    }

    /// Fold only: no checks, cannot fail.
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
            CapacitySet { total_capacity, .. } => self.total_capacity = total_capacity,
            VoucherCreated { voucher, .. } => {
                self.vouchers.insert(voucher.code.clone(), voucher);
            }
            VouchersGenerated { vouchers, .. } => {
                for voucher in vouchers {
                    self.vouchers.insert(voucher.code.clone(), voucher);
                }
            }
            BulkVouchersIssued {
                purchase_id,
                vouchers,
                ..
            } => {
                let linked = self.bulk.entry(purchase_id).or_default();
                for voucher in vouchers {
                    linked.push(voucher.code.clone());
                    self.vouchers.insert(voucher.code.clone(), voucher);
                }
            }
            VoucherDeactivated { code, .. } => {
                if let Some(v) = self.vouchers.get_mut(&code) {
                    v.is_active = false;
                }
            }
            ConditionDefined { condition, .. } => {
                match self.conditions.iter_mut().find(|c| c.id == condition.id) {
                    Some(c) => *c = condition,
                    None => self.conditions.push(condition),
                }
            }
            ItemsHeld {
                order_id,
                user,
                lines,
                pricing,
                voucher,
                condition_usage,
                expires_at,
                ..
            } => {
                for (id, count) in condition_usage {
                    self.count_condition_use(id, count);
                }
                self.record_hold(HoldRecord {
                    order_id,
                    user,
                    lines,
                    voucher_code: voucher.as_ref().map(|v| v.code.clone()),
                    voucher,
                    pricing,
                    expires_at,
                    status: HoldStatus::Held,
                });
            }
            HoldReleased {
                order_id, reason, ..
            } => {
                let status = match reason {
                    ReleaseReason::Cancelled => HoldStatus::Cancelled,
                    ReleaseReason::Expired => HoldStatus::Expired,
                };
                self.close_hold(order_id, status);
            }
            HoldExpired { order_id, .. } => self.close_hold(order_id, HoldStatus::Expired),
            HoldConverted { order_id, .. } => self.convert_hold(order_id),
            SaleRecorded {
                order_id,
                user,
                lines,
                at,
                ..
            } => self.record_direct_sale(order_id, user, lines, at),
            SaleReturned { order_id, .. } => self.return_hold(order_id),
        }
    }
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

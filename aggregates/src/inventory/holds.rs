//! Holds: what a checkout reserves (ORDER-5…15, AMB-24, DISC-5, DISC-40/41), and
//! how a hold ends: released (ORDER-18), expired (ORDER-20), sold (AMB-6/7),
//! returned after a full refund (CAT-3).
//!
//! A hold is **live** while it is held (neither released, expired nor sold) and its
//! `expires_at` is strictly after now: an expired hold never counts, even before the
//! sweeper records its expiry.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::checkout::{requested, requested_tickets};
use super::{Inventory, InventoryError, InventoryEvent};
use crate::Timestamp;
use crate::pricing::{
    self, CartLine, CartOwner, PricingContext, ProductKind, ProductRef, VoucherKind,
};

/// One line a checkout asks to hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldLine {
    pub product: ProductRef,
    pub quantity: u32,
}

/// One held line as sold: the product name and unit price at checkout (ORDER-14,
/// CAT-18).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldLine {
    pub product: ProductRef,
    pub name: String,
    pub unit_price: Decimal,
    pub quantity: u32,
}

/// ORDER-13: the voucher as it was at checkout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoucherSnapshot {
    pub code: String,
    pub kind: VoucherKind,
    pub value: Decimal,
    pub unlocks_hidden: bool,
}

/// Why a hold was given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// ORDER-17/18.
    Cancelled,
    /// ORDER-20.
    Expired,
}

/// Where a hold stands; stored lower_snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    /// Reserved until `expires_at` (live only while `expires_at` > now).
    Held,
    Cancelled,
    Expired,
    /// In the paid set (paid or partially refunded).
    Sold,
    /// Fully refunded: the stock is back, the voucher use is not (DISC-6).
    Returned,
}

/// One order's reservation in the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldRecord {
    pub order_id: Uuid,
    pub user: Uuid,
    pub lines: Vec<HeldLine>,
    pub voucher_code: Option<String>,
    /// What the checkout priced and the order records (ORDER-11…14).
    pub voucher: Option<VoucherSnapshot>,
    pub pricing: crate::pricing::PricingSummary,
    pub expires_at: Timestamp,
    pub status: HoldStatus,
}

impl HoldRecord {
    /// Held and `expires_at` strictly after `now` (CAT-2).
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.status == HoldStatus::Held && self.expires_at > now
    }

    /// Σ quantity of `product` over the lines.
    pub fn quantity_of(&self, product: &ProductRef) -> u64 {
        self.lines
            .iter()
            .filter(|l| l.product == *product)
            .map(|l| u64::from(l.quantity))
            .sum()
    }

    /// Σ ticket quantities (CAT-10, CAT-11: add-ons never count).
    pub fn ticket_quantity(&self) -> u64 {
        self.lines
            .iter()
            .filter(|l| l.product.kind == ProductKind::Ticket)
            .map(|l| u64::from(l.quantity))
            .sum()
    }
}

/// The `Hold` command's fields.
pub(super) struct HoldRequest {
    pub order_id: Uuid,
    pub user: Uuid,
    pub lines: Vec<HoldLine>,
    pub voucher_code: Option<String>,
    pub owner: CartOwner,
    pub expires_at: Timestamp,
}

impl Inventory {
    /// ORDER-5…15 and AMB-24, in this order: ticket lines (availability, stock),
    /// add-on lines (prerequisite, active, window, stock), global capacity, per-user
    /// limits, hidden-ticket voucher requirement, pricing, voucher validity and a
    /// free use (DISC-5), condition usage (DISC-40/41).
    pub(super) fn take_hold(
        &self,
        req: HoldRequest,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        if self.holds.contains_key(&req.order_id) {
            return Ok(vec![]); // the process manager's step again
        }
        if req.lines.is_empty() {
            return Err(InventoryError::EmptyHold);
        }
        if req
            .lines
            .iter()
            .any(|l| l.quantity == 0 || l.quantity > pricing::MAX_QUANTITY)
        {
            return Err(InventoryError::InvalidQuantity);
        }
        if req.expires_at <= now {
            return Err(InventoryError::InvalidHoldExpiry);
        }
        let requested = requested(&req.lines);
        let ticket_slugs: BTreeSet<&str> = requested
            .iter()
            .filter(|(p, _)| p.kind == ProductKind::Ticket)
            .map(|(p, _)| p.slug.as_str())
            .collect();
        let mut held = Vec::with_capacity(req.lines.len());
        for line in &req.lines {
            let (name, unit_price) =
                self.product_name_and_price(&line.product).ok_or_else(|| {
                    InventoryError::UnknownProduct {
                        slug: line.product.slug.clone(),
                    }
                })?;
            held.push(HeldLine {
                product: line.product.clone(),
                name: name.to_string(),
                unit_price,
                quantity: line.quantity,
            });
        }

        for (product, qty) in requested
            .iter()
            .filter(|(p, _)| p.kind == ProductKind::Ticket)
        {
            self.check_ticket_line(product, *qty, now)?;
        }
        for (product, qty) in requested
            .iter()
            .filter(|(p, _)| p.kind == ProductKind::Addon)
        {
            self.check_addon_line(product, *qty, &ticket_slugs, now)?;
        }
        self.check_capacity(requested_tickets(&requested), now)?;
        for (product, qty) in requested
            .iter()
            .filter(|(p, _)| p.kind == ProductKind::Ticket)
        {
            self.check_user_limit(product, *qty, req.user, now)?;
        }
        let voucher = req
            .voucher_code
            .as_ref()
            .and_then(|code| self.vouchers.get(code));
        for (product, _) in requested
            .iter()
            .filter(|(p, _)| p.kind == ProductKind::Ticket)
        {
            self.check_voucher_requirement(product, voucher)?;
        }

        // ORDER-9: pricing with the current unit prices, then the voucher must still
        // be valid with a free use (DISC-5).
        let cart: Vec<CartLine> = held
            .iter()
            .enumerate()
            .map(|(i, l)| CartLine {
                line_id: Uuid::from_u128(i as u128 + 1),
                product: l.product.clone(),
                unit_price: l.unit_price,
                quantity: l.quantity,
            })
            .collect();
        // DISC-33: what the owner bought is the ledger's own fact, exact at this
        // decision; the command brings only the facts kept elsewhere.
        let mut owner = req.owner;
        owner
            .paid_ticket_types
            .extend(self.owner_facts(req.user).paid_ticket_types);
        let ctx = PricingContext { now, owner };
        let summary = pricing::price(&cart, voucher, &self.conditions, &ctx)?;
        let snapshot = match (&req.voucher_code, voucher) {
            (None, _) => None,
            (Some(code), Some(v)) if self.voucher_has_free_use(v, now, None) => {
                Some(VoucherSnapshot {
                    code: code.clone(),
                    kind: v.kind,
                    value: v.value,
                    unlocks_hidden: v.unlocks_hidden,
                })
            }
            (Some(code), _) => {
                return Err(InventoryError::VoucherNoLongerValid { code: code.clone() });
            }
        };
        let condition_usage = self.condition_usage_to_take(summary.condition_usage());
        Ok(vec![InventoryEvent::ItemsHeld {
            order_id: req.order_id,
            user: req.user,
            lines: held,
            pricing: summary,
            voucher: snapshot,
            condition_usage,
            expires_at: req.expires_at,
            at: now,
        }])
    }

    /// ORDER-18, DISC-6.
    pub(super) fn release(
        &self,
        order_id: Uuid,
        reason: super::ReleaseReason,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        let hold = self.existing_hold(order_id)?;
        if hold.status != HoldStatus::Held {
            return Ok(vec![]);
        }
        Ok(vec![InventoryEvent::HoldReleased {
            order_id,
            reason,
            voucher_code: hold.voucher_code.clone(),
            at: now,
        }])
    }

    /// ORDER-20: one `HoldExpired` per held hold whose time is up, oldest first.
    pub(super) fn expire(&self, now: Timestamp) -> Vec<InventoryEvent> {
        self.expired_holds(now)
            .into_iter()
            .filter_map(|id| self.holds.get(&id))
            .map(|h| InventoryEvent::HoldExpired {
                order_id: h.order_id,
                voucher_code: h.voucher_code.clone(),
                at: now,
            })
            .collect()
    }

    /// AMB-6/7: a payment is never refused here; taking the quantities back after an
    /// expiry or release may oversell, which the event records.
    pub(super) fn confirm_sale(
        &self,
        order_id: Uuid,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        let hold = self.existing_hold(order_id)?;
        if matches!(hold.status, HoldStatus::Sold | HoldStatus::Returned) {
            return Ok(vec![]);
        }
        let except = Some(order_id);
        let over_stock = requested_from_held(&hold.lines)
            .iter()
            .any(|(product, qty)| {
                let total = self.total_quantity(product);
                total > 0 && self.consumed(product, now, except) + qty > u64::from(total)
            });
        let over_capacity = self.total_capacity > 0
            && hold.ticket_quantity() > 0
            && self.global_consumed(now, except) + hold.ticket_quantity()
                > u64::from(self.total_capacity);
        let voucher_overused = hold
            .voucher_code
            .as_ref()
            .and_then(|code| self.vouchers.get(code))
            .is_some_and(|v| {
                u64::from(v.uses) + u64::from(self.voucher_live_holds(&v.code, now, except))
                    >= u64::from(v.max_uses)
            });
        Ok(vec![InventoryEvent::HoldConverted {
            order_id,
            oversold: over_stock || over_capacity,
            voucher_overused,
            at: now,
        }])
    }

    /// CAT-2/3, PAY-39: a paid order without a hold enters the paid set; a payment
    /// is never refused here, going over stock or capacity is recorded.
    pub(super) fn record_sale(
        &self,
        order_id: Uuid,
        user: Uuid,
        lines: Vec<HeldLine>,
        now: Timestamp,
    ) -> Vec<InventoryEvent> {
        if self.holds.contains_key(&order_id) {
            return vec![]; // held, sold or recorded already: the redelivery
        }
        let lines: Vec<HeldLine> = lines
            .into_iter()
            .filter(|l| l.quantity > 0 && self.product_name_and_price(&l.product).is_some())
            .collect();
        if lines.is_empty() {
            return vec![];
        }
        let over_stock = requested_from_held(&lines).iter().any(|(product, qty)| {
            let total = self.total_quantity(product);
            total > 0 && self.consumed(product, now, None) + qty > u64::from(total)
        });
        let tickets: u64 = lines
            .iter()
            .filter(|l| l.product.kind == ProductKind::Ticket)
            .map(|l| u64::from(l.quantity))
            .sum();
        let over_capacity = self.total_capacity > 0
            && tickets > 0
            && self.global_consumed(now, None) + tickets > u64::from(self.total_capacity);
        vec![InventoryEvent::SaleRecorded {
            order_id,
            user,
            lines,
            oversold: over_stock || over_capacity,
            at: now,
        }]
    }

    /// CAT-3: a fully refunded order gives its stock back.
    pub(super) fn return_sale(
        &self,
        order_id: Uuid,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        match self.existing_hold(order_id)?.status {
            HoldStatus::Sold => Ok(vec![InventoryEvent::SaleReturned { order_id, at: now }]),
            HoldStatus::Returned => Ok(vec![]),
            HoldStatus::Held | HoldStatus::Cancelled | HoldStatus::Expired => {
                Err(InventoryError::NotSold { order_id })
            }
        }
    }

    fn existing_hold(&self, order_id: Uuid) -> Result<&HoldRecord, InventoryError> {
        self.holds
            .get(&order_id)
            .ok_or(InventoryError::HoldNotFound { order_id })
    }
}

fn requested_from_held(lines: &[HeldLine]) -> BTreeMap<ProductRef, u64> {
    let mut out = BTreeMap::new();
    for line in lines {
        *out.entry(line.product.clone()).or_insert(0) += u64::from(line.quantity);
    }
    out
}

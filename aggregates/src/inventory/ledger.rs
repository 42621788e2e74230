//! The counts: what is sold (the paid set, kept as counters) and what live holds
//! reserve (summed over the holds still held, filtered by `now`). CAT-2, CAT-3,
//! CAT-10…12, CART-13, DISC-4…6.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::checkout::to_i64;
use super::{HeldLine, HoldRecord, HoldStatus, Inventory};
use crate::Timestamp;
use crate::pricing::{self, CartLine, CartOwner, PricingContext, ProductKind, ProductRef};

/// Sold quantities (paid set) per product slug, one map per kind.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct SoldCounts {
    tickets: BTreeMap<String, u64>,
    addons: BTreeMap<String, u64>,
}

impl SoldCounts {
    fn map(&self, kind: ProductKind) -> &BTreeMap<String, u64> {
        match kind {
            ProductKind::Ticket => &self.tickets,
            ProductKind::Addon => &self.addons,
        }
    }

    fn get(&self, product: &ProductRef) -> u64 {
        self.map(product.kind)
            .get(&product.slug)
            .copied()
            .unwrap_or(0)
    }

    /// CAT-10: every ticket line, whatever its ticket type.
    fn tickets_total(&self) -> u64 {
        self.tickets.values().sum()
    }

    fn add(&mut self, product: &ProductRef, qty: u64) {
        let map = match product.kind {
            ProductKind::Ticket => &mut self.tickets,
            ProductKind::Addon => &mut self.addons,
        };
        let n = map.entry(product.slug.clone()).or_insert(0);
        *n = n.saturating_add(qty);
    }

    fn remove(&mut self, product: &ProductRef, qty: u64) {
        let map = match product.kind {
            ProductKind::Ticket => &mut self.tickets,
            ProductKind::Addon => &mut self.addons,
        };
        if let Some(n) = map.get_mut(&product.slug) {
            *n = n.saturating_sub(qty);
        }
    }
}

/// What the `Held` holds add up to, with the lookups that find the few of them that
/// do not count at a given instant (past their expiry) or for a given question.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct PendingIndex {
    quantities: SoldCounts,
    by_expiry: BTreeSet<(Timestamp, Uuid)>,
    by_user: BTreeMap<Uuid, BTreeSet<Uuid>>,
    by_voucher: BTreeMap<String, BTreeSet<Uuid>>,
}

impl PendingIndex {
    fn insert(&mut self, hold: &HoldRecord) {
        for line in &hold.lines {
            self.quantities.add(&line.product, u64::from(line.quantity));
        }
        self.by_expiry.insert((hold.expires_at, hold.order_id));
        self.by_user
            .entry(hold.user)
            .or_default()
            .insert(hold.order_id);
        if let Some(code) = &hold.voucher_code {
            self.by_voucher
                .entry(code.clone())
                .or_default()
                .insert(hold.order_id);
        }
    }

    fn remove(&mut self, hold: &HoldRecord) {
        for line in &hold.lines {
            self.quantities
                .remove(&line.product, u64::from(line.quantity));
        }
        self.by_expiry.remove(&(hold.expires_at, hold.order_id));
        if let Some(ids) = self.by_user.get_mut(&hold.user) {
            ids.remove(&hold.order_id);
            if ids.is_empty() {
                self.by_user.remove(&hold.user);
            }
        }
        if let Some(code) = &hold.voucher_code
            && let Some(ids) = self.by_voucher.get_mut(code)
        {
            ids.remove(&hold.order_id);
            if ids.is_empty() {
                self.by_voucher.remove(code);
            }
        }
    }

    /// The pending holds that are not live at `now` (expires_at ≤ now), by expiry.
    fn past_expiry(&self, now: Timestamp) -> impl Iterator<Item = Uuid> + '_ {
        self.by_expiry
            .range(..=(now, Uuid::max()))
            .map(|(_, id)| *id)
    }
}

impl Inventory {
    /// The pending holds past their expiry at `now` (still pending: not swept yet).
    fn stale_holds(&self, now: Timestamp) -> impl Iterator<Item = &HoldRecord> {
        self.pending_index
            .past_expiry(now)
            .filter_map(|id| self.holds.get(&id))
    }

    /// `except`'s hold when it is live at `now` (its share is left out of counts).
    fn live_except(&self, now: Timestamp, except: Option<Uuid>) -> Option<&HoldRecord> {
        except
            .and_then(|id| self.holds.get(&id))
            .filter(|h| h.is_live(now))
    }

    /// The order's hold, in whatever state.
    pub fn hold(&self, order_id: Uuid) -> Option<&HoldRecord> {
        self.holds.get(&order_id)
    }

    /// CART-13: the user's paid-set quantity of a ticket type.
    pub fn purchased(&self, user: Uuid, slug: &str) -> u32 {
        self.purchased
            .get(&user)
            .and_then(|by_slug| by_slug.get(slug))
            .copied()
            .unwrap_or(0)
    }

    /// What the ledger knows of a cart's owner, for conditions (DISC-33, CART-52):
    /// the ticket types of their paid-set orders. Facts kept elsewhere (groups,
    /// speaker records) stay at their defaults.
    pub fn owner_facts(&self, user: Uuid) -> CartOwner {
        CartOwner {
            paid_ticket_types: self
                .purchased
                .get(&user)
                .map(|by_slug| {
                    by_slug
                        .iter()
                        .filter(|(slug, n)| **n > 0 && self.tickets.contains_key(slug.as_str()))
                        .map(|(slug, _)| slug.clone())
                        .collect()
                })
                .unwrap_or_default(),
            ..Default::default()
        }
    }

    /// ORDER-20: the holds still held whose `expires_at` ≤ now, by expiry then id.
    pub fn expired_holds(&self, now: Timestamp) -> Vec<Uuid> {
        self.pending_index.past_expiry(now).collect()
    }

    /// The paid-set quantity of a product.
    pub fn sold(&self, product: &ProductRef) -> u64 {
        self.sold.get(product)
    }

    /// The quantity of a product in live holds.
    pub fn held(&self, product: &ProductRef, now: Timestamp) -> u64 {
        self.pending_index.quantities.get(product).saturating_sub(
            self.stale_holds(now)
                .map(|h| h.quantity_of(product))
                .sum::<u64>(),
        )
    }

    /// CAT-2, CAT-9, AMB-4: remaining = total − (paid + live holds); None when
    /// unlimited (total 0); may be negative.
    pub fn remaining(&self, product: &ProductRef, now: Timestamp) -> Option<i64> {
        let total = self.total_quantity(product);
        (total > 0).then(|| i64::from(total) - to_i64(self.consumed(product, now, None)))
    }

    /// CAT-10: ticket quantities in the paid set and in live holds.
    pub fn global_sold(&self, now: Timestamp) -> u64 {
        self.global_consumed(now, None)
    }

    /// CAT-12: None when total_capacity is 0 (unlimited); may be negative.
    pub fn global_remaining(&self, now: Timestamp) -> Option<i64> {
        (self.total_capacity > 0)
            .then(|| i64::from(self.total_capacity) - to_i64(self.global_sold(now)))
    }

    /// The product's total_quantity; 0 (unlimited) when unknown.
    pub(super) fn total_quantity(&self, product: &ProductRef) -> u32 {
        match product.kind {
            ProductKind::Ticket => self.tickets.get(&product.slug).map(|t| t.total_quantity),
            ProductKind::Addon => self.addons.get(&product.slug).map(|a| a.total_quantity),
        }
        .unwrap_or(0)
    }

    /// The current name and price of a product of the catalog.
    pub(super) fn product_name_and_price(&self, product: &ProductRef) -> Option<(&str, Decimal)> {
        match product.kind {
            ProductKind::Ticket => self
                .tickets
                .get(&product.slug)
                .map(|t| (t.name.as_str(), t.price)),
            ProductKind::Addon => self
                .addons
                .get(&product.slug)
                .map(|a| (a.name.as_str(), a.price)),
        }
    }

    /// Paid + live holds of a product, but `except`'s hold.
    pub(super) fn consumed(
        &self,
        product: &ProductRef,
        now: Timestamp,
        except: Option<Uuid>,
    ) -> u64 {
        let except = self
            .live_except(now, except)
            .map_or(0, |h| h.quantity_of(product));
        (self.sold(product) + self.held(product, now)).saturating_sub(except)
    }

    /// CAT-10 but `except`'s hold.
    pub(super) fn global_consumed(&self, now: Timestamp, except: Option<Uuid>) -> u64 {
        let held = self
            .pending_index
            .quantities
            .tickets_total()
            .saturating_sub(
                self.stale_holds(now)
                    .map(HoldRecord::ticket_quantity)
                    .sum::<u64>(),
            );
        let except = self
            .live_except(now, except)
            .map_or(0, HoldRecord::ticket_quantity);
        (self.sold.tickets_total() + held).saturating_sub(except)
    }

    /// The user's live holds of a product (AMB-24).
    pub(super) fn user_live_quantity(
        &self,
        user: Uuid,
        product: &ProductRef,
        now: Timestamp,
    ) -> u64 {
        self.pending_index
            .by_user
            .get(&user)
            .into_iter()
            .flatten()
            .filter_map(|id| self.holds.get(id))
            .filter(|h| h.is_live(now))
            .map(|h| h.quantity_of(product))
            .sum()
    }

    /// DISC-5: the live holds carrying the voucher, but `except`'s.
    pub(super) fn voucher_live_holds(
        &self,
        code: &str,
        now: Timestamp,
        except: Option<Uuid>,
    ) -> u32 {
        let n = self
            .pending_index
            .by_voucher
            .get(code)
            .into_iter()
            .flatten()
            .filter(|id| Some(**id) != except)
            .filter_map(|id| self.holds.get(id))
            .filter(|h| h.is_live(now))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    // Folds.

    pub(super) fn record_hold(&mut self, hold: HoldRecord) {
        if let Some(old) = self.holds.get(&hold.order_id)
            && self.pending.contains(&hold.order_id)
        {
            let old = old.clone();
            self.pending_index.remove(&old);
        }
        if hold.status == HoldStatus::Held {
            self.pending.insert(hold.order_id);
            self.pending_index.insert(&hold);
        }
        self.holds.insert(hold.order_id, hold);
    }

    /// A held order released or expired; nothing else changes (DISC-6: its voucher
    /// use went with the live hold).
    pub(super) fn close_hold(&mut self, order_id: Uuid, status: HoldStatus) {
        if let Some(hold) = self.holds.get_mut(&order_id)
            && hold.status == HoldStatus::Held
        {
            hold.status = status;
            self.pending.remove(&order_id);
            let hold = hold.clone();
            self.pending_index.remove(&hold);
        }
    }

    /// AMB-6/7: into the paid set; the voucher use becomes permanent (DISC-4).
    pub(super) fn convert_hold(&mut self, order_id: Uuid) {
        let Some(hold) = self.holds.get_mut(&order_id) else {
            return;
        };
        if matches!(hold.status, HoldStatus::Sold | HoldStatus::Returned) {
            return;
        }
        let was_pending = hold.status == HoldStatus::Held;
        hold.status = HoldStatus::Sold;
        self.pending.remove(&order_id);
        let hold = hold.clone();
        if was_pending {
            self.pending_index.remove(&hold);
        }
        self.count_sale(&hold, true);
        if let Some(v) = hold
            .voucher_code
            .as_ref()
            .and_then(|code| self.vouchers.get_mut(code))
        {
            v.uses = v.uses.saturating_add(1);
        }
    }

    /// CAT-2/3: a sale without a hold, recorded as sold (never pending, no voucher,
    /// priced without discounts as the desk prices it, PAY-39).
    pub(super) fn record_direct_sale(
        &mut self,
        order_id: Uuid,
        user: Uuid,
        lines: Vec<HeldLine>,
        at: Timestamp,
    ) {
        if self.holds.contains_key(&order_id) {
            return;
        }
        let cart: Vec<CartLine> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| CartLine {
                line_id: Uuid::from_u128(i as u128 + 1),
                product: l.product.clone(),
                unit_price: l.unit_price,
                quantity: l.quantity,
            })
            .collect();
        let ctx = PricingContext {
            now: at,
            owner: CartOwner::default(),
        };
        let hold = HoldRecord {
            order_id,
            user,
            // Bounded prices always price; an unpriceable sale (prices stored before
            // the bounds) still counts, with empty amounts, rather than failing a fold.
            pricing: pricing::price(&cart, None, &[], &ctx)
                .unwrap_or_else(|_| pricing::PricingSummary::empty()),
            lines,
            voucher_code: None,
            voucher: None,
            expires_at: at,
            status: HoldStatus::Sold,
        };
        self.count_sale(&hold, true);
        self.record_hold(hold);
    }

    /// CAT-3: out of the paid set; the voucher use stays (DISC-6).
    pub(super) fn return_hold(&mut self, order_id: Uuid) {
        let Some(hold) = self.holds.get_mut(&order_id) else {
            return;
        };
        if hold.status != HoldStatus::Sold {
            return;
        }
        hold.status = HoldStatus::Returned;
        let hold = hold.clone();
        self.count_sale(&hold, false);
    }

    fn count_sale(&mut self, hold: &HoldRecord, add: bool) {
        for line in &hold.lines {
            let qty = u64::from(line.quantity);
            if add {
                self.sold.add(&line.product, qty);
            } else {
                self.sold.remove(&line.product, qty);
            }
            if line.product.kind == ProductKind::Ticket {
                let n = self
                    .purchased
                    .entry(hold.user)
                    .or_default()
                    .entry(line.product.slug.clone())
                    .or_insert(0);
                *n = if add {
                    n.saturating_add(line.quantity)
                } else {
                    n.saturating_sub(line.quantity)
                };
            }
        }
    }
}

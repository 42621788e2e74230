//! Vouchers and discount conditions (DISC-1…11, DISC-15…19, DISC-40…43). Their
//! uses are counted by the ledger: a voucher's stored `uses` are its permanent uses
//! (sold orders, DISC-4); live holds carrying it count on top (DISC-5/6).

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Inventory, InventoryError, InventoryEvent};
use crate::Timestamp;
use crate::pricing::{Condition, ConditionKind, UsageLimit, Voucher, VoucherKind};

/// DISC-1: codes are at most 100 characters.
const MAX_CODE_CHARS: usize = 100;
/// DISC-9: UI prefix ≤ 20 characters.
const MAX_PREFIX_CHARS: usize = 20;
/// DISC-8: 8 characters from A–Z0–9 after the prefix.
const GENERATED_SUFFIX_CHARS: usize = 8;
/// DISC-8: 1–500 per batch.
const MAX_BATCH: u32 = 500;

/// A voucher as of an instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoucherState {
    /// `uses` is DISC-2's times_used at that instant: permanent uses + live holds,
    /// so `voucher.is_valid(now)` answers DISC-2 (CART-35).
    pub voucher: Voucher,
    /// The part of `uses` that is live holds (pending orders).
    pub live_holds: u32,
}

impl Inventory {
    /// The voucher with this exact code (DISC-7), its uses as of `now`.
    pub fn voucher(&self, code: &str, now: Timestamp) -> Option<VoucherState> {
        let stored = self.vouchers.get(code)?;
        let live_holds = self.voucher_live_holds(code, now, None);
        let mut voucher = stored.clone();
        voucher.uses = voucher.uses.saturating_add(live_holds);
        Some(VoucherState {
            voucher,
            live_holds,
        })
    }

    /// Every voucher, by code.
    pub fn vouchers(&self, now: Timestamp) -> Vec<VoucherState> {
        self.vouchers
            .keys()
            .filter_map(|code| self.voucher(code, now))
            .collect()
    }

    /// Every condition in definition order, `times_used` as counted (DISC-40).
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    /// DISC-2 and DISC-5 at `now`, counting live holds other than `except`.
    pub(super) fn voucher_has_free_use(
        &self,
        voucher: &Voucher,
        now: Timestamp,
        except: Option<Uuid>,
    ) -> bool {
        let taken = u64::from(voucher.uses)
            + u64::from(self.voucher_live_holds(&voucher.code, now, except));
        voucher.is_active && voucher.window.contains(now) && taken < u64::from(voucher.max_uses)
    }

    /// DISC-1.
    pub(super) fn create_voucher(
        &self,
        voucher: Voucher,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        check_code(&voucher.code)?;
        check_terms(&voucher)?;
        let voucher = Voucher { uses: 0, ..voucher };
        if let Some(current) = self.vouchers.get(&voucher.code) {
            return if same_definition(current, &voucher) {
                Ok(vec![])
            } else {
                Err(InventoryError::DuplicateVoucherCode { code: voucher.code })
            };
        }
        Ok(vec![InventoryEvent::VoucherCreated { voucher, at: now }])
    }

    /// SPONSOR-12/13: every code not yet taken becomes a sponsor comp voucher; a
    /// taken code is skipped. Nothing new: no-op.
    pub(super) fn issue_sponsor_vouchers(
        &self,
        codes: Vec<String>,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        for code in &codes {
            check_code(code)?;
        }
        let mut seen = BTreeSet::new();
        Ok(codes
            .into_iter()
            .filter(|c| !self.vouchers.contains_key(c) && seen.insert(c.clone()))
            .map(|code| InventoryEvent::VoucherCreated {
                voucher: Voucher::sponsor_comp(code),
                at: now,
            })
            .collect())
    }

    /// DISC-8…10: all or nothing. The same batch again (every code already there with
    /// the template's terms) is a no-op.
    pub(super) fn generate_vouchers(
        &self,
        prefix: String,
        count: u32,
        template: Voucher,
        codes: Vec<String>,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        if prefix.chars().count() > MAX_PREFIX_CHARS {
            return Err(InventoryError::InvalidPrefix);
        }
        if !(1..=MAX_BATCH).contains(&count) {
            return Err(InventoryError::InvalidCount { count });
        }
        if codes.len() != count as usize {
            return Err(InventoryError::GeneratedCodeCount {
                expected: count,
                got: codes.len(),
            });
        }
        check_terms(&template)?;
        if let Some(code) = codes.iter().find(|c| !is_generated_code(&prefix, c)) {
            return Err(InventoryError::InvalidGeneratedCode { code: code.clone() });
        }
        let vouchers: Vec<Voucher> = codes
            .into_iter()
            .map(|code| Voucher {
                code,
                uses: 0,
                ..template.clone()
            })
            .collect();
        let replayed = vouchers.iter().all(|v| {
            self.vouchers
                .get(&v.code)
                .is_some_and(|current| same_definition(current, v))
        });
        if replayed {
            return Ok(vec![]);
        }
        let mut seen = BTreeSet::new();
        for v in &vouchers {
            if self.vouchers.contains_key(&v.code) || !seen.insert(v.code.as_str()) {
                return Err(InventoryError::CodeCollision {
                    code: v.code.clone(),
                });
            }
        }
        Ok(vec![InventoryEvent::VouchersGenerated {
            vouchers,
            at: now,
        }])
    }

    /// SPONSOR-20: the codes linked to a bulk purchase, in issue order.
    pub fn bulk_codes(&self, purchase_id: Uuid) -> &[String] {
        self.bulk.get(&purchase_id).map_or(&[], Vec::as_slice)
    }

    /// SPONSOR-26, AMB-23: only the missing vouchers, from free candidates.
    pub(super) fn issue_bulk_vouchers(
        &self,
        purchase_id: Uuid,
        quantity: u32,
        prefix: String,
        template: Voucher,
        candidates: Vec<String>,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        if !(1..=MAX_BATCH).contains(&quantity) {
            return Err(InventoryError::InvalidCount { count: quantity });
        }
        check_terms(&template)?;
        let linked = self.bulk_codes(purchase_id).len();
        let missing = (quantity as usize).saturating_sub(linked);
        if missing == 0 {
            return Ok(vec![]);
        }
        let mut seen = BTreeSet::new();
        let vouchers: Vec<Voucher> = candidates
            .into_iter()
            .filter(|c| {
                is_generated_code(&prefix, c)
                    && c.chars().count() <= MAX_CODE_CHARS
                    && !self.vouchers.contains_key(c)
                    && seen.insert(c.clone())
            })
            .take(missing)
            .map(|code| Voucher {
                code,
                uses: 0,
                ..template.clone()
            })
            .collect();
        if vouchers.len() < missing {
            return Err(InventoryError::CodeCollision {
                code: format!("{prefix}…"),
            });
        }
        Ok(vec![InventoryEvent::BulkVouchersIssued {
            purchase_id,
            vouchers,
            at: now,
        }])
    }

    /// SPONSOR-27.
    pub(super) fn deactivate_bulk_vouchers(
        &self,
        purchase_id: Uuid,
        now: Timestamp,
    ) -> Vec<InventoryEvent> {
        self.bulk_codes(purchase_id)
            .iter()
            .filter(|c| self.vouchers.get(*c).is_some_and(|v| v.is_active))
            .map(|code| InventoryEvent::VoucherDeactivated {
                code: code.clone(),
                at: now,
            })
            .collect()
    }

    pub(super) fn deactivate_voucher(
        &self,
        code: String,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        match self.vouchers.get(&code) {
            None => Err(InventoryError::VoucherNotFound { code }),
            Some(v) if !v.is_active => Ok(vec![]),
            Some(_) => Ok(vec![InventoryEvent::VoucherDeactivated { code, at: now }]),
        }
    }

    /// DISC-16/17/19: upsert by id; the usage counter stays the ledger's.
    pub(super) fn define_condition(
        &self,
        mut condition: Condition,
        now: Timestamp,
    ) -> Result<Vec<InventoryEvent>, InventoryError> {
        if condition.name.trim().is_empty() {
            return Err(InventoryError::InvalidCondition);
        }
        if discount_value(&condition) < Decimal::ZERO {
            return Err(InventoryError::NegativeDiscount);
        }
        if discount_value(&condition) > crate::pricing::MAX_AMOUNT {
            return Err(InventoryError::DiscountTooLarge);
        }
        let current = self.conditions.iter().find(|c| c.id == condition.id);
        let times_used = current.and_then(usage).map_or(0, |u| u.times_used);
        if let Some(u) = usage_mut(&mut condition) {
            u.times_used = times_used;
        }
        if current == Some(&condition) {
            return Ok(vec![]);
        }
        Ok(vec![InventoryEvent::ConditionDefined {
            condition,
            at: now,
        }])
    }

    /// DISC-40/41: count `lines` more discounted lines for a condition.
    pub(super) fn count_condition_use(&mut self, id: Uuid, lines: u32) {
        if let Some(u) = self
            .conditions
            .iter_mut()
            .find(|c| c.id == id)
            .and_then(usage_mut)
        {
            u.times_used = u.times_used.saturating_add(lines);
        }
    }

    /// DISC-41: the usage increments a checkout takes: only counted kinds, only
    /// when `limit = 0 or times_used + count ≤ limit`; the others are skipped.
    pub(super) fn condition_usage_to_take(&self, applied: Vec<(Uuid, u32)>) -> Vec<(Uuid, u32)> {
        applied
            .into_iter()
            .filter(|(id, count)| {
                self.conditions
                    .iter()
                    .find(|c| c.id == *id)
                    .and_then(usage)
                    .is_some_and(|u| {
                        u.limit == 0
                            || u64::from(u.times_used) + u64::from(*count) <= u64::from(u.limit)
                    })
            })
            .collect()
    }
}

/// DISC-30, DISC-43: the usage counter of the kinds that have one.
fn usage(condition: &Condition) -> Option<&UsageLimit> {
    match &condition.kind {
        ConditionKind::TimeOrStockLimit { usage, .. }
        | ConditionKind::DiscountForProduct { usage, .. }
        | ConditionKind::DiscountForCategory { usage, .. } => Some(usage),
        ConditionKind::Speaker { .. }
        | ConditionKind::GroupMember { .. }
        | ConditionKind::IncludedProduct { .. } => None,
    }
}

fn usage_mut(condition: &mut Condition) -> Option<&mut UsageLimit> {
    match &mut condition.kind {
        ConditionKind::TimeOrStockLimit { usage, .. }
        | ConditionKind::DiscountForProduct { usage, .. }
        | ConditionKind::DiscountForCategory { usage, .. } => Some(usage),
        ConditionKind::Speaker { .. }
        | ConditionKind::GroupMember { .. }
        | ConditionKind::IncludedProduct { .. } => None,
    }
}

/// DISC-17/19: the value that must not be negative.
fn discount_value(condition: &Condition) -> Decimal {
    match &condition.kind {
        ConditionKind::TimeOrStockLimit { effect, .. }
        | ConditionKind::Speaker { effect, .. }
        | ConditionKind::GroupMember { effect, .. }
        | ConditionKind::IncludedProduct { effect, .. }
        | ConditionKind::DiscountForProduct { effect, .. } => effect.value,
        ConditionKind::DiscountForCategory { percentage, .. } => *percentage,
    }
}

/// DISC-1: 1…100 characters, not blank.
fn check_code(code: &str) -> Result<(), InventoryError> {
    if code.trim().is_empty() || code.chars().count() > MAX_CODE_CHARS {
        return Err(InventoryError::InvalidVoucherCode);
    }
    Ok(())
}

/// DISC-1: percentage 0–100; an amount ≥ 0; comp ignores its value (DISC-11).
fn check_terms(voucher: &Voucher) -> Result<(), InventoryError> {
    match voucher.kind {
        VoucherKind::Comp => Ok(()),
        VoucherKind::Percentage
            if !(Decimal::ZERO..=Decimal::ONE_HUNDRED).contains(&voucher.value) =>
        {
            Err(InventoryError::InvalidPercentage)
        }
        VoucherKind::FixedAmount if voucher.value < Decimal::ZERO => {
            Err(InventoryError::NegativeDiscount)
        }
        VoucherKind::FixedAmount if voucher.value > crate::pricing::MAX_AMOUNT => {
            Err(InventoryError::DiscountTooLarge)
        }
        VoucherKind::Percentage | VoucherKind::FixedAmount => Ok(()),
    }
}

/// DISC-8: `prefix` followed by exactly 8 characters from A–Z0–9.
fn is_generated_code(prefix: &str, code: &str) -> bool {
    code.strip_prefix(prefix).is_some_and(|suffix| {
        suffix.len() == GENERATED_SUFFIX_CHARS
            && suffix
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

/// The same voucher terms, whatever the uses.
fn same_definition(a: &Voucher, b: &Voucher) -> bool {
    Voucher {
        uses: 0,
        ..a.clone()
    } == Voucher {
        uses: 0,
        ..b.clone()
    }
}

//! Discount conditions (SPEC DISC-15…35): the six kinds, when they pass for the cart
//! owner, and what they compute for a line. Stored in events: never rename.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{CartLine, CartOwner, ProductKind, ProductScope, Window};
use super::{PricingError, cents, hundred, mul, percent_of};
use crate::Timestamp;

fn yes() -> bool {
    true
}

/// DISC-17: how a discount-effect condition computes its amount.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountType {
    /// `value` percent (clamped to 100) of the effective base (DISC-18).
    #[default]
    Percentage,
    /// `value` off per effective unit, at most the base (DISC-18).
    FixedAmount,
}

/// DISC-17: the discount part shared by the five discount-effect kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscountEffect {
    #[serde(default)]
    pub discount_type: DiscountType,
    /// ≥ 0 (negative values are refused when the condition is defined).
    #[serde(default)]
    pub value: Decimal,
    /// Units of a line that get the discount; 0 = all.
    #[serde(default)]
    pub max_quantity: u32,
    #[serde(default)]
    pub scope: ProductScope,
}

/// DISC-30: a usage cap; `limit` 0 = unlimited. Counted in discounted lines (DISC-40).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLimit {
    #[serde(default)]
    pub limit: u32,
    #[serde(default)]
    pub times_used: u32,
}

impl UsageLimit {
    pub fn allows(&self) -> bool {
        self.limit == 0 || self.times_used < self.limit
    }
}

/// DISC-15: the six condition kinds with their own fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConditionKind {
    /// Early bird, flash sale: window and usage cap, any user (DISC-30).
    TimeOrStockLimit {
        #[serde(default)]
        window: Window,
        #[serde(default)]
        usage: UsageLimit,
        effect: DiscountEffect,
    },
    /// The owner speaks at the conference (DISC-31).
    Speaker {
        #[serde(default = "yes")]
        is_presenter: bool,
        #[serde(default)]
        is_copresenter: bool,
        effect: DiscountEffect,
    },
    /// The owner belongs to one of `groups` (DISC-32).
    GroupMember {
        #[serde(default)]
        groups: Vec<String>,
        effect: DiscountEffect,
    },
    /// The owner has paid for one of `enabling_ticket_types` (DISC-33).
    IncludedProduct {
        #[serde(default)]
        enabling_ticket_types: Vec<String>,
        effect: DiscountEffect,
    },
    /// A direct product discount for everyone, window and usage cap (DISC-34).
    DiscountForProduct {
        #[serde(default)]
        window: Window,
        #[serde(default)]
        usage: UsageLimit,
        effect: DiscountEffect,
    },
    /// A flat percentage on all tickets and/or all add-ons (DISC-19).
    DiscountForCategory {
        #[serde(default)]
        window: Window,
        #[serde(default)]
        usage: UsageLimit,
        /// Not clamped to 100 (the line cap of CART-41 still applies).
        percentage: Decimal,
        #[serde(default = "yes")]
        apply_to_tickets: bool,
        #[serde(default = "yes")]
        apply_to_addons: bool,
    },
}

/// DISC-16: a discount condition of a conference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// Identifies the condition for usage bookkeeping (DISC-40); names need not be
    /// unique.
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub is_active: bool,
    /// Lower is evaluated first (DISC-25).
    #[serde(default)]
    pub priority: i32,
    #[serde(flatten)]
    pub kind: ConditionKind,
}

impl DiscountEffect {
    /// DISC-18: effective_qty = min(qty, max_quantity) when max_quantity > 0;
    /// base = unit price × effective_qty; percentage → round-half-up-cents(base ×
    /// min(value, 100) / 100); fixed_amount → min(value × effective_qty, base).
    pub fn amount(&self, unit_price: Decimal, quantity: u32) -> Result<Decimal, PricingError> {
        let effective_qty = if self.max_quantity > 0 {
            quantity.min(self.max_quantity)
        } else {
            quantity
        };
        let effective_qty = Decimal::from(effective_qty);
        let base = mul(unit_price, effective_qty)?;
        Ok(match self.discount_type {
            DiscountType::Percentage => percent_of(base, self.value.min(hundred()))?,
            DiscountType::FixedAmount => cents(mul(self.value, effective_qty)?.min(base)),
        })
    }
}

impl Condition {
    /// DISC-26, DISC-30…34: whether the condition holds for the cart owner at `now`.
    pub fn passes(&self, owner: &CartOwner, now: Timestamp) -> bool {
        match &self.kind {
            ConditionKind::TimeOrStockLimit { window, usage, .. }
            | ConditionKind::DiscountForProduct { window, usage, .. }
            | ConditionKind::DiscountForCategory { window, usage, .. } => {
                window.contains(now) && usage.allows()
            }
            ConditionKind::Speaker {
                is_presenter,
                is_copresenter,
                ..
            } => owner.is_speaker && (*is_presenter || (*is_copresenter && owner.has_shared_talk)),
            ConditionKind::GroupMember { groups, .. } => {
                groups.iter().any(|group| owner.groups.contains(group))
            }
            ConditionKind::IncludedProduct {
                enabling_ticket_types,
                ..
            } => enabling_ticket_types
                .iter()
                .any(|slug| owner.paid_ticket_types.contains(slug)),
        }
    }

    /// DISC-18, DISC-19, DISC-29: the amount this condition computes for a line, or
    /// `None` when the line is out of its scope. Not capped at the line (CART-41 is).
    pub fn amount_for(&self, line: &CartLine) -> Result<Option<Decimal>, PricingError> {
        Ok(match &self.kind {
            ConditionKind::TimeOrStockLimit { effect, .. }
            | ConditionKind::Speaker { effect, .. }
            | ConditionKind::GroupMember { effect, .. }
            | ConditionKind::IncludedProduct { effect, .. }
            | ConditionKind::DiscountForProduct { effect, .. } => {
                if !effect.scope.covers(&line.product) {
                    return Ok(None);
                }
                Some(effect.amount(line.unit_price, line.quantity)?)
            }
            ConditionKind::DiscountForCategory {
                percentage,
                apply_to_tickets,
                apply_to_addons,
                ..
            } => {
                let in_scope = match line.product.kind {
                    ProductKind::Ticket => *apply_to_tickets,
                    ProductKind::Addon => *apply_to_addons,
                };
                if !in_scope {
                    return Ok(None);
                }
                let base = mul(line.unit_price, Decimal::from(line.quantity))?;
                Some(percent_of(base, *percentage)?)
            }
        })
    }
}

/// DISC-25: the active conditions in evaluation order (priority ascending, then name
/// ascending; ties keep their given order).
pub fn evaluation_order(conditions: &[Condition]) -> Vec<&Condition> {
    let mut active: Vec<&Condition> = conditions.iter().filter(|c| c.is_active).collect();
    active.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then_with(|| a.name.cmp(&b.name))
    });
    active
}

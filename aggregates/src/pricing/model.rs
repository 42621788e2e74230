//! Products in a cart, product scopes, vouchers, and the priced result. These types
//! are stored in events, so their serialized names are part of the log format: never
//! rename them.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// Whether a product is a ticket type or an add-on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    Ticket,
    Addon,
}

/// A product of the conference's catalog, by kind and slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProductRef {
    pub kind: ProductKind,
    pub slug: String,
}

impl ProductRef {
    pub fn ticket(slug: impl Into<String>) -> Self {
        Self {
            kind: ProductKind::Ticket,
            slug: slug.into(),
        }
    }

    pub fn addon(slug: impl Into<String>) -> Self {
        Self {
            kind: ProductKind::Addon,
            slug: slug.into(),
        }
    }
}

/// Which products of one kind a voucher or condition covers (AMB-32:
/// explicit, never "empty means all").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every product of the kind.
    All,
    /// Only the products with these slugs (an empty list covers nothing).
    Listed(Vec<String>),
    /// No product of the kind.
    None,
}

impl Scope {
    pub fn covers(&self, slug: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Listed(slugs) => slugs.iter().any(|s| s == slug),
            Scope::None => false,
        }
    }

    /// The 0.1.2 reading of a product list (DISC-1, DISC-10, DISC-17): empty = all.
    pub fn from_legacy_list(slugs: Vec<String>) -> Self {
        if slugs.is_empty() {
            Scope::All
        } else {
            Scope::Listed(slugs)
        }
    }
}

/// The products a voucher or discount-effect condition applies to, one scope per
/// kind; the two are independent (CART-44, DISC-29, AMB-32).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductScope {
    pub tickets: Scope,
    pub addons: Scope,
}

impl Default for ProductScope {
    /// Every ticket and every add-on (the 0.1.2 default: both lists empty).
    fn default() -> Self {
        Self::all()
    }
}

impl ProductScope {
    pub fn all() -> Self {
        Self {
            tickets: Scope::All,
            addons: Scope::All,
        }
    }

    /// Every ticket type, no add-on: the scope of sponsor comp vouchers (AMB-32).
    pub fn tickets_only() -> Self {
        Self {
            tickets: Scope::All,
            addons: Scope::None,
        }
    }

    /// The 0.1.2 reading of the two product lists: each empty list means all of its
    /// kind, independently (CART-44).
    pub fn from_legacy_lists(tickets: Vec<String>, addons: Vec<String>) -> Self {
        Self {
            tickets: Scope::from_legacy_list(tickets),
            addons: Scope::from_legacy_list(addons),
        }
    }

    pub fn covers(&self, product: &ProductRef) -> bool {
        match product.kind {
            ProductKind::Ticket => self.tickets.covers(&product.slug),
            ProductKind::Addon => self.addons.covers(&product.slug),
        }
    }
}

/// An optional time window; both bounds are inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    #[serde(default)]
    pub from: Option<Timestamp>,
    #[serde(default)]
    pub until: Option<Timestamp>,
}

impl Window {
    pub fn contains(&self, now: Timestamp) -> bool {
        self.from.is_none_or(|from| now >= from) && self.until.is_none_or(|until| now <= until)
    }
}

/// DISC-1: what a voucher takes off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    /// 100 % of each applicable line's post-condition amount; `value` ignored (DISC-11).
    #[default]
    Comp,
    /// `value` percent of each applicable line (CART-46).
    Percentage,
    /// A budget of `value` shared by the applicable lines (CART-47).
    FixedAmount,
}

/// DISC-1: a voucher code of a conference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Voucher {
    /// Unique per conference, case-sensitive, at most 100 characters.
    pub code: String,
    #[serde(default)]
    pub kind: VoucherKind,
    /// Percent (0–100) or an amount; ignored for comp.
    #[serde(default)]
    pub value: Decimal,
    #[serde(default)]
    pub window: Window,
    /// Default 1; 0 makes the voucher permanently invalid (DISC-3).
    #[serde(default = "one")]
    pub max_uses: u32,
    #[serde(default)]
    pub uses: u32,
    #[serde(default)]
    pub unlocks_hidden: bool,
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub scope: ProductScope,
}

impl Voucher {
    /// DISC-1 defaults: comp, value 0, one use, no window, active, every product.
    pub fn new(code: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            kind: VoucherKind::Comp,
            value: Decimal::ZERO,
            window: Window::default(),
            max_uses: 1,
            uses: 0,
            unlocks_hidden: false,
            is_active: true,
            scope: ProductScope::all(),
        }
    }

    /// SPONSOR-13 with AMB-32: comp, one use, unlocks hidden tickets, tickets only.
    pub fn sponsor_comp(code: impl Into<String>) -> Self {
        Self {
            unlocks_hidden: true,
            scope: ProductScope::tickets_only(),
            ..Self::new(code)
        }
    }

    /// DISC-2/DISC-3: active, a use left, and `now` inside the window.
    pub fn is_valid(&self, now: Timestamp) -> bool {
        self.is_active && self.uses < self.max_uses && self.window.contains(now)
    }
}

/// Everything pricing needs besides the cart, the voucher and the conditions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingContext {
    pub now: Timestamp,
    pub owner: CartOwner,
}

/// One cart item as priced: the product's current unit price (CART-7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartLine {
    pub line_id: Uuid,
    pub product: ProductRef,
    /// ≥ 0, at most 2 decimal places.
    pub unit_price: Decimal,
    pub quantity: u32,
}

/// The condition that discounted a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedCondition {
    pub id: Uuid,
    pub name: String,
}

/// CART-49: one priced line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricedLine {
    pub line_id: Uuid,
    pub product: ProductRef,
    pub unit_price: Decimal,
    pub quantity: u32,
    /// unit price × quantity, undiscounted (CART-7).
    pub subtotal: Decimal,
    pub condition_discount: Decimal,
    pub condition: Option<AppliedCondition>,
    pub voucher_discount: Decimal,
    /// subtotal − condition discount − voucher discount.
    pub total: Decimal,
}

/// CART-40/CART-48: the priced cart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingSummary {
    /// In cart order.
    pub lines: Vec<PricedLine>,
    /// Σ line subtotals (CART-40).
    pub subtotal: Decimal,
    /// Σ condition discounts.
    pub condition_discount: Decimal,
    /// Σ voucher discounts.
    pub voucher_discount: Decimal,
    /// condition_discount + voucher_discount (CART-48).
    pub discount: Decimal,
    /// max(subtotal − discount, 0) = Σ line totals (CART-48).
    pub total: Decimal,
}

impl PricingSummary {
    /// No lines, every amount 0.00.
    pub fn empty() -> Self {
        let zero = Decimal::new(0, 2);
        Self {
            lines: vec![],
            subtotal: zero,
            condition_discount: zero,
            voucher_discount: zero,
            discount: zero,
            total: zero,
        }
    }

    /// DISC-40: for each applied condition, the number of lines (not units) it
    /// discounted; conditions appear in the cart order of their first line.
    pub fn condition_usage(&self) -> Vec<(Uuid, u32)> {
        let mut usage: Vec<(Uuid, u32)> = Vec::new();
        for applied in self.lines.iter().filter_map(|l| l.condition.as_ref()) {
            match usage.iter_mut().find(|(id, _)| *id == applied.id) {
                Some((_, count)) => *count += 1,
                None => usage.push((applied.id, 1)),
            }
        }
        usage
    }
}

/// What conditions may know about the cart owner (CART-52: always the owner, never
/// the staff member operating a terminal). Gathered by the caller from other streams.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartOwner {
    /// Names of the groups the owner belongs to (DISC-32).
    #[serde(default)]
    pub groups: BTreeSet<String>,
    /// The owner has at least one speaker record in the conference (DISC-31).
    #[serde(default)]
    pub is_speaker: bool,
    /// One of the owner's talks in the conference has more than one speaker (DISC-31).
    #[serde(default)]
    pub has_shared_talk: bool,
    /// Ticket-type slugs on the owner's paid-set orders in the conference (DISC-33).
    #[serde(default)]
    pub paid_ticket_types: BTreeSet<String>,
}

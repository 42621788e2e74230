//! The products a conference sells.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::Timestamp;

fn ten() -> u32 {
    10
}

fn yes() -> bool {
    true
}

/// CAT-1: a ticket type; slug unique per conference; display order (order, name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketType {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// ≥ 0, at most 2 decimal places.
    pub price: Decimal,
    #[serde(default)]
    pub available_from: Option<Timestamp>,
    #[serde(default)]
    pub available_until: Option<Timestamp>,
    /// 0 = unlimited.
    #[serde(default)]
    pub total_quantity: u32,
    /// Default 10.
    #[serde(default = "ten")]
    pub limit_per_user: u32,
    /// CAT-5: hidden from public listings.
    #[serde(default)]
    pub requires_voucher: bool,
    /// Default true.
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub bulk_enabled: bool,
    #[serde(default)]
    pub order: i32,
}

impl Default for TicketType {
    fn default() -> Self {
        Self {
            slug: String::new(),
            name: String::new(),
            description: String::new(),
            price: Decimal::ZERO,
            available_from: None,
            available_until: None,
            total_quantity: 0,
            limit_per_user: ten(),
            requires_voucher: false,
            is_active: true,
            bulk_enabled: false,
            order: 0,
        }
    }
}

impl TicketType {
    /// CAT-4 without the stock part: active and `now` inside the (inclusive) window.
    pub fn is_on_sale(&self, now: Timestamp) -> bool {
        self.is_active
            && self.available_from.is_none_or(|from| now >= from)
            && self.available_until.is_none_or(|until| now <= until)
    }
}

/// CAT-6: an add-on; slug unique per conference; `requires` lists the ticket slugs
/// it needs (empty = usable with any or no ticket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Addon {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// ≥ 0, at most 2 decimal places.
    pub price: Decimal,
    /// Prerequisite ticket slugs, sorted and without duplicates once defined.
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub available_from: Option<Timestamp>,
    #[serde(default)]
    pub available_until: Option<Timestamp>,
    /// 0 = unlimited.
    #[serde(default)]
    pub total_quantity: u32,
    /// Default true.
    #[serde(default = "yes")]
    pub is_active: bool,
    #[serde(default)]
    pub bulk_enabled: bool,
    #[serde(default)]
    pub order: i32,
}

impl Default for Addon {
    fn default() -> Self {
        Self {
            slug: String::new(),
            name: String::new(),
            description: String::new(),
            price: Decimal::ZERO,
            requires: Vec::new(),
            available_from: None,
            available_until: None,
            total_quantity: 0,
            is_active: true,
            bulk_enabled: false,
            order: 0,
        }
    }
}

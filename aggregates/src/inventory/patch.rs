//! The partial edits of the products: each field absent = keep (or the default, for
//! a new product), present = set; the windows also take null = clear. The ledger
//! merges them into its current catalog when it decides (see `crate::edit`).

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Addon, TicketType};
use crate::Timestamp;
use crate::edit::{keep_or_set, nullable};

/// CAT-1: a change of a ticket type.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct TicketTypePatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<Decimal>,
    pub total_quantity: Option<u32>,
    pub limit_per_user: Option<u32>,
    pub requires_voucher: Option<bool>,
    pub is_active: Option<bool>,
    pub bulk_enabled: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub available_from: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "nullable")]
    pub available_until: Option<Option<Timestamp>>,
    pub order: Option<i32>,
}

impl TicketTypePatch {
    /// Writes the fields this patch carries into `t`.
    pub fn apply_to(self, t: &mut TicketType) {
        keep_or_set(&mut t.name, self.name);
        keep_or_set(&mut t.description, self.description);
        keep_or_set(&mut t.price, self.price);
        keep_or_set(&mut t.total_quantity, self.total_quantity);
        keep_or_set(&mut t.limit_per_user, self.limit_per_user);
        keep_or_set(&mut t.requires_voucher, self.requires_voucher);
        keep_or_set(&mut t.is_active, self.is_active);
        keep_or_set(&mut t.bulk_enabled, self.bulk_enabled);
        keep_or_set(&mut t.available_from, self.available_from);
        keep_or_set(&mut t.available_until, self.available_until);
        keep_or_set(&mut t.order, self.order);
    }
}

/// CAT-6, BOOT-16: a change of an add-on; a given `requires` replaces the
/// prerequisite set, an absent one keeps it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct AddonPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<Decimal>,
    pub requires: Option<Vec<String>>,
    pub total_quantity: Option<u32>,
    pub is_active: Option<bool>,
    pub bulk_enabled: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub available_from: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "nullable")]
    pub available_until: Option<Option<Timestamp>>,
    pub order: Option<i32>,
}

impl AddonPatch {
    /// Writes the fields this patch carries into `a`.
    pub fn apply_to(self, a: &mut Addon) {
        keep_or_set(&mut a.name, self.name);
        keep_or_set(&mut a.description, self.description);
        keep_or_set(&mut a.price, self.price);
        keep_or_set(&mut a.requires, self.requires);
        keep_or_set(&mut a.total_quantity, self.total_quantity);
        keep_or_set(&mut a.is_active, self.is_active);
        keep_or_set(&mut a.bulk_enabled, self.bulk_enabled);
        keep_or_set(&mut a.available_from, self.available_from);
        keep_or_set(&mut a.available_until, self.available_until);
        keep_or_set(&mut a.order, self.order);
    }
}

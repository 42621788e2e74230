//! What the inventory offers a cart: one product's live facts for one user, as of
//! one instant. Carts validate against an `Offer` (CART-10…30); checkout then
//! re-validates atomically on the Inventory itself (ORDER-5…10, AMB-24).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::pricing::ProductRef;

/// One product as a cart sees it at `now`, for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub product: ProductRef,
    pub name: String,
    /// The current price (CART-7: live until checkout).
    pub unit_price: Decimal,
    /// Why it cannot be bought now (CAT-4 / CAT-7 message), or None when available.
    pub unavailable: Option<String>,
    /// Remaining stock; None = unlimited. Tickets: CAT-2 (paid + live holds);
    /// add-ons while editing a cart: CAT-8 (paid only, AMB-4 counts live holds too).
    pub remaining: Option<i64>,
    /// Tickets only: the per-user limit (CAT-1) and what the user already bought
    /// (CART-13: paid set).
    pub limit_per_user: Option<u32>,
    pub purchased: u32,
    /// Tickets only (CAT-5, CART-15).
    pub requires_voucher: bool,
    /// Add-ons only: prerequisite ticket slugs (CART-21), empty = none.
    pub requires: Vec<String>,
    /// Conference-wide ticket capacity left (CAT-12); None = unlimited.
    pub global_remaining: Option<i64>,
    /// total_capacity, for the CAT-13 message.
    pub total_capacity: u32,
}

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::VoucherInfo;
use crate::Timestamp;
use crate::pricing::ProductRef;

/// Facts about the carts of one (conference, user) pair. Each names the cart
/// generation (`cart_id`) it concerns. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CartEvent {
    CartOpened {
        cart_id: Uuid,
        conference_id: Uuid,
        user: Uuid,
        expires_at: Timestamp,
        at: Timestamp,
    },
    /// CART-3: an open cart found stale.
    CartExpired { cart_id: Uuid, at: Timestamp },
    /// A new item; `expires_at` is the slid expiry (CART-5).
    ItemAdded {
        cart_id: Uuid,
        item_id: Uuid,
        product: ProductRef,
        name: String,
        unit_price: Decimal,
        quantity: u32,
        /// Add-ons: prerequisite ticket slugs (CART-21/26), empty = none.
        requires: Vec<String>,
        expires_at: Timestamp,
        at: Timestamp,
    },
    /// An item's new quantity (adding again or updating to ≥ 1) with the product's
    /// current price; `expires_at` is the slid expiry (CART-5).
    ItemQuantityChanged {
        cart_id: Uuid,
        item_id: Uuid,
        quantity: u32,
        unit_price: Decimal,
        expires_at: Timestamp,
        at: Timestamp,
    },
    /// `cascaded`: removed because its prerequisite ticket left the cart (CART-26).
    ItemRemoved {
        cart_id: Uuid,
        item_id: Uuid,
        product: ProductRef,
        cascaded: bool,
        at: Timestamp,
    },
    VoucherApplied {
        cart_id: Uuid,
        voucher: VoucherInfo,
        at: Timestamp,
    },
    VoucherRemoved {
        cart_id: Uuid,
        code: String,
        at: Timestamp,
    },
    CartCheckedOut {
        cart_id: Uuid,
        order_id: Uuid,
        at: Timestamp,
    },
}

impl cqrs_es::DomainEvent for CartEvent {
    fn event_type(&self) -> String {
        match self {
            Self::CartOpened { .. } => "CartOpened",
            Self::CartExpired { .. } => "CartExpired",
            Self::ItemAdded { .. } => "ItemAdded",
            Self::ItemQuantityChanged { .. } => "ItemQuantityChanged",
            Self::ItemRemoved { .. } => "ItemRemoved",
            Self::VoucherApplied { .. } => "VoucherApplied",
            Self::VoucherRemoved { .. } => "VoucherRemoved",
            Self::CartCheckedOut { .. } => "CartCheckedOut",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

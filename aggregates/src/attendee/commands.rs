use serde::Deserialize;
use uuid::Uuid;

use super::AttendeeProduct;
use super::model::one;
use crate::pricing::ProductRef;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum AttendeeCommand {
    /// ATT-1…3: sent by the order-paid process. Creates the attendee with the given
    /// access code (generated outside) or, when it exists, adds this order's
    /// products and keeps the code. A re-sent order id is a no-op.
    Register {
        conference_id: Uuid,
        user: Uuid,
        order_id: Uuid,
        access_code: String,
        products: Vec<AttendeeProduct>,
    },
    /// The order was fully refunded: its products stop counting. A no-op for an
    /// unknown or already removed order.
    RemoveOrder { order_id: Uuid },
    /// ATT-12, ATT-13: a scan at the entrance; re-entry allowed.
    CheckIn {
        #[serde(default)]
        station: String,
        by: Uuid,
        #[serde(default)]
        note: String,
    },
    /// ATT-16: a door check for one ticket type or add-on; recorded as passed or
    /// denied by whether the attendee holds the product.
    DoorCheck {
        product: ProductRef,
        #[serde(default)]
        station: String,
        by: Uuid,
    },
    /// ATT-20, ATT-21: redeem `quantity` (default 1) of a held product.
    Redeem {
        product: ProductRef,
        #[serde(default = "one")]
        quantity: u32,
        #[serde(default)]
        station: String,
        by: Uuid,
    },
}

//! The value types an attendee holds. They are stored in events, so their
//! serialized names are part of the log format: never rename them.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Timestamp;
use crate::pricing::ProductRef;

pub(super) fn one() -> u32 {
    1
}

/// ATT-15: the badge label when the attendee holds no ticket line.
pub const GENERAL_ADMISSION: &str = "General Admission";

/// One product line of a paid order, as the attendee holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeProduct {
    pub product: ProductRef,
    /// The product name at checkout (the order line's description), for badges and
    /// messages; "" falls back to the slug.
    #[serde(default)]
    pub name: String,
    pub quantity: u32,
}

/// A paid order registered on the attendee (ATT-3). `removed` once fully refunded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendeeOrder {
    pub order_id: Uuid,
    pub products: Vec<AttendeeProduct>,
    pub registered_at: Timestamp,
    #[serde(default)]
    pub removed: bool,
}

/// ATT-13: one scan at the entrance; append-only (ATT-14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInRecord {
    /// 1 for the first check-in, then 2, 3, … (re-entries).
    pub number: u32,
    pub station: String,
    pub by: Uuid,
    pub note: String,
    pub at: Timestamp,
}

/// ATT-16: one door check for a product; append-only (ATT-14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorCheckRecord {
    pub product: ProductRef,
    pub station: String,
    pub by: Uuid,
    /// False when the attendee did not hold the product (a recorded denial).
    pub admitted: bool,
    pub at: Timestamp,
}

/// ATT-20: one redemption of a product; append-only (ATT-14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redemption {
    pub product: ProductRef,
    pub quantity: u32,
    pub station: String,
    pub by: Uuid,
    pub at: Timestamp,
}

/// A product with what the attendee holds and has redeemed (ATT-19, ATT-22).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductBalance {
    pub product: ProductRef,
    pub name: String,
    pub quantity: u32,
    pub redeemed: u32,
    pub remaining: u32,
}

/// ATT-2: 8 characters from A–Z0–9.
pub fn is_valid_access_code(code: &str) -> bool {
    code.len() == 8
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AttendeeProduct;
use crate::Timestamp;
use crate::pricing::ProductRef;

/// Facts about one attendee. Names are a stored format: never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AttendeeEvent {
    /// ATT-1, ATT-2: the access code never changes afterwards.
    AttendeeRegistered {
        conference_id: Uuid,
        user: Uuid,
        access_code: String,
        at: Timestamp,
    },
    /// ATT-3: a paid order; it becomes the current order and registration is complete.
    AttendeeOrderAdded {
        order_id: Uuid,
        products: Vec<AttendeeProduct>,
        at: Timestamp,
    },
    /// The order was fully refunded; its products stop counting.
    AttendeeOrderRemoved { order_id: Uuid, at: Timestamp },
    /// ATT-13: `number` 1 is the first check-in (sets checked_in_at).
    AttendeeCheckedIn {
        number: u32,
        station: String,
        by: Uuid,
        note: String,
        at: Timestamp,
    },
    DoorCheckPassed {
        product: ProductRef,
        station: String,
        by: Uuid,
        at: Timestamp,
    },
    /// The attendee did not hold the product.
    DoorCheckDenied {
        product: ProductRef,
        station: String,
        by: Uuid,
        at: Timestamp,
    },
    ProductRedeemed {
        product: ProductRef,
        quantity: u32,
        station: String,
        by: Uuid,
        at: Timestamp,
    },
}

impl AttendeeEvent {
    /// The scan this event records, if it is a check-in: the one shape the
    /// aggregate keeps and a command's caller answers with.
    pub fn into_check_in(self) -> Option<super::CheckInRecord> {
        match self {
            Self::AttendeeCheckedIn {
                number,
                station,
                by,
                note,
                at,
            } => Some(super::CheckInRecord {
                number,
                station,
                by,
                note,
                at,
            }),
            _ => None,
        }
    }
}

impl cqrs_es::DomainEvent for AttendeeEvent {
    fn event_type(&self) -> String {
        match self {
            Self::AttendeeRegistered { .. } => "AttendeeRegistered",
            Self::AttendeeOrderAdded { .. } => "AttendeeOrderAdded",
            Self::AttendeeOrderRemoved { .. } => "AttendeeOrderRemoved",
            Self::AttendeeCheckedIn { .. } => "AttendeeCheckedIn",
            Self::DoorCheckPassed { .. } => "DoorCheckPassed",
            Self::DoorCheckDenied { .. } => "DoorCheckDenied",
            Self::ProductRedeemed { .. } => "ProductRedeemed",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Addon, TicketType};
use crate::Timestamp;

/// Facts about one conference's sales ledger. Names are a stored format: never
/// rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InventoryEvent {
    InventoryOpened { conference_id: Uuid, at: Timestamp },
    TicketTypeAdded { ticket: TicketType, at: Timestamp },
    TicketTypeUpdated { ticket: TicketType, at: Timestamp },
    AddonAdded { addon: Addon, at: Timestamp },
    AddonUpdated { addon: Addon, at: Timestamp },
}

impl cqrs_es::DomainEvent for InventoryEvent {
    fn event_type(&self) -> String {
        match self {
            Self::InventoryOpened { .. } => "InventoryOpened",
            Self::TicketTypeAdded { .. } => "TicketTypeAdded",
            Self::TicketTypeUpdated { .. } => "TicketTypeUpdated",
            Self::AddonAdded { .. } => "AddonAdded",
            Self::AddonUpdated { .. } => "AddonUpdated",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1".to_string()
    }
}

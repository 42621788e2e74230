use serde::Deserialize;
use uuid::Uuid;

use super::{Addon, TicketType};

/// Commands on a conference's sales ledger. The stream id is
/// `natural_id("inventory", &conference_id.to_string())`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum InventoryCommand {
    /// Creates the ledger. The same conference again is a no-op.
    Open { conference_id: Uuid },
    /// CAT-1: create or update the ticket type with this slug.
    DefineTicketType { ticket: TicketType },
    /// CAT-6, BOOT-16: create or update the add-on with this slug; every required
    /// slug must name a ticket type of this conference.
    DefineAddon { addon: Addon },
}

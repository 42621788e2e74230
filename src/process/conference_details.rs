//! An organizer's change of a conference's details (CONF-11, MY-4). The Conference
//! decides it; the venue capacity it decided is mirrored to the conference's
//! Inventory, which enforces it at every sale (CAT-14).

use tessera_aggregates::conference::{
    Conference, ConferenceCommand, ConferenceError, ConferenceEvent, DetailsPatch,
};
use tessera_aggregates::inventory::{Inventory, InventoryCommand, InventoryError};
use uuid::Uuid;

use super::Context;
use crate::bus::BusError;
use crate::ids::inventory_id;
use crate::meta::CommandMeta;
use crate::refusal::{Failure, Kind};

#[derive(Debug, thiserror::Error)]
pub enum DetailsError {
    #[error(transparent)]
    Conference(BusError<ConferenceError>),
    #[error(transparent)]
    Inventory(BusError<InventoryError>),
}

impl Failure for DetailsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Conference(e) => e.code(),
            Self::Inventory(e) => e.code(),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Conference(e) => e.kind(),
            Self::Inventory(e) => e.kind(),
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Conference(e) => Some(e),
            Self::Inventory(e) => Some(e),
        }
    }
}

/// Applies `patch`; the position of the last event written.
pub async fn change(
    ctx: Context<'_>,
    conference: Uuid,
    patch: DetailsPatch,
    meta: &CommandMeta,
) -> Result<Option<i64>, DetailsError> {
    let capacity_asked = patch.total_capacity;
    let meta = meta.for_conf(Some(conference));
    let decided = ctx
        .bus
        .send_decided(
            &Conference::stream(conference),
            ConferenceCommand::ChangeDetails { patch },
            &meta,
        )
        .await
        .map_err(DetailsError::Conference)?;
    let Some(asked) = capacity_asked else {
        return Ok(decided.position);
    };
    // The capacity the conference decided; when nothing changed, it already held
    // the one asked.
    let total_capacity = decided
        .events
        .iter()
        .find_map(|e| match e {
            ConferenceEvent::ConferenceDetailsUpdated { details, .. } => {
                Some(details.total_capacity)
            }
            _ => None,
        })
        .unwrap_or(asked);
    let mirrored = ctx
        .bus
        .send(
            &Inventory::stream(inventory_id(conference)),
            InventoryCommand::SetCapacity { total_capacity },
            &meta,
        )
        .await
        .map_err(DetailsError::Inventory)?;
    Ok(decided.position.max(mirrored.position))
}

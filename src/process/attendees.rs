//! Order paid → attendee registered (ATT-*). Placeholder while being written.

use tessera_projections::Envelope;

use crate::bus::CommandBus;
use crate::reactor::Reaction;

pub async fn react(_bus: &CommandBus, _env: &Envelope) -> anyhow::Result<Reaction> {
    Ok(Reaction::Done)
}

//! Process managers: multi-aggregate flows as reactions to facts in the log. Each
//! reaction is an idempotent command keyed by the order or request it follows.

use tessera_projections::Envelope;

use crate::bus::CommandBus;
use crate::reactor::Reaction;

/// The follow-up commands of one event.
pub async fn react(_bus: &CommandBus, _env: &Envelope) -> anyhow::Result<Reaction> {
    Ok(Reaction::Done)
}

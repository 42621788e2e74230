//! Process managers: multi-aggregate flows as reactions to facts in the log. Each
//! reaction is an idempotent command keyed by the order or request it follows, so
//! the reactor may deliver an event again after a crash.
//!
//! One module per flow; `react` hands every event to each of them.

pub mod attendees;
pub mod checkout;
pub mod orders;

use tessera_projections::Envelope;

use crate::bus::{BusError, CommandBus};
use crate::reactor::Reaction;

/// The follow-up commands of one event.
pub async fn react(bus: &CommandBus, env: &Envelope) -> anyhow::Result<Reaction> {
    let mut refused = vec![];
    for outcome in [
        orders::react(bus, env).await?,
        attendees::react(bus, env).await?,
    ] {
        if let Reaction::Refused(why) = outcome {
            refused.push(why);
        }
    }
    Ok(if refused.is_empty() {
        Reaction::Done
    } else {
        Reaction::Refused(refused.join("; "))
    })
}

/// Maps a command outcome: a rule's refusal is final (reported, not retried); a
/// store failure or an exhausted conflict is retried by the reactor.
pub fn settle<E: std::error::Error>(
    outcome: Result<crate::bus::Sent, BusError<E>>,
) -> anyhow::Result<Reaction> {
    match outcome {
        Ok(_) => Ok(Reaction::Done),
        Err(BusError::Refused(e)) => Ok(Reaction::Refused(e.to_string())),
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

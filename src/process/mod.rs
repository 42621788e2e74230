//! Process managers: multi-aggregate flows as reactions to facts in the log. Each
//! reaction is an idempotent command keyed by the order or request it follows, so
//! the reactor may deliver an event again after a crash.
//!
//! One module per flow; `react` hands every event to each of them.

pub mod attendees;
pub mod checkout;
pub mod orders;

use std::sync::atomic::{AtomicU8, Ordering};

use axum::http::StatusCode;
use tessera_projections::Envelope;

use crate::bus::{BusError, CommandBus};
use crate::http::error::{ApiError, ApiResult};
use crate::reactor::Reaction;

pub use checkout::CheckoutStep;

/// Crash points for tests (the fault rule). Armed with a step, the next
/// checkout that reaches it fails once with 503 `fault.injected_crash` and runs
/// nothing after it. Never armed outside tests; unarmed, a trip is one atomic load.
#[derive(Debug, Default)]
pub struct Faults {
    /// 0: unarmed; else the armed [`CheckoutStep`].
    armed: AtomicU8,
}

impl Faults {
    pub fn arm(&self, step: CheckoutStep) {
        self.armed.store(step as u8, Ordering::SeqCst);
    }

    /// Fails once if `step` is armed (and disarms it).
    pub fn trip(&self, step: CheckoutStep) -> ApiResult<()> {
        if self.armed.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        match self
            .armed
            .compare_exchange(step as u8, 0, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "fault.injected_crash",
                format!("injected crash {step:?}"),
            )),
            Err(_) => Ok(()),
        }
    }
}

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

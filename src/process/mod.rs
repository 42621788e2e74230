//! Process managers: multi-aggregate flows as reactions to facts in the log. Each
//! reaction is an idempotent command keyed by the order or request it follows, so
//! the reactor may deliver an event again after a crash.
//!
//! One module per flow; `react` hands every event to each of them.

pub mod attendees;
pub mod checkout;
pub mod orders;
pub mod refunds;
pub mod sweeper;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use axum::http::StatusCode;
use tessera_projections::Envelope;

use crate::bus::{BusError, CommandBus};
use crate::http::error::{ApiError, ApiResult};
use crate::reactor::Reaction;
use crate::stripe::SharedGateway;

pub use checkout::CheckoutStep;
pub use refunds::RefundStep;

/// A point between two steps of a flow where a test can inject a crash.
pub trait FaultPoint: Copy + std::fmt::Debug {
    /// Unique across flows, never 0.
    fn code(self) -> u8;
}

impl FaultPoint for CheckoutStep {
    fn code(self) -> u8 {
        self as u8
    }
}

/// Crash points for tests (the fault rule). Armed with a step, the next
/// request that reaches it fails once with 503 `fault.injected_crash` and runs
/// nothing after it; from then on this process counts as dead: its process
/// managers do nothing more (a restart over the same database takes over). Never
/// armed outside tests; unarmed, a trip is one atomic load.
#[derive(Debug, Default)]
pub struct Faults {
    /// 0: unarmed; else the armed step's [`FaultPoint::code`].
    armed: AtomicU8,
    /// A fault tripped: the process is "dead".
    crashed: AtomicBool,
}

impl Faults {
    pub fn arm(&self, step: impl FaultPoint) {
        self.armed.store(step.code(), Ordering::SeqCst);
    }

    /// Fails once if `step` is armed (and disarms it).
    pub fn trip(&self, step: impl FaultPoint) -> ApiResult<()> {
        if self.armed.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        match self
            .armed
            .compare_exchange(step.code(), 0, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => {
                self.crashed.store(true, Ordering::SeqCst);
                Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "fault.injected_crash",
                    format!("injected crash {step:?}"),
                ))
            }
            Err(_) => Ok(()),
        }
    }

    /// Whether an injected crash happened in this process.
    pub fn crashed(&self) -> bool {
        self.crashed.load(Ordering::Relaxed)
    }
}

/// How the process managers reach Stripe for card refunds a crash left pending.
pub enum StripeAccess {
    /// The service's gateway, and the currency of its intents (PAY-9).
    Gateway {
        gateway: SharedGateway,
        currency: String,
    },
    /// Stripe is not configured: a pending refund stays pending (logged).
    NotConfigured,
    /// A command-line run (bootstrap's `--seed-demo`): a pending card refund is not
    /// this run's to finish; its step fails, so the checkpoint stays before it and
    /// the server's process managers finish it.
    LeftToServer,
}

/// What the process managers work with.
pub struct Processes {
    pub bus: Arc<CommandBus>,
    pub stripe: StripeAccess,
    pub faults: Arc<Faults>,
    /// Card refunds the refund endpoint of this process is running.
    pub in_flight: Arc<refunds::InFlight>,
}

impl Processes {
    /// Process managers run outside the server (no Stripe, no requests).
    pub fn detached(bus: Arc<CommandBus>) -> Self {
        Self {
            bus,
            stripe: StripeAccess::LeftToServer,
            faults: Default::default(),
            in_flight: Default::default(),
        }
    }
}

/// The follow-up commands of one event.
pub async fn react(processes: &Processes, env: &Envelope) -> anyhow::Result<Reaction> {
    if processes.faults.crashed() {
        anyhow::bail!("this process crashed (injected fault): it reacts to nothing more");
    }
    let bus = &processes.bus;
    let mut refused = vec![];
    for outcome in [
        orders::react(processes, env).await?,
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

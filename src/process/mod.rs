//! Flows: every use case that touches more than one aggregate or an outside
//! service, one module per flow. A flow is a function over a
//! small [`Context`] (bus, gateway, clock, faults, settings) returning its own
//! error enum (a [`Failure`]: stable code, kind); the edge maps it. Flows never
//! import the edge.
//!
//! The process managers are flows too: reactions to facts in the log. Each
//! reaction is an idempotent command keyed by the order or request it follows, so
//! the reactor may deliver an event again after a crash; `react` hands every event
//! to each of them.

pub mod accounts;
pub mod attendees;
pub mod badges;
pub mod bulk_purchases;
pub mod cancel;
pub mod card_payment;
pub mod cart;
pub mod checkout;
pub mod conference_details;
pub mod donations;
pub mod expiry;
pub mod grant_receipts;
pub mod new_year;
pub mod orders;
pub mod payments;
pub mod program;
pub mod program_content;
pub mod refund;
pub mod refunds;
pub mod sales;
pub mod sponsors;
pub mod stats;
pub mod stripe_webhook;
pub mod surveys;
pub mod sweeper;
pub mod terminal;
pub mod visa_letters;
pub mod volunteers;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use tessera_projections::Envelope;

use crate::bus::{BusError, CommandBus};
use crate::config::Config;
use crate::refusal::{Failure, Kind};
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

/// What the flows over stored files and read models work with (receipts,
/// visa letters, badges): owned and cheap to clone, so a background job can
/// keep it.
#[derive(Clone)]
pub struct Records {
    pub db: tessera_replay::Db,
    pub bus: Arc<CommandBus>,
    pub personal: Arc<crate::personal::PersonalData>,
    pub files: crate::personal::store::FileStore,
}

/// What a flow works with: the command bus (and its clock), Stripe when
/// configured, the crash points, and the service's settings.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub bus: &'a CommandBus,
    pub gateway: Option<&'a SharedGateway>,
    pub faults: &'a Faults,
    pub config: &'a Config,
}

impl Context<'_> {
    pub fn now(&self) -> tessera_aggregates::Timestamp {
        self.bus.services().now()
    }
}

/// What a reaction can end in.
#[derive(Debug)]
pub enum Reaction {
    Done,
    /// A rule refused the follow-up command: logged, not retried.
    Refused(String),
}

/// An armed crash point was reached: nothing after it ran.
#[derive(Debug, Clone, thiserror::Error)]
#[error("injected crash {0}")]
pub struct InjectedCrash(String);

impl Failure for InjectedCrash {
    fn code(&self) -> &'static str {
        "fault.injected_crash"
    }
    fn kind(&self) -> Kind {
        Kind::Unavailable
    }
}

/// Crash points for tests. Armed with a step, the next
/// request that reaches it fails once with `fault.injected_crash` and runs
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
    pub fn trip(&self, step: impl FaultPoint) -> Result<(), InjectedCrash> {
        if self.armed.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        match self
            .armed
            .compare_exchange(step.code(), 0, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => {
                self.crashed.store(true, Ordering::SeqCst);
                Err(InjectedCrash(format!("{step:?}")))
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
        sponsors::react(bus, env).await?,
        bulk_purchases::react(bus, env).await?,
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

use std::sync::Arc;

use chrono::{DateTime, Utc};

/// An instant in UTC. Decisions that depend on time record it in their events.
pub type Timestamp = DateTime<Utc>;

/// The only source of "now" an aggregate sees.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// A clock stopped at one instant: for tests and for replays.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// What an aggregate may ask of the outside world (cqrs-es `Services`).
#[derive(Clone)]
pub struct DomainServices {
    pub clock: Arc<dyn Clock>,
}

impl DomainServices {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock }
    }

    /// Services whose clock is stopped at `at`.
    pub fn at(at: Timestamp) -> Self {
        Self::new(Arc::new(FixedClock(at)))
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

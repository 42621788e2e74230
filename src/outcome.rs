//! What a command came to: the events it decided and where they landed in the log,
//! or why it did not happen. Shared by the command bus and the event store that
//! answers its queue.

/// Why a command did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BusError<E: std::error::Error> {
    /// A rule refused it (4xx).
    #[error(transparent)]
    Refused(E),
    /// Other writers kept winning until the retries ran out (409).
    #[error("the aggregate kept changing; retries ran out")]
    Conflict,
    /// The store failed, or the decision panicked (500).
    #[error("event store: {0}")]
    Store(String),
    /// No answer within the deadline (503 with Retry-After). A command that had not
    /// started by then never runs; one that had may still complete.
    #[error("the command did not complete within {0:?}")]
    Deadline(std::time::Duration),
}

/// A command's outcome: the global log position its last event reached (None when
/// the command changed nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Sent {
    pub position: Option<i64>,
}

/// What a command decided: its events, in order (empty when it changed nothing),
/// and the position of the last one. A flow learns what it just did from here,
/// never by reading the aggregate back.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided<E> {
    pub events: Vec<E>,
    pub position: Option<i64>,
}

impl<E> Decided<E> {
    pub fn sent(&self) -> Sent {
        Sent {
            position: self.position,
        }
    }
}

//! The process managers' engine: tails the global log with its own checkpoint and
//! turns facts into follow-up commands (order paid → sale confirmed, attendee
//! registered; order cancelled → hold released, credits restored; …).
//!
//! Delivery is at-least-once: the checkpoint moves after the reactions of an event
//! succeeded, and every reaction is an idempotent command, so a crash between a
//! command and the checkpoint only repeats a no-op. A reaction refused by a rule is
//! logged and skipped (the fact stands; retrying cannot change the refusal); an
//! infrastructure failure is retried until it succeeds.
//!
//! The checkpoint is stored at most every `CHECKPOINT_EVERY` while busy (and at
//! once when the log is quiet): a crash repeats at most that much, all no-ops, and
//! a rush costs a few checkpoint commits a second instead of one per batch.

use std::sync::Arc;
use std::time::Duration;

use tessera_projections::Envelope;
use tessera_replay::follow::{bump, notify_progress};
use tessera_replay::storage::{LazyCheckpoint, Stored};
use tessera_replay::{Db, LogReader, LogWindow};
use tokio::sync::{Notify, watch};

pub use crate::process::Reaction;
use crate::process::{self, Processes};

/// Events reacted to per read.
const BATCH: usize = 500;
/// The checkpoint row of the process managers in `projection_state`.
pub const NAME: &str = "process_managers";
const VERSION: u32 = 1;
/// The longest a busy reactor goes without storing its checkpoint.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Handle held by the service: wake the reactor, wait until it reached a position.
#[derive(Clone)]
pub struct ReactorHandle {
    pub wake: Arc<Notify>,
    position: watch::Receiver<i64>,
    published: Arc<watch::Sender<i64>>,
}

impl ReactorHandle {
    /// A handle over a published position that the reactor (when this instance
    /// leads the process managers) or the follower (when it stands by) moves.
    pub fn new(wake: Arc<Notify>, published: Arc<watch::Sender<i64>>) -> Self {
        Self {
            wake,
            position: published.subscribe(),
            published,
        }
    }

    /// The published position's sender (moved forward by the follower).
    pub fn publisher(&self) -> Arc<watch::Sender<i64>> {
        self.published.clone()
    }

    pub fn position(&self) -> i64 {
        *self.position.borrow()
    }

    pub async fn wait_for(&self, position: i64, timeout: Duration) -> bool {
        let mut rx = self.position.clone();
        tokio::time::timeout(timeout, rx.wait_for(|p| *p >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

pub struct Reactor {
    db: Db,
    processes: Arc<Processes>,
    reader: LogReader,
    /// Reacted up to here.
    position: i64,
    /// Stored behind `position`, lazily.
    checkpoint: LazyCheckpoint,
    published: Arc<watch::Sender<i64>>,
}

impl Reactor {
    /// Reads the log through `window`, sharing pages with this process's other
    /// tailers.
    pub fn share_log(mut self, window: Arc<LogWindow>) -> Self {
        self.reader = LogReader::sharing(self.db.clone(), window);
        self
    }

    pub async fn load(db: Db, processes: Arc<Processes>) -> anyhow::Result<Self> {
        Self::load_publishing(db, processes, Arc::new(watch::channel(0).0)).await
    }

    /// Like [`Self::load`], publishing its position to `published` (forward only).
    pub async fn load_publishing(
        db: Db,
        processes: Arc<Processes>,
        published: Arc<watch::Sender<i64>>,
    ) -> anyhow::Result<Self> {
        let checkpoint = LazyCheckpoint::load(&db, NAME, VERSION, CHECKPOINT_EVERY).await?;
        bump(&published, checkpoint.stored);
        Ok(Self {
            reader: LogReader::new(db.clone()),
            db,
            processes,
            position: checkpoint.stored,
            checkpoint,
            published,
        })
    }

    /// Reacts to one batch; returns how many events it covered.
    pub async fn step(&mut self) -> anyhow::Result<(usize, bool)> {
        let batch = self
            .reader
            .read_decoded_after(self.position, BATCH as i64)
            .await?;
        let waiting = batch.waiting_on_gap;
        let mut count = 0;
        let mut last = self.position;
        for env in batch.events {
            self.react(&env).await?;
            last = env.position;
            count += 1;
        }
        // Waiting reads are answered as soon as the reactions are done; the
        // checkpoint follows (a crash before it only repeats idempotent reactions).
        if last > self.position {
            self.position = last;
            bump(&self.published, self.position);
        }
        match self
            .checkpoint
            .store(&self.db, self.position, count == 0)
            .await?
        {
            Stored::NotDue => {}
            // Standbys answer reads waiting for the process managers.
            Stored::Stored => notify_progress(&self.db, NAME, self.checkpoint.stored).await,
            // Another process moved it: resume from there (reactions are
            // idempotent, so an overlap only repeats no-ops).
            Stored::Moved(at) => {
                self.position = at;
                bump(&self.published, at);
                return Ok((0, false));
            }
        }
        Ok((count, waiting))
    }

    async fn react(&self, env: &Envelope) -> anyhow::Result<()> {
        match process::react(&self.processes, env).await? {
            Reaction::Done => {}
            Reaction::Refused(why) => {
                tracing::warn!(position = env.position, event = %env.event_type, %why, "process manager step refused");
            }
        }
        Ok(())
    }

    /// Runs in the background until the process ends.
    pub fn spawn(self, wake: Arc<Notify>) -> ReactorHandle {
        let handle = ReactorHandle::new(wake.clone(), self.published.clone());
        tokio::spawn(self.run(wake));
        handle
    }

    /// Reacts forever, woken by `wake`: what the leader of the process managers
    /// runs.
    pub async fn run(mut self, wake: Arc<Notify>) {
        {
            loop {
                match self.step().await {
                    Ok((n, _)) if n > 0 => {
                        // Busy: gather the next batch for a moment (one read and one
                        // checkpoint per batch, not per event).
                        if n < BATCH {
                            tokio::time::sleep(tessera_replay::runner::COALESCE).await;
                        }
                        continue;
                    }
                    Ok((_, waiting)) => {
                        let pause = tessera_replay::follow::idle_pause(waiting);
                        let _ = tokio::time::timeout(pause, wake.notified()).await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "process manager step failed; retrying");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        }
    }
}

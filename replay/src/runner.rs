//! The projection runner: feeds every projection from the log in global order and
//! stores each checkpoint in the same transaction as the rows it covers.
//!
//! A projection that a batch did not change keeps its stored checkpoint until the
//! runner is idle or [`CHECKPOINT_EVERY`] has passed: its rows are the same at the
//! old position and the new one (a fold changes state only through its rows, and
//! every change is stored with its checkpoint), so folding those events again after
//! a restart changes nothing. A rush then writes the checkpoints of the few
//! projections it changes, not all of them per batch.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use crate::Db;
use crate::log::{LogError, LogReader, LogWindow, Shared};
use crate::storage::{self, Checkpoint, Generation, RowChange, Status, Tx};
use crate::views::{View, all_views};

/// Events read and folded per transaction while serving.
const BATCH: i64 = 5_000;
/// How long a busy runner lets events gather before its next read.
pub const COALESCE: Duration = Duration::from_millis(10);
/// Events per transaction while rebuilding a generation nobody reads yet.
pub const REBUILD_BATCH: i64 = 50_000;
/// The longest a busy runner leaves the checkpoint of a projection it did not
/// change behind its position (an idle one stores it at once).
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error(transparent)]
    Log(#[from] LogError),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("projection rows cannot be (de)serialized: {0}")]
    Json(#[from] serde_json::Error),
    /// A batch was folded but its transaction failed, and these slots (a
    /// rebuild's) cannot be reloaded from storage: start the rebuild again.
    #[error("a batch was folded but not stored; the folds are ahead of storage")]
    Stale,
}

/// One generation of one projection, with its rows in memory.
struct Slot {
    view: Box<dyn View>,
    generation: i64,
    /// The position folded into `view`.
    position: i64,
    /// The checkpoint stored in `projection_state`: at most `position`, and the
    /// rows stored are the fold up to `position` (nothing changed in between).
    stored: i64,
    status: Status,
}

impl Slot {
    /// The stored checkpoint, as the guard of its next move.
    fn checkpoint(&self) -> Checkpoint<'static> {
        Checkpoint {
            name: self.view.name(),
            generation: self.generation,
            position: self.stored,
        }
    }
}

/// Stores a batch's changed rows with the checkpoints that move past them, in one
/// transaction; a batch that changed no row only moves the checkpoints (when
/// due), in one statement. False when a checkpoint had been moved by someone
/// else or retired (nothing is stored).
async fn store_batch(
    db: Db,
    changes: Vec<RowChange>,
    checkpoints: Vec<Checkpoint<'static>>,
    last: i64,
) -> Result<bool, sqlx::Error> {
    if checkpoints.is_empty() {
        return Ok(true);
    }
    if changes.is_empty() {
        return storage::advance_checkpoints(&db, &checkpoints, last).await;
    }
    let mut tx = Tx::begin(&db).await?;
    tx.write_rows(changes).await?;
    let moved = tx.advance(&checkpoints, last).await?;
    if moved {
        tx.commit().await?;
    }
    Ok(moved)
}

/// Feeds projections. Used in-process by `serve` (see [`Runner::spawn`]) and
/// directly by the replay CLI.
pub struct Runner {
    db: Db,
    reader: LogReader,
    slots: Vec<Slot>,
    /// Shared with the instance's [`RunnerHandle`], which standbys move from the
    /// leader's notifications (`crate::follow`).
    published: Arc<watch::Sender<i64>>,
    batch: i64,
    /// The position folded so far, for a terminal's progress line (rebuilds).
    progress: Option<Arc<std::sync::atomic::AtomicI64>>,
    /// A batch was folded into the slots but not stored (its transaction
    /// failed): the rows in memory are ahead of their checkpoints, and folding
    /// the batch again would apply it twice. The next step reloads first.
    stale: bool,
    /// Whether the slots are every view's stored generations ([`Self::load`]),
    /// which a reload restores; a rebuild's own slots cannot be reloaded.
    reloadable: bool,
    /// When every slot's checkpoint was last stored at its position.
    all_stored_at: Instant,
    /// How long a busy runner may leave unchanged projections' checkpoints behind.
    checkpoint_every: Duration,
    /// A rebuild's last batch being stored while the next one is folded (see
    /// [`Runner::catch_up_pipelined`]): the slots' `stored` already name the
    /// checkpoints it moves to.
    in_flight: Option<InFlight>,
}

/// A batch's rows and checkpoints being stored on a task of their own: true
/// once committed, false when a checkpoint had been moved by someone else.
type InFlight = tokio::task::JoinHandle<Result<bool, sqlx::Error>>;

/// What the rest of the service holds: wake the runner, wait for a position.
#[derive(Clone)]
pub struct RunnerHandle {
    wake: Arc<Notify>,
    position: watch::Receiver<i64>,
    published: Arc<watch::Sender<i64>>,
}

impl RunnerHandle {
    /// A handle over a published position that a runner (when this instance leads
    /// the projections) or the follower (when it stands by) moves.
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

    /// What wakes the runner.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Tells the runner that events were committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The position every live projection has reached.
    pub fn position(&self) -> i64 {
        *self.position.borrow()
    }

    /// Follows the position every live projection has reached (the dashboards'
    /// live updates).
    pub fn watch(&self) -> watch::Receiver<i64> {
        self.position.clone()
    }

    /// Waits until every live projection has reached `position`; false on timeout.
    pub async fn wait_for(&self, position: i64, timeout: Duration) -> bool {
        let mut rx = self.position.clone();
        tokio::time::timeout(timeout, rx.wait_for(|p| *p >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

impl Runner {
    /// Loads every projection of this build from storage, creating generations
    /// as needed (a changed version gets a building generation beside the live one).
    pub async fn load(db: Db) -> Result<Self, RunnerError> {
        Self::load_publishing(db, Arc::new(watch::channel(0).0)).await
    }

    /// Like [`Self::load`], publishing its position to `published` (which only
    /// ever moves forward).
    pub async fn load_publishing(
        db: Db,
        published: Arc<watch::Sender<i64>>,
    ) -> Result<Self, RunnerError> {
        let mut runner = Self {
            reader: LogReader::new(db.clone()),
            db,
            slots: vec![],
            published,
            batch: BATCH,
            progress: None,
            stale: false,
            reloadable: true,
            all_stored_at: Instant::now(),
            checkpoint_every: CHECKPOINT_EVERY,
            in_flight: None,
        };
        runner.reload().await?;
        Ok(runner)
    }

    /// Reads the log through `window`, sharing pages with this process's other
    /// tailers.
    pub fn share_log(mut self, window: Arc<LogWindow>) -> Self {
        self.reader = LogReader::sharing(self.db.clone(), window);
        self
    }

    /// Builds slots for just the given views (used by rebuilds and benchmarks).
    pub fn with_slots(db: Db, views: Vec<(Box<dyn View>, Generation)>) -> Self {
        let published = Arc::new(watch::channel(0).0);
        Self {
            reader: LogReader::new(db.clone()),
            slots: views
                .into_iter()
                .map(|(view, g)| Slot {
                    view,
                    generation: g.generation,
                    position: g.position,
                    stored: g.position,
                    status: g.status,
                })
                .collect(),
            db,
            published,
            batch: BATCH,
            progress: None,
            stale: false,
            reloadable: false,
            all_stored_at: Instant::now(),
            checkpoint_every: CHECKPOINT_EVERY,
            in_flight: None,
        }
    }

    /// Stores the position folded so far in `progress` after every batch.
    pub fn with_progress(mut self, progress: Arc<std::sync::atomic::AtomicI64>) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Reads and flushes `batch` events per transaction.
    pub fn with_batch(mut self, batch: i64) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Leaves the checkpoints of projections a batch did not change behind for
    /// at most `every` while busy (default [`CHECKPOINT_EVERY`]).
    pub fn with_checkpoint_every(mut self, every: Duration) -> Self {
        self.checkpoint_every = every;
        self
    }

    async fn reload(&mut self) -> Result<(), RunnerError> {
        let mut slots = vec![];
        for view in all_views() {
            let (live, building) =
                storage::ensure_generations(&self.db, view.name(), view.version()).await?;
            let mut gens = vec![live];
            gens.extend(building);
            for g in gens {
                let mut v = view.fresh();
                // A live generation of an older version is served as stored but not
                // fed: this build no longer has its fold.
                if g.version != i64::from(view.version()) {
                    continue;
                }
                v.load(storage::load_rows(&self.db, view.name(), g.generation).await?)?;
                slots.push(Slot {
                    view: v,
                    generation: g.generation,
                    position: g.position,
                    stored: g.position,
                    status: g.status,
                });
            }
        }
        self.slots = slots;
        self.publish();
        Ok(())
    }

    /// Publishes the live position; true when it moved.
    fn publish(&self) -> bool {
        let live = self
            .slots
            .iter()
            .filter(|s| s.status == Status::Live)
            .map(|s| s.position)
            .min()
            .unwrap_or(0);
        crate::follow::bump(&self.published, live)
    }

    /// The position published (every live projection reached it).
    pub fn published(&self) -> i64 {
        *self.published.borrow()
    }

    /// The lowest checkpoint of all slots.
    pub fn position(&self) -> i64 {
        self.slots.iter().map(|s| s.position).min().unwrap_or(0)
    }

    /// Reads one batch and folds it into every slot behind it. Returns how many
    /// events were folded and whether the reader is waiting on a gap.
    pub async fn step(&mut self) -> Result<(usize, bool), RunnerError> {
        if self.stale {
            if !self.reloadable {
                return Err(RunnerError::Stale);
            }
            self.reload().await?;
            self.stale = false;
        }
        // A rebuild's last write lands before anything reads the checkpoints.
        if !self.land_in_flight().await? {
            return Ok((0, false));
        }
        let from = self.position();
        let batch = self.reader.read_decoded_after(from, self.batch).await?;
        if batch.events.is_empty() {
            self.store_checkpoints().await?;
            self.promote_caught_up().await?;
            return Ok((0, batch.waiting_on_gap));
        }
        let folded = self.fold_and_flush(&batch.events, false).await?;
        Ok((folded, batch.waiting_on_gap))
    }

    /// Folds decoded events into every slot behind them and stores the changed rows
    /// with the new checkpoints in one transaction. Returns how many were folded (0
    /// when a checkpoint was moved by someone else: the slots are reloaded).
    ///
    /// With `overlap` (a rebuild's generations, which nobody reads and nothing
    /// publishes), the transaction runs on a task of its own while the caller folds
    /// the next batch; the next call, or [`Self::land_in_flight`], waits for it.
    async fn fold_and_flush(
        &mut self,
        envelopes: &[Shared],
        overlap: bool,
    ) -> Result<usize, RunnerError> {
        let Some(last) = envelopes.last().map(|e| e.position) else {
            return Ok(0);
        };
        let overlap = overlap && self.slots.iter().all(|s| s.status == Status::Building);
        let started = Instant::now();
        if self.stale {
            return Err(RunnerError::Stale);
        }
        // Until the batch is stored, the slots are ahead of their checkpoints.
        self.stale = true;
        for env in envelopes {
            for slot in self.slots.iter_mut().filter(|s| env.position > s.position) {
                slot.view.apply(env);
            }
        }
        let mut changes = vec![];
        // The slots whose checkpoint moves with this batch: those it changed, and
        // every one behind when the lazy ones are due.
        let due = self.all_stored_at.elapsed() >= self.checkpoint_every;
        let mut moving = vec![];
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if slot.position >= last {
                continue;
            }
            let (name, generation) = (slot.view.name(), slot.generation);
            let before = changes.len();
            changes.extend(
                slot.view
                    .take_changes()?
                    .into_iter()
                    .map(|(key, doc)| RowChange {
                        name,
                        generation,
                        key,
                        doc,
                    }),
            );
            if due || changes.len() > before {
                moving.push(i);
            }
        }
        let checkpoints: Vec<Checkpoint<'static>> =
            moving.iter().map(|&i| self.slots[i].checkpoint()).collect();
        if overlap {
            // The previous batch must have landed before this one's guards, built
            // on the checkpoints it moves to, are checked.
            let folded = started.elapsed();
            if !self.land_in_flight().await? {
                return Ok(0);
            }
            tracing::debug!(
                events = envelopes.len(),
                rows = changes.len(),
                fold_ms = folded.as_millis() as u64,
                write_wait_ms = (started.elapsed() - folded).as_millis() as u64,
                "rebuild batch folded; the previous one stored"
            );
            let write = store_batch(self.db.clone(), changes, checkpoints, last);
            self.in_flight = Some(tokio::spawn(write));
        } else if !store_batch(self.db.clone(), changes, checkpoints, last).await? {
            // Another runner moved a checkpoint, or a rebuild retired a generation:
            // drop this batch and start again from what is stored.
            self.reload().await?;
            self.stale = false;
            return Ok(0);
        }
        for &i in &moving {
            self.slots[i].stored = last;
        }
        if due {
            self.all_stored_at = Instant::now();
        }
        for slot in self.slots.iter_mut().filter(|s| s.position < last) {
            slot.position = last;
        }
        self.stale = false;
        if let Some(p) = &self.progress {
            p.store(last, std::sync::atomic::Ordering::Relaxed);
        }
        if self.publish() {
            // Standbys answer reads waiting for this position.
            crate::follow::notify_progress(&self.db, crate::leader::PROJECTIONS, self.published())
                .await;
        }
        Ok(envelopes.len())
    }

    /// Folds up to the log head in three overlapping stages: reading and decoding
    /// on a task of their own, folding here, and storing each batch on a task of
    /// its own while the next is folded (used by rebuilds, which start far behind).
    pub async fn catch_up_pipelined(&mut self) -> Result<usize, RunnerError> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<Shared>, RunnerError>>(2);
        let mut reader = LogReader::new(self.db.clone());
        let (mut at, batch) = (self.position(), self.batch);
        let feeder = tokio::spawn(async move {
            loop {
                let read = match reader.read_decoded_after(at, batch).await {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = tx.send(Err(e.into())).await;
                        return;
                    }
                };
                if read.events.is_empty() {
                    if read.waiting_on_gap {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                    return;
                }
                at = read.events.last().map_or(at, |e| e.position);
                if tx.send(Ok(read.events)).await.is_err() {
                    return;
                }
            }
        });
        let mut total = 0;
        let mut waiting = Instant::now();
        while let Some(envelopes) = rx.recv().await {
            tracing::debug!(
                read_wait_ms = waiting.elapsed().as_millis() as u64,
                "rebuild batch read"
            );
            let envelopes = match envelopes {
                Ok(envelopes) => envelopes,
                Err(e) => {
                    // Nothing may still be writing once the caller hears of it.
                    let _ = self.land_in_flight().await;
                    return Err(e);
                }
            };
            let folded = self.fold_and_flush(&envelopes, true).await?;
            waiting = Instant::now();
            if folded == 0 {
                // Reloaded after losing a checkpoint race: finish the plain way.
                feeder.abort();
                return Ok(total + self.catch_up().await?);
            }
            total += folded;
        }
        // The last batch's write, whatever arrived meanwhile, and the switch of
        // caught-up generations.
        self.land_in_flight().await?;
        Ok(total + self.catch_up().await?)
    }

    /// Waits for the batch being stored on its own task, if any. False when it
    /// was refused (a checkpoint moved by someone else): the slots were reloaded.
    /// A failed write leaves the slots ahead of storage, like a failed batch.
    async fn land_in_flight(&mut self) -> Result<bool, RunnerError> {
        let Some(write) = self.in_flight.take() else {
            return Ok(true);
        };
        let landed = match write.await {
            Ok(Ok(landed)) => landed,
            Ok(Err(e)) => {
                self.stale = true;
                return Err(e.into());
            }
            Err(_) => {
                self.stale = true;
                return Err(RunnerError::Stale);
            }
        };
        if !landed {
            if !self.reloadable {
                self.stale = true;
                return Err(RunnerError::Stale);
            }
            self.reload().await?;
            self.stale = false;
        }
        Ok(landed)
    }

    /// Folds until the log head is reached.
    pub async fn catch_up(&mut self) -> Result<usize, RunnerError> {
        let mut total = 0;
        loop {
            let (n, waiting) = self.step().await?;
            total += n;
            if n == 0 {
                if waiting {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                return Ok(total);
            }
        }
    }

    /// Stores every checkpoint left behind its slot's position (the runner is
    /// caught up: nothing is gained by waiting).
    async fn store_checkpoints(&mut self) -> Result<(), RunnerError> {
        let behind: Vec<usize> = (0..self.slots.len())
            .filter(|&i| self.slots[i].stored < self.slots[i].position)
            .collect();
        // Each moves to its own position: group by it (after a rebuild's
        // generations reach the head, one group).
        let mut targets: Vec<i64> = behind.iter().map(|&i| self.slots[i].position).collect();
        targets.sort_unstable();
        targets.dedup();
        for to in targets {
            let group: Vec<usize> = behind
                .iter()
                .copied()
                .filter(|&i| self.slots[i].position == to)
                .collect();
            let checkpoints: Vec<Checkpoint<'_>> =
                group.iter().map(|&i| self.slots[i].checkpoint()).collect();
            if !storage::advance_checkpoints(&self.db, &checkpoints, to).await? {
                if !self.reloadable {
                    return Err(RunnerError::Stale);
                }
                self.reload().await?;
                return Ok(());
            }
            for i in group {
                self.slots[i].stored = to;
            }
        }
        self.all_stored_at = Instant::now();
        Ok(())
    }

    /// A building generation that reached the live one's position becomes live.
    async fn promote_caught_up(&mut self) -> Result<(), RunnerError> {
        let head = self.position();
        let names: Vec<(&'static str, i64)> = self
            .slots
            .iter()
            .filter(|s| s.status == Status::Building && s.position >= head)
            .map(|s| (s.view.name(), s.generation))
            .collect();
        for (name, generation) in names {
            storage::promote(&self.db, name, generation).await?;
            if self.reloadable {
                // A serving runner's switch drops the old rows at once; a
                // rebuild's caller drops them once every projection is switched.
                storage::drop_retired_rows(&self.db, name).await?;
            }
            tracing::info!(projection = name, generation, "rebuilt generation is live");
            self.slots
                .retain(|s| s.view.name() != name || s.generation == generation);
            for s in self
                .slots
                .iter_mut()
                .filter(|s| s.generation == generation && s.view.name() == name)
            {
                s.status = Status::Live;
            }
        }
        if !self.slots.is_empty() {
            self.publish();
        }
        Ok(())
    }

    /// Runs forever in the background, woken by commits and polling for other
    /// writers.
    pub fn spawn(self) -> RunnerHandle {
        let wake = Arc::new(Notify::new());
        let handle = RunnerHandle::new(wake.clone(), self.published.clone());
        tokio::spawn(self.run(wake));
        handle
    }

    /// Folds forever, woken by `wake` (commits here or, through the follower,
    /// elsewhere) and polling for other writers: what the leader of the
    /// projections runs.
    pub async fn run(mut self, wake: Arc<Notify>) {
        {
            loop {
                match self.step().await {
                    Ok((n, _)) if n > 0 => {
                        // Busy: let the next batch gather for a moment rather than
                        // paying a read and a commit for every few events. After a
                        // quiet spell the first wake is served at once.
                        if (n as i64) < self.batch {
                            tokio::time::sleep(COALESCE).await;
                        }
                        continue;
                    }
                    Ok((_, waiting)) => {
                        let pause = crate::follow::idle_pause(waiting);
                        let _ = tokio::time::timeout(pause, wake.notified()).await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "projection runner step failed");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        }
    }
}

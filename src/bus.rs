//! The one command path: load (cached), decide, append, retry on conflict, wake the
//! projection runner. Every client, web page or API goes through `send`.
//!
//! Resilience: an aggregate's queue is run by a spawned task, so a caller that goes
//! away (a client disconnect cancels its handler) never stops the commands queued
//! behind it; a `decide` that panics is answered as an internal error, its cached
//! state is dropped and the rest of the queue still runs; every caller waits at most
//! the deadline (then 503), and a queue running longer than that shows in `/readyz`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, AggregateError, EventStore};
use futures::FutureExt;
use rand::Rng;
use tessera_aggregates::{DomainServices, StreamId};
use tessera_projections::EventMeta;
use tessera_replay::follow::OtherWriters;
use tessera_replay::{Db, RunnerHandle};

use crate::appenders::AppendConnections;
pub use crate::outcome::{BusError, Decided, Sent};
use crate::store::{CachingEventStore, Pending, QueueWatch};

/// How often a command is retried after losing an optimistic-concurrency race.
const MAX_ATTEMPTS: u32 = 10;
/// How stale a `peek` may be with respect to other processes.
const RECENT: Duration = Duration::from_millis(500);
/// The most commands one batch decides and appends together.
const MAX_BATCH: usize = 256;
/// How long a command may take, queue included, unless configured otherwise.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);

/// An aggregate queue running longer than it should (see [`CommandBus::stuck`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StuckQueue {
    pub aggregate_type: &'static str,
    pub aggregate_id: String,
    pub running_ms: u128,
}

/// One aggregate type's store, typed (for commands) and as a queue watch.
struct Registered {
    store: Arc<dyn Any + Send + Sync>,
    watch: Arc<dyn QueueWatch>,
}

pub struct CommandBus {
    db: Db,
    services: DomainServices,
    runner: Option<RunnerHandle>,
    /// Woken after every commit, besides the runner (the process managers).
    wakers: Vec<Arc<tokio::sync::Notify>>,
    stores: Mutex<HashMap<TypeId, Registered>>,
    deadline: Duration,
    /// Whether other writers committed (PostgreSQL): lets cached reads stay
    /// current for longer while nobody else writes.
    others: Option<Arc<OtherWriters>>,
    /// The connections the appends of every aggregate type keep (PostgreSQL).
    appenders: Option<Arc<AppendConnections>>,
}

impl CommandBus {
    pub fn new(db: Db, services: DomainServices, runner: Option<RunnerHandle>) -> Self {
        Self {
            services,
            runner,
            wakers: vec![],
            stores: Mutex::new(HashMap::new()),
            deadline: DEFAULT_DEADLINE,
            others: None,
            appenders: AppendConnections::for_db(&db),
            db,
        }
    }

    /// Learns of other writers' commits from `others` (see `store::QUIET_TRUST`).
    pub fn with_other_writers(mut self, others: Arc<OtherWriters>) -> Self {
        self.others = Some(others);
        self
    }

    /// Answers every command within `deadline` (503 past it).
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The aggregates whose current batch of commands has run longer than `age`
    /// (a decision or a store call that hangs): what `/readyz` reports.
    pub fn stuck(&self, age: Duration) -> Vec<StuckQueue> {
        let watches: Vec<Arc<dyn QueueWatch>> = {
            let stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
            stores.values().map(|r| r.watch.clone()).collect()
        };
        let mut stuck: Vec<StuckQueue> = watches
            .iter()
            .flat_map(|w| w.running_longer_than(age))
            .map(|(aggregate_type, aggregate_id, running)| StuckQueue {
                aggregate_type,
                aggregate_id,
                running_ms: running.as_millis(),
            })
            .collect();
        stuck.sort_by_key(|s| std::cmp::Reverse(s.running_ms));
        stuck
    }

    /// Also wake `notify` after every commit.
    pub fn with_waker(mut self, notify: Arc<tokio::sync::Notify>) -> Self {
        self.wakers.push(notify);
        self
    }

    /// How many times this process read `A`'s streams from the store (what its
    /// cache did not answer; also the `tessera_aggregate_loads_total` metric).
    pub fn store_reads<A>(&self) -> u64
    where
        A: Aggregate + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        self.store::<A>().loads()
    }

    pub fn services(&self) -> &DomainServices {
        &self.services
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    fn store<A>(&self) -> Arc<CachingEventStore<A>>
    where
        A: Aggregate + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        let mut stores = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        let entry = stores.entry(TypeId::of::<A>()).or_insert_with(|| {
            let store = Arc::new(
                CachingEventStore::<A>::new(&self.db)
                    .with_other_writers(self.others.clone())
                    .with_appenders(self.appenders.clone()),
            );
            Registered {
                store: store.clone(),
                watch: store,
            }
        });
        match entry.store.clone().downcast::<CachingEventStore<A>>() {
            Ok(store) => store,
            // Unreachable: the map is keyed by the type it holds.
            Err(_) => Arc::new(CachingEventStore::<A>::new(&self.db)),
        }
    }

    /// Reads the current state of an aggregate (every committed event applied).
    pub async fn inspect<A, T>(
        &self,
        id: &StreamId<A>,
        read: impl FnOnce(&A) -> T,
    ) -> Result<T, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        self.store::<A>()
            .read(id.as_str(), read)
            .await
            .map_err(store_error)
    }

    /// Like [`Self::inspect`], but may answer from this process's cache when it was
    /// verified within `RECENT`, or since then no other instance has announced a
    /// commit (for at most 30 s: docs/scale-out.md). Never stale with respect to
    /// this process. For pages, feature gates and advisory checks on hot
    /// aggregates; never for a decision.
    pub async fn peek<A, T>(
        &self,
        id: &StreamId<A>,
        read: impl FnOnce(&A) -> T,
    ) -> Result<T, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        self.store::<A>()
            .read_recent(id.as_str(), RECENT, read)
            .await
            .map_err(store_error)
    }

    /// Like [`Self::peek`] with a caller-chosen staleness bound (identity lookups
    /// accept a few seconds; decisions never use this).
    pub async fn peek_within<A, T>(
        &self,
        id: &StreamId<A>,
        max_age: Duration,
        read: impl FnOnce(&A) -> T,
    ) -> Result<T, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        self.store::<A>()
            .read_recent(id.as_str(), max_age, read)
            .await
            .map_err(store_error)
    }

    /// Like [`Self::peek`], but never reads the store: None when not cached.
    pub async fn cached<A, T>(&self, id: &StreamId<A>, read: impl FnOnce(&A) -> T) -> Option<T>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        self.store::<A>()
            .read_cached(id.as_str(), RECENT, read)
            .await
    }

    /// Folds the whole stream of aggregate `id` into a fresh value, without reading
    /// or filling the cache and without taking the per-aggregate lock: a private
    /// copy a caller may run `decide`/`apply` on (bootstrap's validate-everything-
    /// first pass).
    pub async fn load_fresh<A>(&self, id: &StreamId<A>) -> Result<A, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        let store = self.store::<A>();
        let events = store.load_events(id.as_str()).await.map_err(store_error)?;
        let mut aggregate = A::default();
        for envelope in events {
            aggregate.apply(envelope.payload);
        }
        Ok(aggregate)
    }

    /// Sends `command` to aggregate `id`. Retries conflicts with jitter; the events
    /// carry `meta` (and `recorded_at` from the clock).
    ///
    /// Commands to one aggregate queue up in this process: the first caller leads
    /// and runs whatever queued meanwhile as one batch, each command decided on the
    /// state its predecessors left, all events appended in one statement (group
    /// commit). A hot aggregate (a conference's sales ledger during a rush) then
    /// costs one round trip per batch, not per command.
    pub async fn send<A>(
        &self,
        id: &StreamId<A>,
        command: A::Command,
        meta: &EventMeta,
    ) -> Result<Sent, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Clone + Send,
        A::Error: Send,
    {
        self.send_decided(id, command, meta)
            .await
            .map(|decided| decided.sent())
    }

    /// Like [`Self::send`], answering with the events the aggregate decided (empty
    /// when the command changed nothing) besides their position, so the caller
    /// learns what it just did without reading the aggregate back.
    pub async fn send_decided<A>(
        &self,
        id: &StreamId<A>,
        command: A::Command,
        meta: &EventMeta,
    ) -> Result<Decided<A::Event>, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Clone + Send,
        A::Error: Send,
    {
        let started = Instant::now();
        let store = self.store::<A>();
        let mut meta = meta.clone();
        meta.recorded_at = Some(self.services.now());
        let (reply, answer) = tokio::sync::oneshot::channel();
        let leads = store.enqueue(
            id.as_str(),
            Pending {
                command,
                metadata: meta.to_map(),
                reply,
                deadline: started + self.deadline,
            },
        );
        if leads {
            // The queue is run by its own task: cancelling this caller (a client
            // that went away) must not stop it half-way or strand the commands
            // queued behind it.
            let driver = Driver {
                store: store.clone(),
                services: self.services.clone(),
                id: id.to_string(),
            };
            tokio::spawn(driver.run());
        }
        let outcome = match tokio::time::timeout(self.deadline, answer).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(BusError::Store("the command was dropped".into())),
            Err(_) => Err(BusError::Deadline(self.deadline)),
        };
        let outcome_label = match &outcome {
            Ok(_) => "ok",
            Err(BusError::Refused(_)) => "refused",
            Err(BusError::Conflict) => "conflict",
            Err(BusError::Store(_)) => "error",
            Err(BusError::Deadline(_)) => "deadline",
        };
        metrics::histogram!(
            "tessera_command_duration_seconds",
            "aggregate" => A::TYPE,
            "outcome" => outcome_label
        )
        .record(started.elapsed().as_secs_f64());
        if let Ok(Decided {
            position: Some(_), ..
        }) = &outcome
        {
            if let Some(runner) = &self.runner {
                runner.wake();
            }
            for w in &self.wakers {
                w.notify_one();
            }
        }
        outcome
    }
}

/// Runs one aggregate's queue, batch after batch, until it is empty: the leader's
/// work, in a task of its own.
struct Driver<A: Aggregate> {
    store: Arc<CachingEventStore<A>>,
    services: DomainServices,
    id: String,
}

/// Ends the leadership if the driver stops before its queue is empty (its task
/// cancelled at shutdown): otherwise the queue would stay marked running and every
/// later command on the aggregate would wait for nobody.
struct Leadership<'a, A: Aggregate> {
    store: &'a CachingEventStore<A>,
    id: &'a str,
    done: bool,
}

impl<A: Aggregate> Drop for Leadership<'_, A> {
    fn drop(&mut self) {
        if !self.done {
            self.store.abandon(self.id);
        }
    }
}

impl<A> Driver<A>
where
    A: Aggregate<Services = DomainServices> + 'static,
    A::Command: Clone + Send,
    A::Error: Send,
{
    async fn run(self) {
        let mut leadership = Leadership {
            store: &self.store,
            id: &self.id,
            done: false,
        };
        while let Some(batch) = self.store.next_batch(&self.id, MAX_BATCH) {
            let run = AssertUnwindSafe(self.run_batch(batch)).catch_unwind().await;
            if let Err(panic) = run {
                // Outside any decision (a fold of stored events, say): the batch's
                // callers are answered by their dropped reply senders; the state
                // may be half-applied, so it is read again next time.
                tracing::error!(
                    aggregate = A::TYPE,
                    id = %self.id,
                    panic = %panic_message(&*panic),
                    "a command batch panicked"
                );
                metrics::counter!("tessera_command_panics_total", "aggregate" => A::TYPE)
                    .increment(1);
                self.store.evict(&self.id).await;
            }
        }
        leadership.done = true;
    }

    /// Decides the command, catching a panic: `Err(message)` when it panicked (the
    /// aggregate may be half-changed then, and must be dropped).
    async fn decide(
        &self,
        aggregate: &mut A,
        command: A::Command,
    ) -> Result<(Result<(), A::Error>, Vec<A::Event>), String> {
        let sink = EventSink::<A>::default();
        let decided = AssertUnwindSafe(aggregate.handle(command, &self.services, &sink))
            .catch_unwind()
            .await;
        match decided {
            Ok(result) => Ok((result, sink.collect().await)),
            Err(panic) => {
                let message = panic_message(&*panic);
                tracing::error!(aggregate = A::TYPE, id = %self.id, panic = %message, "a decision panicked");
                metrics::counter!("tessera_command_panics_total", "aggregate" => A::TYPE)
                    .increment(1);
                Err(message)
            }
        }
    }

    async fn run_batch(&self, batch: Vec<Pending<A>>) {
        let (store, id) = (&*self.store, self.id.as_str());
        if batch.len() == 1 {
            for p in batch {
                let outcome = self.run_one(p.command, p.metadata, p.deadline).await;
                let _ = p.reply.send(outcome);
            }
            return;
        }
        let mut attempt = 0;
        let mut slot = store.lock(id).await;
        // Commands whose callers gave up waiting never start.
        let mut batch = live(batch);
        loop {
            if batch.is_empty() {
                return;
            }
            attempt += 1;
            // A batch decides on verified state: one read for the whole batch.
            let mut context = match store.load(id, &mut slot).await {
                Ok(c) => c,
                Err(e) => {
                    let why = e.to_string();
                    for p in batch {
                        let _ = p.reply.send(Err(BusError::Store(why.clone())));
                    }
                    return;
                }
            };
            let mut decided: Vec<Result<Vec<A::Event>, A::Error>> = Vec::with_capacity(batch.len());
            let mut panicked = None;
            for i in 0..batch.len() {
                let command = batch[i].command.clone();
                match self.decide(&mut context.aggregate, command).await {
                    Ok((result, events)) => {
                        if result.is_err() && !events.is_empty() {
                            // The slot stays empty: the state may be half-applied.
                            for p in batch {
                                let _ = p.reply.send(Err(BusError::Store(format!(
                                    "{} wrote events and then refused",
                                    A::TYPE
                                ))));
                            }
                            return;
                        }
                        decided.push(result.map(|()| events));
                    }
                    Err(message) => {
                        panicked = Some((i, message));
                        break;
                    }
                }
            }
            if let Some((i, message)) = panicked {
                // The panicking command is answered; the others are decided again
                // on state read afresh (the slot stays empty: this context may be
                // half-changed). Nothing was appended.
                let p = batch.remove(i);
                let _ = p.reply.send(Err(BusError::Store(format!(
                    "{} panicked deciding a command: {message}",
                    A::TYPE
                ))));
                continue;
            }
            let groups = decided
                .iter()
                .zip(&batch)
                .map(|(d, p)| {
                    (
                        d.as_ref().ok().cloned().unwrap_or_default(),
                        p.metadata.clone(),
                    )
                })
                .collect();
            match store.append_batch(groups, context, &mut slot).await {
                Ok(positions) => {
                    for ((p, d), position) in batch.into_iter().zip(decided).zip(positions) {
                        let _ = p.reply.send(match d {
                            Ok(events) => Ok(Decided { events, position }),
                            Err(e) => Err(BusError::Refused(e)),
                        });
                    }
                    return;
                }
                Err(AggregateError::AggregateConflict) if attempt < MAX_ATTEMPTS => {
                    metrics::counter!("tessera_command_conflicts_total", "aggregate" => A::TYPE)
                        .increment(1);
                    let jitter = rand::thread_rng().gen_range(1..=5 * attempt as u64);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                }
                Err(e) => {
                    let conflict = matches!(e, AggregateError::AggregateConflict);
                    let why = e.to_string();
                    for p in batch {
                        let _ = p.reply.send(Err(if conflict {
                            BusError::Conflict
                        } else {
                            BusError::Store(why.clone())
                        }));
                    }
                    return;
                }
            }
        }
    }

    /// One command alone: a cached aggregate decides without a read.
    async fn run_one(
        &self,
        command: A::Command,
        metadata: HashMap<String, String>,
        deadline: Instant,
    ) -> Result<Decided<A::Event>, BusError<A::Error>> {
        let (store, id) = (&*self.store, self.id.as_str());
        let mut attempt = 0;
        // When the command writes, the append's sequence check proves the cache was
        // current (a conflict means another process wrote first: reload and retry).
        // When it writes nothing or is refused, the cache is checked against the
        // store first, so no answer rests on stale state. Aggregates decide before
        // they write, so a refused command leaves the state untouched.
        let mut slot = store.lock(id).await;
        if Instant::now() >= deadline {
            // Its caller was answered 503 meanwhile: it must not start now.
            return Err(BusError::Deadline(Duration::ZERO));
        }
        let (mut context, mut verified) = match CachingEventStore::take(id, &mut slot) {
            Some(cached) => (cached, false),
            // Not cached: decide as if the stream were new. A create then costs no
            // read (a taken sequence 1 is a conflict: reload and retry); anything
            // else is refused on the empty state and so refreshed and decided again.
            None => (
                crate::store::Context::<A> {
                    aggregate_id: id.to_string(),
                    aggregate: A::default(),
                    current_sequence: 0,
                    current_snapshot: None,
                },
                false,
            ),
        };
        loop {
            attempt += 1;
            let (decided, events) = match self.decide(&mut context.aggregate, command.clone()).await
            {
                Ok(outcome) => outcome,
                // The slot stays empty: the state may be half-changed.
                Err(message) => {
                    return Err(BusError::Store(format!(
                        "{} panicked deciding a command: {message}",
                        A::TYPE
                    )));
                }
            };
            if decided.is_err() && !events.is_empty() {
                // Broke the decide-then-write rule: the state may be half-applied, so
                // the slot stays empty.
                return Err(BusError::Store(format!(
                    "{} wrote events and then refused",
                    A::TYPE
                )));
            }
            if decided.is_err() || events.is_empty() {
                if !verified {
                    verified = true;
                    if store.refresh(&mut context).await.map_err(store_error)? > 0 {
                        continue; // the stream moved on: decide again
                    }
                }
                CachingEventStore::keep(&mut slot, context);
                return match decided {
                    Err(e) => Err(BusError::Refused(e)),
                    Ok(()) => Ok(Decided {
                        events: vec![],
                        position: None,
                    }),
                };
            }
            let answer = events.clone();
            match store
                .append(events, context, metadata.clone(), &mut slot)
                .await
            {
                Ok(position) => {
                    return Ok(Decided {
                        events: answer,
                        position,
                    });
                }
                Err(AggregateError::AggregateConflict) if attempt < MAX_ATTEMPTS => {
                    metrics::counter!("tessera_command_conflicts_total", "aggregate" => A::TYPE)
                        .increment(1);
                    let jitter = rand::thread_rng().gen_range(1..=5 * attempt as u64);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                    context = store.load(id, &mut slot).await.map_err(store_error)?;
                    verified = true;
                }
                Err(AggregateError::AggregateConflict) => {
                    metrics::counter!("tessera_command_conflicts_total", "aggregate" => A::TYPE)
                        .increment(1);
                    return Err(BusError::Conflict);
                }
                Err(e) => return Err(store_error(e)),
            }
        }
    }
}

/// The commands whose callers still wait; the others are answered (to nobody)
/// with the deadline and never start.
fn live<A: Aggregate>(batch: Vec<Pending<A>>) -> Vec<Pending<A>> {
    let now = Instant::now();
    let (live, expired): (Vec<_>, Vec<_>) = batch.into_iter().partition(|p| now < p.deadline);
    for p in expired {
        let _ = p.reply.send(Err(BusError::Deadline(Duration::ZERO)));
    }
    live
}

/// What a panic said, when it said it with a string.
fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

fn store_error<E: std::error::Error>(e: AggregateError<E>) -> BusError<E> {
    match e {
        AggregateError::UserError(e) => BusError::Refused(e),
        AggregateError::AggregateConflict => BusError::Conflict,
        other => BusError::Store(other.to_string()),
    }
}

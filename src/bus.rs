//! The one command path: load (cached), decide, append, retry on conflict, wake the
//! projection runner. Every client, web page or API goes through `send`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, AggregateError, EventStore};
use rand::Rng;
use tessera_aggregates::DomainServices;
use tessera_projections::EventMeta;
use tessera_replay::{Db, RunnerHandle};

use crate::store::{CachingEventStore, Pending};

/// How often a command is retried after losing an optimistic-concurrency race.
const MAX_ATTEMPTS: u32 = 10;
/// How stale a `peek` may be with respect to other processes.
const RECENT: Duration = Duration::from_millis(500);
/// The most commands one batch decides and appends together.
const MAX_BATCH: usize = 256;

/// Why a command did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BusError<E: std::error::Error> {
    /// A rule refused it (4xx).
    #[error(transparent)]
    Refused(E),
    /// Other writers kept winning until the retries ran out (409).
    #[error("the aggregate kept changing; retries ran out")]
    Conflict,
    /// The store failed (500).
    #[error("event store: {0}")]
    Store(String),
}

/// A command's outcome: the global log position its last event reached (None when
/// the command changed nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Sent {
    pub position: Option<i64>,
}

/// What a command decided: its events (none when it changed nothing) and the global
/// log position the last of them reached. A caller learns what it just did from
/// here, never by reading the aggregate back.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided<E> {
    pub position: Option<i64>,
    pub events: Vec<E>,
}

pub struct CommandBus {
    db: Db,
    services: DomainServices,
    runner: Option<RunnerHandle>,
    /// Woken after every commit, besides the runner (the process managers).
    wakers: Vec<Arc<tokio::sync::Notify>>,
    stores: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl CommandBus {
    pub fn new(db: Db, services: DomainServices, runner: Option<RunnerHandle>) -> Self {
        Self {
            db,
            services,
            runner,
            wakers: vec![],
            stores: Mutex::new(HashMap::new()),
        }
    }

    /// Also wake `notify` after every commit.
    pub fn with_waker(mut self, notify: Arc<tokio::sync::Notify>) -> Self {
        self.wakers.push(notify);
        self
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
        let entry = stores
            .entry(TypeId::of::<A>())
            .or_insert_with(|| Arc::new(CachingEventStore::<A>::new(&self.db)));
        match entry.clone().downcast::<CachingEventStore<A>>() {
            Ok(store) => store,
            // Unreachable: the map is keyed by the type it holds.
            Err(_) => Arc::new(CachingEventStore::<A>::new(&self.db)),
        }
    }

    /// Reads the current state of an aggregate (every committed event applied).
    pub async fn inspect<A, T>(
        &self,
        id: &str,
        read: impl FnOnce(&A) -> T,
    ) -> Result<T, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        self.store::<A>().read(id, read).await.map_err(store_error)
    }

    /// Folds the whole stream of aggregate `id` into a fresh value, without reading
    /// or filling the cache and without taking the per-aggregate lock: a private
    /// copy a caller may run `decide`/`apply` on (bootstrap's validate-everything-
    /// first pass).
    /// Like [`Self::inspect`], but may answer from this process's cache when it was
    /// verified within `RECENT` (at most that stale with respect to other
    /// processes; never with respect to this one). For pages, feature gates and
    /// advisory checks on hot aggregates; never for a decision.
    pub async fn peek<A, T>(
        &self,
        id: &str,
        read: impl FnOnce(&A) -> T,
    ) -> Result<T, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        self.store::<A>()
            .read_recent(id, RECENT, read)
            .await
            .map_err(store_error)
    }

    /// Like [`Self::peek`] with a caller-chosen staleness bound (identity lookups
    /// accept a few seconds; decisions never use this).
    pub async fn peek_within<A, T>(
        &self,
        id: &str,
        max_age: Duration,
        read: impl FnOnce(&A) -> T,
    ) -> Result<T, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        self.store::<A>()
            .read_recent(id, max_age, read)
            .await
            .map_err(store_error)
    }

    /// Like [`Self::peek`], but never reads the store: None when not cached.
    pub async fn cached<A, T>(&self, id: &str, read: impl FnOnce(&A) -> T) -> Option<T>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        self.store::<A>().read_cached(id, RECENT, read).await
    }

    pub async fn load_fresh<A>(&self, id: &str) -> Result<A, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Send,
        A::Error: Send,
    {
        let store = self.store::<A>();
        let events = store.load_events(id).await.map_err(store_error)?;
        let mut aggregate = A::default();
        for envelope in events {
            aggregate.apply(envelope.payload);
        }
        Ok(aggregate)
    }

    /// Sends `command` to aggregate `id`. Retries conflicts with jitter; the events
    /// carry `meta` (and `recorded_at` from the clock).
    pub async fn send<A>(
        &self,
        id: &str,
        command: A::Command,
        meta: &EventMeta,
    ) -> Result<Sent, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Clone + Send,
        A::Error: Send,
    {
        let decided = self.send_decided::<A>(id, command, meta).await?;
        Ok(Sent {
            position: decided.position,
        })
    }

    /// Like [`Self::send`], answering the events the command decided too.
    ///
    /// Commands to one aggregate queue up in this process: the first caller leads
    /// and runs whatever queued meanwhile as one batch, each command decided on the
    /// state its predecessors left, all events appended in one statement (group
    /// commit). A hot aggregate (a conference's sales ledger during a rush) then
    /// costs one round trip per batch, not per command.
    pub async fn send_decided<A>(
        &self,
        id: &str,
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
            id,
            Pending {
                command,
                metadata: meta.to_map(),
                reply,
            },
        );
        if leads {
            while let Some(batch) = store.next_batch(id, MAX_BATCH) {
                self.run_batch(&store, id, batch).await;
            }
        }
        let outcome = answer
            .await
            .unwrap_or_else(|_| Err(BusError::Store("the command was dropped".into())));
        let outcome_label = match &outcome {
            Ok(_) => "ok",
            Err(BusError::Refused(_)) => "refused",
            Err(BusError::Conflict) => "conflict",
            Err(BusError::Store(_)) => "error",
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

    async fn run_batch<A>(&self, store: &CachingEventStore<A>, id: &str, batch: Vec<Pending<A>>)
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Clone + Send,
        A::Error: Send,
    {
        if batch.len() == 1 {
            for p in batch {
                let outcome = self.run_one(store, id, p.command, p.metadata).await;
                let _ = p.reply.send(outcome);
            }
            return;
        }
        let mut attempt = 0;
        let mut slot = store.lock(id).await;
        loop {
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
            for p in &batch {
                let sink = EventSink::<A>::default();
                let result = context
                    .aggregate
                    .handle(p.command.clone(), &self.services, &sink)
                    .await;
                let events = sink.collect().await;
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
                            Ok(events) => Ok(Decided { position, events }),
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
    async fn run_one<A>(
        &self,
        store: &CachingEventStore<A>,
        id: &str,
        command: A::Command,
        metadata: HashMap<String, String>,
    ) -> Result<Decided<A::Event>, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
        A::Command: Clone + Send,
        A::Error: Send,
    {
        let mut attempt = 0;
        // When the command writes, the append's sequence check proves the cache was
        // current (a conflict means another process wrote first: reload and retry).
        // When it writes nothing or is refused, the cache is checked against the
        // store first, so no answer rests on stale state. Aggregates decide before
        // they write, so a refused command leaves the state untouched.
        let mut slot = store.lock(id).await;
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
            let sink = EventSink::<A>::default();
            let decided = context
                .aggregate
                .handle(command.clone(), &self.services, &sink)
                .await;
            let events = sink.collect().await;
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
                        position: None,
                        events: vec![],
                    }),
                };
            }
            match store
                .append(events.clone(), context, metadata.clone(), &mut slot)
                .await
            {
                Ok(position) => return Ok(Decided { position, events }),
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

fn store_error<E: std::error::Error>(e: AggregateError<E>) -> BusError<E> {
    match e {
        AggregateError::UserError(e) => BusError::Refused(e),
        AggregateError::AggregateConflict => BusError::Conflict,
        other => BusError::Store(other.to_string()),
    }
}

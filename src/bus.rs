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

use crate::store::CachingEventStore;

/// How often a command is retried after losing an optimistic-concurrency race.
const MAX_ATTEMPTS: u32 = 10;

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

pub struct CommandBus {
    db: Db,
    services: DomainServices,
    runner: Option<RunnerHandle>,
    /// Woken after every commit, besides the runner (the process managers).
    wakers: Vec<Arc<tokio::sync::Notify>>,
    stores: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    /// Commands on one aggregate run one at a time in this process, so they never
    /// conflict with each other; conflicts only come from other processes.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl CommandBus {
    pub fn new(db: Db, services: DomainServices, runner: Option<RunnerHandle>) -> Self {
        Self {
            db,
            services,
            runner,
            wakers: vec![],
            stores: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
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

    fn lock_for(&self, key: String) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if locks.len() > 10_000 {
            locks.retain(|_, l| Arc::strong_count(l) > 1);
        }
        locks.entry(key).or_default().clone()
    }

    /// Reads the current state of an aggregate (every committed event applied).
    pub async fn inspect<A, T>(
        &self,
        id: &str,
        read: impl FnOnce(&A) -> T,
    ) -> Result<T, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
    {
        let store = self.store::<A>();
        let lock = self.lock_for(format!("{}:{id}", A::TYPE));
        let _guard = lock.lock().await;
        let context = store.load(id).await.map_err(store_error)?;
        let value = read(&context.aggregate);
        store.keep(context);
        Ok(value)
    }

    /// Folds the whole stream of aggregate `id` into a fresh value, without reading
    /// or filling the cache and without taking the per-aggregate lock: a private
    /// copy a caller may run `decide`/`apply` on (bootstrap's validate-everything-
    /// first pass).
    pub async fn load_fresh<A>(&self, id: &str) -> Result<A, BusError<A::Error>>
    where
        A: Aggregate<Services = DomainServices> + 'static,
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
        A::Command: Clone,
    {
        let started = Instant::now();
        let store = self.store::<A>();
        let lock = self.lock_for(format!("{}:{id}", A::TYPE));
        let _guard = lock.lock().await;
        let mut meta = meta.clone();
        meta.recorded_at = Some(self.services.now());
        let metadata = meta.to_map();
        let mut attempt = 0;
        // A cached aggregate decides without a read: when the command writes, the
        // append's sequence check proves the cache was current (a conflict means
        // another process wrote first: reload and retry). When it writes nothing or
        // is refused, the cache is checked against the store first, so no answer
        // rests on stale state. Aggregates decide before they write, so a refused
        // command leaves the state untouched.
        let (mut context, mut verified) = match store.take(id) {
            Some(cached) => (cached, false),
            None => (store.load(id).await.map_err(store_error)?, true),
        };
        let outcome = loop {
            attempt += 1;
            let sink = EventSink::<A>::default();
            let decided = context
                .aggregate
                .handle(command.clone(), &self.services, &sink)
                .await;
            let events = sink.collect().await;
            if decided.is_err() && !events.is_empty() {
                // Broke the decide-then-write rule: the state may be half-applied.
                store.evict(id);
                break Err(BusError::Store(format!(
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
                store.keep(context);
                break match decided {
                    Err(e) => Err(BusError::Refused(e)),
                    Ok(()) => Ok(Sent { position: None }),
                };
            }
            match store.append(events, context, metadata.clone()).await {
                Ok(position) => break Ok(Sent { position }),
                Err(AggregateError::AggregateConflict) if attempt < MAX_ATTEMPTS => {
                    metrics::counter!("tessera_command_conflicts_total", "aggregate" => A::TYPE)
                        .increment(1);
                    let jitter = rand::thread_rng().gen_range(1..=5 * attempt as u64);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                    context = store.load(id).await.map_err(store_error)?;
                    verified = true;
                }
                Err(AggregateError::AggregateConflict) => {
                    metrics::counter!("tessera_command_conflicts_total", "aggregate" => A::TYPE)
                        .increment(1);
                    break Err(BusError::Conflict);
                }
                Err(e) => break Err(store_error(e)),
            }
        };
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
        if let Ok(Sent { position: Some(_) }) = &outcome {
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

fn store_error<E: std::error::Error>(e: AggregateError<E>) -> BusError<E> {
    match e {
        AggregateError::UserError(e) => BusError::Refused(e),
        AggregateError::AggregateConflict => BusError::Conflict,
        other => BusError::Store(other.to_string()),
    }
}

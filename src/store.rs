//! Our caching event store (docs/architecture.md): implements the cqrs-es `EventStore`
//! over the postgres-es / sqlite-es repositories, keeps recently used aggregates in
//! memory with their last sequence, and loads only the newer events
//! (`get_last_events`), so a command costs O(new events), not O(stream length).

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cqrs_es::persist::{
    EventStoreAggregateContext, PersistedEventRepository, PersistenceError, ReplayStream,
    SerializedEvent, SerializedSnapshot,
};
use cqrs_es::{Aggregate, AggregateError, DomainEvent, EventEnvelope, EventStore};
use lru::LruCache;
use postgres_es::PostgresEventRepository;
use serde_json::Value;
use sqlite_es::SqliteEventRepository;
use tessera_replay::Db;
use tessera_replay::follow::OtherWriters;

use crate::appenders::AppendConnections;
use crate::outcome::{BusError, Decided as Outcome};

/// The cqrs-es repository of the configured backend.
pub enum Repository {
    Postgres(PostgresEventRepository),
    Sqlite(SqliteEventRepository),
}

impl Repository {
    pub fn for_db(db: &Db) -> Self {
        match db {
            Db::Postgres(p) => Self::Postgres(PostgresEventRepository::new(p.clone())),
            Db::Sqlite(p) => Self::Sqlite(SqliteEventRepository::new(p.clone())),
        }
    }
}

impl PersistedEventRepository for Repository {
    async fn get_events<A: Aggregate>(
        &self,
        id: &str,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        match self {
            Self::Postgres(r) => r.get_events::<A>(id).await,
            Self::Sqlite(r) => r.get_events::<A>(id).await,
        }
    }

    async fn get_last_events<A: Aggregate>(
        &self,
        id: &str,
        last_sequence: usize,
    ) -> Result<Vec<SerializedEvent>, PersistenceError> {
        match self {
            Self::Postgres(r) => r.get_last_events::<A>(id, last_sequence).await,
            Self::Sqlite(r) => r.get_last_events::<A>(id, last_sequence).await,
        }
    }

    async fn get_snapshot<A: Aggregate>(
        &self,
        id: &str,
    ) -> Result<Option<SerializedSnapshot>, PersistenceError> {
        match self {
            Self::Postgres(r) => r.get_snapshot::<A>(id).await,
            Self::Sqlite(r) => r.get_snapshot::<A>(id).await,
        }
    }

    async fn persist<A: Aggregate>(
        &self,
        events: &[SerializedEvent],
        snapshot_update: Option<(String, Value, usize)>,
    ) -> Result<(), PersistenceError> {
        match self {
            Self::Postgres(r) => r.persist::<A>(events, snapshot_update).await,
            Self::Sqlite(r) => r.persist::<A>(events, snapshot_update).await,
        }
    }

    async fn stream_events<A: Aggregate>(
        &self,
        id: &str,
    ) -> Result<ReplayStream, PersistenceError> {
        match self {
            Self::Postgres(r) => r.stream_events::<A>(id).await,
            Self::Sqlite(r) => r.stream_events::<A>(id).await,
        }
    }

    async fn stream_all_events<A: Aggregate>(&self) -> Result<ReplayStream, PersistenceError> {
        match self {
            Self::Postgres(r) => r.stream_all_events::<A>().await,
            Self::Sqlite(r) => r.stream_all_events::<A>().await,
        }
    }
}

pub type Context<A> = EventStoreAggregateContext<A>;

/// One command's events with the metadata they carry.
pub type Decided<A> = (Vec<<A as Aggregate>::Event>, HashMap<String, String>);

/// An aggregate's cache slot: its state and last sequence, when known.
type SharedSlot<A> = Arc<tokio::sync::Mutex<Option<(A, usize)>>>;

/// A locked cache slot (see [`CachingEventStore::lock`]).
pub type Slot<A> = tokio::sync::OwnedMutexGuard<Option<(A, usize)>>;

/// How many aggregates of one type stay in memory.
const CACHE_SIZE: usize = 10_000;
/// How long a cached aggregate counts as current, past a reader's own bound,
/// while no other writer has announced a commit since it was verified (their
/// announcements can be lost with a crashed instance: this bounds the harm).
const QUIET_TRUST: Duration = Duration::from_secs(30);

/// When a cached aggregate was last known to match the store, and the other
/// writers' epoch then (see [`OtherWriters`]).
#[derive(Clone, Copy)]
struct Verified {
    at: Instant,
    epoch: Option<u64>,
}

pub struct CachingEventStore<A: Aggregate> {
    repo: Repository,
    db: Db,
    /// One lockable slot per aggregate: the state with its last sequence, or None
    /// when it must be read from the store. Writers hold the slot from decision to
    /// append; readers hold it while they refresh and read.
    cache: Mutex<LruCache<String, SharedSlot<A>>>,
    /// When each aggregate's slot was last known to match the store (a read that
    /// refreshed it, or an append that succeeded).
    verified: Mutex<HashMap<String, Verified>>,
    /// Whether anyone else has written since (None: assume they may have).
    others: Option<Arc<OtherWriters>>,
    /// Commands waiting per aggregate; an entry exists while a leader runs them.
    queues: Mutex<HashMap<String, Queue<A>>>,
    /// Reads of a stream from the store (the cache's misses and refreshes).
    loads: AtomicU64,
    /// The connections appends keep between them (PostgreSQL; src/appenders.rs),
    /// shared by every aggregate type of a bus.
    appenders: Option<Arc<AppendConnections>>,
}

/// An aggregate's waiting commands, and since when its current batch runs.
struct Queue<A: Aggregate> {
    waiting: VecDeque<Pending<A>>,
    since: Instant,
}

/// What a queued command is answered with.
pub type Answer<A> = Result<Outcome<<A as Aggregate>::Event>, BusError<<A as Aggregate>::Error>>;

/// A command waiting for its aggregate's leader, with where to send the outcome.
pub struct Pending<A: Aggregate> {
    pub command: A::Command,
    pub metadata: HashMap<String, String>,
    pub reply: tokio::sync::oneshot::Sender<Answer<A>>,
    /// Past it the caller has been answered 503: the command must not start.
    pub deadline: Instant,
}

/// Aggregate queues whose current batch has run for too long, whatever the type.
pub trait QueueWatch: Send + Sync {
    /// `(aggregate type, id, running for)` of every batch running longer than `age`.
    fn running_longer_than(&self, age: Duration) -> Vec<(&'static str, String, Duration)>;
}

impl<A: Aggregate> QueueWatch for CachingEventStore<A>
where
    A::Command: Send,
    A::Error: Send,
{
    fn running_longer_than(&self, age: Duration) -> Vec<(&'static str, String, Duration)> {
        let queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        queues
            .iter()
            .map(|(id, q)| (id, q.since.elapsed()))
            .filter(|(_, running)| *running > age)
            .map(|(id, running)| (A::TYPE, id.clone(), running))
            .collect()
    }
}

fn to_envelopes<A: Aggregate>(
    events: Vec<SerializedEvent>,
) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
    events
        .into_iter()
        .map(|e| EventEnvelope::<A>::try_from(e).map_err(AggregateError::from))
        .collect()
}

impl<A: Aggregate> CachingEventStore<A> {
    pub fn new(db: &Db) -> Self {
        Self {
            repo: Repository::for_db(db),
            db: db.clone(),
            cache: Mutex::new(LruCache::new(
                NonZeroUsize::new(CACHE_SIZE).unwrap_or(NonZeroUsize::MIN),
            )),
            queues: Mutex::new(HashMap::new()),
            verified: Mutex::new(HashMap::new()),
            others: None,
            loads: AtomicU64::new(0),
            appenders: AppendConnections::for_db(db),
        }
    }

    /// Keeps append connections in `appenders` (one set for all of a bus's stores).
    pub fn with_appenders(mut self, appenders: Option<Arc<AppendConnections>>) -> Self {
        self.appenders = appenders;
        self
    }

    /// Trusts the cache for longer while `others` says nobody else wrote.
    pub fn with_other_writers(mut self, others: Option<Arc<OtherWriters>>) -> Self {
        self.others = others;
        self
    }

    /// The other writers' epoch, taken BEFORE the store is asked: a commit of
    /// theirs that the answer may miss is announced after it, and moves the epoch.
    fn epoch(&self) -> Option<u64> {
        self.others.as_ref().and_then(|o| o.epoch())
    }

    /// How many times a stream was read from the store: what the cache did not
    /// answer.
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// Counts one read of a stream from the store.
    fn count_load(&self) {
        self.loads.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("tessera_aggregate_loads_total", "aggregate" => A::TYPE).increment(1);
    }

    fn mark_verified(&self, id: &str, epoch: Option<u64>) {
        let mut verified = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        if verified.len() > CACHE_SIZE * 2 {
            verified.clear();
        }
        let at = Instant::now();
        verified.insert(id.to_string(), Verified { at, epoch });
    }

    /// Whether the cached `id` is current but for other writers' commits of the
    /// last `max_age`: it matched the store that recently, or since then nobody
    /// else has announced a commit (for at most [`QUIET_TRUST`]).
    fn verified_within(&self, id: &str, max_age: Duration) -> bool {
        let Some(checked) = self
            .verified
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .copied()
        else {
            return false;
        };
        let age = checked.at.elapsed();
        age <= max_age
            || (age <= QUIET_TRUST && checked.epoch.is_some() && checked.epoch == self.epoch())
    }

    /// Reads `id` from the cache only, without waiting: None when it is not
    /// cached, was not verified within `max_age`, or is busy (a command or a read
    /// holds it: the caller then goes the way that has a deadline).
    pub async fn read_cached<T>(
        &self,
        id: &str,
        max_age: Duration,
        read: impl FnOnce(&A) -> T,
    ) -> Option<T> {
        if !self.verified_within(id, max_age) {
            return None;
        }
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.get(id)?.clone()
        };
        let slot = slot.try_lock_owned().ok()?;
        slot.as_ref().map(|(aggregate, _)| read(aggregate))
    }

    /// Reads `id` from the cache when it was verified against the store within
    /// `max_age` (this process's own writes keep it current; only other processes'
    /// writes can be missing, for at most `max_age`); otherwise reads the store.
    /// For display and advisory checks only: decisions go through commands.
    ///
    /// A stale entry is refreshed by one reader at a time, under the slot's lock:
    /// the readers queued behind it find it fresh, so a hot aggregate costs one
    /// round trip per `max_age`, not one per request.
    pub async fn read_recent<T>(
        &self,
        id: &str,
        max_age: Duration,
        read: impl FnOnce(&A) -> T,
    ) -> Result<T, AggregateError<A::Error>> {
        let mut slot = self.lock(id).await;
        if self.verified_within(id, max_age)
            && let Some((aggregate, _)) = slot.as_ref()
        {
            return Ok(read(aggregate));
        }
        let context = self.load(id, &mut slot).await?;
        let value = read(&context.aggregate);
        Self::keep(&mut slot, context);
        Ok(value)
    }

    /// Queues a command; true when the caller must lead (nobody runs this
    /// aggregate's queue yet).
    pub fn enqueue(&self, id: &str, pending: Pending<A>) -> bool {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        match queues.get_mut(id) {
            Some(queue) => {
                queue.waiting.push_back(pending);
                false
            }
            None => {
                let queue = Queue {
                    waiting: VecDeque::from([pending]),
                    since: Instant::now(),
                };
                queues.insert(id.to_string(), queue);
                true
            }
        }
    }

    /// The leader's next batch (up to `max` commands, in arrival order); None when
    /// the queue is empty, which also ends the leadership.
    pub fn next_batch(&self, id: &str, max: usize) -> Option<Vec<Pending<A>>> {
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        let queue = queues.get_mut(id)?;
        if queue.waiting.is_empty() {
            queues.remove(id);
            return None;
        }
        queue.since = Instant::now();
        let n = queue.waiting.len().min(max);
        Some(queue.waiting.drain(..n).collect())
    }

    /// Ends the leadership of a leader that stopped before its queue was empty (its
    /// task was cancelled): the queue is dropped, so its callers are answered (their
    /// reply senders go) and the next command leads afresh.
    pub fn abandon(&self, id: &str) {
        let dropped = {
            let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
            queues.remove(id)
        };
        drop(dropped);
    }

    /// Forgets the cached state of `id`: the next user reads the stream again.
    pub async fn evict(&self, id: &str) {
        *self.lock(id).await = None;
    }

    /// Locks aggregate `id`'s cache slot.
    pub async fn lock(&self, id: &str) -> Slot<A> {
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            match cache.get(id) {
                Some(slot) => slot.clone(),
                None => {
                    let slot = Arc::new(tokio::sync::Mutex::new(None));
                    cache.put(id.to_string(), slot.clone());
                    slot
                }
            }
        };
        slot.lock_owned().await
    }

    /// Puts a context back into its (locked) slot.
    pub fn keep(slot: &mut Slot<A>, context: Context<A>) {
        **slot = Some((context.aggregate, context.current_sequence));
    }

    /// The cached state, not checked against the store: good enough to decide a
    /// command that writes (the append's sequence check refuses it if the stream
    /// moved on), not to answer a read. Leaves the slot empty until `keep`.
    pub fn take(id: &str, slot: &mut Slot<A>) -> Option<Context<A>> {
        slot.take().map(|(aggregate, sequence)| Context {
            aggregate_id: id.to_string(),
            aggregate,
            current_sequence: sequence,
            current_snapshot: None,
        })
    }

    /// Reads the current state of `id`. The store is asked for newer events
    /// WITHOUT holding the slot (readers of a hot aggregate do not queue behind each
    /// other's round trips); the slot is locked only to apply them and read.
    pub async fn read<T>(
        &self,
        id: &str,
        read: impl FnOnce(&A) -> T,
    ) -> Result<T, AggregateError<A::Error>> {
        let known = self.lock(id).await.as_ref().map(|(_, seq)| *seq);
        let Some(known) = known else {
            // Not cached: load under the lock (once; later readers find it).
            let mut slot = self.lock(id).await;
            let context = self.load(id, &mut slot).await?;
            let value = read(&context.aggregate);
            Self::keep(&mut slot, context);
            return Ok(value);
        };
        let epoch = self.epoch();
        self.count_load();
        let newer = to_envelopes::<A>(self.repo.get_last_events::<A>(id, known).await?)?;
        let mut slot = self.lock(id).await;
        match slot.as_mut() {
            Some((aggregate, seq)) => {
                // Someone may have moved the slot on meanwhile: apply only what
                // follows its sequence.
                for envelope in newer {
                    if envelope.sequence == *seq + 1 {
                        *seq = envelope.sequence;
                        aggregate.apply(envelope.payload);
                    }
                }
                self.mark_verified(id, epoch);
                Ok(read(aggregate))
            }
            None => {
                // A writer failed and emptied it: read the stream again.
                let context = self.load(id, &mut slot).await?;
                let value = read(&context.aggregate);
                Self::keep(&mut slot, context);
                Ok(value)
            }
        }
    }

    /// Applies the events committed after the context's sequence; returns how many.
    pub async fn refresh(
        &self,
        context: &mut Context<A>,
    ) -> Result<usize, AggregateError<A::Error>> {
        self.count_load();
        let newer = self
            .repo
            .get_last_events::<A>(&context.aggregate_id, context.current_sequence)
            .await?;
        let envelopes = to_envelopes::<A>(newer)?;
        let count = envelopes.len();
        for envelope in envelopes {
            context.current_sequence = envelope.sequence;
            context.aggregate.apply(envelope.payload);
        }
        Ok(count)
    }

    /// The aggregate with every committed event applied: the cached state plus the
    /// events committed since, or the whole stream when not cached. Leaves the slot
    /// empty until `keep`.
    pub async fn load(
        &self,
        id: &str,
        slot: &mut Slot<A>,
    ) -> Result<Context<A>, AggregateError<A::Error>> {
        let epoch = self.epoch();
        let mut context = match Self::take(id, slot) {
            Some(cached) => cached,
            None => Context {
                aggregate_id: id.to_string(),
                aggregate: A::default(),
                current_sequence: 0,
                current_snapshot: None,
            },
        };
        self.count_load();
        let newer = if context.current_sequence == 0 {
            self.repo.get_events::<A>(id).await?
        } else {
            self.repo
                .get_last_events::<A>(id, context.current_sequence)
                .await?
        };
        for envelope in to_envelopes::<A>(newer)? {
            context.current_sequence = envelope.sequence;
            context.aggregate.apply(envelope.payload);
        }
        self.mark_verified(id, epoch);
        Ok(context)
    }

    /// Appends `events` after the context's sequence. On success the context, with
    /// the events already applied by the sink, goes back into the cache and the
    /// global position of the last event is returned.
    pub async fn append(
        &self,
        events: Vec<A::Event>,
        context: Context<A>,
        metadata: HashMap<String, String>,
        slot: &mut Slot<A>,
    ) -> Result<Option<i64>, AggregateError<A::Error>> {
        Ok(self
            .append_batch(vec![(events, metadata)], context, slot)
            .await?
            .into_iter()
            .next()
            .flatten())
    }

    /// Appends the events of several commands decided one after the other on the
    /// same context, in one statement (group commit for a hot aggregate). Returns,
    /// per command, the global position of its last event (None: it wrote nothing).
    pub async fn append_batch(
        &self,
        batch: Vec<Decided<A>>,
        mut context: Context<A>,
        slot: &mut Slot<A>,
    ) -> Result<Vec<Option<i64>>, AggregateError<A::Error>> {
        let id = context.aggregate_id.clone();
        let mut next = context.current_sequence + 1;
        // The sequence of each command's last event.
        let mut last_of: Vec<Option<usize>> = Vec::with_capacity(batch.len());
        let mut rows = EventRows::default();
        for (events, metadata) in batch {
            last_of.push((!events.is_empty()).then_some(next + events.len() - 1));
            if events.is_empty() {
                continue;
            }
            // One text for all of a command's events.
            let metadata = EventRows::metadata_text(&metadata).map_err(PersistenceError::from)?;
            for event in &events {
                rows.push(&id, next, event, &metadata)
                    .map_err(PersistenceError::from)?;
                next += 1;
            }
        }
        if rows.ids.is_empty() {
            Self::keep(slot, context);
            return Ok(last_of.into_iter().map(|_| None).collect());
        }
        let epoch = self.epoch();
        match self.insert(rows).await {
            Ok(positions) => {
                context.current_sequence = next - 1;
                Self::keep(slot, context);
                self.mark_verified(&id, epoch);
                Ok(last_of
                    .into_iter()
                    .map(|last| {
                        last.and_then(|seq| {
                            positions
                                .iter()
                                .find(|(s, _)| *s == seq as i64)
                                .map(|(_, p)| *p)
                        })
                    })
                    .collect())
            }
            // The slot stays empty: the next user reads the stream again.
            Err(e) => Err(e),
        }
    }

    /// Appends the events in one INSERT statement (atomic on both backends, one
    /// round trip, no explicit transaction) and returns `(sequence, position)` of
    /// each. The table and columns are the cqrs-es ones, so the postgres-es /
    /// sqlite-es repositories read what this writes. A taken (type, id, sequence)
    /// is an optimistic-concurrency conflict.
    async fn insert(&self, rows: EventRows) -> Result<Vec<(i64, i64)>, AggregateError<A::Error>> {
        let EventRows {
            ids,
            sequences,
            types,
            versions,
            payloads,
            metadata,
        } = rows;
        let result: Result<Vec<(i64, i64)>, sqlx::Error> = match &self.db {
            // The WHERE is a one-time filter run before any row is formed: it gives
            // the transaction its id BEFORE the identity default draws a position.
            // The log reader's gap rule (replay/src/log.rs) relies on that order: a
            // writer that drew a position before some moment took its xid before it,
            // so it is below the next xid to assign at that moment.
            Db::Postgres(p) => {
                let query = sqlx::query_as(
                    "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                     SELECT $1, i, s, t, v, p::json, m::json \
                     FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[]) AS e(i, s, t, v, p, m) \
                     WHERE pg_current_xact_id() IS NOT NULL \
                     RETURNING sequence, position",
                )
                .bind(A::TYPE)
                .bind(&ids)
                .bind(&sequences)
                .bind(&types)
                .bind(&versions)
                .bind(&payloads)
                .bind(&metadata);
                match &self.appenders {
                    Some(appenders) => match appenders.take(p).await {
                        Ok(mut conn) => {
                            let result = query.fetch_all(&mut *conn).await;
                            conn.finish(&result);
                            result
                        }
                        Err(e) => Err(e),
                    },
                    None => query.fetch_all(p).await,
                }
            }
            Db::Sqlite(p) => {
                let rows = vec!["(?, ?, ?, ?, ?, ?, ?)"; ids.len()].join(", ");
                let sql = format!(
                    "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                     VALUES {rows} RETURNING sequence, rowid"
                );
                let mut query = sqlx::query_as(&sql);
                for i in 0..ids.len() {
                    query = query
                        .bind(A::TYPE)
                        .bind(&ids[i])
                        .bind(sequences[i])
                        .bind(&types[i])
                        .bind(&versions[i])
                        .bind(&payloads[i])
                        .bind(&metadata[i]);
                }
                query.fetch_all(p).await
            }
        };
        match result {
            Ok(positions) if positions.len() == ids.len() => Ok(positions),
            Ok(_) => Err(AggregateError::UnexpectedError(
                "insert returned fewer positions than events".into(),
            )),
            Err(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some("23505" | "1555" | "2067")) =>
            {
                Err(AggregateError::AggregateConflict)
            }
            Err(e) => Err(AggregateError::DatabaseConnectionError(Box::new(e))),
        }
    }
}

/// The columns of the events one INSERT appends. Each event is serialized
/// straight to its stored text, not through a `serde_json::Value` tree as cqrs-es's
/// `SerializedEvent` does (a tree of allocations per event, built to be printed
/// and dropped): the same JSON, with an event's keys in the order its type
/// declares them rather than sorted (every reader parses it; the audit chain
/// hashes its canonical form). The metadata keys stay sorted.
#[derive(Default)]
struct EventRows {
    ids: Vec<String>,
    sequences: Vec<i64>,
    types: Vec<String>,
    versions: Vec<String>,
    payloads: Vec<String>,
    metadata: Vec<String>,
}

impl EventRows {
    /// A command's metadata as stored: a JSON object with sorted keys.
    fn metadata_text(metadata: &HashMap<String, String>) -> Result<String, serde_json::Error> {
        let sorted: std::collections::BTreeMap<&String, &String> = metadata.iter().collect();
        serde_json::to_string(&sorted)
    }

    fn push<E: DomainEvent>(
        &mut self,
        id: &str,
        sequence: usize,
        event: &E,
        metadata: &str,
    ) -> Result<(), serde_json::Error> {
        self.payloads.push(serde_json::to_string(event)?);
        self.ids.push(id.to_string());
        self.sequences.push(sequence as i64);
        self.types.push(event.event_type());
        self.versions.push(event.event_version());
        self.metadata.push(metadata.to_string());
        Ok(())
    }
}

impl<A: Aggregate> EventStore<A> for CachingEventStore<A>
where
    A::Command: Send,
    A::Error: Send,
{
    type AC = Context<A>;

    async fn load_events(
        &self,
        id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        to_envelopes::<A>(self.repo.get_events::<A>(id).await?)
    }

    async fn load_aggregate(&self, id: &str) -> Result<Context<A>, AggregateError<A::Error>> {
        let mut slot = self.lock(id).await;
        self.load(id, &mut slot).await
    }

    async fn commit(
        &self,
        events: Vec<A::Event>,
        context: Context<A>,
        metadata: HashMap<String, String>,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        let id = context.aggregate_id.clone();
        let first = context.current_sequence + 1;
        let envelopes: Vec<EventEnvelope<A>> = events
            .iter()
            .cloned()
            .zip(first..)
            .map(|(payload, sequence)| EventEnvelope {
                aggregate_id: id.clone(),
                sequence,
                payload,
                metadata: metadata.clone(),
            })
            .collect();
        let mut slot = self.lock(&id).await;
        self.append(events, context, metadata, &mut slot).await?;
        Ok(envelopes)
    }
}

//! The global log reader.
//!
//! On SQLite there is one writer, so rowid (position) order is commit order. On
//! PostgreSQL an identity column is not commit order: a transaction can take
//! position 10, stay open, and commit after position 11 is already visible. A
//! reader that jumped to 11 would never see 10. So the reader stops at a gap in
//! the positions and only passes it once every transaction that could own the
//! missing position has ended: the gap owner took its transaction id before the
//! snapshot that first showed the gap (it allocated its position before a visible
//! later row did), so once a later snapshot's `xmin` reaches that snapshot's `xmax`
//! the owner has committed (and is visible) or rolled back (a real hole).

mod window;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::Row;
use tessera_projections::{DomainEvent, Envelope, EventMeta};

use crate::Db;
pub use window::LogWindow;

/// One stored event, not yet decoded.
#[derive(Debug, Clone)]
pub struct RawEvent {
    pub position: i64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub payload: String,
    pub metadata: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("event at position {position} cannot be decoded: {source}")]
    Decode {
        position: i64,
        source: serde_json::Error,
    },
}

/// The metadata keys a projection reads, decoded without building a map.
#[derive(serde::Deserialize, Default)]
struct StoredMeta {
    conference_id: Option<String>,
    actor: Option<String>,
    request_id: Option<String>,
    causation_id: Option<String>,
    idempotency_key: Option<String>,
    recorded_at: Option<String>,
}

impl RawEvent {
    /// Decodes payload and metadata once; every projection then shares the result.
    pub fn decode(&self) -> Result<Envelope, LogError> {
        self.clone().into_envelope()
    }

    /// Like [`RawEvent::decode`], consuming the row (no copies of its strings).
    pub fn into_envelope(self) -> Result<Envelope, LogError> {
        let position = self.position;
        let decode_err = |source| LogError::Decode { position, source };
        let event = DomainEvent::decode(&self.aggregate_type, &self.payload).map_err(decode_err)?;
        let meta: StoredMeta = serde_json::from_str(&self.metadata).map_err(decode_err)?;
        let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
        Ok(Envelope {
            position,
            aggregate_type: self.aggregate_type,
            aggregate_id: self.aggregate_id,
            sequence: self.sequence,
            event_type: self.event_type,
            event,
            meta: EventMeta {
                conference_id: meta.conference_id.and_then(|v| v.parse().ok()),
                actor: non_empty(meta.actor).unwrap_or_else(|| "system".to_string()),
                request_id: non_empty(meta.request_id),
                causation_id: non_empty(meta.causation_id),
                idempotency_key: non_empty(meta.idempotency_key),
                recorded_at: meta.recorded_at.and_then(|v| v.parse().ok()),
            },
            recorded_at: self.recorded_at,
        })
    }
}

/// A decoded event, shared by the tailers that read it from one [`LogWindow`].
pub type Shared = Arc<Envelope>;

/// What one read returned, decoded.
#[derive(Debug, Default)]
pub struct DecodedBatch {
    pub events: Vec<Shared>,
    /// True when the read stopped at a gap that may still fill: read again soon.
    pub waiting_on_gap: bool,
}

impl Batch {
    /// Decodes every event of the batch once.
    fn decode(self) -> Result<DecodedBatch, LogError> {
        Ok(DecodedBatch {
            events: self
                .events
                .into_iter()
                .map(|raw| raw.into_envelope().map(Arc::new))
                .collect::<Result<_, _>>()?,
            waiting_on_gap: self.waiting_on_gap,
        })
    }
}

/// A gap seen after `after`, passable once a snapshot's xmin reaches `horizon`.
#[derive(Debug, Clone, Copy)]
struct Gap {
    after: i64,
    horizon: i64,
}

/// What one read returned.
#[derive(Debug, Default)]
pub struct Batch {
    pub events: Vec<RawEvent>,
    /// True when the read stopped at a gap that may still fill: read again soon.
    pub waiting_on_gap: bool,
}

/// Reads the log in position order, never skipping an event that commits late.
pub struct LogReader {
    db: Db,
    gap: Option<Gap>,
    /// Off only in the test that proves the protection is needed.
    gap_protection: bool,
    /// The pages this process's other tailers read (see [`LogWindow`]).
    window: Option<Arc<LogWindow>>,
}

const SELECT_COLUMNS: &str = "position, aggregate_type, aggregate_id, sequence, event_type";

impl LogReader {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            gap: None,
            gap_protection: true,
            window: None,
        }
    }

    /// A reader whose decoded reads ([`Self::read_decoded_after`]) share the pages
    /// it and the other readers of `window` read.
    pub fn sharing(db: Db, window: Arc<LogWindow>) -> Self {
        Self {
            window: Some(window),
            ..Self::new(db)
        }
    }

    /// A reader that trusts the identity order (what a naive reader does). Exists
    /// so a test can show that it loses late commits.
    pub fn without_gap_protection(db: Db) -> Self {
        Self {
            gap_protection: false,
            ..Self::new(db)
        }
    }

    /// Up to `limit` events after `after`, in position order, decoded. A reader
    /// sharing a [`LogWindow`] takes them from it when another tailer read them
    /// already, and otherwise decodes them once for all.
    pub async fn read_decoded_after(
        &mut self,
        after: i64,
        limit: i64,
    ) -> Result<DecodedBatch, LogError> {
        let Some(window) = self.window.clone() else {
            return self.read_after(after, limit).await?.decode();
        };
        let served = |events| DecodedBatch {
            events,
            waiting_on_gap: false,
        };
        if let Some(events) = window.serve(after, limit) {
            return Ok(served(events));
        }
        if !window.at_end(after) {
            // Behind the window: a catch-up read of its own.
            return self.read_after(after, limit).await?.decode();
        }
        let _turn = window.turn().await;
        if let Some(events) = window.serve(after, limit) {
            return Ok(served(events));
        }
        let batch = self.read_after(after, limit).await?.decode()?;
        window.record(after, &batch.events);
        Ok(batch)
    }

    /// Up to `limit` events after `after`, in position order, as stored, from the
    /// store (gap-protected; a reader's window serves only
    /// [`Self::read_decoded_after`]).
    pub async fn read_after(&mut self, after: i64, limit: i64) -> Result<Batch, LogError> {
        match &self.db {
            Db::Sqlite(pool) => {
                let sql = format!(
                    "SELECT {SELECT_COLUMNS}, payload, metadata, recorded_at FROM events \
                     WHERE position > ? ORDER BY position LIMIT ?"
                );
                let rows = sqlx::query(&sql)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
                let events = rows.iter().map(raw_from_row).collect::<Result<_, _>>()?;
                Ok(Batch {
                    events,
                    waiting_on_gap: false,
                })
            }
            Db::Postgres(pool) => {
                // One statement sees one snapshot, so the events and the snapshot
                // bounds that judge a gap come from the same instant without an
                // explicit REPEATABLE READ transaction (one round trip, not five).
                // `OFFSET 0` keeps the snapshot subquery from being inlined into
                // every row: it is evaluated once.
                let sql = format!(
                    "SELECT e.*, s.xmin, s.xmax FROM \
                     (SELECT {SELECT_COLUMNS}, payload::text AS payload, metadata::text AS metadata, \
                      recorded_at FROM events WHERE position > $1 ORDER BY position LIMIT $2) e \
                     CROSS JOIN (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin, \
                      pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax OFFSET 0) s \
                     ORDER BY e.position"
                );
                let rows = sqlx::query(&sql)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(pool)
                    .await?;
                let (xmin, xmax): (i64, i64) = match rows.first() {
                    Some(row) => (row.try_get(8)?, row.try_get(9)?),
                    None => (0, 0),
                };
                let mut batch = Batch::default();
                let mut last = after;
                for row in &rows {
                    let event = raw_from_row(row)?;
                    if event.position != last + 1 && self.gap_protection {
                        match self.gap {
                            Some(gap) if gap.after == last && xmin >= gap.horizon => {}
                            Some(gap) if gap.after == last => {
                                batch.waiting_on_gap = true;
                                break;
                            }
                            _ => {
                                // The snapshot's xmax is only "latest completed + 1":
                                // a writer that drew the missing position may hold a
                                // higher xid and still run. The next xid to assign,
                                // taken now, bounds every writer that drew a position
                                // before this snapshot (each takes its xid first, see
                                // the store's insert): once the oldest running xid
                                // reaches it, the hole is final.
                                let next: i64 =
                                    sqlx::query_scalar("SELECT pg_current_xact_id()::text::bigint")
                                        .fetch_one(pool)
                                        .await?;
                                self.gap = Some(Gap {
                                    after: last,
                                    horizon: next.max(xmax),
                                });
                                batch.waiting_on_gap = true;
                                break;
                            }
                        }
                    }
                    self.gap = None;
                    last = event.position;
                    batch.events.push(event);
                }
                Ok(batch)
            }
        }
    }
}

pub(crate) fn raw_from_row<R>(row: &R) -> Result<RawEvent, sqlx::Error>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    // By index, in SELECT_COLUMNS order: no column-name lookups per row.
    Ok(RawEvent {
        position: row.try_get(0)?,
        aggregate_type: row.try_get(1)?,
        aggregate_id: row.try_get(2)?,
        sequence: row.try_get(3)?,
        event_type: row.try_get(4)?,
        payload: row.try_get(5)?,
        metadata: row.try_get(6)?,
        recorded_at: row.try_get(7)?,
    })
}

/// Events whose metadata names `conference_id`, in position order (auditors'
/// history of a conference).
pub async fn conference_history(db: &Db, conference_id: &str) -> Result<Vec<RawEvent>, LogError> {
    events_where(
        db,
        "metadata->>'conference_id' = $1 ORDER BY position",
        "json_extract(metadata, '$.conference_id') = ? ORDER BY position",
        &[conference_id],
    )
    .await
}

/// The events of one aggregate's stream, in order (the primary key's range): what
/// a reader of that aggregate's own facts needs, without the conference's history.
pub async fn stream(
    db: &Db,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Vec<RawEvent>, LogError> {
    events_where(
        db,
        "aggregate_type = $1 AND aggregate_id = $2 ORDER BY sequence",
        "aggregate_type = ? AND aggregate_id = ? ORDER BY sequence",
        &[aggregate_type, aggregate_id],
    )
    .await
}

/// Every event matching a condition (with its order), written for each backend,
/// with text parameters.
async fn events_where(
    db: &Db,
    postgres: &str,
    sqlite: &str,
    binds: &[&str],
) -> Result<Vec<RawEvent>, LogError> {
    let rows = match db {
        Db::Postgres(pool) => {
            let sql = format!(
                "SELECT {SELECT_COLUMNS}, payload::text AS payload, metadata::text AS metadata, \
                 recorded_at FROM events WHERE {postgres}"
            );
            let mut query = sqlx::query(&sql);
            for b in binds {
                query = query.bind(*b);
            }
            query
                .fetch_all(pool)
                .await?
                .iter()
                .map(raw_from_row)
                .collect::<Result<Vec<_>, _>>()?
        }
        Db::Sqlite(pool) => {
            let sql = format!(
                "SELECT {SELECT_COLUMNS}, payload, metadata, recorded_at FROM events WHERE {sqlite}"
            );
            let mut query = sqlx::query(&sql);
            for b in binds {
                query = query.bind(*b);
            }
            query
                .fetch_all(pool)
                .await?
                .iter()
                .map(raw_from_row)
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    Ok(rows)
}

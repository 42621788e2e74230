//! Time travel: an order as it stood at a past moment or log position, folded
//! from its own events up to then.

use chrono::{DateTime, Utc};
use cqrs_es::Aggregate;
use tessera_aggregates::order::{Order, OrderEvent, OrderRecord};
use tessera_replay::Db;
use tessera_replay::history::{HistoryQuery, page};
use uuid::Uuid;

/// Up to which point of the log.
#[derive(Debug, Clone, Copy)]
pub enum AsOf {
    /// Events recorded at or before this time.
    Time(DateTime<Utc>),
    /// Events at or before this position.
    Position(i64),
}

/// The order folded up to `as_of` (its record, as the orders read model shows
/// it), with the position of the last event folded; None when it did not exist
/// yet (or is not this conference's).
#[derive(Debug)]
pub struct Folded {
    pub order: OrderRecord,
    pub position: i64,
    pub events: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("the event at position {position} does not decode: {source}")]
    Decode {
        position: i64,
        source: serde_json::Error,
    },
}

pub async fn order_as_of(
    db: &Db,
    conference_id: Uuid,
    order_id: Uuid,
    as_of: AsOf,
) -> Result<Option<Folded>, StateError> {
    let (up_to, until) = match as_of {
        AsOf::Position(p) => (Some(p), None),
        // `until` is exclusive: a microsecond past the moment includes it.
        AsOf::Time(t) => (None, Some(t + chrono::Duration::microseconds(1))),
    };
    let events = page(
        db,
        &HistoryQuery {
            conference_id: conference_id.to_string(),
            aggregate_type: Some(<Order as Aggregate>::TYPE.to_string()),
            aggregate_id: Some(order_id.to_string()),
            up_to,
            until,
            ..HistoryQuery::default()
        },
    )
    .await?;
    let Some(last) = events.last().map(|e| e.position) else {
        return Ok(None);
    };
    let mut order = OrderRecord::default();
    let count = events.len();
    for e in events {
        let event: OrderEvent =
            serde_json::from_str(&e.payload).map_err(|source| StateError::Decode {
                position: e.position,
                source,
            })?;
        order.evolve(&event);
    }
    Ok(Some(Folded {
        order,
        position: last,
        events: count,
    }))
}

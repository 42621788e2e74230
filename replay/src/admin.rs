//! What `tessera replay` does: status, rebuild beside the live generation, verify.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::runner::{Runner, RunnerError};
use crate::storage::{self, Status, Tx};
use crate::views::{View, all_views};
use crate::{Db, LogReader};

#[derive(Debug, Clone, Serialize)]
pub struct ProjectionStatus {
    pub name: String,
    pub version: i64,
    pub generation: i64,
    pub status: String,
    pub checkpoint: i64,
    pub head: i64,
    pub lag: i64,
}

/// Each projection generation with its checkpoint and lag behind the log head.
pub async fn status(db: &Db) -> Result<Vec<ProjectionStatus>, RunnerError> {
    let head = db.head().await?;
    let mut out = vec![];
    for g in storage::generations(db).await? {
        out.push(ProjectionStatus {
            name: g.name,
            version: g.version,
            generation: g.generation,
            status: match g.status {
                Status::Live => "live",
                Status::Building => "building",
                Status::Retired => "retired",
            }
            .to_string(),
            checkpoint: g.position,
            head,
            lag: (head - g.position).max(0),
        });
    }
    // Projections of this build that were never started.
    for v in all_views() {
        if !out.iter().any(|s| s.name == v.name()) {
            out.push(ProjectionStatus {
                name: v.name().to_string(),
                version: v.version().into(),
                generation: 0,
                status: "not started".to_string(),
                checkpoint: 0,
                head,
                lag: head,
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct Rebuilt {
    pub name: String,
    pub generation: i64,
    pub events: usize,
    /// From the start of the rebuild until this generation was live.
    pub seconds: f64,
    /// The rows of the generation it replaced, dropped once every projection
    /// was switched.
    pub old_rows: u64,
    /// How long dropping them took.
    pub drop_seconds: f64,
}

/// Builds a new generation of each named projection (all when `only` is None) from
/// position 0 beside the live one, in one pass over the log, then switches each to
/// its new generation atomically.
pub async fn rebuild(db: &Db, only: Option<&str>) -> Result<Vec<Rebuilt>, RunnerError> {
    rebuild_with_progress(db, only, None).await
}

/// [`rebuild`], storing the position folded so far in `progress` after every
/// batch (a terminal's progress line reads it).
pub async fn rebuild_with_progress(
    db: &Db,
    only: Option<&str>,
    progress: Option<std::sync::Arc<std::sync::atomic::AtomicI64>>,
) -> Result<Vec<Rebuilt>, RunnerError> {
    let started = std::time::Instant::now();
    let mut slots = vec![];
    for view in all_views() {
        if only.is_some_and(|n| n != view.name()) {
            continue;
        }
        let g =
            storage::create_generation(db, view.name(), view.version(), Status::Building).await?;
        slots.push((view, g));
    }
    let generations: Vec<(String, i64)> = slots
        .iter()
        .map(|(_, g)| (g.name.clone(), g.generation))
        .collect();
    let mut runner = Runner::with_slots(db.clone(), slots).with_batch(crate::runner::REBUILD_BATCH);
    if let Some(p) = progress {
        runner = runner.with_progress(p);
    }
    let events = match runner.catch_up_pipelined().await {
        Ok(events) => events,
        Err(e) => {
            // Its generations will never be switched live: drop what they hold.
            for (name, generation) in &generations {
                if let Err(d) = storage::discard_generation(db, name, *generation).await {
                    tracing::warn!(projection = %name, generation, error = %d, "a failed rebuild's rows were left");
                }
            }
            return Err(e);
        }
    };
    let mut switched = vec![];
    for (name, generation) in generations {
        storage::promote(db, &name, generation).await?;
        switched.push((name, generation, started.elapsed().as_secs_f64()));
    }
    // The new generations serve from here on; the old rows go last, so the
    // switch of one projection never waits on another's cleanup.
    let mut out = vec![];
    for (name, generation, seconds) in switched {
        let dropping = std::time::Instant::now();
        let old_rows = storage::drop_retired_rows(db, &name).await?;
        out.push(Rebuilt {
            name,
            generation,
            events,
            seconds,
            old_rows,
            drop_seconds: dropping.elapsed().as_secs_f64(),
        });
    }
    Ok(out)
}

/// Folds the log from position 0 up to `until` into fresh copies of `views`.
pub async fn fold_from_zero(
    db: &Db,
    views: &mut [Box<dyn View>],
    until: i64,
) -> Result<usize, RunnerError> {
    let mut reader = LogReader::new(db.clone());
    let mut at = 0;
    let mut count = 0;
    while at < until {
        let batch = reader.read_after(at, 5_000).await?;
        if batch.events.is_empty() {
            if batch.waiting_on_gap {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                continue;
            }
            break;
        }
        for raw in batch.events.iter().take_while(|e| e.position <= until) {
            let env = raw.decode()?;
            for v in views.iter_mut() {
                v.apply(&env);
            }
            at = raw.position;
            count += 1;
        }
        if batch.events.last().is_some_and(|e| e.position > until) {
            break;
        }
    }
    Ok(count)
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Difference {
    pub projection: String,
    pub key: String,
    pub live: Option<serde_json::Value>,
    pub rebuilt: Option<serde_json::Value>,
}

/// Rebuilds every live projection into scratch memory up to its checkpoint and
/// compares it with the stored rows. Empty = identical.
pub async fn verify(db: &Db) -> Result<Vec<Difference>, RunnerError> {
    let mut diffs = vec![];
    for view in all_views() {
        let Some((position, stored)) = live_snapshot(db, view.name(), view.version()).await? else {
            continue;
        };
        let mut scratch = vec![view.fresh()];
        fold_from_zero(db, &mut scratch, position).await?;
        let rebuilt = scratch[0].documents()?;
        diffs.extend(compare(view.name(), &stored, &rebuilt));
    }
    Ok(diffs)
}

/// Row-by-row differences between two versions of one projection.
pub fn compare(
    name: &str,
    live: &BTreeMap<String, serde_json::Value>,
    rebuilt: &BTreeMap<String, serde_json::Value>,
) -> Vec<Difference> {
    let mut keys: Vec<&String> = live.keys().chain(rebuilt.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| live.get(*k) != rebuilt.get(*k))
        .map(|k| Difference {
            projection: name.to_string(),
            key: k.clone(),
            live: live.get(k).cloned(),
            rebuilt: rebuilt.get(k).cloned(),
        })
        .collect()
}

/// A stored row: key and JSON document.
type Row = (String, String);

/// The live generation's checkpoint and rows, read in one transaction.
async fn live_snapshot(
    db: &Db,
    name: &str,
    version: u32,
) -> Result<Option<(i64, BTreeMap<String, serde_json::Value>)>, RunnerError> {
    let state_sql = "SELECT generation, position FROM projection_state \
                     WHERE name = $1 AND status = 'live' AND version = $2";
    let rows_sql = "SELECT key, doc FROM projection_rows WHERE name = $1 AND generation = $2";
    let mut tx = Tx::begin(db).await?;
    let (state, rows): (Option<(i64, i64)>, Vec<Row>) = match &mut tx {
        Tx::Postgres(t) => {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut **t)
                .await?;
            let state: Option<(i64, i64)> = sqlx::query_as(state_sql)
                .bind(name)
                .bind(version as i32)
                .fetch_optional(&mut **t)
                .await?;
            let rows = match state {
                Some((g, _)) => {
                    sqlx::query_as(rows_sql)
                        .bind(name)
                        .bind(g)
                        .fetch_all(&mut **t)
                        .await?
                }
                None => vec![],
            };
            (state, rows)
        }
        Tx::Sqlite(t) => {
            let state: Option<(i64, i64)> = sqlx::query_as(state_sql)
                .bind(name)
                .bind(version as i64)
                .fetch_optional(&mut **t)
                .await?;
            let rows = match state {
                Some((g, _)) => {
                    sqlx::query_as(rows_sql)
                        .bind(name)
                        .bind(g)
                        .fetch_all(&mut **t)
                        .await?
                }
                None => vec![],
            };
            (state, rows)
        }
    };
    tx.commit().await?;
    let Some((_, position)) = state else {
        return Ok(None);
    };
    let mut docs = BTreeMap::new();
    for (k, doc) in rows {
        docs.insert(k, serde_json::from_str(&doc)?);
    }
    Ok(Some((position, docs)))
}

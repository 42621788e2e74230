//! The stored statistics read model (`conference_stats`): one row per conference
//! holding its canonical statistics document, the stats VERSION that computed it
//! and the log position it stands at. `GET …/stats` and the series comparison read
//! one row per year instead of assembling the document from the other read models
//! on every request.
//!
//! The rows live in `projection_rows` under the name [`NAME`], with a checkpoint in
//! `projection_state` like every other consumer of the log. A background job (under
//! leadership, see `src/scale.rs`) follows the projection runner: when the
//! projections pass events of a conference (its `conference_id` metadata, or the
//! conference aggregate itself) it recomputes that conference with
//! `stats::assemble` over the live rows and stores it with the checkpoint in one
//! transaction. A rush is batched: a conference is recomputed once events stop
//! coming for a [`DEBOUNCE`], or every [`QUIET_WAIT`] while they never stop.
//!
//! A new stats VERSION (a schema change) gets a building generation beside the
//! live one: every conference is recomputed into it while reads keep answering
//! from the old rows, then it is switched live in one transaction.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tessera_projections::Projection;
use tessera_projections::attendees::{Attendees, AttendeesRow, attendees_prefix};
use tessera_projections::conference_catalog::ConferenceCatalog;
use tessera_projections::orders::{Orders, OrdersRow, orders_prefix};
use tessera_projections::stats::{Read, VERSION};
use tokio::sync::watch;
use uuid::Uuid;

use crate::follow::{bump, notify_progress};
use crate::runner::RunnerError;
use crate::storage::{self, Checkpoint, Generation, RowChange, Status, Tx};
use crate::{Db, RunnerHandle};

/// The model's name in `projection_state` / `projection_rows`, and its job.
pub const NAME: &str = "conference_stats";
/// How long events must stop arriving before the job restates what they
/// changed, and the shortest pause between two steps.
pub const DEBOUNCE: Duration = Duration::from_millis(200);
/// The pause after a step is also at least this many times the step's own time:
/// a recompute grows with the conference, and a rush on a big year should not
/// spend more than a twentieth of a core restating figures.
const BUSY_SHARE: u32 = 20;
/// The longest pause after a step ([`pause_after`]).
const MAX_PAUSE: Duration = Duration::from_secs(2);
/// The longest the job waits for a stream of events to stop before it restates
/// them anyway ([`keep_waiting`]). While events keep coming, a stored row is
/// behind again at the next event of its conference, and a read of a row that is
/// behind assembles the figures live (nothing stale is ever served): restating
/// in the middle of a rush reads every row of the conference for figures nobody
/// would be shown. So a rush is restated once it is over, and a stream that
/// never pauses every this long.
const QUIET_WAIT: Duration = Duration::from_secs(10);
/// Behind the projections by more than this many events, the job recomputes every
/// conference rather than reading which ones the events touched.
const FULL_AFTER: i64 = 200_000;
/// Rows written per transaction by a full recompute.
const FULL_BATCH: usize = 50;

/// One stored row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredStats {
    /// The stats VERSION that computed `stats`.
    pub version: u32,
    /// The log position the projections stood at (at least) when it was computed.
    pub position: i64,
    /// The statistics document, as `stats::assemble` returns it.
    pub stats: serde_json::Value,
    /// Rows stored before the people moved to their own row ([`people_key`])
    /// carry them here; rows stored since leave this empty, so a stats read
    /// loads the figures (a few KB) and not every attendee of the year.
    #[serde(default, skip_serializing_if = "People::is_empty")]
    pub people: People,
    /// The position the row was stored at, kept when a reader moves `position`
    /// forward (the people row written with it is the same until it changes).
    #[serde(skip)]
    pub stored_at: i64,
}

pub use crate::returning::People;

/// [`People`] from the live rows of the attendees and orders read models.
pub async fn people_live(db: &Db, conference_id: Uuid) -> Result<People, RunnerError> {
    let mut people = People::default();
    for (_, doc) in
        storage::live_rows_with_prefix(db, Attendees::NAME, &attendees_prefix(conference_id))
            .await?
    {
        people.count_attendee(&serde_json::from_str(&doc)?);
    }
    for (_, doc) in
        storage::live_rows_with_prefix(db, Orders::NAME, &orders_prefix(conference_id)).await?
    {
        people.count_order(&serde_json::from_str(&doc)?);
    }
    Ok(people)
}

/// The statistics document and the [`People`] of a conference from one read of
/// the live rows (the people come from rows the statistics read anyway).
async fn stats_and_people_live(
    db: &Db,
    conference_id: Uuid,
) -> Result<(serde_json::Value, People), RunnerError> {
    let (attendees, orders) = (
        attendees_prefix(conference_id),
        orders_prefix(conference_id),
    );
    let extra = vec![
        Read::new(Attendees::NAME, attendees.clone()),
        Read::new(Orders::NAME, orders.clone()),
    ];
    let sources = crate::stats::live_sources(db, conference_id, extra).await?;
    let mut people = People::default();
    for row in sources.rows::<AttendeesRow>(Attendees::NAME, &attendees)? {
        people.count_attendee(&row);
    }
    for row in sources.rows::<OrdersRow>(Orders::NAME, &orders)? {
        people.count_order(&row);
    }
    let stats = tessera_projections::stats::assemble(conference_id, &sources)?;
    Ok((stats, people))
}

/// The row's key: the conference id.
pub fn key(conference_id: Uuid) -> String {
    conference_id.to_string()
}

/// The key of a conference's [`People`] row, stored beside its statistics (in
/// the same transaction, so both stand at the same position).
pub fn people_key(conference_id: Uuid) -> String {
    format!("people:{conference_id}")
}

/// The people stored with `row` (the stats row of `conference_id`): their own
/// row, or, for a row stored before they had one, the row's own copy.
pub async fn stored_people(
    db: &Db,
    conference_id: Uuid,
    row: StoredStats,
) -> Result<People, RunnerError> {
    match storage::live_row(db, NAME, &people_key(conference_id)).await? {
        Some(doc) => Ok(serde_json::from_str(&doc)?),
        None => Ok(row.people),
    }
}

/// The live stored statistics of a conference (one indexed read).
pub async fn stored(db: &Db, conference_id: Uuid) -> Result<Option<StoredStats>, RunnerError> {
    let doc = storage::live_row(db, NAME, &key(conference_id)).await?;
    let row: Option<StoredStats> = doc.map(|d| serde_json::from_str(&d)).transpose()?;
    Ok(row.map(|r| StoredStats {
        stored_at: r.position,
        ..r
    }))
}

/// Every conference id known to the catalog.
pub async fn conference_ids(db: &Db) -> Result<Vec<Uuid>, RunnerError> {
    let rows = storage::live_rows_with_prefix(db, ConferenceCatalog::NAME, "conference:").await?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, _)| k.strip_prefix("conference:").and_then(|s| s.parse().ok()))
        .collect())
}

/// Every conference's as-of checkpoints kept current
/// ([`crate::stats::keep_checkpoints`]), looked at every `interval`: the job a
/// serving instance runs under leadership.
pub async fn run_checkpointer(db: Db, interval: std::time::Duration) {
    loop {
        match conference_ids(&db).await {
            Ok(ids) => {
                for id in ids {
                    if let Err(e) =
                        crate::stats::keep_checkpoints(&db, id, crate::stats::CHECKPOINT_EVERY)
                            .await
                    {
                        tracing::warn!(error = %e, conference = %id, "as-of checkpoints not kept");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "as-of checkpoints: no conference list"),
        }
        tokio::time::sleep(interval).await;
    }
}

/// The conferences whose events lie in `(after, up_to]`: named by the events'
/// `conference_id` metadata, or conference aggregates themselves.
pub async fn touched(db: &Db, after: i64, up_to: i64) -> Result<BTreeSet<Uuid>, RunnerError> {
    let ids: Vec<Option<String>> =
        match db {
            Db::Postgres(p) => {
                sqlx::query_scalar(
                    "SELECT DISTINCT COALESCE(NULLIF(metadata->>'conference_id', ''), \
                 CASE WHEN aggregate_type = 'conference' THEN aggregate_id END) \
                 FROM events WHERE position > $1 AND position <= $2",
                )
                .bind(after)
                .bind(up_to)
                .fetch_all(p)
                .await?
            }
            Db::Sqlite(p) => sqlx::query_scalar(
                "SELECT DISTINCT COALESCE(NULLIF(json_extract(metadata, '$.conference_id'), ''), \
                 CASE WHEN aggregate_type = 'conference' THEN aggregate_id END) \
                 FROM events WHERE position > ? AND position <= ?",
            )
            .bind(after)
            .bind(up_to)
            .fetch_all(p)
            .await?,
        };
    Ok(ids
        .into_iter()
        .flatten()
        .filter_map(|s| s.parse().ok())
        .collect())
}

/// A conference's rows (statistics, then people) as the live read models make
/// them now.
async fn rows(
    db: &Db,
    conference_id: Uuid,
    generation: i64,
    position: i64,
) -> Result<[RowChange; 2], RunnerError> {
    let (stats, people) = stats_and_people_live(db, conference_id).await?;
    let doc = StoredStats {
        version: VERSION,
        position,
        stats,
        people: People::default(),
        stored_at: position,
    };
    Ok([
        RowChange {
            name: NAME,
            generation,
            key: key(conference_id),
            doc: Some(serde_json::to_string(&doc)?),
        },
        RowChange {
            name: NAME,
            generation,
            key: people_key(conference_id),
            doc: Some(serde_json::to_string(&people)?),
        },
    ])
}

/// Progress of a full recompute: conferences done of all, and since when.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub started: Instant,
}

impl Progress {
    /// Conferences per second so far.
    pub fn rate(&self) -> f64 {
        self.done as f64 / self.started.elapsed().as_secs_f64().max(1e-6)
    }

    /// Seconds left at the rate so far.
    pub fn left(&self) -> f64 {
        let rate = self.rate();
        if rate <= 0.0 {
            0.0
        } else {
            (self.total - self.done) as f64 / rate
        }
    }
}

/// Recomputes every conference into `generation` from the live rows of the other
/// read models, which stand at least at `position`, then moves the generation's
/// checkpoint (from `from`) to `position`. False when someone else moved it.
pub async fn recompute_all(
    db: &Db,
    generation: i64,
    from: i64,
    position: i64,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<bool, RunnerError> {
    let ids = conference_ids(db).await?;
    let mut p = Progress {
        done: 0,
        total: ids.len(),
        started: Instant::now(),
    };
    progress(p);
    for chunk in ids.chunks(FULL_BATCH) {
        let mut changes = vec![];
        for id in chunk {
            changes.extend(rows(db, *id, generation, position).await?);
        }
        let mut tx = Tx::begin(db).await?;
        tx.write_rows(changes).await?;
        tx.commit().await?;
        p.done += chunk.len();
        progress(p);
    }
    let checkpoint = Checkpoint {
        name: NAME,
        generation,
        position: from,
    };
    if from == position {
        return Ok(true);
    }
    Ok(storage::advance_checkpoints(db, &[checkpoint], position).await?)
}

/// A fresh generation of `version` (building) recomputed in full and switched live:
/// what `tessera replay rebuild --projection conference_stats` runs. Reads keep
/// answering from the old rows until the switch.
pub async fn rebuild(
    db: &Db,
    position: i64,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Generation, RunnerError> {
    let g = storage::create_generation(db, NAME, VERSION, Status::Building).await?;
    recompute_all(db, g.generation, 0, position, progress).await?;
    storage::switch_live(db, NAME, g.generation).await?;
    Ok(g)
}

/// The position the stored model stands at, shared with readers: moved by the
/// job when this instance leads it, by the follower otherwise.
#[derive(Clone)]
pub struct StatsHandle {
    published: Arc<watch::Sender<i64>>,
    position: watch::Receiver<i64>,
    /// Parsed people rows by conference, with the position their stats row was
    /// stored at: a series comparison reads every year's (about 1 MB of JSON
    /// each), and only the years that still sell are rewritten.
    people: Arc<std::sync::Mutex<PeopleByConference>>,
    /// The comparison's returning attendees and lifetime values, per series.
    returning: Arc<crate::returning::ReturningCache>,
}

/// Each conference's parsed people with the position their row was stored at.
type PeopleByConference = std::collections::HashMap<Uuid, (i64, Arc<People>)>;

impl StatsHandle {
    pub fn new(published: Arc<watch::Sender<i64>>) -> Self {
        Self {
            position: published.subscribe(),
            published,
            people: Arc::default(),
            returning: Arc::default(),
        }
    }

    /// ANA-41 for the conferences `ids` of a series (in year order) with their
    /// `people` ([`Self::people_of`]): computed once per set of stored rows.
    pub fn returning(
        &self,
        ids: &[Uuid],
        people: Vec<Arc<People>>,
    ) -> Arc<Vec<crate::returning::Returning>> {
        self.returning.figures(ids, people)
    }

    /// The people of `row`'s conference ([`stored_people`]), parsed once per
    /// stored row.
    pub async fn people_of(
        &self,
        db: &Db,
        conference_id: Uuid,
        row: StoredStats,
    ) -> Result<Arc<People>, RunnerError> {
        let at = row.stored_at;
        let cached = self
            .people
            .lock()
            .ok()
            .and_then(|c| c.get(&conference_id).cloned());
        if let Some((stored_at, people)) = cached
            && stored_at == at
        {
            return Ok(people);
        }
        let people = Arc::new(stored_people(db, conference_id, row).await?);
        if let Ok(mut c) = self.people.lock() {
            c.insert(conference_id, (at, people.clone()));
        }
        Ok(people)
    }

    pub fn publisher(&self) -> Arc<watch::Sender<i64>> {
        self.published.clone()
    }

    /// The position every stored row stands at.
    pub fn position(&self) -> i64 {
        *self.position.borrow()
    }

    /// Waits until the stored model reached `position`; false on timeout.
    pub async fn wait_for(&self, position: i64, timeout: Duration) -> bool {
        let mut rx = self.position.clone();
        tokio::time::timeout(timeout, rx.wait_for(|p| *p >= position))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

/// The job: follows the projection runner and keeps the stored rows current.
pub struct StatsJob {
    db: Db,
    runner: RunnerHandle,
    published: Arc<watch::Sender<i64>>,
    generation: i64,
    position: i64,
    /// Prints a full recompute's progress (the CLI), or nothing (serving).
    verbose: bool,
}

impl StatsJob {
    /// Loads the stored model; a live generation of another VERSION (a schema
    /// change) or a brand new model is recomputed in full first (the old rows keep
    /// answering until the new generation is switched live).
    pub async fn load(
        db: Db,
        runner: RunnerHandle,
        published: Arc<watch::Sender<i64>>,
    ) -> Result<Self, RunnerError> {
        let (live, building) = storage::ensure_generations(&db, NAME, VERSION).await?;
        let mut job = Self {
            db,
            runner,
            published,
            generation: live.generation,
            position: live.position,
            verbose: false,
        };
        if let Some(b) = building {
            let at = job.runner.position();
            let db = job.db.clone();
            recompute_all(&db, b.generation, b.position, at, &mut |p: Progress| {
                job_progress(false, p)
            })
            .await?;
            storage::switch_live(&db, NAME, b.generation).await?;
            tracing::info!(
                version = VERSION,
                generation = b.generation,
                "stats model rebuilt and switched live"
            );
            job.generation = b.generation;
            job.position = at.max(b.position);
        }
        bump(&job.published, job.position);
        Ok(job)
    }

    /// Prints the progress of full recomputes on the terminal.
    pub fn verbose(mut self) -> Self {
        self.verbose = true;
        self
    }

    /// Brings the stored rows up to the projections' position once; returns how
    /// many conferences were recomputed.
    pub async fn step(&mut self) -> Result<usize, RunnerError> {
        let target = self.runner.position();
        if target <= self.position {
            return Ok(0);
        }
        let from = self.position;
        let (count, moved) = if target - from > FULL_AFTER || from == 0 {
            let verbose = self.verbose;
            let mut progress = |p: Progress| job_progress(verbose, p);
            let n = conference_ids(&self.db).await?.len();
            let moved =
                recompute_all(&self.db, self.generation, from, target, &mut progress).await?;
            (n, moved)
        } else {
            let ids = touched(&self.db, from, target).await?;
            let mut changes = vec![];
            for id in &ids {
                changes.extend(rows(&self.db, *id, self.generation, target).await?);
            }
            let checkpoint = Checkpoint {
                name: NAME,
                generation: self.generation,
                position: from,
            };
            let mut tx = Tx::begin(&self.db).await?;
            tx.write_rows(changes).await?;
            let moved = tx.advance(&[checkpoint], target).await?;
            if moved {
                tx.commit().await?;
            }
            (ids.len(), moved)
        };
        if !moved {
            // Someone else moved the checkpoint (or switched a generation): resume
            // from what is stored.
            let (live, _) = storage::ensure_generations(&self.db, NAME, VERSION).await?;
            self.generation = live.generation;
            self.position = live.position;
            bump(&self.published, self.position);
            return Ok(0);
        }
        self.position = target;
        bump(&self.published, target);
        notify_progress(&self.db, NAME, target).await;
        Ok(count)
    }

    /// Follows the projections forever: once events stop arriving for a
    /// [`DEBOUNCE`] (at most [`QUIET_WAIT`] after the job saw them), it steps, then
    /// pauses at least [`pause_after`] the step.
    pub async fn run(mut self) {
        let mut moved = self.runner.watch();
        loop {
            if self.runner.position() <= self.position {
                let position = self.position;
                let _ =
                    tokio::time::timeout(Duration::from_secs(1), moved.wait_for(|p| *p > position))
                        .await;
                continue;
            }
            self.wait_for_quiet().await;
            let started = Instant::now();
            if let Err(e) = self.step().await {
                tracing::error!(error = %e, "stats model step failed; retrying");
            }
            let spent = started.elapsed();
            let pause = pause_after(spent);
            if spent < pause {
                tokio::time::sleep(pause - spent).await;
            }
        }
    }

    /// Returns once the projections have not moved for a [`DEBOUNCE`], or
    /// [`QUIET_WAIT`] after it was called.
    async fn wait_for_quiet(&self) {
        let started = Instant::now();
        let mut seen = self.runner.position();
        loop {
            tokio::time::sleep(DEBOUNCE.min(QUIET_WAIT.saturating_sub(started.elapsed()))).await;
            let now = self.runner.position();
            if !keep_waiting(started.elapsed(), now != seen) {
                return;
            }
            seen = now;
        }
    }
}

/// Whether the next step waits on: events are still arriving (the projections
/// moved during the last [`DEBOUNCE`]), and the job has waited less than
/// [`QUIET_WAIT`] for them to stop.
fn keep_waiting(waited: Duration, still_arriving: bool) -> bool {
    still_arriving && waited < QUIET_WAIT
}

/// How long a step that took `spent` is followed before the next (counted from
/// the step's start): [`DEBOUNCE`], or [`BUSY_SHARE`] times the step if longer,
/// at most [`MAX_PAUSE`].
fn pause_after(spent: Duration) -> Duration {
    spent.saturating_mul(BUSY_SHARE).clamp(DEBOUNCE, MAX_PAUSE)
}

fn job_progress(verbose: bool, p: Progress) {
    if verbose {
        print_progress(p);
    } else if p.done == p.total {
        tracing::info!(conferences = p.total, "stats model recomputed");
    }
}

/// One line of progress on the terminal (stderr): done/total, rate, time left.
pub fn print_progress(p: Progress) {
    use std::io::Write;
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r  conference_stats: {}/{} conferences, {:.0}/s, {:.1} s left   ",
        p.done,
        p.total,
        p.rate(),
        p.left()
    );
    if p.done == p.total {
        let _ = writeln!(err);
    }
    let _ = err.flush();
}

/// Whether an event of `conference_id` lies in `(after, up_to]` (two index range
/// scans: the events naming it, and its conference aggregate's own).
pub async fn touches(
    db: &Db,
    conference_id: Uuid,
    after: i64,
    up_to: i64,
) -> Result<bool, RunnerError> {
    if up_to <= after {
        return Ok(false);
    }
    let id = conference_id.to_string();
    let found: bool = match db {
        Db::Postgres(p) => {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM events WHERE (metadata ->> 'conference_id') = $1 \
                 AND position > $2 AND position <= $3) \
                 OR EXISTS (SELECT 1 FROM events WHERE aggregate_type = 'conference' \
                 AND aggregate_id = $1 AND position > $2 AND position <= $3)",
            )
            .bind(&id)
            .bind(after)
            .bind(up_to)
            .fetch_one(p)
            .await?
        }
        Db::Sqlite(p) => {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM events WHERE json_extract(metadata, '$.conference_id') = ?1 \
                 AND position > ?2 AND position <= ?3) \
                 OR EXISTS (SELECT 1 FROM events WHERE aggregate_type = 'conference' \
                 AND aggregate_id = ?1 AND position > ?2 AND position <= ?3)",
            )
            .bind(&id)
            .bind(after)
            .bind(up_to)
            .fetch_one(p)
            .await?
        }
    };
    Ok(found)
}

/// Where a conference's current statistics came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The stored row.
    Stored,
    /// Assembled from the live rows: the stored model was behind the wanted position
    /// for this conference (or had no row yet).
    Computed,
}

/// A conference's current statistics.
#[derive(Debug, Clone)]
pub struct Current {
    pub stats: serde_json::Value,
    /// The stats VERSION that made `stats`.
    pub version: u32,
    /// The log position the figures include.
    pub position: i64,
    pub origin: Origin,
}

/// The stored row when it is as current as the projections at `wanted`: the
/// stored model stands at `wanted`, or no event of the conference lies between the
/// model's position (`at`) and `wanted`. Returns it with the position it stands at.
pub async fn current_row(
    db: &Db,
    conference_id: Uuid,
    at: i64,
    wanted: i64,
) -> Result<Option<StoredStats>, RunnerError> {
    let Some(mut row) = stored(db, conference_id).await? else {
        return Ok(None);
    };
    let position = at.max(row.position);
    if position >= wanted {
        row.position = position;
        return Ok(Some(row));
    }
    if !touches(db, conference_id, position, wanted).await? {
        row.position = wanted;
        return Ok(Some(row));
    }
    Ok(None)
}

/// A conference's statistics as current as the projections at `wanted` (the
/// runner's position, which a read with `X-Tessera-After` already waited for):
/// the stored row (see [`current_row`]), else assembled live (the fallback of a
/// model that is behind or has no row yet).
pub async fn current(
    db: &Db,
    conference_id: Uuid,
    at: i64,
    wanted: i64,
) -> Result<Current, RunnerError> {
    if let Some(row) = current_row(db, conference_id, at, wanted).await? {
        return Ok(Current {
            stats: row.stats,
            version: row.version,
            position: row.position,
            origin: Origin::Stored,
        });
    }
    Ok(Current {
        stats: crate::stats::live(db, conference_id).await?,
        version: VERSION,
        position: wanted,
        origin: Origin::Computed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_step_waits_the_debounce_and_a_slow_one_twenty_times_its_time_at_most_two_seconds() {
        assert_eq!(pause_after(Duration::from_millis(3)), DEBOUNCE);
        assert_eq!(
            pause_after(Duration::from_millis(50)),
            Duration::from_secs(1)
        );
        assert_eq!(pause_after(Duration::from_millis(400)), MAX_PAUSE);
    }

    #[test]
    fn a_rush_is_restated_once_it_stops_or_every_ten_seconds_while_it_goes_on() {
        let ms = Duration::from_millis;
        assert!(keep_waiting(ms(300), true), "events still arriving");
        assert!(!keep_waiting(ms(300), false), "they stopped: step now");
        assert!(keep_waiting(ms(9_900), true), "still within the wait");
        assert!(
            !keep_waiting(QUIET_WAIT, true),
            "ten seconds of a stream that never pauses: step anyway"
        );
    }
}

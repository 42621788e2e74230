//! A conference's statistics from the stored projection rows (what the API serves),
//! or folded from the log up to a position (what a freeze records and what
//! `tessera replay verify --conference` checks).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tessera_aggregates::conference::{ConferenceEvent, StatsSnapshot};
use tessera_projections::stats::{self, Sources};
use tessera_projections::stats_archive::{ArchiveRow, FrozenSnapshot, StatsArchive, archive_key};
use tessera_projections::{DomainEvent, Envelope, Projection};
use uuid::Uuid;

use crate::admin::fold_from_zero;
use crate::runner::RunnerError;
use crate::views::all_views;
use crate::{Db, storage};

/// The statistics document from the live projection rows.
pub async fn live(db: &Db, conference_id: Uuid) -> Result<serde_json::Value, RunnerError> {
    let sources = live_sources(db, conference_id, vec![]).await?;
    Ok(stats::assemble(conference_id, &sources)?)
}

/// The live rows the statistics of a conference read, and those of `extra`
/// (each read once, whether or not the statistics read it too).
pub async fn live_sources(
    db: &Db,
    conference_id: Uuid,
    extra: Vec<stats::Read>,
) -> Result<Sources, RunnerError> {
    let mut reads = stats::reads(conference_id);
    reads.extend(extra);
    reads.sort();
    reads.dedup();
    sources_of(db, reads).await
}

/// The live rows of `reads`, as stored (each decoded when a section reads it).
pub async fn sources_of(db: &Db, reads: Vec<stats::Read>) -> Result<Sources, RunnerError> {
    let mut sources = Sources::default();
    for read in reads {
        for (key, doc) in storage::live_rows_with_prefix(db, read.projection, &read.prefix).await? {
            sources.insert_text(read.projection, key, doc);
        }
    }
    Ok(sources)
}

/// The statistics document from the live projection rows together with the log
/// position it is exactly the fold of, read in one snapshot of the database: the
/// head, when every statistics projection's live generation is of the current
/// code's version and has folded every event of the conference up to the head.
/// None otherwise (a projection behind the conference's latest event, or a schema
/// change under way): the caller folds the log instead. What a freeze records, so
/// the frozen figures are the ones the organizers were shown, and
/// `tessera replay verify --conference` checks them against the log alone.
pub async fn live_at_head(
    db: &Db,
    conference_id: Uuid,
) -> Result<Option<(i64, serde_json::Value)>, RunnerError> {
    let versions: BTreeMap<&'static str, i64> = stats_views()
        .iter()
        .map(|v| (v.name(), i64::from(v.version())))
        .collect();
    let id = conference_id.to_string();
    let reads = stats::reads(conference_id);
    // One body for both backends: the states, the head, the check and the rows,
    // all read in the transaction's one snapshot.
    macro_rules! in_one_snapshot {
        ($tx:expr, $pending:expr) => {{
            let tx = &mut $tx;
            let states: Vec<(String, i64, i64)> =
                sqlx::query_as(LIVE_STATES).fetch_all(&mut **tx).await?;
            let Some(folded) = folded_by_all(&states, &versions) else {
                return Ok(None);
            };
            let head: i64 = sqlx::query_scalar(HEAD).fetch_one(&mut **tx).await?;
            let pending: bool = sqlx::query_scalar($pending)
                .bind(&id)
                .bind(folded)
                .bind(head)
                .fetch_one(&mut **tx)
                .await?;
            if pending {
                return Ok(None);
            }
            let mut rows = Vec::new();
            for read in &reads {
                let found: Vec<(String, String)> = sqlx::query_as(storage::LIVE_ROWS_WITH_PREFIX)
                    .bind(read.projection)
                    .bind(&read.prefix)
                    .bind(storage::prefix_end(&read.prefix))
                    .fetch_all(&mut **tx)
                    .await?;
                // Parsed on another thread while the next read runs.
                let projection = read.projection;
                rows.push(tokio::task::spawn_blocking(move || {
                    parse_rows(projection, found)
                }));
            }
            (head, rows)
        }};
    }
    let (head, rows) = match db {
        Db::Postgres(p) => {
            let mut tx = p.begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
            // Equality and a position range (not row comparisons, which the
            // planner misjudges here and answers with a pass over the log): the
            // range past the projections is short, and both indexes serve it.
            let read = in_one_snapshot!(
                tx,
                "SELECT EXISTS (SELECT 1 FROM events WHERE (metadata->>'conference_id') = $1 \
                 AND position > $2 AND position <= $3)"
            );
            tx.commit().await?;
            read
        }
        Db::Sqlite(p) => {
            // A read transaction sees one snapshot from its first statement on.
            let mut tx = p.begin().await?;
            let read = in_one_snapshot!(
                tx,
                "SELECT EXISTS (SELECT 1 FROM events \
                 WHERE json_extract(metadata, '$.conference_id') = ? AND position > ? AND position <= ?)"
            );
            tx.commit().await?;
            read
        }
    };
    let mut sources = Sources::default();
    for parsed in rows {
        let (projection, parsed) = parsed
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        for (key, doc) in parsed? {
            sources.insert(projection, key, doc);
        }
    }
    Ok(Some((head, stats::assemble(conference_id, &sources)?)))
}

/// Rows of `projection` as JSON values.
type ParsedRows = (
    &'static str,
    Result<Vec<(String, serde_json::Value)>, serde_json::Error>,
);

fn parse_rows(projection: &'static str, rows: Vec<(String, String)>) -> ParsedRows {
    let parsed = rows
        .into_iter()
        .map(|(key, doc)| serde_json::from_str(&doc).map(|v| (key, v)))
        .collect();
    (projection, parsed)
}

const LIVE_STATES: &str =
    "SELECT name, CAST(version AS BIGINT), position FROM projection_state WHERE status = 'live'";
const HEAD: &str = "SELECT COALESCE(MAX(position), 0) FROM events";

/// The position every statistics projection has folded up to (the least of
/// theirs), when each has a live generation of the current code's version.
fn folded_by_all(states: &[(String, i64, i64)], versions: &BTreeMap<&str, i64>) -> Option<i64> {
    let mut least: Option<i64> = None;
    for (name, version) in versions {
        let (_, _, position) = states.iter().find(|(n, v, _)| n == name && v == version)?;
        least = Some(least.map_or(*position, |l| l.min(*position)));
    }
    least
}

/// The statistics document as the log up to `position` (inclusive) makes it: the
/// projections the stats read, folded from position 0 in memory.
pub async fn replayed(
    db: &Db,
    conference_id: Uuid,
    position: i64,
) -> Result<serde_json::Value, RunnerError> {
    let mut views = stats_views();
    fold_from_zero(db, &mut views, position).await?;
    assemble_from(&views, conference_id)
}

/// The same document as [`replayed`], folding only the conference's own events
/// (those whose metadata names it) instead of the whole log: the rows the
/// statistics read all lie under the conference's key prefixes, and only its own
/// events write there, so the other conferences' events change nothing (a test
/// over a generated multi-year series compares the two at many positions). An
/// auditor's "as of" answer costs the conference's history, not the log's.
pub async fn replayed_conference_only(
    db: &Db,
    conference_id: Uuid,
    position: i64,
) -> Result<serde_json::Value, RunnerError> {
    replayed_with_checkpoints(db, conference_id, position, CHECKPOINT_EVERY).await
}

/// [`replayed_conference_only`] from the log alone: the conference's events
/// folded from its first, no stored checkpoint read or written. What verifying a
/// frozen year runs, so the verdict rests on the log and nothing derived from it.
pub async fn replayed_conference_from_log(
    db: &Db,
    conference_id: Uuid,
    position: i64,
) -> Result<serde_json::Value, RunnerError> {
    fold_conference(db, conference_id, position, None).await
}

/// [`replayed_conference_only`] starting from the conference's latest stored
/// checkpoint at or before `position` (if any) and storing one every `every` events
/// folded past it.
pub async fn replayed_with_checkpoints(
    db: &Db,
    conference_id: Uuid,
    position: i64,
    every: usize,
) -> Result<serde_json::Value, RunnerError> {
    fold_conference(db, conference_id, position, Some(every)).await
}

/// The conference's events up to `position` folded into the statistics'
/// projections; with `checkpoints`, from the nearest stored checkpoint, storing
/// one every that many events.
async fn fold_conference(
    db: &Db,
    conference_id: Uuid,
    position: i64,
    checkpoints: Option<usize>,
) -> Result<serde_json::Value, RunnerError> {
    let mut views = stats_views();
    let version = views_version(&views);
    let id = conference_id.to_string();
    let mut q = crate::history::HistoryQuery {
        conference_id: id.clone(),
        limit: Some(5_000),
        up_to: Some(position),
        ..Default::default()
    };
    if checkpoints.is_some()
        && let Some((at, state)) = checkpoint_at_or_before(db, &id, &version, position).await?
    {
        load_state(&mut views, &state)?;
        q.after = at;
    }
    if checkpoints.is_none() {
        return fold_on_two_threads(db, views, q, conference_id).await;
    }
    let mut since_checkpoint = 0_usize;
    let mut pages = read_ahead(db.clone(), q);
    while let Some(batch) = pages.recv().await {
        for env in batch? {
            for v in views.iter_mut() {
                v.apply(&env);
            }
            since_checkpoint += 1;
            // Later answers start from here instead of the conference's first event.
            if let Some(every) = checkpoints
                && since_checkpoint >= every.max(1)
            {
                save_checkpoint(db, &id, &version, env.position, &views).await?;
                since_checkpoint = 0;
            }
        }
    }
    assemble_from(&views, conference_id)
}

/// [`fold_conference`] without checkpoints (a verification): the views are
/// independent, so after the first page (folded here, timing each view) they are
/// split into two halves of about equal cost, and each later page is folded into
/// one half on a thread of its own while this one folds the other (and the reader
/// decodes the next page).
async fn fold_on_two_threads(
    db: &Db,
    views: Vec<Box<dyn crate::views::View>>,
    q: crate::history::HistoryQuery,
    conference_id: Uuid,
) -> Result<serde_json::Value, RunnerError> {
    type Views = Vec<Box<dyn crate::views::View>>;
    fn fold(views: &mut Views, page: &[Envelope]) {
        for env in page {
            for v in views.iter_mut() {
                v.apply(env);
            }
        }
    }
    let mut pages = read_ahead(db.clone(), q);
    let Some(page) = pages.recv().await else {
        return assemble_from(&views, conference_id);
    };
    let page = page?;
    let mut timed: Vec<(std::time::Duration, Box<dyn crate::views::View>)> = views
        .into_iter()
        .map(|mut v| {
            let started = std::time::Instant::now();
            for env in &page {
                v.apply(env);
            }
            (started.elapsed(), v)
        })
        .collect();
    timed.sort_by_key(|t| std::cmp::Reverse(t.0));
    let (mut first, mut second): (Views, Views) = (vec![], vec![]);
    let (mut first_cost, mut second_cost) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    for (cost, v) in timed {
        if first_cost <= second_cost {
            first_cost += cost;
            first.push(v);
        } else {
            second_cost += cost;
            second.push(v);
        }
    }
    while let Some(page) = pages.recv().await {
        let page = page?;
        std::thread::scope(|s| {
            s.spawn(|| fold(&mut first, &page));
            fold(&mut second, &page);
        });
    }
    first.append(&mut second);
    assemble_from(&first, conference_id)
}

/// The pages of `q`, decoded, read and decoded by a task of their own while the
/// caller folds the page before (a year's fold waits on neither the database nor
/// the JSON decoding). Ends after the last page, or with the first error.
fn read_ahead(
    db: Db,
    mut q: crate::history::HistoryQuery,
) -> tokio::sync::mpsc::Receiver<Result<Vec<Envelope>, RunnerError>> {
    // Two stages, so the database reads a page while the one before is decoded.
    let (raw_pages, mut raw_receiver) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        loop {
            let page = match crate::history::page(&db, &q).await {
                Ok(page) => page,
                Err(e) => {
                    let _ = raw_pages.send(Err(RunnerError::from(e))).await;
                    return;
                }
            };
            let Some(last) = page.last() else { return };
            q.after = last.position;
            // The decoder gone (the fold failed): stop.
            if raw_pages.send(Ok(page)).await.is_err() {
                return;
            }
        }
    });
    let (pages, receiver) = tokio::sync::mpsc::channel(2);
    tokio::spawn(async move {
        while let Some(page) = raw_receiver.recv().await {
            let decoded = page.and_then(|page| {
                page.into_iter()
                    .map(|raw| raw.into_envelope().map_err(RunnerError::from))
                    .collect::<Result<Vec<_>, _>>()
            });
            let failed = decoded.is_err();
            // The receiver gone (the fold failed) or an error sent: stop.
            if pages.send(decoded).await.is_err() || failed {
                return;
            }
        }
    });
    receiver
}

/// A checkpoint of the statistics fold every this many events of a conference.
pub const CHECKPOINT_EVERY: usize = 50_000;

/// Keeps a conference's as-of checkpoints current ahead of any question: when
/// at least `every` of its events lie past its latest checkpoint, folds them
/// from that checkpoint, storing one every `every` events. An auditor's first
/// "as of" answer then starts near its position instead of folding from the
/// conference's first event. Returns whether it folded.
pub async fn keep_checkpoints(
    db: &Db,
    conference_id: Uuid,
    every: usize,
) -> Result<bool, RunnerError> {
    let every = every.max(1);
    let version = views_version(&stats_views());
    let id = conference_id.to_string();
    let latest = latest_checkpoint(db, &id, &version).await?;
    // The position of the `every`-th event past it, if there is one (an index
    // range of the conference's events: `events_conference`).
    let offset = i64::try_from(every - 1).unwrap_or(i64::MAX);
    let due: Option<i64> =
        match db {
            Db::Postgres(p) => {
                sqlx::query_scalar(
                    // Row comparisons on `events_conference`'s columns, so that
                    // index serves (see `crate::history`).
                    "SELECT position FROM events \
                 WHERE ((metadata->>'conference_id'), position) > ($1, $2) \
                 AND (metadata->>'conference_id') <= $1 \
                 ORDER BY (metadata->>'conference_id'), position OFFSET $3 LIMIT 1",
                )
                .bind(&id)
                .bind(latest)
                .bind(offset)
                .fetch_optional(p)
                .await?
            }
            Db::Sqlite(p) => sqlx::query_scalar(
                "SELECT position FROM events WHERE json_extract(metadata, '$.conference_id') = ? \
                 AND position > ? ORDER BY position LIMIT 1 OFFSET ?",
            )
            .bind(&id)
            .bind(latest)
            .bind(offset)
            .fetch_optional(p)
            .await?,
        };
    if due.is_none() {
        return Ok(false);
    }
    let head = db.head().await?;
    replayed_with_checkpoints(db, conference_id, head, every).await?;
    Ok(true)
}

/// The position of a conference's latest checkpoint for `version` (0: none).
async fn latest_checkpoint(
    db: &Db,
    conference_id: &str,
    version: &str,
) -> Result<i64, RunnerError> {
    const SQL: &str = "SELECT COALESCE(MAX(position), 0) FROM stats_fold_checkpoints \
        WHERE conference_id = $1 AND views_version = $2";
    let latest: i64 = match db {
        Db::Postgres(p) => {
            sqlx::query_scalar(SQL)
                .bind(conference_id)
                .bind(version)
                .fetch_one(p)
                .await?
        }
        Db::Sqlite(p) => {
            sqlx::query_scalar(SQL)
                .bind(conference_id)
                .bind(version)
                .fetch_one(p)
                .await?
        }
    };
    Ok(latest)
}

/// The projections' names and versions: a checkpoint serves only the code that
/// folded it.
fn views_version(views: &[Box<dyn crate::views::View>]) -> String {
    views
        .iter()
        .map(|v| format!("{}:{}", v.name(), v.version()))
        .collect::<Vec<_>>()
        .join(",")
}

/// The rows of every view, as one JSON text: `{view: [[key, row as JSON text], …]}`.
fn state_of(views: &[Box<dyn crate::views::View>]) -> Result<String, serde_json::Error> {
    let mut all = serde_json::Map::new();
    for v in views {
        let rows: Vec<(String, String)> = v
            .documents()?
            .into_iter()
            .map(|(k, row)| (k, row.to_string()))
            .collect();
        all.insert(v.name().to_string(), serde_json::to_value(rows)?);
    }
    serde_json::to_string(&all)
}

fn load_state(
    views: &mut [Box<dyn crate::views::View>],
    state: &str,
) -> Result<(), serde_json::Error> {
    let mut all: std::collections::BTreeMap<String, Vec<(String, String)>> =
        serde_json::from_str(state)?;
    for v in views.iter_mut() {
        v.load(all.remove(v.name()).unwrap_or_default())?;
    }
    Ok(())
}

async fn checkpoint_at_or_before(
    db: &Db,
    conference_id: &str,
    version: &str,
    position: i64,
) -> Result<Option<(i64, String)>, RunnerError> {
    const SQL: &str = "SELECT position, state FROM stats_fold_checkpoints \
        WHERE conference_id = $1 AND views_version = $2 AND position <= $3 \
        ORDER BY position DESC LIMIT 1";
    let row = match db {
        Db::Postgres(p) => {
            sqlx::query_as::<_, (i64, String)>(SQL)
                .bind(conference_id)
                .bind(version)
                .bind(position)
                .fetch_optional(p)
                .await?
        }
        Db::Sqlite(p) => {
            sqlx::query_as::<_, (i64, String)>(SQL)
                .bind(conference_id)
                .bind(version)
                .bind(position)
                .fetch_optional(p)
                .await?
        }
    };
    Ok(row)
}

async fn save_checkpoint(
    db: &Db,
    conference_id: &str,
    version: &str,
    position: i64,
    views: &[Box<dyn crate::views::View>],
) -> Result<(), RunnerError> {
    let state = state_of(views)?;
    const SQL: &str = "INSERT INTO stats_fold_checkpoints \
        (conference_id, views_version, position, state) VALUES ($1, $2, $3, $4) \
        ON CONFLICT DO NOTHING";
    match db {
        Db::Postgres(p) => {
            sqlx::query(SQL)
                .bind(conference_id)
                .bind(version)
                .bind(position)
                .bind(state)
                .execute(p)
                .await?;
        }
        Db::Sqlite(p) => {
            sqlx::query(SQL)
                .bind(conference_id)
                .bind(version)
                .bind(position)
                .bind(state)
                .execute(p)
                .await?;
        }
    }
    Ok(())
}

/// The projections the statistics read, empty.
fn stats_views() -> Vec<Box<dyn crate::views::View>> {
    let wanted = stats::projections();
    all_views()
        .into_iter()
        .filter(|v| wanted.contains(&v.name()))
        .collect()
}

/// The statistics document of `conference_id` from folded views.
fn assemble_from(
    views: &[Box<dyn crate::views::View>],
    conference_id: Uuid,
) -> Result<serde_json::Value, RunnerError> {
    // Only the rows the statistics read are serialized (a folded orders view also
    // holds each order's reference, stream and product rows).
    let mut sources = Sources::default();
    for view in views {
        for read in stats::reads(conference_id) {
            if read.projection != view.name() {
                continue;
            }
            for (key, doc) in view.documents_in(&read.prefix)? {
                sources.insert(read.projection, key, doc);
            }
        }
    }
    Ok(stats::assemble(conference_id, &sources)?)
}

/// The statistics as they stood at a past moment (an auditor's "as of"): the
/// position of the conference's last event at or before `up_to` and recorded
/// before `until`, and the log folded up to it. None when the conference had no
/// event yet then.
pub async fn as_of(
    db: &Db,
    conference_id: Uuid,
    up_to: Option<i64>,
    until: Option<DateTime<Utc>>,
) -> Result<Option<(i64, serde_json::Value)>, RunnerError> {
    let q = crate::history::HistoryQuery {
        conference_id: conference_id.to_string(),
        up_to,
        until,
        ..Default::default()
    };
    let Some(position) = crate::history::last_position(db, &q).await? else {
        return Ok(None);
    };
    Ok(Some((
        position,
        replayed_conference_only(db, conference_id, position).await?,
    )))
}

/// The snapshot of the conference's last `StatsFrozen` event in the log.
async fn recorded_snapshot(
    db: &Db,
    conference_id: Uuid,
) -> Result<Option<StatsSnapshot>, RunnerError> {
    let id = conference_id.to_string();
    // The conference's own stream (a few events), not its whole history.
    let events = crate::log::stream(db, "conference", &id).await?;
    let mut last = None;
    for raw in events.iter().filter(|e| e.event_type == "StatsFrozen") {
        if let DomainEvent::Conference(ConferenceEvent::StatsFrozen { snapshot, .. }) =
            raw.decode()?.event
        {
            last = Some(snapshot);
        }
    }
    Ok(last)
}

/// What `verify --conference` found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The snapshot is the replay of the log up to its position, byte for byte.
    Verified,
    /// Same stats version, different figures: the snapshot or the log was changed.
    Tampered {
        /// The snapshot's SHA-256 matches its text.
        digest_ok: bool,
        differences: Vec<Difference>,
    },
    /// Made by another stats version: recomputed with this one; the differences are
    /// a schema change, not tampering.
    SchemaChanged {
        recorded: u32,
        current: u32,
        differences: Vec<Difference>,
    },
}

/// A metric (its path in the document) with the snapshot's and the replay's values.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub metric: String,
    pub snapshot: Option<serde_json::Value>,
    pub replayed: Option<serde_json::Value>,
}

/// The latest frozen snapshot of a conference as served, checked against the log
/// replayed up to its position. `None`: the conference was never frozen.
pub async fn verify_conference(
    db: &Db,
    conference_id: Uuid,
    sha256: impl Fn(&str) -> String,
) -> Result<Option<(FrozenSnapshot, Verdict)>, RunnerError> {
    let Some(doc) = storage::live_row(db, StatsArchive::NAME, &archive_key(conference_id)).await?
    else {
        return Ok(None);
    };
    let row: ArchiveRow = serde_json::from_str(&doc)?;
    let Some(frozen) = row.latest().cloned() else {
        return Ok(None);
    };
    let s = &frozen.snapshot;
    // The conference's own events from the log (no checkpoint): the same
    // document as the whole log's fold, at the cost of this conference's history.
    let replayed = replayed_conference_from_log(db, conference_id, s.position).await?;
    let text = stats::canonical(&replayed);
    let digest_ok = sha256(&s.snapshot) == s.sha256;
    // The served snapshot must be the one the log recorded last.
    let recorded = recorded_snapshot(db, conference_id).await?;
    let record_ok = recorded.as_ref() == Some(s);
    if text == s.snapshot && digest_ok && record_ok && s.stats_version == stats::VERSION {
        return Ok(Some((frozen, Verdict::Verified)));
    }
    let mut differences: Vec<Difference> = match serde_json::from_str(&s.snapshot) {
        Ok(recorded) => stats::differences(&recorded, &replayed)
            .into_iter()
            .map(|(metric, snapshot, replayed)| Difference {
                metric,
                snapshot,
                replayed,
            })
            .collect(),
        Err(_) => vec![Difference {
            metric: "(document)".into(),
            snapshot: Some(serde_json::Value::String(s.snapshot.clone())),
            replayed: Some(replayed.clone()),
        }],
    };
    if differences.is_empty() && text != s.snapshot {
        differences.push(Difference {
            metric: "(canonical text)".into(),
            snapshot: Some(serde_json::Value::String(s.snapshot.clone())),
            replayed: Some(serde_json::Value::String(text)),
        });
    }
    if !record_ok {
        differences.push(Difference {
            metric: "(snapshot recorded in the log)".into(),
            snapshot: Some(serde_json::Value::String(s.sha256.clone())),
            replayed: recorded.map(|r| serde_json::Value::String(r.sha256)),
        });
    }
    let verdict = if s.stats_version != stats::VERSION && digest_ok && record_ok {
        Verdict::SchemaChanged {
            recorded: s.stats_version,
            current: stats::VERSION,
            differences,
        }
    } else {
        Verdict::Tampered {
            digest_ok,
            differences,
        }
    };
    Ok(Some((frozen, verdict)))
}

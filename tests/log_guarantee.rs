//! The global log's no-skip guarantee, on the path production writes through: the
//! caching event store's append (via the command bus and the HTTP API) with the
//! projection runner and the process managers running. Every committed event is seen
//! exactly once, in position order, by a tailing reader, by the runner (its views
//! equal a rebuild from zero) and by the process managers (each `OrderPaid` caused
//! exactly one follow-up of each kind).
//!
//! On PostgreSQL the race is made deterministic by a trigger the test creates: it
//! sleeps after an event's position was drawn (BEFORE INSERT) and again after the
//! row took its transaction id (AFTER INSERT). Unless the append takes its
//! transaction id before its position, a reader then meets a gap whose owner has no
//! transaction id yet, and later a snapshot whose `xmin` has passed the gap's
//! horizon while the owner is still open: a reader that trusted it would skip the
//! event for ever.

mod common;
mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::json;
use support::{all_positions, slow_appends};
use tessera_aggregates::activity::{Activity, ActivityCommand, ActivityDetails};
use tessera_aggregates::natural_id;
use tessera_projections::EventMeta;
use tessera_replay::{Db, LogReader, LogWindow};
use tokio::task::JoinHandle;

const CONF: &str = "pycon-us-2027";

/// A reader tailing the log (polling as fast as it can) and collecting positions.
struct Tail {
    /// Stop once this position was reached and no gap is pending.
    until: Arc<AtomicI64>,
    task: JoinHandle<Vec<i64>>,
}

impl Tail {
    fn start(db: Db) -> Self {
        Self::reading(LogReader::new(db))
    }

    /// Several tailers reading through one shared window, as a process's
    /// runner, process managers, outbox and webhooks do: each must still see
    /// every event once, in order.
    fn sharing(db: &Db, n: usize) -> Vec<Self> {
        let window = Arc::new(LogWindow::default());
        (0..n)
            .map(|_| Self::reading(LogReader::sharing(db.clone(), window.clone())))
            .collect()
    }

    fn reading(mut reader: LogReader) -> Self {
        let until = Arc::new(AtomicI64::new(i64::MAX));
        let stop = until.clone();
        let task = tokio::spawn(async move {
            let (mut at, mut seen) = (0, vec![]);
            loop {
                let batch = reader.read_after(at, 100).await.expect("tail the log");
                let idle = batch.events.is_empty();
                for e in batch.events {
                    at = e.position;
                    seen.push(e.position);
                }
                if !batch.waiting_on_gap && at >= stop.load(Ordering::SeqCst) {
                    return seen;
                }
                if idle {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        });
        Self { until, task }
    }

    /// What it saw once it reached `head`.
    async fn seen_up_to(self, head: i64) -> Vec<i64> {
        self.until.store(head, Ordering::SeqCst);
        tokio::time::timeout(Duration::from_secs(60), self.task)
            .await
            .expect("the tailing reader reaches the head")
            .expect("tailing reader task")
    }
}

/// What `who` got wrong, if anything: every committed event exactly once, in
/// position order.
fn check_exactly_the_log(seen: &[i64], log: &[i64], who: &str) -> Option<String> {
    let seen_set: BTreeSet<i64> = seen.iter().copied().collect();
    let missing: Vec<i64> = log
        .iter()
        .filter(|p| !seen_set.contains(p))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "{who} skipped committed events at positions {missing:?}"
        ));
    }
    (seen != log).then(|| format!("{who} did not see each event once in order: {seen:?}"))
}

/// Checks every reader of the log once the writers are done and the process
/// managers settled at `head`: the tailing reader, the projection runner (its views
/// equal a rebuild from zero: `replay verify`) and the process managers (each
/// order paid or cancelled caused exactly one of each follow-up in `REACTIONS`).
/// Returns every finding, so a failure names each reader that missed something.
async fn check_readers(app: &TestApp, tails: Vec<Tail>, head: i64) -> Vec<String> {
    let log = all_positions(&app.app.db).await;
    let mut findings = vec![];
    if log.last().copied() != Some(head) {
        findings.push(format!("the log head moved after settling: {head}"));
    }
    for (i, tail) in tails.into_iter().enumerate() {
        findings.extend(check_exactly_the_log(
            &tail.seen_up_to(head).await,
            &log,
            &format!("tailing reader {i}"),
        ));
    }
    if !app.app.runner.wait_for(head, Duration::from_secs(20)).await {
        findings.push(format!("the runner did not reach the head {head}"));
    }
    let diffs = tessera_replay::admin::verify(&app.app.db)
        .await
        .expect("verify");
    if !diffs.is_empty() {
        let keys: Vec<String> = diffs
            .iter()
            .map(|d| format!("{}/{}", d.projection, d.key))
            .collect();
        findings.push(format!(
            "the runner's views differ from a rebuild at {keys:?}"
        ));
    }
    let (facts, caused) = follow_ups(app).await;
    for (cause, fact) in &facts {
        let expected = REACTIONS
            .iter()
            .filter(|(f, _)| f == fact)
            .flat_map(|(_, follow)| follow.iter());
        for (aggregate, event) in expected {
            let n = caused
                .get(&(cause.clone(), aggregate.to_string(), event.to_string()))
                .copied()
                .unwrap_or(0);
            if n != 1 {
                findings.push(format!(
                    "the process managers answered {fact} at {cause} with {n} {event}"
                ));
            }
        }
    }
    findings
}

fn activity(slug: &str) -> ActivityCommand {
    ActivityCommand::Create {
        conference_id: natural_id("conference", "log-guarantee"),
        slug: slug.into(),
        details: ActivityDetails {
            name: slug.into(),
            max_participants: Some(10),
            is_active: true,
            ..Default::default()
        },
    }
}

/// One slow-motion race through the command bus: an append draws its position and
/// sleeps; a later append commits meanwhile. Returns the slow append, still
/// running (it takes its transaction id and sleeps again before it commits), and
/// the fast one's position.
async fn start_race(app: &TestApp, round: u32) -> (JoinHandle<i64>, i64) {
    let slow = {
        let bus = app.app.bus.clone();
        tokio::spawn(async move {
            let meta = EventMeta {
                request_id: Some(format!("slow-{round}")),
                ..Default::default()
            };
            let id = Activity::stream(natural_id("activity", &format!("slow-{round}")));
            bus.send(&id, activity(&format!("slow-{round}")), &meta)
                .await
                .expect("slow append")
                .position
                .expect("slow position")
        })
    };
    // The slow append has drawn its position and sleeps before its row exists.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let id = Activity::stream(natural_id("activity", &format!("fast-{round}")));
    let fast = app
        .app
        .bus
        .send(
            &id,
            activity(&format!("fast-{round}")),
            &EventMeta::default(),
        )
        .await
        .expect("fast append")
        .position
        .expect("fast position");
    (slow, fast)
}

/// A whole race: (slow, fast) positions once both committed.
async fn race(app: &TestApp, round: u32) -> (i64, i64) {
    let (slow, fast) = start_race(app, round).await;
    (slow.await.expect("slow append"), fast)
}

async fn first_event(app: &TestApp) {
    let id = natural_id("activity", "first").to_string();
    app.app
        .bus
        .send(
            &Activity::stream(id),
            activity("first"),
            &EventMeta::default(),
        )
        .await
        .expect("first append");
}

/// The race in slow motion, through the command bus, with a tailing reader, the
/// projection runner and the process managers reading. Two rounds after a first
/// event: a position draw that writes the sequence's WAL record (the first, about
/// every 32nd, the first after a checkpoint) takes the transaction id itself, so
/// one round may not race; the other does.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_append_that_commits_after_a_later_position_is_never_skipped() {
    if !common::postgres_available().await {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    slow_appends(
        &app.app.db,
        "NEW.metadata->>'request_id' LIKE 'slow-%'",
        "0.3",
    )
    .await;
    let mut tails = vec![Tail::start(app.app.db.clone())];
    tails.extend(Tail::sharing(&app.app.db, 3));
    first_event(&app).await;
    for round in 1..=2 {
        let (slow, fast) = race(&app, round).await;
        assert!(
            slow < fast,
            "the slow append drew its position first ({slow} vs {fast}): the race happened"
        );
    }
    let head = app.settled().await;
    let findings = check_readers(&app, tails, head).await;
    assert!(findings.is_empty(), "{findings:#?}");
    app.finish().await;
}

/// A reader whose caller jumps ahead while it waits on a gap (a runner or the
/// process managers reloading a checkpoint another instance moved) judges the
/// next gap by that gap's own horizon, not by the one it was waiting on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_judges_each_gap_by_its_own_horizon() {
    if !common::postgres_available().await {
        return;
    }
    let app = TestApp::start(Backend::Postgres).await;
    slow_appends(
        &app.app.db,
        "NEW.metadata->>'request_id' LIKE 'slow-%'",
        "0.3",
    )
    .await;
    first_event(&app).await;
    let mut reader = LogReader::new(app.app.db.clone());
    let (slow, fast) = start_race(&app, 1).await;
    let batch = reader.read_after(fast - 2, 100).await.expect("read");
    assert!(batch.events.is_empty() && batch.waiting_on_gap);
    let first = slow.await.expect("slow append");
    assert!(first < fast);
    // The first race is over; a second one starts, and the caller jumps past the
    // first without reading it.
    let (slow, fast) = start_race(&app, 2).await;
    let batch = reader.read_after(fast - 2, 100).await.expect("read");
    let jumped: Vec<i64> = batch.events.iter().map(|e| e.position).collect();
    let second = slow.await.expect("slow append");
    assert!(second < fast);
    assert!(
        jumped.is_empty() && batch.waiting_on_gap,
        "passed the open append at {second} on an old gap's horizon: read {jumped:?}"
    );
    let mut seen = vec![];
    for _ in 0..3000 {
        let batch = reader.read_after(fast - 2, 100).await.expect("read");
        if !batch.events.is_empty() {
            seen = batch.events.iter().map(|e| e.position).collect();
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(seen, vec![second, fast]);
    app.finish().await;
}

/// Buyers sign up and check out, all at once, through the HTTP API (the hot
/// conference ledger appends several events per statement); two in three orders
/// are then paid, the others cancelled by their buyer. Returns the references.
async fn rush(app: &Arc<TestApp>, buyers: usize) -> Vec<String> {
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "50.00" }),
    )
    .await;
    let mut tasks = vec![];
    for i in 0..buyers {
        let (app, admin) = (app.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            let buyer = app.user(&format!("buyer{i}")).await;
            let r = app.buy(&buyer, CONF, "individual", 1).await;
            assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
            let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
            let order = format!("/api/v1/conferences/{CONF}/orders/{reference}");
            if i % 3 == 2 {
                let r = app
                    .post(&format!("{order}/cancel"))
                    .as_user(&buyer)
                    .send()
                    .await;
                assert_eq!(r.status, StatusCode::OK, "cancel: {}", r.text);
            } else {
                let r = app
                    .post(&format!("{order}/payments"))
                    .as_user(&admin)
                    .json(json!({ "method": "manual", "amount": "50.00" }))
                    .send()
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
                assert_eq!(r.body["status"], "paid", "{}", r.text);
            }
            reference
        }));
    }
    let mut references = vec![];
    for t in tasks {
        references.push(t.await.expect("buyer"));
    }
    references
}

/// How an order of the rush ends: each exactly once.
const ORDER_FACTS: [&str; 2] = ["OrderPaid", "OrderCancelled"];

/// The facts the process managers follow, by event type: what each must cause.
/// (The Inventory steps of a payment or a cancel are taken by the flows before they
/// answer; the process managers' catch-up then adds nothing, which
/// `tests/stale_windows.rs` checks. Registering the attendee is theirs alone.)
const REACTIONS: [(&str, &[(&str, &str)]); 1] =
    [("OrderPaid", &[("attendee", "AttendeeRegistered")])];

/// The order facts the process managers follow, as (position, event type), and
/// how many events of each (aggregate type, event type) each position caused
/// (metadata `causation_id`).
type Caused = HashMap<(String, String, String), usize>;
async fn follow_ups(app: &TestApp) -> (Vec<(String, String)>, Caused) {
    let mut reader = LogReader::without_gap_protection(app.app.db.clone());
    let (mut after, mut facts, mut caused) = (0, vec![], HashMap::new());
    loop {
        let batch = reader.read_after(after, 1000).await.expect("read log");
        if batch.events.is_empty() {
            return (facts, caused);
        }
        for raw in batch.events {
            after = raw.position;
            let env = raw.into_envelope().expect("decode");
            if env.aggregate_type == "order" && ORDER_FACTS.contains(&env.event_type.as_str()) {
                facts.push((env.position.to_string(), env.event_type.clone()));
            }
            if let Some(cause) = env.meta.causation_id {
                *caused
                    .entry((cause, env.aggregate_type, env.event_type))
                    .or_default() += 1;
            }
        }
    }
}

/// Many concurrent writers through the API while the runner and the process
/// managers run: every committed event reaches each of them once, in order. On
/// PostgreSQL every fourth position is appended in slow motion (see the module
/// comment); on SQLite positions follow commit order.
async fn every_committed_event_once_in_position_order(b: Backend) {
    let app = TestApp::start(b).await;
    if b == Backend::Postgres {
        slow_appends(
            &app.app.db,
            "NEW.position % 3 = 0 OR NEW.event_type = 'OrderCancelled'",
            "CASE NEW.event_type WHEN 'OrderCancelled' THEN 0.08 ELSE 0.02 END",
        )
        .await;
    }
    let mut tails = vec![Tail::start(app.app.db.clone())];
    tails.extend(Tail::sharing(&app.app.db, 3));
    let app = Arc::new(app);
    let buyers = 40;
    let references = rush(&app, buyers).await;
    assert_eq!(references.len(), buyers);
    let head = app.settled().await;
    if b == Backend::Sqlite {
        assert_eq!(
            all_positions(&app.app.db).await,
            (1..=head).collect::<Vec<_>>(),
            "SQLite: one writer, no holes"
        );
    }
    let findings = check_readers(&app, tails, head).await;
    assert!(findings.is_empty(), "{findings:#?}");
    let facts = follow_ups(&app).await.0;
    assert_eq!(
        facts.len(),
        buyers,
        "every order was paid or cancelled once"
    );
    let references: BTreeSet<String> = references.into_iter().collect();
    assert_eq!(references.len(), buyers, "one order each");
    match Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("app still shared"),
    }
}

on_both_backends!(every_committed_event_once_in_position_order);

/// Inserts one event in `tx` (another writer, in plain SQL) and returns its position.
async fn insert_in(tx: &mut sqlx::PgConnection, stream: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
         VALUES ('test', $1, 1, 'Tested', '1', '{\"Tested\":{}}', '{}') RETURNING position",
    )
    .bind(stream)
    .fetch_one(tx)
    .await
    .expect("insert event")
}

/// Reads after `after` until something comes (at most 15 s: the snapshot bounds are
/// the whole server's, and other databases' transactions hold them back too).
async fn read_until_some(reader: &mut LogReader, after: i64) -> Vec<i64> {
    for _ in 0..3000 {
        let batch = reader.read_after(after, 100).await.expect("read");
        if !batch.events.is_empty() {
            return batch.events.iter().map(|e| e.position).collect();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    vec![]
}

/// A rolled-back hole is passed once every transaction that was open when the
/// reader first met it has ended, even while later transactions stay open (the
/// horizon is the one of the first sight, not moved on by each new look), and a
/// reader whose caller jumped past the gap it was waiting on is not stuck on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn holes_are_passed_on_the_horizon_of_their_first_sight() {
    if !common::postgres_available().await {
        return;
    }
    let (db, _, _, name) = common::fresh_db(Backend::Postgres).await;
    let Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let xid = "SELECT pg_current_xact_id()::text";
    let mut reader = LogReader::new(db.clone());
    // An open transaction, then a hole (rolled back) before a committed event.
    let mut old = pool.begin().await.expect("begin");
    sqlx::query(xid).execute(&mut *old).await.expect("xid");
    let mut aborted = pool.begin().await.expect("begin");
    let hole = insert_in(&mut aborted, "hole").await;
    aborted.rollback().await.expect("rollback");
    let mut tx = pool.begin().await.expect("begin");
    let after_hole = insert_in(&mut tx, "after-hole").await;
    tx.commit().await.expect("commit");
    let batch = reader.read_after(hole - 1, 100).await.expect("read");
    assert!(batch.events.is_empty() && batch.waiting_on_gap);
    // A transaction that starts after the first sight stays open throughout.
    let mut later = pool.begin().await.expect("begin");
    sqlx::query(xid).execute(&mut *later).await.expect("xid");
    // And a newer one ends, so the snapshots' xmax moves past the open one.
    let mut newer = pool.begin().await.expect("begin");
    sqlx::query(xid).execute(&mut *newer).await.expect("xid");
    newer.commit().await.expect("commit");
    let batch = reader.read_after(hole - 1, 100).await.expect("read");
    assert!(
        batch.events.is_empty(),
        "the old transaction may own the hole"
    );
    old.commit().await.expect("commit");
    assert_eq!(
        read_until_some(&mut reader, hole - 1).await,
        vec![after_hole],
        "passed once the transactions older than the first sight ended"
    );
    later.commit().await.expect("commit");

    // Waiting on a gap, the caller jumps past it (it reloaded a newer checkpoint)
    // to a hole of its own.
    let mut open = pool.begin().await.expect("begin");
    let gap = insert_in(&mut open, "late").await;
    let mut tx = pool.begin().await.expect("begin");
    let after_gap = insert_in(&mut tx, "after-late").await;
    tx.commit().await.expect("commit");
    let batch = reader.read_after(gap - 1, 100).await.expect("read");
    assert!(batch.events.is_empty() && batch.waiting_on_gap);
    open.commit().await.expect("commit");
    let mut aborted = pool.begin().await.expect("begin");
    let hole = insert_in(&mut aborted, "hole-2").await;
    aborted.rollback().await.expect("rollback");
    let mut tx = pool.begin().await.expect("begin");
    let last = insert_in(&mut tx, "last").await;
    tx.commit().await.expect("commit");
    assert!(gap < after_gap && after_gap < hole && hole < last);
    assert_eq!(read_until_some(&mut reader, after_gap).await, vec![last]);
    pool.close().await;
    common::drop_postgres(&name.unwrap_or_default()).await;
}

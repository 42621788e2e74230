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
use tessera_aggregates::activity::{Activity, ActivityCommand, ActivityDetails};
use tessera_aggregates::natural_id;
use tessera_projections::EventMeta;
use support::{all_positions, slow_appends};
use tessera_replay::{Db, LogReader};
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
        let until = Arc::new(AtomicI64::new(i64::MAX));
        let stop = until.clone();
        let task = tokio::spawn(async move {
            let mut reader = LogReader::new(db);
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

/// Every committed event exactly once, in position order.
fn assert_exactly_the_log(seen: &[i64], log: &[i64], who: &str) {
    let missing: BTreeSet<i64> = log
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .difference(&seen.iter().copied().collect())
        .copied()
        .collect();
    assert!(
        missing.is_empty(),
        "{who} skipped committed events at positions {missing:?}"
    );
    assert_eq!(seen, log, "{who}: every event once, in position order");
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

/// The race in slow motion, through the command bus: an append draws its position,
/// a later one commits meanwhile, then the first takes a while to commit. The
/// tailing reader, the projection runner and the process managers all get it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_append_that_commits_after_a_later_position_is_never_skipped() {
    let app = TestApp::start(Backend::Postgres).await;
    slow_appends(&app.app.db, "NEW.metadata->>'request_id' = 'slow'", 0.4).await;
    let tail = Tail::start(app.app.db.clone());
    let slow = {
        let bus = app.app.bus.clone();
        tokio::spawn(async move {
            let meta = EventMeta {
                request_id: Some("slow".into()),
                ..Default::default()
            };
            let id = natural_id("activity", "slow").to_string();
            bus.send::<Activity>(&id, activity("slow"), &meta).await
        })
    };
    // The slow append has drawn its position and sleeps before its row exists.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let id = natural_id("activity", "fast").to_string();
    let fast = app
        .app
        .bus
        .send::<Activity>(&id, activity("fast"), &EventMeta::default())
        .await
        .expect("fast append")
        .position
        .expect("fast position");
    let slow = slow
        .await
        .expect("slow task")
        .expect("slow append")
        .position
        .expect("slow position");
    assert!(
        slow < fast,
        "the slow append drew its position first ({slow} vs {fast}): the race happened"
    );
    let head = app.settled().await;
    let seen = tail.seen_up_to(head).await;
    assert_exactly_the_log(&seen, &all_positions(&app.app.db).await, "the tailing reader");
    // The runner reaches the head and its views equal a rebuild from zero.
    app.finish().await;
}

/// Buyers sign up, check out and get paid for, all at once, through the HTTP API
/// (the hot conference ledger appends several events per statement).
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
            let r = app
                .post(&format!(
                    "/api/v1/conferences/{CONF}/orders/{reference}/payments"
                ))
                .as_user(&admin)
                .json(json!({ "method": "manual", "amount": "50.00" }))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
            assert_eq!(r.body["status"], "paid", "{}", r.text);
            reference
        }));
    }
    let mut references = vec![];
    for t in tasks {
        references.push(t.await.expect("buyer"));
    }
    references
}

/// Positions of the events whose metadata names `cause` as their causation, by
/// (aggregate type, event type).
async fn follow_ups(app: &TestApp) -> HashMap<(String, String, String), usize> {
    let mut reader = LogReader::without_gap_protection(app.app.db.clone());
    let (mut after, mut out) = (0, HashMap::new());
    loop {
        let batch = reader.read_after(after, 1000).await.expect("read log");
        if batch.events.is_empty() {
            return out;
        }
        for raw in batch.events {
            after = raw.position;
            let env = raw.into_envelope().expect("decode");
            if let Some(cause) = env.meta.causation_id {
                *out.entry((cause, env.aggregate_type, env.event_type))
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
        slow_appends(&app.app.db, "NEW.position % 4 = 0", 0.02).await;
    }
    let tail = Tail::start(app.app.db.clone());
    let app = Arc::new(app);
    let buyers = 40;
    let references = rush(&app, buyers).await;
    assert_eq!(references.len(), buyers);
    let head = app.settled().await;
    let log = all_positions(&app.app.db).await;
    assert_eq!(log.last().copied(), Some(head));
    if b == Backend::Sqlite {
        assert_eq!(
            log,
            (1..=head).collect::<Vec<_>>(),
            "SQLite: one writer, no holes"
        );
    }
    assert_exactly_the_log(&tail.seen_up_to(head).await, &log, "the tailing reader");

    // The process managers reacted to every payment exactly once: each `OrderPaid`
    // caused one converted hold and one registered attendee.
    let paid: Vec<String> = {
        let mut reader = LogReader::new(app.app.db.clone());
        let batch = reader.read_after(0, 100_000).await.expect("read log");
        batch
            .events
            .iter()
            .filter(|e| e.aggregate_type == "order" && e.event_type == "OrderPaid")
            .map(|e| e.position.to_string())
            .collect()
    };
    assert_eq!(paid.len(), buyers, "every order was paid once");
    let caused = follow_ups(&app).await;
    for cause in &paid {
        for (aggregate, event) in [
            ("inventory", "HoldConverted"),
            ("attendee", "AttendeeRegistered"),
        ] {
            let n = caused
                .get(&(cause.clone(), aggregate.into(), event.into()))
                .copied()
                .unwrap_or(0);
            assert_eq!(
                n, 1,
                "the process managers saw OrderPaid at {cause}: one {event}"
            );
        }
    }
    let references: BTreeSet<String> = references.into_iter().collect();
    assert_eq!(references.len(), buyers, "one order each");
    match Arc::try_unwrap(app) {
        // The runner reached the head; its views equal a rebuild; replay verify.
        Ok(app) => app.finish().await,
        Err(_) => panic!("app still shared"),
    }
}

on_both_backends!(every_committed_event_once_in_position_order);

//! A panic never wedges an aggregate, every command answers within its deadline,
//! `/readyz` names a stuck aggregate, amounts never overflow and money balances:
//! on SQLite and PostgreSQL.
//!
//! The command bus is exercised with `Flaky`, an aggregate of this test whose
//! decisions can be slow or panic; the rest goes through the real router.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use common::{Backend, TestApp, User, fresh_db};
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera::bus::{BusError, CommandBus};
use tessera::config::Config;
use tessera::http::error::ApiError;
use tessera::server::SystemClock;
use tessera_aggregates::cart::Cart;
use tessera_aggregates::{DomainServices, StreamId};
use tessera_projections::EventMeta;
use tessera_replay::Db;

// ---- a test aggregate whose decisions misbehave on demand ----------------------

#[derive(Debug, Clone)]
enum FlakyCommand {
    Inc,
    /// Increments after `ms` milliseconds.
    SlowInc(u64),
    Panic,
    /// Panics after `ms` milliseconds, when others have queued behind it.
    SlowPanic(u64),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum FlakyEvent {
    Incremented,
}

impl DomainEvent for FlakyEvent {
    fn event_type(&self) -> String {
        "Incremented".into()
    }
    fn event_version(&self) -> String {
        "1".into()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("never refused")]
struct FlakyError;

impl tessera::refusal::Failure for FlakyError {
    fn code(&self) -> &'static str {
        "flaky.never"
    }
    fn kind(&self) -> tessera::refusal::Kind {
        tessera::refusal::Kind::Refused
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Flaky {
    count: u32,
}

impl Aggregate for Flaky {
    const TYPE: &'static str = "flaky";
    type Command = FlakyCommand;
    type Event = FlakyEvent;
    type Error = FlakyError;
    type Services = DomainServices;

    async fn handle(
        &mut self,
        command: FlakyCommand,
        _: &DomainServices,
        sink: &EventSink<Self>,
    ) -> Result<(), FlakyError> {
        match command {
            FlakyCommand::Inc => {}
            FlakyCommand::SlowInc(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            FlakyCommand::Panic => panic!("decide panicked on purpose"),
            FlakyCommand::SlowPanic(ms) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                panic!("decide panicked on purpose, late");
            }
        }
        sink.write(FlakyEvent::Incremented, self).await;
        Ok(())
    }

    fn apply(&mut self, event: FlakyEvent) {
        match event {
            FlakyEvent::Incremented => self.count += 1,
        }
    }
}

fn bus(db: &tessera_replay::Db, deadline: Duration) -> Arc<CommandBus> {
    Arc::new(
        CommandBus::new(db.clone(), DomainServices::new(Arc::new(SystemClock)), None)
            .with_deadline(deadline),
    )
}

type Outcome = Result<tessera::bus::Sent, BusError<FlakyError>>;

/// Sends `command` from a task of its own (as a request handler would).
fn spawn_send(
    bus: &Arc<CommandBus>,
    id: &str,
    command: FlakyCommand,
) -> tokio::task::JoinHandle<Outcome> {
    let (bus, id) = (bus.clone(), id.to_string());
    tokio::spawn(async move {
        bus.send(
            &StreamId::<Flaky>::named(id),
            command,
            &EventMeta::default(),
        )
        .await
    })
}

/// Every outcome, failing (not hanging) when one does not come within 5 s.
async fn answers(tasks: Vec<tokio::task::JoinHandle<Outcome>>) -> Vec<Outcome> {
    let mut out = vec![];
    for t in tasks {
        let answered = tokio::time::timeout(Duration::from_secs(5), t)
            .await
            .expect("every command is answered: the queue is not wedged");
        out.push(answered.expect("task"));
    }
    out
}

async fn count(bus: &CommandBus, id: &str) -> u32 {
    // A fresh bus reads the stream itself: what is stored, not what is cached.
    let stored = CommandBus::new(
        bus.db().clone(),
        DomainServices::new(Arc::new(SystemClock)),
        None,
    )
    .inspect(&StreamId::<Flaky>::named(id), |f| f.count)
    .await
    .expect("stored count");
    let cached = bus
        .inspect(&StreamId::<Flaky>::named(id), |f| f.count)
        .await
        .expect("count");
    assert_eq!(cached, stored, "the cache agrees with the store");
    stored
}

fn panicked(outcome: &Outcome) -> bool {
    matches!(outcome, Err(BusError::Store(why)) if why.contains("panicked"))
}

async fn cleanup(db: tessera_replay::Db, pg: Option<String>) {
    if let (tessera_replay::Db::Postgres(pool), Some(name)) = (&db, pg) {
        pool.close().await;
        common::drop_postgres(&name).await;
    }
}

/// A decision that panics is answered with an internal error; its aggregate's
/// cached state is dropped; the next command on it, and the commands queued
/// behind the panicking one (alone or in the middle of a batch), all run.
async fn a_panicking_decision_never_wedges_its_aggregate(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let bus = bus(&db, Duration::from_secs(5));
    let id = "flaky-1";
    let sent = bus
        .send(
            &StreamId::<Flaky>::named(id),
            FlakyCommand::Inc,
            &EventMeta::default(),
        )
        .await;
    assert!(sent.is_ok(), "{sent:?}");

    let outcome = answers(vec![spawn_send(&bus, id, FlakyCommand::Panic)]).await;
    assert!(panicked(&outcome[0]), "{outcome:?}");
    let next = answers(vec![spawn_send(&bus, id, FlakyCommand::Inc)]).await;
    assert!(matches!(next[0], Ok(s) if s.position.is_some()), "{next:?}");
    assert_eq!(count(&bus, id).await, 2);

    // A leader that panics late, with three commands queued behind it.
    let mut tasks = vec![spawn_send(&bus, id, FlakyCommand::SlowPanic(200))];
    tokio::time::sleep(Duration::from_millis(50)).await;
    tasks.extend((0..3).map(|_| spawn_send(&bus, id, FlakyCommand::Inc)));
    let outcomes = answers(tasks).await;
    assert!(panicked(&outcomes[0]), "{outcomes:?}");
    assert!(outcomes[1..].iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(count(&bus, id).await, 5);

    // A panic in the middle of a batch: the others are decided again and land.
    let mut tasks = vec![spawn_send(&bus, id, FlakyCommand::SlowInc(200))];
    tokio::time::sleep(Duration::from_millis(50)).await;
    tasks.push(spawn_send(&bus, id, FlakyCommand::Inc));
    tasks.push(spawn_send(&bus, id, FlakyCommand::Panic));
    tasks.push(spawn_send(&bus, id, FlakyCommand::Inc));
    let outcomes = answers(tasks).await;
    assert!(outcomes[0].is_ok(), "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| panicked(o)).count(), 1);
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 3);
    assert_eq!(count(&bus, id).await, 8);
    cleanup(db, pg).await;
}

/// A leader whose caller goes away (a client disconnect cancels its handler) in
/// the middle of its batch: its command still completes, and the commands queued
/// behind it are run and answered.
async fn a_cancelled_leader_strands_nobody(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let bus = bus(&db, Duration::from_secs(5));
    let id = "flaky-2";
    let leader = spawn_send(&bus, id, FlakyCommand::SlowInc(300));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let followers: Vec<_> = (0..3)
        .map(|_| spawn_send(&bus, id, FlakyCommand::Inc))
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    leader.abort();
    let outcomes = answers(followers).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(
        count(&bus, id).await,
        4,
        "the cancelled caller's command completed"
    );
    let later = answers(vec![spawn_send(&bus, id, FlakyCommand::Inc)]).await;
    assert!(later[0].is_ok(), "{later:?}");
    cleanup(db, pg).await;
}

/// Past its deadline a caller is answered `Deadline` (503); a command still
/// queued then never runs; the queue shows as stuck meanwhile and not after.
async fn every_command_answers_within_its_deadline(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let bus = bus(&db, Duration::from_millis(300));
    let id = "flaky-3";
    let started = Instant::now();
    let slow = spawn_send(&bus, id, FlakyCommand::SlowInc(1200));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let queued = spawn_send(&bus, id, FlakyCommand::Inc);
    let outcomes = answers(vec![slow, queued]).await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Err(BusError::Deadline(_)))),
        "{outcomes:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1000));
    let stuck = bus.stuck(bus.deadline());
    assert_eq!(stuck.len(), 1, "{stuck:?}");
    assert_eq!(
        (stuck[0].aggregate_type, stuck[0].aggregate_id.as_str()),
        ("flaky", id)
    );

    tokio::time::sleep(Duration::from_millis(1400)).await;
    assert!(bus.stuck(bus.deadline()).is_empty());
    // The slow one had started and completed; the queued one never ran.
    assert_eq!(count(&bus, id).await, 1);
    let later = answers(vec![spawn_send(&bus, id, FlakyCommand::Inc)]).await;
    assert!(later[0].is_ok(), "{later:?}");
    assert_eq!(count(&bus, id).await, 2);
    cleanup(db, pg).await;
}

// ---- through the router ---------------------------------------------------------

const CONF: &str = "pycon-us-2027";

async fn world(b: Backend, config: Config) -> (TestApp, User) {
    let app = TestApp::start_with(b, config).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    (app, admin)
}

/// The deadline answer is a problem document with a stable code and Retry-After.
#[test]
fn a_missed_deadline_is_a_503_to_retry() {
    let e = ApiError::from(BusError::<FlakyError>::Deadline(Duration::from_secs(10)));
    let response = e.into_response();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(header("retry-after").as_deref(), Some("1"));
    assert_eq!(
        header("content-type").as_deref(),
        Some("application/problem+json")
    );
}

/// A request whose command waits past the deadline (its aggregate is held by a
/// slow read) gets 503 `command.deadline_exceeded` with Retry-After, changes
/// nothing, and `/readyz` names the aggregate until it is free again.
async fn a_busy_aggregate_answers_503_and_readyz_names_it(b: Backend) {
    let config = Config {
        command_deadline_ms: 400,
        ..Default::default()
    };
    let (app, admin) = world(b, config).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00" }),
    )
    .await;
    let ana = app.user("ana").await;
    let user: uuid::Uuid = ana.id.parse().expect("user id");
    let cart = Cart::stream_id(tessera::app::conference_id(CONF), user).to_string();

    // Something holds ana's cart until the test lets go (not for a fixed time: a
    // loaded machine may oversleep any interval); the request goes out once it does.
    let (bus, held) = (app.app.bus.clone(), cart.clone());
    let holding = Arc::new(AtomicBool::new(false));
    let signal = holding.clone();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let blocker = tokio::spawn(async move {
        bus.inspect(&Cart::stream(held), move |_| {
            signal.store(true, Ordering::SeqCst);
            // Bounded, so a failing test cannot hang the run. In place: a worker
            // blocked outright may hold the runtime's timers (the test's own
            // sleeps would then wait for the release).
            tokio::task::block_in_place(|| {
                let _ = released.recv_timeout(Duration::from_secs(30));
            });
        })
        .await
        .is_ok()
    });
    while !holding.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let started = Instant::now();
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/cart"))
        .as_user(&ana)
        .send()
        .await;
    // The cart is still held: only the deadline can have answered.
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "after {:?}: {}",
        started.elapsed(),
        r.text
    );
    assert_eq!(r.code(), "command.deadline_exceeded", "{}", r.text);
    assert_eq!(
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );

    let ready = app.get("/readyz").send().await;
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        ready.text
    );
    assert_eq!(
        ready.body["stuck"][0]["aggregate_type"], "cart",
        "{}",
        ready.text
    );
    assert_eq!(ready.body["stuck"][0]["aggregate_id"], cart.as_str());

    release.send(()).expect("the blocker is waiting");
    assert!(blocker.await.expect("blocker"));
    // Once the cart is free its queue drains (the late command never starts) and
    // `/readyz` is OK again; polled, as a loaded machine may take a while.
    let mut ready = app.get("/readyz").send().await;
    for _ in 0..200 {
        if ready.status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        ready = app.get("/readyz").send().await;
    }
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    // The command that missed its deadline never ran: no cart was opened.
    let opened = app
        .count_events(|e| e.aggregate_type == "cart" && e.aggregate_id == cart)
        .await;
    assert_eq!(opened, 0);
    let r = app.buy(&ana, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.finish().await;
}

/// CAT-1: a price beyond decimal(10, 2) (the one that used to overflow pricing) is
/// refused with 422 and changes nothing; a cart line is bounded in units too; the
/// conference keeps selling.
async fn cat_1_an_overflowing_price_is_refused_and_sales_go_on(b: Backend) {
    let (app, admin) = world(b, Config::default()).await;
    let path = format!("/api/v1/conferences/{CONF}/ticket-types");
    // The edge refuses what is no plain money amount at all; the Inventory refuses a
    // price beyond decimal(10, 2).
    for (price, code) in [
        ("79228162514264337593543950335", "request.invalid_field"),
        ("100000000.00", "inventory.invalid_price"),
    ] {
        let r = app
            .post(&path)
            .as_user(&admin)
            .json(json!({ "slug": "gold", "name": "Gold", "price": price }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.code(), code, "{}", r.text);
    }
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "max", "name": "Max", "price": "99999999.99" }),
    )
    .await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00" }),
    )
    .await;
    let listed = app.get(&path).send().await;
    assert!(!listed.text.contains("\"gold\""), "{}", listed.text);

    let ana = app.user("ana").await;
    let add = |slug: &str, quantity: i64| {
        app.post(&format!("/api/v1/conferences/{CONF}/cart/items"))
            .as_user(&ana)
            .json(json!({ "ticket_type": slug, "quantity": quantity }))
    };
    let r = add("max", 10_001).send().await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "cart.quantity_too_high", "{}", r.text);
    let r = add("max", 2).send().await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(r.body["summary"]["total"], "199999999.98", "{}", r.text);
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/checkout"))
        .as_user(&ana)
        .json(json!({ "billing_name": "Ana", "billing_email": ana.email }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let bo = app.user("bo").await;
    let r = app.buy(&bo, CONF, "individual", 2).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.finish().await;
}

/// PAY-13 (refusing over-payments): a manual payment above the balance is 422 with
/// a stable code and changes nothing; the balance never goes negative.
async fn pay_13_a_manual_payment_above_the_balance_is_refused(b: Backend) {
    let (app, admin) = world(b, Config::default()).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "125.00" }),
    )
    .await;
    let finance = app.user("fin").await;
    app.grant(&admin, CONF, &finance, "finance").await;
    let ana = app.user("ana").await;
    let r = app.buy(&ana, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let pay = |amount: &str| {
        app.post(&format!(
            "/api/v1/conferences/{CONF}/orders/{reference}/payments"
        ))
        .as_user(&finance)
        .json(json!({ "method": "manual", "amount": amount }))
    };
    let r = pay("1000.00").send().await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "order.manual_exceeds_balance", "{}", r.text);
    assert!(
        r.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("125.00") && d.contains("refused")),
        "{}",
        r.text
    );
    let r = pay("100.00").send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = pay("25.01").send().await;
    assert_eq!(r.code(), "order.manual_exceeds_balance", "{}", r.text);
    let r = pay("25.00").send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "paid", "{}", r.text);
    assert_eq!(r.body["balance"], "0.00", "{}", r.text);
    app.finish().await;
}

/// A projection write that fails (here a trigger refuses every row for a while)
/// leaves the runner's folds ahead of what is stored; it must reload, not fold
/// the batch again: once writes succeed, every read model matches a rebuild
/// from the log (`finish` verifies), with each cart item counted once.
async fn a_failed_projection_write_is_folded_once(b: Backend) {
    let (app, admin) = world(b, Config::default()).await;
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/ticket-types"))
        .as_user(&admin)
        .json(json!({ "slug": "standard", "name": "Standard", "price": "10.00", "total_quantity": 100 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ana = app.user("ana").await;
    let add = |quantity: u32| {
        app.post(&format!("/api/v1/conferences/{CONF}/cart/items"))
            .as_user(&ana)
            .json(json!({ "ticket_type": "standard", "quantity": quantity }))
    };
    let r = add(1).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.settled().await;

    let arm = [
        "CREATE TABLE test_refuse_rows (x integer)",
        "INSERT INTO test_refuse_rows VALUES (1)",
    ];
    let trigger = match &app.app.db {
        Db::Postgres(_) => vec![
            "CREATE FUNCTION test_refuse_rows() RETURNS trigger LANGUAGE plpgsql AS $f$ \
             BEGIN IF EXISTS (SELECT 1 FROM test_refuse_rows) THEN \
             RAISE EXCEPTION 'projection writes refused by the test'; END IF; RETURN NEW; END $f$",
            "CREATE TRIGGER test_refuse_rows BEFORE INSERT OR UPDATE ON projection_rows \
             FOR EACH ROW EXECUTE FUNCTION test_refuse_rows()",
        ],
        Db::Sqlite(_) => vec![
            "CREATE TRIGGER test_refuse_inserts BEFORE INSERT ON projection_rows \
             WHEN EXISTS (SELECT 1 FROM test_refuse_rows) \
             BEGIN SELECT RAISE(ABORT, 'projection writes refused by the test'); END",
            "CREATE TRIGGER test_refuse_updates BEFORE UPDATE ON projection_rows \
             WHEN EXISTS (SELECT 1 FROM test_refuse_rows) \
             BEGIN SELECT RAISE(ABORT, 'projection writes refused by the test'); END",
        ],
    };
    for sql in arm.iter().chain(trigger.iter()) {
        raw(&app.app.db, sql).await;
    }
    let before = app.app.runner.position();
    let mut last = None;
    for quantity in [2, 3] {
        let r = add(quantity).send().await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        last = Some(r);
    }
    let Some(last) = last else { return };
    // The runner tries (and fails) at least twice: its retry follows 500 ms on.
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_eq!(
        app.app.runner.position(),
        before,
        "no batch was stored while the writes were refused"
    );
    raw(&app.app.db, "DELETE FROM test_refuse_rows").await;
    let head = app.settled().await;
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/cart"))
        .as_user(&ana)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The cart page (read model) shows what the last command answered.
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text
    );
    assert_eq!(
        r.body["items"][0]["quantity"], last.body["items"][0]["quantity"],
        "{} / {}",
        r.text, last.text
    );
    app.finish().await;
}

async fn raw(db: &Db, sql: &str) {
    match db {
        Db::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        Db::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

on_both_backends!(
    a_failed_projection_write_is_folded_once,
    a_panicking_decision_never_wedges_its_aggregate,
    a_cancelled_leader_strands_nobody,
    every_command_answers_within_its_deadline,
    a_busy_aggregate_answers_503_and_readyz_names_it,
    cat_1_an_overflowing_price_is_refused_and_sales_go_on,
    pay_13_a_manual_payment_above_the_balance_is_refused,
);

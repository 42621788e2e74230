//! Invariants that rest on one line of SQL: each test here fails when that line is
//! gone.
//!
//! - The inventory hold and voucher uses (CAT-2, DISC-5) across service instances:
//!   each instance decides on its cached ledger, and only the events table's key
//!   on (aggregate, sequence) turns the loser's append into a conflict to retry.
//! - The `Idempotency-Key` claim: one `INSERT … ON CONFLICT DO NOTHING`, so a key
//!   runs one request however many arrive at once, and an in-flight claim is never
//!   taken for abandoned before its lease ends.
//! - The projection checkpoint guard: a checkpoint moves only from the position the
//!   runner last stored, so a runner that fell behind another never writes its
//!   older rows over newer ones or moves a checkpoint back; and a checkpoint a
//!   busy runner left behind (its projection unchanged) is folded past again
//!   without changing a row.

mod common;
mod support;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{Backend, TestApp, User, fresh_db};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use support::slow_appends;
use tessera::app::AppState;
use tessera::bus::CommandBus;
use tessera::server::SystemClock;
use tessera_aggregates::activity::{Activity, ActivityCommand, ActivityDetails};
use tessera_aggregates::{Clock, DomainServices, natural_id};
use tessera_projections::EventMeta;
use tessera_replay::storage::{self, Status};
use tessera_replay::{Db, Runner};
use tower::ServiceExt;

const CONF: &str = "pycon-us-2027";

/// A service instance: the real router over an app state of its own (its own
/// pool, caches, command bus, projection runner and process managers).
#[derive(Clone)]
struct Instance {
    state: AppState,
    router: Router,
}

impl Instance {
    fn of(app: &TestApp) -> Self {
        Self {
            state: app.app.clone(),
            router: app.router.clone(),
        }
    }

    /// A second instance on `app`'s database, as a scaled-out deployment runs it.
    async fn beside(app: &TestApp) -> Self {
        let db = tessera::server::open_db(&app.url)
            .await
            .expect("second pool");
        let state =
            tessera::server::build_app(db, app.app.config.clone(), Arc::new(app.clock.clone()))
                .await
                .expect("second instance starts");
        let router = tessera::http::router(state.clone());
        Self { state, router }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        user: &User,
        body: Value,
    ) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {}", user.token))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router never fails");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn add_to_cart(&self, user: &User, ticket: &str) {
        let (status, body) = self
            .send(
                Method::POST,
                &format!("/api/v1/conferences/{CONF}/cart/items"),
                user,
                json!({ "ticket_type": ticket, "quantity": 1 }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "cart: {body}");
    }

    async fn apply_voucher(&self, user: &User, code: &str) {
        let (status, body) = self
            .send(
                Method::PUT,
                &format!("/api/v1/conferences/{CONF}/cart/voucher"),
                user,
                json!({ "code": code }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "voucher: {body}");
    }

    async fn checkout(&self, user: &User) -> (StatusCode, Value) {
        self.send(
            Method::POST,
            &format!("/api/v1/conferences/{CONF}/checkout"),
            user,
            json!({}),
        )
        .await
    }

    /// Stops this instance's database work (its background tasks fail from now on).
    async fn close(&self) {
        match &self.state.db {
            Db::Postgres(p) => p.close().await,
            Db::Sqlite(p) => p.close().await,
        }
    }
}

async fn shop(b: Backend) -> (TestApp, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    (app, admin)
}

async fn users(app: &TestApp, prefix: &str, n: usize) -> Vec<User> {
    let mut out = vec![];
    for i in 0..n {
        out.push(app.user(&format!("{prefix}{i}")).await);
    }
    out
}

/// Checks `buyers` out at once, alternating between the instances: how many got
/// their order. Every other answer must be the rule's refusal, never a failure.
async fn rush(instances: &[Instance; 2], buyers: Vec<User>, refusal: &str) -> usize {
    let mut tasks = vec![];
    for (i, u) in buyers.into_iter().enumerate() {
        let instance = instances[i % 2].clone();
        tasks.push(tokio::spawn(async move { instance.checkout(&u).await }));
    }
    let mut placed = 0;
    for t in tasks {
        let (status, body) = t.await.expect("checkout task");
        match status {
            StatusCode::CREATED => placed += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(body["code"], refusal, "{body}")
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    placed
}

async fn finish(app: TestApp, two: Instance) {
    two.close().await;
    app.finish().await;
}

/// CAT-2 across two instances. First in slow motion: instance two has the ledger
/// cached when instance one sells the last ticket, so two decides on stale state
/// and only the append's key refuses it; then a rush on both at once.
async fn cat_2_the_last_ticket_is_sold_once_across_instances(b: Backend) {
    let (app, admin) = shop(b).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "last", "name": "Last", "price": "50", "total_quantity": 1 }),
    )
    .await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "rush", "name": "Rush", "price": "50", "total_quantity": 5 }),
    )
    .await;
    let one = Instance::of(&app);
    let two = Instance::beside(&app).await;
    let (ana, bo) = (app.user("ana").await, app.user("bo").await);
    two.add_to_cart(&bo, "last").await;
    one.add_to_cart(&ana, "last").await;
    let (status, body) = one.checkout(&ana).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = two.checkout(&bo).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the last ticket is sold once: {body}"
    );
    assert_eq!(body["code"], "inventory.ticket_unavailable", "{body}");

    let buyers = users(&app, "buyer", 24).await;
    let instances = [one, two.clone()];
    for (i, u) in buyers.iter().enumerate() {
        instances[i % 2].add_to_cart(u, "rush").await;
    }
    let placed = rush(&instances, buyers, "inventory.ticket_unavailable").await;
    assert_eq!(placed, 5, "exactly the stock, never more");
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/inventory"))
        .as_user(&admin)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for product in r.body["products"].as_array().cloned().unwrap_or_default() {
        assert_eq!(product["remaining"], 0, "{product}");
    }
    finish(app, two).await;
}

/// DISC-5 across two instances: a voucher with one use is used once, however the
/// checkouts are spread over the instances.
async fn disc_5_a_voucher_use_is_granted_once_across_instances(b: Backend) {
    let (app, admin) = shop(b).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100" }),
    )
    .await;
    for (code, uses) in [("ONCE", 1), ("TWICE", 2)] {
        let r = app
            .post(&format!("/api/v1/conferences/{CONF}/vouchers"))
            .as_user(&admin)
            .json(json!({ "code": code, "kind": "percentage", "value": "20", "max_uses": uses }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let one = Instance::of(&app);
    let two = Instance::beside(&app).await;
    let (ana, bo) = (app.user("ana").await, app.user("bo").await);
    for (instance, user) in [(&two, &bo), (&one, &ana)] {
        instance.add_to_cart(user, "individual").await;
        instance.apply_voucher(user, "ONCE").await;
    }
    let (status, body) = one.checkout(&ana).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["total"], "80.00", "{body}");
    let (status, body) = two.checkout(&bo).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "ONCE is used once: {body}"
    );

    let buyers = users(&app, "early", 20).await;
    let instances = [one, two.clone()];
    for (i, u) in buyers.iter().enumerate() {
        instances[i % 2].add_to_cart(u, "individual").await;
        instances[i % 2].apply_voucher(u, "TWICE").await;
    }
    let refusal = body["code"].as_str().unwrap_or_default().to_string();
    let placed = rush(&instances, buyers, &refusal).await;
    assert_eq!(placed, 2, "TWICE is used twice, never more");
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/vouchers"))
        .as_user(&admin)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut uses: Vec<(String, Value)> = r.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|v| {
            (
                v["voucher"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                v["voucher"]["uses"].clone(),
            )
        })
        .collect();
    uses.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        uses,
        vec![("ONCE".into(), json!(1)), ("TWICE".into(), json!(2))]
    );
    finish(app, two).await;
}

/// One `Idempotency-Key` sent many times at once runs one request: the others are
/// told it is in flight, or get its stored response. On PostgreSQL the first
/// request is held in flight (its append sleeps) while the others arrive.
async fn an_idempotency_key_runs_one_request_at_a_time(b: Backend) {
    // Sign-up and log-in are never kept for replay (their answers hold a token): the
    // guard is shown on creating a series, an answer that is kept.
    let app = Arc::new(TestApp::start(b).await);
    let admin = app.admin().await;
    if b == Backend::Postgres {
        slow_appends(&app.app.db, "NEW.metadata->>'request_id' = 'first'", "0.5").await;
    }
    let body = json!({ "slug": "pycon-us", "name": "PyCon US" });
    let create_series = |request_id: &'static str| {
        let (app, body, admin) = (app.clone(), body.clone(), admin.clone());
        tokio::spawn(async move {
            app.post("/api/v1/series")
                .as_user(&admin)
                .header("idempotency-key", "same")
                .header("x-request-id", request_id)
                .json(body)
                .send()
                .await
        })
    };
    let first = create_series("first");
    if b == Backend::Postgres {
        // The first request has claimed the key and is held in its append.
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let others: Vec<_> = (0..10).map(|_| create_series("other")).collect();
    let mut answers = vec![first.await.expect("first")];
    for other in others {
        answers.push(other.await.expect("other"));
    }
    // Exactly one request ran (on PostgreSQL, the first); the others were told it
    // is in flight or got its stored response.
    let (ran, rest): (Vec<_>, Vec<_>) = answers.into_iter().partition(|r| {
        r.status == StatusCode::CREATED && !r.headers.contains_key("idempotent-replayed")
    });
    assert_eq!(
        ran.len(),
        1,
        "one run: {:?}",
        ran.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    let first = &ran[0];
    if b == Backend::Postgres {
        assert_eq!(
            first
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok()),
            Some("first")
        );
    }
    for r in rest {
        match r.status {
            StatusCode::CONFLICT => assert_eq!(r.code(), "idempotency.in_flight", "{}", r.text),
            StatusCode::CREATED => assert_eq!(r.text, first.text, "the stored response"),
            other => panic!("a second run or a failure: {other} {}", r.text),
        }
    }
    let replay = app
        .post("/api/v1/series")
        .as_user(&admin)
        .header("idempotency-key", "same")
        .json(body)
        .send()
        .await;
    assert_eq!(replay.status, StatusCode::CREATED, "{}", replay.text);
    assert_eq!(replay.text, first.text);
    let created = app
        .count_events(|e| e.aggregate_type == "series" && e.event_type == "SeriesCreated")
        .await;
    assert_eq!(created, 1, "the request ran once");
    match Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("app still shared"),
    }
}

/// A completed response stays the key's answer after the in-flight lease: only an
/// unanswered claim counts as abandoned.
async fn a_completed_idempotent_response_outlives_the_lease(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let body = json!({ "slug": "pyladiescon", "name": "PyLadiesCon" });
    let send = || {
        app.post("/api/v1/series")
            .as_user(&admin)
            .header("idempotency-key", "old")
            .json(body.clone())
            .send()
    };
    let first = send().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    // Older than any in-flight lease, younger than the records' 24-hour lifetime.
    let two_hours_ago = (app.clock.now() - chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let age = format!("UPDATE idempotency_keys SET created_at = '{two_hours_ago}'");
    let age = age.as_str();
    match &app.app.db {
        Db::Postgres(p) => sqlx::query(age).execute(p).await.map(|_| ()),
        Db::Sqlite(p) => sqlx::query(age).execute(p).await.map(|_| ()),
    }
    .expect("age the key");
    let again = send().await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.text, first.text, "the stored response, not a new run");
    assert!(again.headers.get("idempotent-replayed").is_some());
    app.finish().await;
}

fn create(slug: &str) -> ActivityCommand {
    ActivityCommand::Create {
        conference_id: natural_id("conference", "guards"),
        slug: slug.into(),
        details: ActivityDetails {
            name: slug.into(),
            max_participants: Some(5),
            is_active: true,
            ..Default::default()
        },
    }
}

/// Creates the test activity `slug` through `bus`.
async fn create_activity(bus: &CommandBus, slug: &str) {
    let stream = Activity::stream(natural_id("activity", slug).to_string());
    bus.send(&stream, create(slug), &EventMeta::default())
        .await
        .unwrap_or_else(|e| panic!("create {slug}: {e}"));
}

/// A command bus on a fresh database of its own (no service around it).
async fn bus_on_fresh_db(
    b: Backend,
) -> (Db, CommandBus, Option<tempfile::TempDir>, Option<String>) {
    let (db, _, dir, pg) = fresh_db(b).await;
    let bus = CommandBus::new(db.clone(), DomainServices::new(Arc::new(SystemClock)), None);
    (db, bus, dir, pg)
}

/// Closes a database of [`bus_on_fresh_db`] and drops it (PostgreSQL).
async fn drop_fresh_db(db: &Db, pg: Option<String>) {
    if let (Db::Postgres(pool), Some(name)) = (db, pg) {
        pool.close().await;
        common::drop_postgres(&name).await;
    }
}

/// Two runners on one database, one behind the other (as after a pause or on
/// another instance): the one behind neither moves a checkpoint back nor writes its
/// older rows; it reloads what is stored and carries on from there.
async fn a_runner_behind_another_never_moves_a_checkpoint_back(b: Backend) {
    let (db, bus, _dir, pg) = bus_on_fresh_db(b).await;
    let meta = EventMeta::default();
    let id = |slug: &str| natural_id("activity", slug).to_string();
    create_activity(&bus, "a").await;
    create_activity(&bus, "b").await;
    let mut ahead = Runner::load(db.clone()).await.expect("runner ahead");
    let mut behind = Runner::load(db.clone())
        .await
        .expect("runner behind")
        .with_batch(2);
    let signup = ActivityCommand::SignUp {
        user: natural_id("user", "ana"),
        note: String::new(),
    };
    bus.send(&Activity::stream(id("a")), signup, &meta)
        .await
        .expect("signup");
    let head = bus
        .send(&Activity::stream(id("c")), create("c"), &meta)
        .await
        .expect("create c")
        .position
        .expect("position");
    ahead.catch_up().await.expect("ahead catches up");
    assert_eq!(ahead.position(), head);
    // Behind folds the first two events onto its empty views and tries to store them.
    let (folded, _) = behind.step().await.expect("behind steps");
    let live: Vec<i64> = storage::generations(&db)
        .await
        .expect("generations")
        .into_iter()
        .filter(|g| g.status == Status::Live && g.name != tessera::reactor::NAME)
        .map(|g| g.position)
        .collect();
    assert!(!live.is_empty());
    assert!(
        live.iter().all(|p| *p == head),
        "no checkpoint moved back: {live:?} (head {head})"
    );
    let diffs = tessera_replay::admin::verify(&db).await.expect("verify");
    assert!(diffs.is_empty(), "stored views equal a rebuild: {diffs:#?}");
    assert_eq!(
        folded, 0,
        "its batch was dropped: the checkpoint had moved on"
    );
    // Reloaded, it resumes from the stored checkpoint: nothing is folded twice.
    behind.catch_up().await.expect("behind catches up");
    assert_eq!(behind.position(), head);
    let diffs = tessera_replay::admin::verify(&db).await.expect("verify");
    assert!(diffs.is_empty(), "stored views equal a rebuild: {diffs:#?}");
    drop_fresh_db(&db, pg).await;
}

/// A busy runner stores the checkpoint of a projection a batch did not change
/// later (when idle, or after a while): a runner that stops before then leaves
/// those checkpoints behind, and the next one folds the events after them again.
/// They changed nothing there, so the rows come out as a rebuild makes them.
async fn a_checkpoint_left_behind_by_a_stopped_runner_costs_nothing(b: Backend) {
    let (db, bus, _dir, pg) = bus_on_fresh_db(b).await;
    let meta = EventMeta::default();
    let id = |slug: &str| natural_id("activity", slug).to_string();
    create_activity(&bus, "a").await;
    let mut first = Runner::load(db.clone())
        .await
        .expect("first runner")
        .with_checkpoint_every(Duration::from_secs(3600));
    first.catch_up().await.expect("first catches up");
    let signup = ActivityCommand::SignUp {
        user: natural_id("user", "ana"),
        note: String::new(),
    };
    let head = bus
        .send(&Activity::stream(id("a")), signup, &meta)
        .await
        .expect("signup")
        .position
        .expect("position");
    // One busy step (not caught up yet: the idle store has not run).
    let (folded, _) = first.step().await.expect("first steps");
    assert_eq!(folded, 1);
    let stored = |db: Db| async move {
        storage::generations(&db)
            .await
            .expect("generations")
            .into_iter()
            .filter(|g| g.status == Status::Live && g.name != tessera::reactor::NAME)
            .map(|g| (g.name, g.position))
            .collect::<Vec<_>>()
    };
    let after_step = stored(db.clone()).await;
    let roster = after_step
        .iter()
        .find(|(n, _)| n == "activity_roster")
        .map(|(_, p)| *p);
    assert_eq!(
        roster,
        Some(head),
        "the changed projection's checkpoint moved"
    );
    assert!(
        after_step.iter().any(|(_, p)| *p < head),
        "an unchanged projection's checkpoint waits: {after_step:?}"
    );
    drop(first);
    let mut next = Runner::load(db.clone()).await.expect("next runner");
    next.catch_up().await.expect("next catches up");
    assert_eq!(next.position(), head);
    let caught_up = stored(db.clone()).await;
    assert!(
        caught_up.iter().all(|(_, p)| *p == head),
        "an idle runner stores every checkpoint: {caught_up:?}"
    );
    let diffs = tessera_replay::admin::verify(&db).await.expect("verify");
    assert!(diffs.is_empty(), "stored views equal a rebuild: {diffs:#?}");
    drop_fresh_db(&db, pg).await;
}

on_both_backends!(
    a_checkpoint_left_behind_by_a_stopped_runner_costs_nothing,
    cat_2_the_last_ticket_is_sold_once_across_instances,
    disc_5_a_voucher_use_is_granted_once_across_instances,
    an_idempotency_key_runs_one_request_at_a_time,
    a_completed_idempotent_response_outlives_the_lease,
    a_runner_behind_another_never_moves_a_checkpoint_back,
);

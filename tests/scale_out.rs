//! Several instances on one database (docs/scale-out.md): one leader per
//! background job chosen through PostgreSQL, standbys that take over, reads and
//! caches correct on every instance, and a rush through three real `tessera serve`
//! processes with the leader killed (SIGKILL) in the middle.

mod common;
#[path = "common/fake_stripe.rs"]
mod fake_stripe;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::json;
use tessera::bench::instances::{self, Cluster};
use tessera_aggregates::conference::Conference;
use tessera_replay::leader::PROJECTIONS;

const CONF: &str = "scale-2027";

/// The tests that run three `tessera serve` processes take turns: two clusters at
/// once would need more PostgreSQL connections than a default server allows
/// (each instance's pool plus its job connections).
static CLUSTERS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
const JOBS: [&str; 3] = [
    PROJECTIONS,
    tessera::reactor::NAME,
    tessera_replay::stats_model::NAME,
];

/// A second instance over `first`'s database (its own pool, caches and jobs).
async fn second(first: &TestApp) -> TestApp {
    let db = tessera::server::open_db(&first.url).await.expect("open");
    TestApp::over(first.backend, db, first.url.clone(), None, None).await
}

async fn leads_within(app: &TestApp, jobs: &[&str], within: Duration) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < within {
        if jobs.iter().all(|j| app.app.leadership.leads(j)) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

async fn held_and_sold(app: &TestApp, admin: &common::User, after: Option<i64>) -> (u64, u64) {
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/inventory"))
        .as_user(admin)
        .after(after)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let p = &r.body["products"][0];
    (
        p["held"].as_u64().unwrap_or_default(),
        p["sold"].as_u64().unwrap_or_default(),
    )
}

/// SQLite is one process: its instance leads every job at once and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_one_instance_leads_every_job() {
    let app = TestApp::start(Backend::Sqlite).await;
    assert!(leads_within(&app, &JOBS, Duration::from_secs(1)).await);
    let r = app.get("/readyz").send().await;
    assert_eq!(r.body["role"], "leader", "{}", r.text);
    app.finish().await;
}

/// Two instances on one PostgreSQL: each job has exactly one leader; the standby
/// answers reads of writes made anywhere (`X-Tessera-After`, woken by the leader's
/// notifications); each instance's aggregate cache refreshes when the other wrote
/// (no oversell through a stale cache); when the leader dies the standby takes
/// over within a few seconds from the stored checkpoints.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_one_leader_per_job_reads_everywhere_and_takeover() {
    if !common::postgres_available().await {
        return;
    }
    let a = TestApp::start(Backend::Postgres).await;
    let b = second(&a).await;
    assert!(leads_within(&a, &JOBS, Duration::from_secs(1)).await);
    assert!(
        JOBS.iter().all(|j| !b.app.leadership.leads(j)),
        "one leader per job"
    );
    let ready = b.get("/readyz").send().await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["role"], "standby", "{}", ready.text);
    let leaders = tessera_replay::leader::leaders(&a.app.db)
        .await
        .expect("leaders");
    assert!(
        leaders
            .iter()
            .any(|l| l.job == PROJECTIONS && l.instance == a.app.leadership.instance())
    );

    let admin = a.admin().await;
    let made = a.conference(&admin, CONF).await;
    a.ticket_type(&admin, CONF, json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 2 })).await;
    // Read-your-writes on the standby: it runs no projection of its own.
    let (held, _) = held_and_sold(&b, &admin, made.position()).await;
    assert_eq!(held, 0);

    // B caches the inventory with its first checkout; A then sells the last ticket;
    // B's next checkout must see A's write (refresh on conflict), not oversell.
    let (u1, u2, u3) = (a.user("u1").await, a.user("u2").await, a.user("u3").await);
    let first = b.buy(&u1, CONF, "individual", 1).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let other = a.buy(&u2, CONF, "individual", 1).await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
    let stale = b.buy(&u3, CONF, "individual", 1).await;
    assert_ne!(
        stale.status,
        StatusCode::CREATED,
        "sold out: {}",
        stale.text
    );
    assert!(stale.status.is_client_error(), "{}", stale.text);
    let head = a.app.db.head().await.ok();
    assert_eq!(held_and_sold(&b, &admin, head).await, (2, 0));

    // A CLI rebuild while both serve: the leader hands the projections over (no
    // race for a checkpoint), reads stay answered, and the job comes back.
    let rebuilt = tessera::scale::rebuild(&a.app.db, None)
        .await
        .expect("rebuild");
    assert!(!rebuilt.is_empty());
    assert!(
        leads_within(&a, &[PROJECTIONS], Duration::from_secs(5)).await
            || leads_within(&b, &[PROJECTIONS], Duration::from_secs(5)).await,
        "the projections are led again after the rebuild"
    );
    let head = a.app.db.head().await.ok();
    assert_eq!(held_and_sold(&b, &admin, head).await, (2, 0));

    // The leader dies: the standby takes every job over from the stored checkpoints.
    a.crash().await;
    assert!(
        leads_within(&b, &JOBS, Duration::from_secs(5)).await,
        "takeover"
    );
    assert!(JOBS.iter().all(|j| !a.app.leadership.leads(j)));
    let r = b.get("/readyz").send().await;
    assert_eq!(r.body["role"], "leader", "{}", r.text);
    let leaders = tessera_replay::leader::leaders(&b.app.db)
        .await
        .expect("leaders");
    assert!(
        leaders
            .iter()
            .all(|l| l.instance == b.app.leadership.instance()),
        "{leaders:?}"
    );
    // `/metrics` names the leader of each job and its heartbeat age.
    let m = b.get("/metrics").send().await;
    assert_eq!(m.status, StatusCode::OK);
    let me = b.app.leadership.instance().to_string();
    assert!(
        m.text
            .contains("tessera_job_heartbeat_age_seconds{job=\"projections\"}")
            && m.text.contains(&format!("instance=\"{me}\"")),
        "{}",
        m.text
    );
    let u4 = b.user("u4").await;
    let late = b.buy(&u4, CONF, "individual", 1).await;
    assert!(
        late.status.is_client_error(),
        "still sold out: {}",
        late.text
    );
    let head = b.app.db.head().await.ok();
    assert_eq!(held_and_sold(&b, &admin, head).await, (2, 0));
    // B finishes for both: every projection caught up and verified.
    let name = a.url.rsplit('/').next().unwrap_or_default().to_string();
    b.finish().await;
    drop(a);
    common::drop_postgres(&name).await;
}

/// An instance trusts its cached aggregates while no other writer announces a
/// commit, and stops trusting them when one does: the program switched off on B
/// closes the gate of a read on A (which had checked it long enough ago that only
/// the announcement can tell it; a read never refreshes it by writing), well
/// before the cache's 30 s limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cached_gate_follows_another_instances_change_once_announced() {
    if !common::postgres_available().await {
        return;
    }
    let a = TestApp::start(Backend::Postgres).await;
    let b = second(&a).await;
    let admin = a.admin().await;
    a.conference(&admin, CONF).await;
    let flags = format!("/api/v1/conferences/{CONF}/features");
    let days = format!("/api/v1/conferences/{CONF}/program/days");
    // Both listeners are past their warm-up (an instance trusts quiet only once
    // the others can have heard it), and A holds the conference, checked.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let r = a.get(&days).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let conference_reads = || a.app.bus.store_reads::<Conference>();
    let checked = conference_reads();
    // Past the 500 ms bound of a plain cached read: A now trusts its copy only
    // because nobody else has announced a commit, so it does not read the store.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let r = a.get(&days).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        conference_reads(),
        checked,
        "A read the conference again though nobody else had written"
    );
    let r = b
        .put(&flags)
        .as_user(&admin)
        .json(json!({ "programs": false }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let started = std::time::Instant::now();
    let mut status = StatusCode::OK;
    while started.elapsed() < Duration::from_secs(3) {
        status = a.get(&days).send().await.status;
        if status == StatusCode::NOT_FOUND {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "A still served the gate it cached before B switched the program off"
    );
    assert!(
        conference_reads() > checked,
        "the announcement made A read it"
    );
    let name = a.url.rsplit('/').next().unwrap_or_default().to_string();
    b.finish().await;
    drop(a);
    common::drop_postgres(&name).await;
}

fn tessera_bin() -> std::path::PathBuf {
    env!("CARGO_BIN_EXE_tessera").into()
}

async fn cli(args: &[&str], url: &str) -> std::process::Output {
    tokio::process::Command::new(tessera_bin())
        .args(args)
        .arg("--database-url")
        .arg(url)
        .output()
        .await
        .expect("run tessera")
}

/// Three real `tessera serve` processes on one PostgreSQL; buyers round-robin
/// through them (cart on one, checkout on the next); the projections' leader is
/// SIGKILLed mid-rush. Exactly the stock is taken, a standby takes over within a
/// few seconds, no checkpoint ever moves backwards, every projection verifies and
/// `replay status` names the leaders.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_rush_with_the_leader_killed_sells_exactly_the_stock() {
    if !common::postgres_available().await {
        return;
    }
    let _turn = CLUSTERS.lock().await;
    let (url, name) = common::fresh_postgres().await;
    let (buyers, stock) = (120, 80);
    let tokens = instances::prepare(&url, buyers, stock)
        .await
        .expect("prepare");
    let mut cluster = Cluster::start(tessera_bin(), &url, 3)
        .await
        .expect("cluster");
    let client = instances::client();
    let (leader, _) = cluster
        .wait_for_leader(&client, PROJECTIONS, Duration::from_secs(30))
        .await
        .expect("a leader");
    let standbys = (0..3).filter(|i| *i != leader).count();
    assert_eq!(standbys, 2);

    let db = tessera::server::open_db(&url).await.expect("db");
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn(instances::watch_checkpoints(
        db.clone(),
        Duration::from_millis(10),
        stop.clone(),
    ));
    let progress = Arc::new(AtomicUsize::new(0));
    let rush = tokio::spawn(instances::rush(
        cluster.bases(),
        tokens,
        12,
        progress.clone(),
    ));
    while progress.load(Ordering::Relaxed) < buyers / 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cluster.kill(leader).await;
    let took_over = cluster
        .wait_for_leader(&client, PROJECTIONS, Duration::from_secs(5))
        .await;
    assert!(
        took_over.is_some_and(|(i, _)| i != leader),
        "a standby took over within 5 s"
    );
    let outcome = rush.await.expect("rush");
    assert!(
        outcome.checkouts > 0 && outcome.checkouts <= u64::from(stock),
        "{outcome:?}"
    );

    // Exactly the stock taken, whatever instance answered or died.
    assert_eq!(
        instances::taken(&url).await.expect("taken"),
        u64::from(stock)
    );
    // The new leader catches the projections up to the head.
    let names: Vec<String> = tessera_replay::views::view_names()
        .into_iter()
        .map(String::from)
        .collect();
    let mut caught_up = false;
    for _ in 0..200 {
        let head = db.head().await.expect("head");
        let at = tessera_replay::follow::stored_position(&db, &names)
            .await
            .expect("position");
        if at == Some(head) {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(caught_up, "projections caught up after the takeover");
    stop.store(true, Ordering::Relaxed);
    let (_, backwards) = watcher.await.expect("watcher").expect("samples");
    assert!(
        backwards.is_empty(),
        "checkpoints moved backwards: {backwards:?}"
    );

    let verify = cli(&["replay", "verify"], &url).await;
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let status = cli(&["replay", "status"], &url).await;
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        text.contains(PROJECTIONS) && text.contains("heartbeat"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with(PROJECTIONS) && !l.contains(&format!("i{leader}"))),
        "{text}"
    );

    cluster.kill_all().await;
    if let tessera_replay::Db::Postgres(p) = &db {
        p.close().await;
    }
    common::drop_postgres(&name).await;
}

/// Card refunds recorded while no process made their Stripe calls (the endpoint
/// died right after recording them): three real instances come up, the leader of
/// the process managers starts the calls and is SIGKILLed in the middle, with
/// Stripe's answers delayed so it dies between Stripe's work and learning the
/// outcome. A standby takes over and finishes every refund: exactly one Stripe
/// refund per recorded refund (the fake counts them), one outcome and one credit
/// note each, and every projection verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_finish_each_card_refund_once_with_the_leader_killed_midway() {
    use tessera::config::{Config, Secret, StripeConfig};
    use tessera_aggregates::order::{Order, OrderCommand, PaymentMethod, RefundReason, RefundTo};
    use tessera_projections::EventMeta;
    use uuid::Uuid;

    if !common::postgres_available().await {
        return;
    }
    let _turn = CLUSTERS.lock().await;
    const ORDERS: usize = 12;
    let fake = fake_stripe::FakeStripe::start().await;
    let config = Config {
        stripe: StripeConfig {
            secret_key: Some(Secret::new(fake.secret_key())),
            api_base: fake.base_url().to_string(),
            ..Default::default()
        },
        ..Default::default()
    };
    let app = TestApp::start_with(Backend::Postgres, config).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 50 }),
    )
    .await;
    // ORDERS orders paid by card (intent made through /pay, payment recorded as
    // the webhook would).
    let mut references = Vec::new();
    for i in 0..ORDERS {
        let buyer = app.user(&format!("buyer{i}")).await;
        let r = app.buy(&buyer, CONF, "individual", 1).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
        let r = app
            .post(&format!(
                "/api/v1/conferences/{CONF}/orders/{reference}/pay"
            ))
            .as_user(&buyer)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "pay: {}", r.text);
        let intent = r.body["payment_intent_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        fake.succeed_intent(&intent).expect("intent");
        let meta = EventMeta {
            conference_id: Some(tessera::app::conference_id(CONF)),
            actor: "system".to_string(),
            ..EventMeta::default()
        };
        app.app
            .bus
            .send(
                &Order::stream(tessera::app::order_id(&reference)),
                OrderCommand::RecordPayment {
                    payment_id: Uuid::new_v4(),
                    method: PaymentMethod::Stripe,
                    amount: "100.00".parse().unwrap_or_default(),
                    stripe_payment_intent: Some(intent),
                    credit_id: None,
                    reference: String::new(),
                    note: String::new(),
                    by: None,
                },
                &meta,
            )
            .await
            .expect("card payment recorded");
        references.push(reference);
    }
    app.settled().await;
    let url = app.url.clone();
    app.crash().await;

    // The refunds are recorded by a bare command bus: no process manager runs, so
    // none of them reaches Stripe before the cluster starts.
    let db = tessera::server::open_db(&url).await.expect("db");
    let bus = tessera::bus::CommandBus::new(
        db.clone(),
        tessera_aggregates::DomainServices::new(Arc::new(tessera::server::SystemClock)),
        None,
    );
    let meta = EventMeta {
        conference_id: Some(tessera::app::conference_id(CONF)),
        actor: "finance".to_string(),
        ..EventMeta::default()
    };
    for reference in &references {
        bus.send(
            &Order::stream(tessera::app::order_id(reference)),
            OrderCommand::Refund {
                refund_id: Uuid::new_v4(),
                amount: "100.00".parse().unwrap_or_default(),
                to: RefundTo::Card,
                reason: RefundReason::RequestedByCustomer,
                by: None,
            },
            &meta,
        )
        .await
        .expect("refund recorded");
    }
    assert!(fake.refunds().is_empty(), "no Stripe call yet");

    let dir = tempfile::tempdir().expect("tempdir");
    let config_file = dir.path().join("tessera.toml");
    std::fs::write(
        &config_file,
        format!(
            "[stripe]\nsecret_key = \"{}\"\napi_base = \"{}\"\n",
            fake.secret_key(),
            fake.base_url()
        ),
    )
    .expect("config file");
    // The leader dies between Stripe's work and learning its outcome.
    fake.delay_answers(Duration::from_millis(300));
    let mut cluster = Cluster::start_with_config(tessera_bin(), &url, 3, Some(config_file))
        .await
        .expect("cluster");
    let client = instances::client();
    let job = tessera::reactor::NAME;
    let (leader, _) = cluster
        .wait_for_leader(&client, job, Duration::from_secs(30))
        .await
        .expect("a leader of the process managers");
    let started = std::time::Instant::now();
    while fake.calls("POST", "/v1/refunds") < ORDERS / 3 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the leader never called Stripe: {:?}",
            fake.requests()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cluster.kill(leader).await;
    let made_before_the_kill = fake.refunds().len();
    assert!(
        made_before_the_kill < ORDERS,
        "the kill landed before the last refund"
    );
    fake.delay_answers(Duration::ZERO);
    let took_over = cluster
        .wait_for_leader(&client, job, Duration::from_secs(10))
        .await;
    assert!(
        took_over.is_some_and(|(i, _)| i != leader),
        "a standby took over the process managers"
    );

    // Every refund gets its outcome and its credit note, once.
    let count = |event_type: &'static str| {
        let db = db.clone();
        async move {
            match &db {
                tessera_replay::Db::Postgres(p) => sqlx::query_scalar::<_, i64>(
                    "SELECT count(*) FROM events WHERE event_type = $1",
                )
                .bind(event_type)
                .fetch_one(p)
                .await
                .unwrap_or(-1),
                tessera_replay::Db::Sqlite(_) => -1,
            }
        }
    };
    let started = std::time::Instant::now();
    while count("CreditIssued").await < ORDERS as i64 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "refunds unfinished: {} outcomes, {} credit notes",
            count("CardRefundSucceeded").await,
            count("CreditIssued").await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count("CardRefundSucceeded").await, ORDERS as i64);
    assert_eq!(count("RefundFailed").await, 0);
    assert_eq!(count("CreditIssued").await, ORDERS as i64);
    // One Stripe refund per recorded refund, whatever was asked twice.
    let made = fake.refunds();
    assert_eq!(made.len(), ORDERS, "Stripe refunds: {made:?}");
    let keys: std::collections::BTreeSet<_> = fake
        .requests()
        .into_iter()
        .filter(|q| q.method == "POST" && q.path == "/v1/refunds")
        .filter_map(|q| q.idempotency_key)
        .collect();
    assert_eq!(keys.len(), ORDERS, "one key per refund: {keys:?}");

    let verify = cli(&["replay", "verify"], &url).await;
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    cluster.kill_all().await;
    if let tessera_replay::Db::Postgres(p) = &db {
        p.close().await;
    }
    drop(app);
    if let Some(name) = url.rsplit('/').next() {
        common::drop_postgres(name).await;
    }
}

//! Several instances on one database (docs/scale-out.md): one leader per
//! background job chosen through PostgreSQL, standbys that take over, reads and
//! caches correct on every instance, and a rush through three real `tessera serve`
//! processes with the leader killed (SIGKILL) in the middle.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::json;
use tessera::bench::instances::{self, Cluster};
use tessera_replay::leader::PROJECTIONS;

const CONF: &str = "scale-2027";
const JOBS: [&str; 2] = [PROJECTIONS, tessera::reactor::NAME];

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

//! Statistics as of a past moment (auditors), on SQLite and PostgreSQL: for
//! positions of a history written by a seeded random mix of sales, unpaid
//! orders and refunds, `GET …/stats?position=` (and `?as_of=`, and `tessera
//! replay state --conference`) answers exactly the live figures captured at
//! that position while the history was written.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

fn url(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{rest}")
}

/// A small seeded generator (deterministic across runs).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// One captured moment: the log head, the wall-clock time just after, and the
/// live statistics then.
struct Moment {
    position: i64,
    at: chrono::DateTime<chrono::Utc>,
    stats: Value,
}

async fn live(app: &TestApp, who: &User) -> (i64, Value) {
    let head = app.settled().await;
    let r = app
        .get(&url("stats"))
        .as_user(who)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (head, r.body["stats"].clone())
}

/// Writes a history step by step, capturing the live statistics after each.
async fn history(app: &TestApp, admin: &User, finance: &User, steps: usize) -> Vec<Moment> {
    let mut rng = Lcg(20261205);
    let mut paid: Vec<String> = vec![];
    let mut moments = vec![];
    for step in 0..steps {
        let buyer = app.user(&format!("buyer{step}")).await;
        match rng.next(4) {
            // A sale paid by hand.
            0 | 1 => {
                let ticket = ["individual", "student"][rng.next(2) as usize];
                let r = app.buy(&buyer, CONF, ticket, 1 + rng.next(2) as u32).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
                let total = r.body["total"].clone();
                let r = app
                    .post(&url(&format!("orders/{reference}/payments")))
                    .as_user(finance)
                    .json(json!({ "method": "manual", "amount": total }))
                    .send()
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                paid.push(reference);
            }
            // An order left unpaid.
            2 => {
                let r = app.buy(&buyer, CONF, "individual", 1).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            }
            // A refund to store credit of a paid order.
            _ => {
                let Some(reference) = paid.pop() else {
                    continue;
                };
                let r = app
                    .post(&url(&format!("orders/{reference}/refunds")))
                    .as_user(admin)
                    .json(json!({ "amount": "10.00", "to": "credit" }))
                    .send()
                    .await;
                assert!(r.status.is_success(), "refund: {}", r.text);
            }
        }
        let (position, stats) = live(app, admin).await;
        moments.push(Moment {
            position,
            at: chrono::Utc::now(),
            stats,
        });
        // The next step's events are recorded in a later millisecond.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    moments
}

async fn setup(b: Backend) -> (TestApp, User, User, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    for (slug, price) in [("individual", "100.00"), ("student", "40.00")] {
        app.ticket_type(
            &admin,
            CONF,
            json!({ "slug": slug, "name": slug, "price": price, "total_quantity": 100 }),
        )
        .await;
    }
    let finance = app.user("fin").await;
    let auditor = app.user("audrey").await;
    app.grant(&admin, CONF, &finance, "finance").await;
    app.grant(&admin, CONF, &auditor, "auditor").await;
    (app, admin, finance, auditor)
}

/// For every captured position (and moment), the auditor's as-of answer equals
/// the live answer captured then; it says which position it stands at.
async fn stats_as_of_equal_the_live_figures_captured_then(b: Backend) {
    let (app, admin, finance, auditor) = setup(b).await;
    let moments = history(&app, &admin, &finance, 14).await;
    let distinct: std::collections::BTreeSet<String> =
        moments.iter().map(|m| m.stats.to_string()).collect();
    assert!(distinct.len() > 5, "the history moves the figures");
    for m in &moments {
        let r = app
            .get(&url(&format!("stats?position={}", m.position)))
            .as_user(&auditor)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["source"], "as_of");
        let at = r.body["position"].as_i64().unwrap_or(-1);
        assert!(at > 0 && at <= m.position, "{at} vs {}", m.position);
        assert_eq!(r.body["stats"], m.stats, "as of position {}", m.position);

        let at = m.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let r = app
            .get(&url(&format!("stats?as_of={}", at.replace('+', "%2B"))))
            .as_user(&auditor)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["stats"], m.stats, "as of {at}");
    }
    // The CLI answers the same document.
    let m = &moments[moments.len() / 2];
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .args(["replay", "state", "--conference", CONF, "--position"])
        .arg(m.position.to_string())
        .args(["--database-url", &app.url])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["stats"], m.stats);
    app.finish().await;
}

/// Bad as-of parameters are 400 problem+json; a moment before the conference's
/// first event is 404; only stats readers ask.
async fn stats_as_of_refuses_bad_moments(b: Backend) {
    let (app, _admin, _finance, auditor) = setup(b).await;
    for query in [
        "position=-1",
        "position=5&as_of=2027-01-01T00:00:00Z",
        "position=x",
    ] {
        let r = app
            .get(&url(&format!("stats?{query}")))
            .as_user(&auditor)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}: {}", r.text);
    }
    let r = app
        .get(&url("stats?as_of=2001-01-01T00:00:00Z"))
        .as_user(&auditor)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(r.code(), "stats.not_yet");
    let stranger = app.user("stranger").await;
    let r = app
        .get(&url("stats?position=1"))
        .as_user(&stranger)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    app.finish().await;
}

/// The as-of answer folds only the conference's own events. On a generated
/// two-year series (both conferences' events interleaved in the log, with sponsors,
/// donations, surveys and volunteers), that fold equals the fold of the whole log
/// at positions spread over the history, for each conference.
async fn folding_the_conference_alone_equals_folding_the_whole_log(b: Backend) {
    use std::sync::Arc;
    use tessera::demo::{GenerateOptions, ManualClock, generate};
    use tessera_replay::stats::{
        keep_checkpoints, replayed, replayed_conference_only, replayed_with_checkpoints,
    };

    let (db, _url, _dir, pg) = common::fresh_db(b).await;
    let clock = ManualClock::new(chrono::Utc::now());
    let app = tessera::server::build_app(
        db,
        tessera::config::Config::default(),
        Arc::new(clock.clone()),
    )
    .await
    .expect("app");
    let options = GenerateOptions {
        seed: 11,
        years: 2,
        first_year: 2024,
        scale: 0.03,
        concurrency: 4,
        series: "foldcon".into(),
    };
    let made = generate(&app, &clock, &options, |_| {})
        .await
        .expect("generate");
    let head = app.db.head().await.expect("head");
    let checkpoints = |db: tessera_replay::Db| async move {
        let sql = "SELECT count(*) FROM stats_fold_checkpoints";
        match &db {
            tessera_replay::Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
            tessera_replay::Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await,
        }
        .expect("count")
    };
    // The checkpointer stores one every 40 events of the conference ahead
    // of any question, then finds nothing to do until 40 more arrive.
    let first = tessera::app::conference_id(&made.conferences[0]);
    let own = tessera_replay::history::page(
        &app.db,
        &tessera_replay::history::HistoryQuery {
            conference_id: first.to_string(),
            ..Default::default()
        },
    )
    .await
    .expect("history")
    .len() as i64;
    assert!(own >= 80, "enough events for two checkpoints: {own}");
    assert!(keep_checkpoints(&app.db, first, 40).await.expect("kept"));
    assert_eq!(checkpoints(app.db.clone()).await, own / 40);
    assert!(!keep_checkpoints(&app.db, first, 40).await.expect("kept"));
    assert_eq!(checkpoints(app.db.clone()).await, own / 40);
    for slug in &made.conferences {
        let id = tessera::app::conference_id(slug);
        for step in 1..=4 {
            let position = head * step / 4;
            let whole = replayed(&app.db, id, position).await.expect("whole log");
            let own = replayed_conference_only(&app.db, id, position)
                .await
                .expect("conference alone");
            assert_eq!(own, whole, "{slug} at position {position} of {head}");
        }
        // Checkpoints every 40 of its events: the first answer stores them, the
        // next ones start from them; every answer is still the whole-log fold.
        for step in [3, 1, 4, 2] {
            let position = head * step / 4;
            let whole = replayed(&app.db, id, position).await.expect("whole log");
            for _ in 0..2 {
                let checkpointed = replayed_with_checkpoints(&app.db, id, position, 40)
                    .await
                    .expect("from checkpoints");
                assert_eq!(checkpointed, whole, "{slug} at {position} from checkpoints");
            }
        }
    }
    let stored = match &app.db {
        tessera_replay::Db::Postgres(p) => {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM stats_fold_checkpoints")
                .fetch_one(p)
                .await
                .unwrap_or_default()
        }
        tessera_replay::Db::Sqlite(p) => {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM stats_fold_checkpoints")
                .fetch_one(p)
                .await
                .unwrap_or_default()
        }
    };
    assert!(stored > 2, "checkpoints were stored: {stored}");
    app.leadership.stop().await;
    if let Some(name) = pg {
        if let tessera_replay::Db::Postgres(pool) = &app.db {
            pool.close().await;
        }
        common::drop_postgres(&name).await;
    }
}

on_both_backends!(
    stats_as_of_equal_the_live_figures_captured_then,
    stats_as_of_refuses_bad_moments,
    folding_the_conference_alone_equals_folding_the_whole_log,
);

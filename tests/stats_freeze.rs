//! MY-19: freezing a conference's statistics, serving the snapshot, and
//! `tessera replay verify --conference` catching a changed snapshot or log; on
//! SQLite and PostgreSQL.

mod common;

use std::process::Command;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};
use tessera_replay::Db;

const CONF: &str = "pycon-us-2027";

fn url(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{rest}")
}

struct Cast {
    admin: User,
    organizer: User,
    auditor: User,
}

async fn setup(b: Backend) -> (TestApp, Cast) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let cast = Cast {
        organizer: app.user("olga").await,
        auditor: app.user("audrey").await,
        admin,
    };
    app.grant(&cast.admin, CONF, &cast.organizer, "organizer")
        .await;
    app.grant(&cast.admin, CONF, &cast.auditor, "auditor").await;
    (app, cast)
}

async fn sale(app: &TestApp, cast: &Cast, name: &str) {
    let buyer = app.user(name).await;
    let r = app.buy(&buyer, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(&cast.admin)
        .json(json!({ "method": "manual", "amount": "100.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
}

async fn stats(app: &TestApp, user: &User, query: &str) -> Value {
    let head = Some(app.settled().await);
    let r = app
        .get(&url(&format!("stats{query}")))
        .as_user(user)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

async fn freeze(app: &TestApp, user: &User, body: Value) -> common::Response {
    app.settled().await;
    app.post(&url("stats/freeze"))
        .as_user(user)
        .json(body)
        .send()
        .await
}

/// MY-19: a frozen conference answers its snapshot (with when and up to which
/// position); `?live=true` the live figures; freezing again needs a reason and
/// keeps the earlier snapshot.
async fn my_19_freeze_serves_the_snapshot(b: Backend) {
    let (app, cast) = setup(b).await;
    sale(&app, &cast, "ana").await;
    let r = freeze(&app, &cast.auditor, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = freeze(&app, &cast.organizer, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["sha256"].as_str().map(str::len), Some(64));
    let frozen_at = r.body["snapshot_position"].clone();

    sale(&app, &cast, "bo").await;
    let s = stats(&app, &cast.auditor, "").await;
    assert_eq!(s["source"], "frozen");
    assert_eq!(s["position"], frozen_at);
    assert!(s["frozen_at"].is_string(), "{s}");
    assert_eq!(s["stats"]["sections"]["money"]["net"], "100.00");
    let live = stats(&app, &cast.auditor, "?live=true").await;
    assert_eq!(live["source"], "live");
    assert_eq!(live["stats"]["sections"]["money"]["net"], "200.00");

    let r = freeze(&app, &cast.organizer, json!({ "reason": " " })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "conf.refreeze_needs_reason");
    let r = freeze(&app, &cast.organizer, json!({ "reason": "late sale" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let s = stats(&app, &cast.auditor, "").await;
    assert_eq!(s["freezes"], 2);
    assert_eq!(s["stats"]["sections"]["money"]["net"], "200.00");
    app.finish().await;
}

fn verify(app: &TestApp) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .args(["replay", "verify", "--conference", CONF])
        .args(["--database-url", &app.url])
        .output()
        .expect("run tessera");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

async fn exec(app: &TestApp, sql: &str, binds: &[&str]) {
    match &app.app.db {
        Db::Postgres(pool) => {
            let mut q = sqlx::query(sql);
            for b in binds {
                q = q.bind(*b);
            }
            q.execute(pool).await.expect("postgres statement");
        }
        Db::Sqlite(pool) => {
            let mut q = sqlx::query(sql);
            for b in binds {
                q = q.bind(*b);
            }
            q.execute(pool).await.expect("sqlite statement");
        }
    }
}

async fn archive_doc(app: &TestApp) -> String {
    let sql =
        "SELECT doc FROM projection_rows WHERE name = 'stats_archive' AND key LIKE 'archive:%'";
    match &app.app.db {
        Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
    }
    .expect("archive row")
}

async fn set_archive_doc(app: &TestApp, doc: &str) {
    exec(
        app,
        "UPDATE projection_rows SET doc = $1 WHERE name = 'stats_archive' AND key LIKE 'archive:%'",
        &[doc],
    )
    .await;
}

/// Replaces text in the payloads of `event_type` events ($1 → $2). The payload
/// column is json on PostgreSQL and text on SQLite.
fn payload_replace(b: Backend, event_type: &str) -> String {
    match b {
        Backend::Postgres => format!(
            "UPDATE events SET payload = replace(payload::text, $1, $2)::json WHERE event_type = '{event_type}'"
        ),
        Backend::Sqlite => format!(
            "UPDATE events SET payload = replace(payload, $1, $2) WHERE event_type = '{event_type}'"
        ),
    }
}

/// `replay verify --conference`: a clean year verifies; a snapshot edited in the
/// database fails; an older stats version is a schema change (distinct status); an
/// event altered or deleted in the log fails; each difference names its metric.
async fn my_19_verify_by_replay_catches_tampering(b: Backend) {
    let (app, cast) = setup(b).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 4, "never frozen: {out}");
    sale(&app, &cast, "ana").await;
    sale(&app, &cast, "bo").await;
    let r = freeze(&app, &cast.organizer, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Later activity does not disturb the frozen year's verification.
    sale(&app, &cast, "cy").await;
    app.settled().await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "clean: {out}");

    // The snapshot edited in the database (the served row).
    let original = archive_doc(&app).await;
    let mut row: Value = serde_json::from_str(&original).expect("archive json");
    let text = row["snapshots"][0]["snapshot"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(text.contains(r#""net":"200.00""#), "{text}");
    row["snapshots"][0]["snapshot"] = json!(text.replace(r#""net":"200.00""#, r#""net":"150.00""#));
    set_archive_doc(&app, &row.to_string()).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "edited snapshot: {out}");
    assert!(out.contains("sections.money.net"), "{out}");
    assert!(
        out.contains("\"150.00\"") && out.contains("\"200.00\""),
        "{out}"
    );

    // A snapshot of an older stats version (as recorded, and as served): a schema
    // change, not tampering.
    let frozen = payload_replace(b, "StatsFrozen");
    let current = format!("\"stats_version\":{}", tessera_projections::stats::VERSION);
    exec(&app, &frozen, &[current.as_str(), "\"stats_version\":0"]).await;
    let mut row: Value = serde_json::from_str(&original).expect("archive json");
    row["snapshots"][0]["stats_version"] = json!(0);
    set_archive_doc(&app, &row.to_string()).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 3, "older version: {out}");
    assert!(out.contains("schema change"), "{out}");
    exec(&app, &frozen, &["\"stats_version\":0", current.as_str()]).await;
    set_archive_doc(&app, &original).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "restored: {out}");

    // An event altered in the log: a payment of 100.00 becomes 10.00.
    let payments = payload_replace(b, "PaymentRecorded");
    exec(&app, &payments, &["\"100.00\"", "\"10.00\""]).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "altered event: {out}");
    assert!(out.contains("payments_total"), "{out}");
    exec(&app, &payments, &["\"10.00\"", "\"100.00\""]).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "restored log: {out}");

    // The StatsFrozen event itself altered in the log: the served snapshot is no
    // longer the one recorded.
    let sha = r.body["sha256"].as_str().unwrap_or_default().to_string();
    let forged = "0".repeat(64);
    exec(&app, &frozen, &[&sha, &forged]).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "altered StatsFrozen: {out}");
    assert!(out.contains("(snapshot recorded in the log)"), "{out}");
    exec(&app, &frozen, &[&forged, &sha]).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "restored StatsFrozen: {out}");

    // An event deleted from the log (the first payment), then put back as it was.
    let (save, restore) = match b {
        Backend::Postgres => (
            "CREATE TABLE saved_event AS SELECT * FROM events WHERE position = \
             (SELECT MIN(position) FROM events WHERE event_type = 'PaymentRecorded')",
            "INSERT INTO events OVERRIDING SYSTEM VALUE SELECT * FROM saved_event",
        ),
        Backend::Sqlite => (
            "CREATE TABLE saved_event AS SELECT rowid AS rid, * FROM events WHERE position = \
             (SELECT MIN(position) FROM events WHERE event_type = 'PaymentRecorded')",
            "INSERT INTO events (rowid, aggregate_type, aggregate_id, sequence, event_type, \
             event_version, payload, metadata, position, recorded_at) SELECT rid, aggregate_type, \
             aggregate_id, sequence, event_type, event_version, payload, metadata, position, \
             recorded_at FROM saved_event",
        ),
    };
    exec(&app, save, &[]).await;
    exec(
        &app,
        "DELETE FROM events WHERE position = (SELECT position FROM saved_event)",
        &[],
    )
    .await;
    let (code, out) = verify(&app);
    assert_eq!(code, 1, "deleted event: {out}");
    exec(&app, restore, &[]).await;
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "restored log: {out}");
    app.finish().await;
}

/// MY-19: a freeze records the figures the organizers are shown. Once every
/// statistics projection has folded the conference's events up to the head, the
/// live rows are exactly the log's fold at the head; while one is behind the
/// conference's latest event, or of another version (a schema change under way),
/// they are not used, and the freeze folds the log instead (and still verifies).
async fn my_19_a_freeze_takes_the_live_figures_only_when_they_are_the_logs(b: Backend) {
    let (app, cast) = setup(b).await;
    sale(&app, &cast, "ana").await;
    sale(&app, &cast, "bo").await;
    let head = app.settled().await;
    assert!(
        app.app
            .runner
            .wait_for(head, std::time::Duration::from_secs(10))
            .await,
        "the projections reach {head}"
    );
    let cid = tessera::app::conference_id(CONF);
    let db = &app.app.db;
    // The runner publishes the head as soon as the last batch is stored, and
    // stores the checkpoints of the projections that batch left unchanged a
    // moment later, once idle (the freeze flow waits for that moment too).
    let mut live = None;
    for _ in 0..50 {
        live = tessera_replay::stats::live_at_head(db, cid)
            .await
            .expect("live read");
        if live.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let Some((at, doc)) = live else {
        panic!("the projections have caught up: the live figures answer");
    };
    assert_eq!(at, head);
    let folded = tessera_replay::stats::replayed_conference_from_log(db, cid, head)
        .await
        .expect("fold");
    assert_eq!(doc, folded);
    assert_eq!(doc["sections"]["money"]["net"], "200.00", "{doc}");

    // The orders projection behind the conference's latest event.
    let position: i64 = match db {
        Db::Postgres(p) => sqlx::query_scalar(
            "SELECT position FROM projection_state WHERE name = 'orders' AND status = 'live'",
        )
        .fetch_one(p)
        .await
        .expect("orders position"),
        Db::Sqlite(p) => sqlx::query_scalar(
            "SELECT position FROM projection_state WHERE name = 'orders' AND status = 'live'",
        )
        .fetch_one(p)
        .await
        .expect("orders position"),
    };
    let set_position = |p: i64| {
        format!(
            "UPDATE projection_state SET position = {p} WHERE name = 'orders' AND status = 'live'"
        )
    };
    // (restored at once: nothing happens meanwhile, so the runner never notices).
    exec(&app, &set_position(1), &[]).await;
    let live = tessera_replay::stats::live_at_head(db, cid)
        .await
        .expect("live read");
    exec(&app, &set_position(position), &[]).await;
    assert!(live.is_none(), "a projection is behind: {live:?}");

    // A live generation of another version than the code's.
    let bump = |d: i64| {
        format!(
            "UPDATE projection_state SET version = version + ({d}) WHERE name = 'orders' AND status = 'live'"
        )
    };
    exec(&app, &bump(1), &[]).await;
    let live = tessera_replay::stats::live_at_head(db, cid)
        .await
        .expect("live read");
    assert!(live.is_none(), "another version: {live:?}");
    // The freeze folds the log instead, and the frozen year verifies.
    let r = freeze(&app, &cast.organizer, json!({})).await;
    exec(&app, &bump(-1), &[]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let (code, out) = verify(&app);
    assert_eq!(code, 0, "folded freeze: {out}");
    app.finish().await;
}

/// MY-19 under concurrency: ten organizers freeze at once without a reason; the
/// conference decides them one after the other, so exactly one is the first freeze
/// and the nine others need a reason.
async fn my_19_concurrent_first_freezes_record_one(b: Backend) {
    let (app, cast) = setup(b).await;
    sale(&app, &cast, "ana").await;
    let mut organizers = vec![];
    for i in 0..10 {
        let u = app.user(&format!("organizer{i}")).await;
        app.grant(&cast.admin, CONF, &u, "organizer").await;
        organizers.push(u);
    }
    app.settled().await;
    let app = std::sync::Arc::new(app);
    let mut tasks = vec![];
    for u in organizers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.post(&url("stats/freeze"))
                .as_user(&u)
                .json(json!({}))
                .send()
                .await
        }));
    }
    let (mut created, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::UNPROCESSABLE_ENTITY if r.code() == "conf.refreeze_needs_reason" => {
                refused += 1
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!((created, refused), (1, 9));
    let s = stats(&app, &cast.auditor, "").await;
    assert_eq!(s["freezes"], 1);
    let Ok(app) = std::sync::Arc::try_unwrap(app) else {
        panic!("tasks still hold the app");
    };
    app.finish().await;
}

on_both_backends!(
    my_19_a_freeze_takes_the_live_figures_only_when_they_are_the_logs,
    my_19_concurrent_first_freezes_record_one,
    my_19_freeze_serves_the_snapshot,
    my_19_verify_by_replay_catches_tampering,
);

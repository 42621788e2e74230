//! Replay determinism and the replay CLI: after a scripted workload, `verify`
//! finds no difference, a rebuild from position 0 equals the incrementally built
//! views, and tampering is reported with a diff and a non-zero exit.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::json;
use tessera_replay::{Db, admin, storage};

const CONF: &str = "pycon-us-2027";

/// Conference, activities, signups, cancellations and promotions.
async fn workload(app: &TestApp) -> Option<i64> {
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let mut last = None;
    for (slug, cap) in [("sprint", 2), ("workshop", 1)] {
        let r = app
            .post(&format!("/api/v1/conferences/{CONF}/activities"))
            .as_user(&admin)
            .json(json!({ "slug": slug, "name": slug, "max_participants": cap }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let mut users = vec![];
    for i in 0..5 {
        users.push(app.user(&format!("u{i}")).await);
    }
    for u in &users {
        for slug in ["sprint", "workshop"] {
            let r = app
                .post(&format!(
                    "/api/v1/conferences/{CONF}/activities/{slug}/signups"
                ))
                .as_user(u)
                .send()
                .await;
            last = r.position().or(last);
        }
    }
    for u in &users[..2] {
        let r = app
            .delete(&format!(
                "/api/v1/conferences/{CONF}/activities/sprint/signups/mine"
            ))
            .as_user(u)
            .send()
            .await;
        last = r.position().or(last);
    }
    last
}

/// Marks the live generation of `name` as made by an older version of its fold
/// (what a build with a raised version finds): the next runner builds it anew.
async fn age_live_generation(db: &Db, name: &str) {
    let sql = "UPDATE projection_state SET version = 0 WHERE name = $1 AND status = 'live'";
    match db {
        Db::Postgres(p) => {
            sqlx::query(sql).bind(name).execute(p).await.expect("age");
        }
        Db::Sqlite(p) => {
            sqlx::query(sql).bind(name).execute(p).await.expect("age");
        }
    }
}

async fn live_documents(db: &Db) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for name in tessera_replay::views::view_names() {
        for (k, doc) in storage::live_rows_with_prefix(db, name, "")
            .await
            .unwrap_or_default()
        {
            let value: serde_json::Value = serde_json::from_str(&doc).unwrap_or_default();
            out.insert((name.to_string(), k), value.to_string());
        }
    }
    out
}

async fn rebuild_from_zero_equals_incremental_views(b: Backend) {
    let app = TestApp::start(b).await;
    let last = workload(&app).await;
    assert!(
        app.app
            .runner
            .wait_for(last.unwrap_or(0), std::time::Duration::from_secs(10))
            .await
    );
    let before = live_documents(&app.app.db).await;
    assert!(
        before.len() > 10,
        "the workload built views ({})",
        before.len()
    );
    assert!(
        admin::verify(&app.app.db)
            .await
            .unwrap_or_default()
            .is_empty()
    );
    let rebuilt = admin::rebuild(&app.app.db, None).await.expect("rebuild");
    assert_eq!(rebuilt.len(), tessera_replay::views::view_names().len());
    let after = live_documents(&app.app.db).await;
    assert_eq!(
        before, after,
        "a rebuild from position 0 gives the same views"
    );
    // The serving runner notices the switch and keeps going from the new generation.
    let ana = app.user("late-comer").await;
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/activities/sprint/signups"
        ))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "waitlisted");
    let detail = app
        .get(&format!("/api/v1/conferences/{CONF}/activities/sprint"))
        .after(r.position())
        .send()
        .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.body["waitlisted"], 2, "{}", detail.text);
    app.finish().await;
}

fn tessera(url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .arg("--database-url")
        .arg(url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run tessera");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn replay_cli_status_verify_history_rebuild(b: Backend) {
    let app = TestApp::start(b).await;
    let last = workload(&app).await;
    assert!(
        app.app
            .runner
            .wait_for(last.unwrap_or(0), std::time::Duration::from_secs(10))
            .await
    );
    let url = app.url.clone();

    let (ok, out) = tessera(&url, &["replay", "status"]);
    assert!(ok, "{out}");
    for name in ["activity_roster", "conference_catalog", "user_directory"] {
        assert!(out.contains(name), "{out}");
    }
    assert!(out.contains("live"), "{out}");

    let (ok, out) = tessera(&url, &["replay", "verify"]);
    assert!(ok, "{out}");

    let (ok, out) = tessera(&url, &["replay", "history", "--conference", CONF]);
    assert!(ok, "{out}");
    assert!(
        out.contains("ConferenceCreated") && out.contains("SignupWaitlisted"),
        "{out}"
    );
    let (ok, out) = tessera(&url, &["replay", "history", "--conference", CONF, "--json"]);
    assert!(ok, "{out}");
    let events: Vec<serde_json::Value> =
        serde_json::from_str(&out).expect("history --json is JSON");
    assert!(
        events
            .windows(2)
            .all(|w| w[0]["position"].as_i64() < w[1]["position"].as_i64())
    );
    assert!(
        events
            .iter()
            .all(|e| e["metadata"]["conference_id"].is_string())
    );

    // Tamper with a live row: verify names it and fails.
    let tamper = "UPDATE projection_rows SET doc = replace(doc, '\"confirmed\":2', '\"confirmed\":7') \
                  WHERE name = 'activity_roster' AND key LIKE 'activity:%'";
    match &app.app.db {
        Db::Postgres(p) => {
            sqlx::query(tamper).execute(p).await.expect("tamper");
        }
        Db::Sqlite(p) => {
            sqlx::query(tamper).execute(p).await.expect("tamper");
        }
    }
    let (ok, out) = tessera(&url, &["replay", "verify"]);
    assert!(!ok, "verify must fail on a tampered view: {out}");
    assert!(
        out.contains("activity_roster") && out.contains("\"confirmed\":7"),
        "{out}"
    );

    // A rebuild repairs it.
    let (ok, out) = tessera(
        &url,
        &["replay", "rebuild", "--projection", "activity_roster"],
    );
    assert!(ok, "{out}");
    let (ok, out) = tessera(&url, &["replay", "verify"]);
    assert!(ok, "{out}");
    let (ok, out) = tessera(&url, &["replay", "rebuild", "--projection", "nope"]);
    assert!(!ok && out.contains("unknown projection"), "{out}");
    app.finish().await;
}

/// A projection whose VERSION changed is rebuilt from position 0 beside the live
/// generation, which keeps serving until the new one has caught up; then the
/// switch is atomic and the old generation is retired.
async fn a_new_projection_version_is_built_beside_the_live_one(b: Backend) {
    let app = TestApp::start(b).await;
    let last = workload(&app).await;
    assert!(
        app.app
            .runner
            .wait_for(last.unwrap_or(0), std::time::Duration::from_secs(10))
            .await
    );
    let before = live_documents(&app.app.db).await;
    // The live generation was built by an older version of the fold.
    age_live_generation(&app.app.db, "activity_roster").await;
    let old = admin::status(&app.app.db).await.expect("status");
    let old_gen = old
        .iter()
        .find(|s| s.name == "activity_roster")
        .map(|s| s.generation);
    // A restarted service's runner builds the new version beside the old one.
    let mut runner = tessera_replay::Runner::load(app.app.db.clone())
        .await
        .expect("load");
    let building = admin::status(&app.app.db).await.expect("status");
    assert!(
        building
            .iter()
            .any(|s| s.name == "activity_roster" && s.status == "building"),
        "{building:?}"
    );
    assert!(
        building.iter().any(|s| s.name == "activity_roster"
            && s.status == "live"
            && Some(s.generation) == old_gen),
        "the old generation keeps serving meanwhile"
    );
    runner.catch_up().await.expect("catch up");
    let after = admin::status(&app.app.db).await.expect("status");
    let roster: Vec<_> = after
        .iter()
        .filter(|s| s.name == "activity_roster")
        .collect();
    assert_eq!(roster.len(), 1, "{after:?}");
    assert_eq!((roster[0].status.as_str(), roster[0].version), ("live", 1));
    assert_ne!(Some(roster[0].generation), old_gen);
    assert_eq!(live_documents(&app.app.db).await, before);
    app.finish().await;
}

/// A runner with views at different positions (a new version of one view built
/// from 0 beside the others, live at the head) folds each event into a view once:
/// the live views skip every event up to and including their own position. The
/// event at exactly that position (a sign-up: it moves the roster's counts) must
/// not be folded again, which a later batch would write out.
async fn a_live_view_ahead_of_a_building_one_never_folds_an_event_twice(b: Backend) {
    let app = TestApp::start(b).await;
    workload(&app).await;
    let settle = |app: &TestApp| {
        let (runner, reactor, db) = (
            app.app.runner.clone(),
            app.app.reactor.clone(),
            app.app.db.clone(),
        );
        async move {
            let head = db.head().await.expect("head");
            let wait = std::time::Duration::from_secs(10);
            assert!(runner.wait_for(head, wait).await && reactor.wait_for(head, wait).await);
            head
        }
    };
    settle(&app).await;
    // The last event: a sign-up the live roster has folded.
    let late = app.user("late").await;
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/activities/sprint/signups"
        ))
        .as_user(&late)
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let head = settle(&app).await;
    assert_eq!(
        r.position(),
        Some(head),
        "the sign-up is the log's last event"
    );
    // No other runner from here on: the service's jobs stop.
    app.app.leadership.stop().await;
    age_live_generation(&app.app.db, "user_directory").await;
    let mut runner = tessera_replay::Runner::load(app.app.db.clone())
        .await
        .expect("load");
    runner.catch_up().await.expect("catch up");
    // One more event, so the next batch writes out every view behind it.
    let admin = app.admin().await;
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/activities"))
        .as_user(&admin)
        .json(json!({ "slug": "extra", "name": "extra", "max_participants": 3 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    runner.catch_up().await.expect("catch up");
    let diffs = admin::verify(&app.app.db).await.expect("verify");
    assert!(diffs.is_empty(), "a view folded an event twice: {diffs:#?}");
    app.close().await;
}

/// What a rebuild and a catch-up report is the number of events they folded: every
/// event of the log once (`tessera replay rebuild` prints it as its `events`).
async fn a_rebuild_reports_each_event_of_the_log_once(b: Backend) {
    let app = TestApp::start(b).await;
    workload(&app).await;
    let head = app.app.db.head().await.expect("head");
    let wait = std::time::Duration::from_secs(10);
    assert!(
        app.app.runner.wait_for(head, wait).await && app.app.reactor.wait_for(head, wait).await
    );
    // Nothing else writes or folds from here on.
    app.app.leadership.stop().await;
    let sql = "SELECT COUNT(*) FROM events";
    let logged: i64 = match &app.app.db {
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("count"),
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("count"),
    };
    assert!(logged > 20, "the workload wrote events ({logged})");
    let rebuilt = admin::rebuild(&app.app.db, None).await.expect("rebuild");
    assert!(!rebuilt.is_empty());
    for r in &rebuilt {
        assert_eq!(
            r.events as i64, logged,
            "{} reports the events it folded",
            r.name
        );
    }
    // A restarted runner with one view building from 0 folds the whole log once more.
    age_live_generation(&app.app.db, "user_directory").await;
    let mut runner = tessera_replay::Runner::load(app.app.db.clone())
        .await
        .expect("load");
    assert_eq!(runner.catch_up().await.expect("catch up") as i64, logged);
    assert_eq!(
        runner.catch_up().await.expect("caught up"),
        0,
        "nothing is left"
    );
    // After the switch the same runner keeps folding every view (it is the only
    // one): a new event moves each live projection's checkpoint to the head.
    let admin = app.admin().await;
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/activities"))
        .as_user(&admin)
        .json(json!({ "slug": "after-switch", "name": "after the switch", "max_participants": 3 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(runner.catch_up().await.expect("catch up") > 0);
    let views = tessera_replay::views::view_names();
    let status = admin::status(&app.app.db).await.expect("status");
    let behind: Vec<_> = status
        .iter()
        .filter(|s| views.contains(&s.name.as_str()) && s.status == "live" && s.lag != 0)
        .collect();
    assert!(behind.is_empty(), "views left behind: {behind:#?}");
    let diffs = admin::verify(&app.app.db).await.expect("verify");
    assert!(diffs.is_empty(), "{diffs:#?}");
    app.close().await;
}

/// The live generation of every projection.
async fn live_generations(db: &Db) -> BTreeMap<String, i64> {
    admin::status(db)
        .await
        .expect("status")
        .into_iter()
        .filter(|s| s.status == "live")
        .map(|s| (s.name, s.generation))
        .collect()
}

async fn execute(db: &Db, sql: &str) {
    match db {
        Db::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        Db::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A rebuild stores each batch on a task of its own while it folds the next; a
/// write that fails fails the rebuild and switches nothing: the live generations
/// keep serving the rows they held. Once writes succeed, a rebuild switches every
/// projection to rows equal to the ones it replaced.
async fn a_rebuild_whose_write_fails_switches_nothing(b: Backend) {
    let app = TestApp::start(b).await;
    workload(&app).await;
    let head = app.app.db.head().await.expect("head");
    let wait = std::time::Duration::from_secs(10);
    assert!(app.app.runner.wait_for(head, wait).await);
    // Nothing else writes or folds from here on.
    app.app.leadership.stop().await;
    let db = &app.app.db;
    let rows = live_documents(db).await;
    let generations = live_generations(db).await;
    assert!(rows.len() > 10, "the workload left rows: {}", rows.len());
    let refuse = match db {
        Db::Postgres(_) => {
            "CREATE FUNCTION test_refuse_rows() RETURNS trigger LANGUAGE plpgsql AS $f$ \
             BEGIN RAISE EXCEPTION 'projection writes refused by the test'; END $f$; \
             CREATE TRIGGER test_refuse_rows BEFORE INSERT ON projection_rows \
             FOR EACH ROW EXECUTE FUNCTION test_refuse_rows()"
        }
        Db::Sqlite(_) => {
            "CREATE TRIGGER test_refuse_rows BEFORE INSERT ON projection_rows \
             BEGIN SELECT RAISE(ABORT, 'projection writes refused by the test'); END"
        }
    };
    execute(db, refuse).await;
    let failed = admin::rebuild(db, None).await;
    assert!(
        failed.is_err(),
        "a refused write fails the rebuild: {failed:?}"
    );
    let left: Vec<_> = admin::status(db)
        .await
        .expect("status")
        .into_iter()
        .filter(|s| s.status == "building")
        .collect();
    assert!(
        left.is_empty(),
        "a failed rebuild discards its generations: {left:#?}"
    );
    assert_eq!(
        live_generations(db).await,
        generations,
        "nothing was switched"
    );
    assert_eq!(live_documents(db).await, rows, "the live rows still serve");

    let allow = match db {
        Db::Postgres(_) => "DROP TRIGGER test_refuse_rows ON projection_rows",
        Db::Sqlite(_) => "DROP TRIGGER test_refuse_rows",
    };
    execute(db, allow).await;
    let rebuilt = admin::rebuild(db, None).await.expect("rebuild");
    assert!(!rebuilt.is_empty());
    let switched = live_generations(db).await;
    for r in &rebuilt {
        assert_eq!(
            switched.get(&r.name),
            Some(&r.generation),
            "{} is live",
            r.name
        );
        assert_ne!(
            generations.get(&r.name),
            Some(&r.generation),
            "{} was rebuilt",
            r.name
        );
    }
    assert_eq!(
        live_documents(db).await,
        rows,
        "the rebuilt rows equal the old"
    );
    assert_eq!(
        rows_not_live(db).await,
        0,
        "the replaced generations' rows were dropped"
    );
    app.close().await;
}

/// Stored rows of generations that are not live (retired or building).
async fn rows_not_live(db: &Db) -> i64 {
    let sql = "SELECT COUNT(*) FROM projection_rows r WHERE NOT EXISTS \
               (SELECT 1 FROM projection_state s WHERE s.name = r.name \
               AND s.generation = r.generation AND s.status = 'live')";
    match db {
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
    }
    .expect("count")
}

on_both_backends!(
    rebuild_from_zero_equals_incremental_views,
    a_rebuild_whose_write_fails_switches_nothing,
    a_rebuild_reports_each_event_of_the_log_once,
    replay_cli_status_verify_history_rebuild,
    a_new_projection_version_is_built_beside_the_live_one,
    a_live_view_ahead_of_a_building_one_never_folds_an_event_twice,
);

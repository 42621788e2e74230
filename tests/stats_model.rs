//! The stored statistics model (`conference_stats`), on SQLite and PostgreSQL:
//! after sales the stored row is the document assembled from the live rows, GET
//! /stats serves it with its position, a rebuild and verify still agree, and a new
//! stats VERSION is rebuilt beside the old rows while concurrent readers keep
//! getting answers.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::json;
use tessera::app::conference_id;
use tessera_projections::stats::VERSION;
use tessera_replay::stats_model::{self, StoredStats};
use tessera_replay::{Db, stats as replay_stats};

const CONF: &str = "statscon-2027";

fn url(slug: &str) -> String {
    format!("/api/v1/conferences/{slug}/stats")
}

/// A conference of the test series in `year` (the common helper makes 2027 only).
async fn conference_in(app: &TestApp, admin: &User, slug: &str, year: i32) {
    if year == 2027 {
        app.conference(admin, slug).await;
        return;
    }
    let _ = app
        .post("/api/v1/series")
        .as_user(admin)
        .json(json!({ "slug": "pycon-us", "name": "PyCon US" }))
        .send()
        .await;
    let r = app
        .post("/api/v1/conferences")
        .as_user(admin)
        .json(json!({
            "series": "pycon-us", "slug": slug, "name": format!("PyCon US {year}"),
            "year": year, "start_date": format!("{year}-05-14"), "end_date": format!("{year}-05-22"),
            "timezone": "America/Chicago", "total_capacity": 2500
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "conference: {}", r.text);
}

async fn conference_with_sales(
    app: &TestApp,
    admin: &User,
    slug: &str,
    year: i32,
    buyers: &[User],
) {
    conference_in(app, admin, slug, year).await;
    app.ticket_type(
        admin,
        slug,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 50 }),
    )
    .await;
    for u in buyers {
        let r = app.buy(u, slug, "individual", 1).await;
        assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
        let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
        let r = app
            .post(&format!(
                "/api/v1/conferences/{slug}/orders/{reference}/payments"
            ))
            .as_user(admin)
            .json(json!({ "method": "manual", "amount": "100.00" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
    }
}

/// Waits until the stored model stands at the settled log head.
async fn stored_at_head(app: &TestApp) -> i64 {
    let head = app.settled().await;
    assert!(
        app.app.stats.wait_for(head, Duration::from_secs(20)).await,
        "the stats model did not reach {head}"
    );
    head
}

async fn stored_equals_live(db: &Db, slug: &str) -> StoredStats {
    let id = conference_id(slug);
    let stored = stats_model::stored(db, id)
        .await
        .expect("read the stored row")
        .expect("a stored row");
    let live = replay_stats::live(db, id).await.expect("assemble live");
    assert_eq!(
        stored.stats, live,
        "stored stats of {slug} = assemble(live rows)"
    );
    assert_eq!(stored.version, VERSION);
    stored
}

/// After sales the stored row equals `assemble` over the live rows, the API serves
/// it with the position it stands at, and rebuild + verify still agree.
async fn stored_stats_follow_sales(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let buyers = vec![app.user("ana").await, app.user("bo").await];
    conference_with_sales(&app, &admin, CONF, 2027, &buyers).await;
    let head = stored_at_head(&app).await;
    let stored = stored_equals_live(&app.app.db, CONF).await;
    assert_eq!(
        stored.stats["sections"]["registrations"]["attendees"],
        json!(2),
        "{}",
        stored.stats
    );

    let r = app.get(&url(CONF)).as_user(&admin).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["source"], "live");
    assert_eq!(r.body["version"], json!(VERSION));
    assert!(
        r.body["position"].as_i64().unwrap_or_default() >= head,
        "{}",
        r.body
    );
    assert_eq!(r.body["stats"], stored.stats);

    // Read-your-writes: a sale, then a read after its position includes it (the
    // stored row once the job caught up, else computed on the spot).
    let carla = app.user("carla").await;
    conference_with_sales_more(&app, &admin, &carla).await;
    let after = app.settled().await;
    let r = app
        .get(&url(CONF))
        .as_user(&admin)
        .after(Some(after))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["stats"]["sections"]["registrations"]["attendees"],
        json!(3),
        "{}",
        r.body
    );
    assert!(r.body["position"].as_i64().unwrap_or_default() >= after);
    stored_at_head(&app).await;
    stored_equals_live(&app.app.db, CONF).await;

    // A full rebuild of the projections, and verify, still agree.
    tessera_replay::admin::rebuild(&app.app.db, None)
        .await
        .expect("rebuild");
    let diffs = tessera_replay::admin::verify(&app.app.db)
        .await
        .expect("verify");
    assert!(diffs.is_empty(), "{diffs:?}");
    // A rebuild of the stats model itself, then the same document.
    let at = app.app.runner.position();
    stats_model::rebuild(&app.app.db, at, &mut |_| {})
        .await
        .expect("rebuild the stats model");
    stored_equals_live(&app.app.db, CONF).await;
    app.finish().await;
}

async fn conference_with_sales_more(app: &TestApp, admin: &User, buyer: &User) {
    let r = app.buy(buyer, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/orders/{reference}/payments"
        ))
        .as_user(admin)
        .json(json!({ "method": "manual", "amount": "100.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
}

/// Marks the stored model as made by the previous stats VERSION (what a build with
/// a raised VERSION finds).
async fn make_rows_old(db: &Db) {
    let old = i64::from(VERSION) - 1;
    let rows: Vec<(String, i64, String)> = match db {
        Db::Postgres(p) => sqlx::query_as(
            "SELECT key, generation, doc FROM projection_rows WHERE name = 'conference_stats'",
        )
        .fetch_all(p)
        .await
        .expect("rows"),
        Db::Sqlite(p) => sqlx::query_as(
            "SELECT key, generation, doc FROM projection_rows WHERE name = 'conference_stats'",
        )
        .fetch_all(p)
        .await
        .expect("rows"),
    };
    assert!(!rows.is_empty());
    for (key, generation, doc) in rows {
        if key.starts_with("people:") {
            continue;
        }
        let mut row: StoredStats = serde_json::from_str(&doc).expect("stored row");
        row.version = VERSION - 1;
        row.stats["version"] = json!(VERSION - 1);
        let doc = serde_json::to_string(&row).expect("json");
        let sql = "UPDATE projection_rows SET doc = $1 WHERE name = 'conference_stats' \
                   AND generation = $2 AND key = $3";
        match db {
            Db::Postgres(p) => sqlx::query(sql)
                .bind(&doc)
                .bind(generation)
                .bind(&key)
                .execute(p)
                .await
                .map(|_| ()),
            Db::Sqlite(p) => sqlx::query(sql)
                .bind(&doc)
                .bind(generation)
                .bind(&key)
                .execute(p)
                .await
                .map(|_| ()),
        }
        .expect("update row");
    }
    let sql = "UPDATE projection_state SET version = $1 WHERE name = 'conference_stats' \
               AND status = 'live'";
    match db {
        Db::Postgres(p) => sqlx::query(sql)
            .bind(old as i32)
            .execute(p)
            .await
            .map(|_| ()),
        Db::Sqlite(p) => sqlx::query(sql).bind(old).execute(p).await.map(|_| ()),
    }
    .expect("update state");
}

/// A schema change: the stored rows are of VERSION-1 when the app starts; the job
/// rebuilds every conference beside them and switches. Readers hammering GET
/// /stats during the switch all get answers, and the final ones carry VERSION.
async fn a_new_stats_version_is_rebuilt_beside_the_old_rows(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    let buyers = vec![app.user("ana").await, app.user("bo").await];
    let slugs: Vec<String> = (0..6).map(|i| format!("statscon-{}", 2022 + i)).collect();
    for (i, s) in slugs.iter().enumerate() {
        conference_with_sales(&app, &admin, s, 2022 + i as i32, &buyers).await;
    }
    stored_at_head(&app).await;
    app.crash().await;
    let (db, _) = (
        tessera::server::open_db(&app.url).await.expect("reopen"),
        (),
    );
    make_rows_old(&db).await;
    if let Db::Postgres(p) = &db {
        p.close().await;
    }
    let app = Arc::new(app.restart().await);

    let mut tasks = vec![];
    for i in 0..16 {
        let (app, admin, slug) = (app.clone(), admin.clone(), slugs[i % slugs.len()].clone());
        tasks.push(tokio::spawn(async move {
            let mut versions = vec![];
            for _ in 0..400 {
                let r = app.get(&url(&slug)).as_user(&admin).send().await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                let v = r.body["version"].as_u64().unwrap_or_default();
                assert_eq!(r.body["stats"]["version"].as_u64(), Some(v), "{}", r.body);
                versions.push(v);
                if v == u64::from(VERSION) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            versions
        }));
    }
    for t in tasks {
        let versions = t.await.expect("reader");
        assert_eq!(
            versions.last().copied(),
            Some(u64::from(VERSION)),
            "{versions:?}"
        );
        // Never back to the old version once the new one answered.
        let first_new = versions.iter().position(|v| *v == u64::from(VERSION));
        assert!(first_new.is_some_and(|i| versions[i..].iter().all(|v| *v == u64::from(VERSION))));
    }
    for s in &slugs {
        stored_equals_live(&app.app.db, s).await;
    }
    let app = Arc::try_unwrap(app).unwrap_or_else(|_| panic!("readers done"));
    app.finish().await;
}

on_both_backends!(
    stored_stats_follow_sales,
    a_new_stats_version_is_rebuilt_beside_the_old_rows
);

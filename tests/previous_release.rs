//! A database written by the previous release is served by this one.
//!
//! `tests/fixtures/previous_release/` holds what a release left behind after a
//! short season (see the README there): the SQLite file itself, and the rows of
//! the same database as JSON lines, which are loaded into a fresh PostgreSQL
//! database (no pg_dump needed). This build opens them, runs its migrations,
//! checks that its projections agree with the stored history (`tessera replay
//! verify`), serves the orders, attendees and catalog with the figures of that
//! season, and takes new orders on top.

mod common;

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tessera_replay::Db;

const CONF: &str = "pycon-us-2027";

fn url(path: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{path}")
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/previous_release")
}

/// The season the fixture records, through the API of its release: an admin sets
/// up a conference with two ticket types and an add-on and grants check-in to
/// sam; ana buys a ticket and a tutorial, pays by hand and is checked in; bo
/// checks out two student tickets and cancels.
async fn season(app: &TestApp) {
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    for body in [
        json!({ "slug": "individual", "name": "Individual", "price": "400.00", "total_quantity": 100 }),
        json!({ "slug": "student", "name": "Student", "price": "100.00", "total_quantity": 50 }),
    ] {
        app.ticket_type(&admin, CONF, body).await;
    }
    let r = app
        .post(&url("addons"))
        .as_user(&admin)
        .json(json!({ "slug": "tutorial", "name": "Tutorial", "price": "150.00", "total_quantity": 20 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "add-on: {}", r.text);
    let sam = app.user("sam").await;
    app.grant(&admin, CONF, &sam, "checkin").await;

    let ana = app.user("ana").await;
    let r = app
        .post(&url("cart/items"))
        .as_user(&ana)
        .json(json!({ "addon": "tutorial", "quantity": 1 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "cart: {}", r.text);
    let order = app.buy(&ana, CONF, "individual", 1).await;
    assert_eq!(
        order.status,
        StatusCode::CREATED,
        "checkout: {}",
        order.text
    );
    let reference = order.body["reference"].as_str().unwrap_or_default();
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(&admin)
        .json(json!({ "method": "manual", "amount": "550.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "manual payment: {}", r.text);
    let me = app
        .get(&url("attendees/me"))
        .as_user(&ana)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "attendee: {}", me.text);
    let r = app
        .post(&url("checkins"))
        .as_user(&sam)
        .json(json!({ "access_code": me.body["access_code"], "station": "hall-a" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "check-in: {}", r.text);

    let bo = app.user("bo").await;
    let order = app.buy(&bo, CONF, "student", 2).await;
    assert_eq!(
        order.status,
        StatusCode::CREATED,
        "checkout: {}",
        order.text
    );
    let reference = order.body["reference"].as_str().unwrap_or_default();
    let r = app
        .post(&url(&format!("orders/{reference}/cancel")))
        .as_user(&bo)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "cancel: {}", r.text);
}

async fn login(app: &TestApp, email: &str, password: &str) -> User {
    let r = app
        .post("/api/v1/auth/login")
        .json(json!({ "email": email, "password": password }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.text);
    User {
        id: tessera::app::user_id(email).to_string(),
        email: email.to_string(),
        token: r.body["token"].as_str().unwrap_or_default().to_string(),
    }
}

/// One stored row of a table, as JSON lines (the PostgreSQL path of the fixture).
#[derive(Debug, Serialize, Deserialize, sqlx::FromRow)]
struct EventRow {
    position: i64,
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
    event_type: String,
    event_version: String,
    /// The stored text, byte for byte.
    payload: String,
    metadata: String,
    recorded_at: String,
}

#[derive(Debug, Serialize, Deserialize, sqlx::FromRow)]
struct StateRow {
    name: String,
    generation: i64,
    version: i64,
    position: i64,
    status: String,
    updated_at: String,
}

#[derive(Debug, Serialize, Deserialize, sqlx::FromRow)]
struct ProjectionRow {
    name: String,
    generation: i64,
    key: String,
    doc: String,
}

fn read_lines<T: for<'de> Deserialize<'de>>(file: &str) -> Vec<T> {
    let path = fixture_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path:?}: {e}: {l}")))
        .collect()
}

/// The previous release's database on `backend`: the SQLite file copied (the
/// fixture itself is never opened), or its rows loaded into a fresh PostgreSQL
/// database. Opened and migrated as `tessera serve` does.
async fn previous_release(backend: Backend) -> TestApp {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let file = dir.path().join("tessera.db");
            std::fs::copy(fixture_dir().join("tessera.db"), &file).expect("copy the fixture");
            let url = format!("sqlite://{}", file.display());
            let db = tessera::server::open_db(&url).await.expect("open sqlite");
            TestApp::over(backend, db, url, Some(dir), None).await
        }
        Backend::Postgres => {
            let (url, name) = common::fresh_postgres().await;
            let db = tessera::server::open_db(&url).await.expect("open postgres");
            let Db::Postgres(pool) = &db else {
                unreachable!("a postgres URL opens PostgreSQL")
            };
            load_postgres(pool).await;
            TestApp::over(backend, db, url, None, Some(name)).await
        }
    }
}

async fn load_postgres(pool: &sqlx::PgPool) {
    let mut tx = pool.begin().await.expect("begin");
    for e in read_lines::<EventRow>("postgres/events.jsonl") {
        sqlx::query(
            "INSERT INTO events (position, aggregate_type, aggregate_id, sequence, event_type, \
             event_version, payload, metadata, recorded_at) OVERRIDING SYSTEM VALUE \
             VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8::json, $9::timestamptz)",
        )
        .bind(e.position)
        .bind(e.aggregate_type)
        .bind(e.aggregate_id)
        .bind(e.sequence)
        .bind(e.event_type)
        .bind(e.event_version)
        .bind(e.payload)
        .bind(e.metadata)
        .bind(e.recorded_at)
        .execute(&mut *tx)
        .await
        .expect("insert an event");
    }
    sqlx::query(
        "SELECT setval(pg_get_serial_sequence('events', 'position'), max(position)) FROM events",
    )
    .execute(&mut *tx)
    .await
    .expect("move the position sequence past the history");
    for s in read_lines::<StateRow>("postgres/projection_state.jsonl") {
        sqlx::query(
            "INSERT INTO projection_state (name, generation, version, position, status, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6::timestamptz)",
        )
        .bind(s.name)
        .bind(s.generation)
        .bind(s.version as i32)
        .bind(s.position)
        .bind(s.status)
        .bind(s.updated_at)
        .execute(&mut *tx)
        .await
        .expect("insert a checkpoint");
    }
    for r in read_lines::<ProjectionRow>("postgres/projection_rows.jsonl") {
        // As an upgrade leaves such a row: a listed one keeps the whole parsed
        // document its release generated in `docb` (this release's writer copies
        // only the listed fields), and the lists must answer from it alike.
        let listed = tessera_replay::listed::listed(&r.name, &r.key);
        sqlx::query(
            "INSERT INTO projection_rows (name, generation, key, doc, docb) \
             VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN $4::jsonb END)",
        )
        .bind(r.name)
        .bind(r.generation)
        .bind(r.key)
        .bind(r.doc)
        .bind(listed)
        .execute(&mut *tx)
        .await
        .expect("insert a projection row");
    }
    tx.commit().await.expect("commit the history");
}

/// The order of `orders` placed by `user`.
fn order_of<'a>(orders: &'a [Value], user: &User) -> &'a Value {
    orders
        .iter()
        .find(|o| o["user_id"] == user.id.as_str())
        .unwrap_or_else(|| panic!("no order of {}", user.email))
}

async fn the_previous_release_is_served(b: Backend) {
    let app = previous_release(b).await;
    let stored = read_lines::<EventRow>("postgres/events.jsonl").len() as i64;
    // Opening changed no history: the projections and process managers of the
    // previous release were at the head, and the migrations touch no event.
    let head = app.settled().await;
    assert_eq!(head, stored, "the log after opening");
    let diffs = tessera_replay::admin::verify(&app.app.db)
        .await
        .expect("replay verify runs");
    assert!(diffs.is_empty(), "replay verify: {diffs:#?}");

    let admin = login(&app, "admin@example.org", "admin password").await;
    let ana = login(&app, "ana@example.org", "correct horse battery").await;
    let bo = login(&app, "bo@example.org", "correct horse battery").await;

    // The catalog.
    let r = app.get(&format!("/api/v1/conferences/{CONF}")).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["details"]["name"], "PyCon US pycon-us-2027");
    assert_eq!(r.body["year"], 2027);
    let slugs = |list: &Value| -> Vec<Value> {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|p| p["slug"].clone())
            .collect()
    };
    assert_eq!(
        slugs(&r.body["ticket_types"]),
        vec![json!("individual"), json!("student")]
    );
    assert_eq!(slugs(&r.body["addons"]), vec![json!("tutorial")]);
    let r = app.get(&url("ticket-types")).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let remaining: Vec<(Value, Value, Value)> = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["slug"].clone(),
                t["price"].clone(),
                t["remaining"].clone(),
            )
        })
        .collect();
    assert_eq!(
        remaining,
        vec![
            (json!("individual"), json!("400.00"), json!(99)),
            (json!("student"), json!("100.00"), json!(50)),
        ]
    );
    let r = app.get(&url("addons")).send().await;
    assert_eq!(r.body["items"][0]["slug"], "tutorial");
    assert_eq!(r.body["items"][0]["remaining"], 19);

    // The orders.
    let r = app.get(&url("orders")).as_user(&admin).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let orders = r.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(orders.len(), 2, "{}", r.text);
    let paid = order_of(&orders, &ana);
    assert_eq!(
        (
            &paid["status"],
            &paid["items"],
            &paid["total"],
            &paid["paid"],
            &paid["balance"]
        ),
        (
            &json!("paid"),
            &json!(2),
            &json!("550.00"),
            &json!("550.00"),
            &json!("0.00")
        )
    );
    let cancelled = order_of(&orders, &bo);
    assert_eq!(
        (
            &cancelled["status"],
            &cancelled["items"],
            &cancelled["total"]
        ),
        (&json!("cancelled"), &json!(2), &json!("200.00"))
    );
    let nothing_paid = cancelled["paid"]
        .as_str()
        .and_then(|p| p.parse::<Decimal>().ok());
    assert_eq!(nothing_paid, Some(Decimal::ZERO), "{cancelled}");
    let reference = paid["reference"].as_str().unwrap_or_default();
    let r = app
        .get(&url(&format!("orders/{reference}")))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "paid");

    // The attendees.
    let r = app.get(&url("attendees")).as_user(&admin).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let attendees: Vec<(Value, Value, Value)> = r.body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            (
                a["email"].clone(),
                a["ticket_type"].clone(),
                a["checked_in"].clone(),
            )
        })
        .collect();
    assert_eq!(
        attendees,
        vec![(json!("ana@example.org"), json!("Individual"), json!(true))]
    );
    let r = app
        .get(&url("attendees/me"))
        .as_user(&ana)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["checked_in"], true);
    assert_eq!(r.body["order_status"], "paid");

    // And the season goes on: bo buys a student ticket after all.
    let order = app.buy(&bo, CONF, "student", 1).await;
    assert_eq!(
        order.status,
        StatusCode::CREATED,
        "checkout: {}",
        order.text
    );
    let reference = order.body["reference"].as_str().unwrap_or_default();
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(&admin)
        .json(json!({ "method": "manual", "amount": "100.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "manual payment: {}", r.text);
    let r = app.get(&url("ticket-types")).send().await;
    assert_eq!(r.body["items"][1]["slug"], "student");
    assert_eq!(r.body["items"][1]["remaining"], 49);
    let r = app
        .get(&url("orders"))
        .as_user(&admin)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(3),
        "{}",
        r.text
    );
    app.finish().await;
}

on_both_backends!(the_previous_release_is_served);

/// Writes the fixture: runs the season on SQLite with this build and stores the
/// database and its rows. Run once per release whose database later releases must
/// serve (`TESSERA_WRITE_CORPUS=1 cargo test --test previous_release -- --ignored`);
/// it never overwrites a fixture.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "writes the fixture; run by hand with TESSERA_WRITE_CORPUS=1"]
async fn write_previous_release_fixture() {
    if std::env::var("TESSERA_WRITE_CORPUS").as_deref() != Ok("1") {
        eprintln!("set TESSERA_WRITE_CORPUS=1 to write the fixture");
        return;
    }
    let dir = fixture_dir();
    assert!(
        !dir.join("tessera.db").exists(),
        "the fixture exists: never overwrite it"
    );
    let app = TestApp::start(Backend::Sqlite).await;
    season(&app).await;
    let head = app.settled().await;
    assert!(
        app.app
            .runner
            .wait_for(head, std::time::Duration::from_secs(20))
            .await
    );
    let Db::Sqlite(pool) = &app.app.db else {
        unreachable!("started on SQLite")
    };
    std::fs::create_dir_all(dir.join("postgres")).expect("fixture folder");
    let file = dir.join("tessera.db");
    sqlx::query(&format!("VACUUM INTO '{}'", file.display()))
        .execute(pool)
        .await
        .expect("write the database file");
    let events: Vec<EventRow> = sqlx::query_as(
        "SELECT position, aggregate_type, aggregate_id, sequence, event_type, event_version, \
         payload, metadata, recorded_at FROM events ORDER BY position",
    )
    .fetch_all(pool)
    .await
    .expect("read the events");
    let states: Vec<StateRow> = sqlx::query_as(
        "SELECT name, generation, version, position, status, updated_at FROM projection_state \
         ORDER BY name, generation",
    )
    .fetch_all(pool)
    .await
    .expect("read the checkpoints");
    let rows: Vec<ProjectionRow> = sqlx::query_as(
        "SELECT name, generation, key, doc FROM projection_rows ORDER BY name, generation, key",
    )
    .fetch_all(pool)
    .await
    .expect("read the projection rows");
    write_lines(&dir.join("postgres/events.jsonl"), &events);
    write_lines(&dir.join("postgres/projection_state.jsonl"), &states);
    write_lines(&dir.join("postgres/projection_rows.jsonl"), &rows);
    app.finish().await;
}

fn write_lines<T: Serialize>(path: &Path, rows: &[T]) {
    let mut text = String::new();
    for row in rows {
        text.push_str(&serde_json::to_string(row).expect("a row serializes"));
        text.push('\n');
    }
    std::fs::write(path, text).expect("write the rows");
}

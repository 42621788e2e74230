//! The hold sweeper end to end (SPEC ORDER-20, CAT-2, AMB-22): a pending order
//! whose hold ran out is recorded as expired without any checkout in its
//! conference (ORDER-3 would otherwise be the first to notice).

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use serde_json::{Value, json};
use tessera::process::sweeper::sweep_once;
use tessera_aggregates::inventory::Inventory;

const CONF: &str = "pycon-us-2027";
const OTHER: &str = "pycon-us-2028";
/// Past the default 15-minute hold (CONF-44).
const PAST_THE_HOLD: chrono::Duration = chrono::Duration::minutes(16);

/// Conference `slug` of series "pycon-us" (one per year, MY-2/AMB-29).
async fn conference(app: &TestApp, admin: &User, slug: &str, year: i32) {
    if slug == CONF {
        app.conference(admin, slug).await;
        return;
    }
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

/// Conference `slug` selling "individual" (100.00, 10 of them).
async fn with_tickets(app: &TestApp, admin: &User, slug: &str, year: i32) {
    conference(app, admin, slug, year).await;
    app.ticket_type(
        admin,
        slug,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
}

/// Buys one "individual" in `slug`; the new order's reference.
async fn buy(app: &TestApp, user: &User, slug: &str) -> String {
    let r = app.buy(user, slug, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

fn order_path(slug: &str, reference: &str) -> String {
    format!("/api/v1/conferences/{slug}/orders/{reference}")
}

async fn get_order(app: &TestApp, user: &User, slug: &str, reference: &str) -> Response {
    let r = app
        .get(&order_path(slug, reference))
        .as_user(user)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r
}

/// The order as the orders read model lists it (staff view).
async fn listed(app: &TestApp, staff: &User, slug: &str, reference: &str) -> Value {
    let head = Some(app.settled().await);
    let r = app
        .get(&format!("/api/v1/conferences/{slug}/orders"))
        .as_user(staff)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .and_then(|l| l.iter().find(|o| o["reference"] == reference))
        .cloned()
        .unwrap_or_else(|| panic!("{reference} not listed: {}", r.text))
}

async fn pay(app: &TestApp, user: &User, reference: &str, body: Value) -> Response {
    app.post(&format!("{}/payments", order_path(CONF, reference)))
        .as_user(user)
        .json(body)
        .send()
        .await
}

async fn credits(app: &TestApp, user: &User) -> Vec<Value> {
    let head = Some(app.settled().await);
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/credits"))
        .as_user(user)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

/// Stale holds the conference's Inventory has not recorded as expired yet.
async fn unrecorded_expiries(app: &TestApp, slug: &str) -> usize {
    let ledger = Inventory::stream(tessera::app::inventory_id(tessera::app::conference_id(
        slug,
    )));
    let now = app.app.bus.services().now();
    app.app
        .bus
        .peek(&ledger, |inv| inv.expired_holds(now).len())
        .await
        .expect("inventory")
}

/// ORDER-20 with AMB-22 and CAT-2: once the hold runs out, a sweep alone (no
/// checkout anywhere) cancels the pending order as expired in the aggregate and
/// the orders read model, clears its hold, gives its applied credit back; a second
/// sweep finds nothing to do.
async fn order_20_the_sweeper_expires_a_stale_order_without_any_checkout(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    with_tickets(&app, &admin, CONF, 2027).await;
    let ana = app.user("ana").await;
    let finance = app.user("fin").await;
    app.grant(&admin, CONF, &finance, "finance").await;

    // A credit for ana (a paid order partly refunded to store credit), applied to a
    // second, pending order.
    let first = buy(&app, &ana, CONF).await;
    let r = pay(
        &app,
        &finance,
        &first,
        json!({ "method": "manual", "amount": "100.00" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(&format!("{}/refunds", order_path(CONF, &first)))
        .as_user(&finance)
        .json(json!({ "amount": "30.00", "to": "credit" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let credit_id = r.body["credit_id"].as_str().unwrap_or_default().to_string();
    // The credit is issued by a process manager.
    assert_eq!(credits(&app, &ana).await.len(), 1);
    let second = buy(&app, &ana, CONF).await;
    let r = pay(
        &app,
        &ana,
        &second,
        json!({ "method": "credit", "credit_id": credit_id }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(credits(&app, &ana).await[0]["remaining"], "0.00");

    // Nothing stale yet: the sweep changes nothing.
    assert_eq!(sweep_once(&app.app.bus).await.expect("sweep"), 0);

    app.clock.advance(PAST_THE_HOLD);
    // CAT-2: availability already ignores the hold; the order is still pending.
    assert_eq!(
        get_order(&app, &ana, CONF, &second).await.body["status"],
        "pending"
    );
    assert_eq!(unrecorded_expiries(&app, CONF).await, 1);

    assert_eq!(sweep_once(&app.app.bus).await.expect("sweep"), 1);
    app.settled().await;

    let r = get_order(&app, &ana, CONF, &second).await;
    assert_eq!(
        (&r.body["status"], &r.body["cancel_reason"]),
        (&json!("cancelled"), &json!("expired")),
        "{}",
        r.text
    );
    assert!(r.body["hold_expires_at"].is_null(), "ORDER-20: {}", r.text);
    let row = listed(&app, &finance, CONF, &second).await;
    assert_eq!(
        (&row["status"], &row["hold_expires_at"]),
        (&json!("cancelled"), &Value::Null),
        "{row}"
    );
    // The paid order is untouched.
    assert_eq!(
        get_order(&app, &ana, CONF, &first).await.body["status"],
        "partially_refunded"
    );

    // The Inventory recorded the expiry; the organizer sees nothing held.
    assert_eq!(unrecorded_expiries(&app, CONF).await, 0);
    let head = Some(app.settled().await);
    let inv = app
        .get(&format!("/api/v1/conferences/{CONF}/inventory"))
        .as_user(&admin)
        .after(head)
        .send()
        .await;
    assert_eq!(inv.status, StatusCode::OK, "{}", inv.text);
    assert_eq!(inv.body["products"][0]["held"], 0, "{}", inv.text);

    // AMB-22: the applied credit is back.
    let back = credits(&app, &ana).await;
    assert_eq!(
        (&back[0]["remaining"], &back[0]["status"]),
        (&json!("30.00"), &json!("available")),
        "{back:?}"
    );

    // A second sweep has nothing left to do and appends nothing.
    let head = app.app.db.head().await.ok();
    assert_eq!(sweep_once(&app.app.bus).await.expect("sweep"), 0);
    assert_eq!(app.app.db.head().await.ok(), head);
    app.finish().await;
}

/// ORDER-20: one sweep covers every conference; conferences with nothing stale (a
/// live hold, no hold, no inventory at all) cost no command.
async fn order_20_the_sweeper_covers_every_conference_and_is_free_when_nothing_is_stale(
    b: Backend,
) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    with_tickets(&app, &admin, CONF, 2027).await;
    with_tickets(&app, &admin, OTHER, 2028).await;
    conference(&app, &admin, "pycon-us-2029", 2029).await; // no products, no inventory
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let anas = buy(&app, &ana, CONF).await;
    let bos = buy(&app, &bo, OTHER).await;
    app.settled().await;

    // Live holds only: nothing to record, nothing appended.
    let head = app.app.db.head().await.ok();
    assert_eq!(sweep_once(&app.app.bus).await.expect("sweep"), 0);
    assert_eq!(app.app.db.head().await.ok(), head, "a command was sent");

    app.clock.advance(PAST_THE_HOLD);
    assert_eq!(sweep_once(&app.app.bus).await.expect("sweep"), 2);
    app.settled().await;
    for (user, slug, reference) in [(&ana, CONF, &anas), (&bo, OTHER, &bos)] {
        let r = get_order(&app, user, slug, reference).await;
        assert_eq!(
            (&r.body["status"], &r.body["cancel_reason"]),
            (&json!("cancelled"), &json!("expired")),
            "{slug}: {}",
            r.text
        );
    }

    let head = app.app.db.head().await.ok();
    assert_eq!(sweep_once(&app.app.bus).await.expect("sweep"), 0);
    assert_eq!(app.app.db.head().await.ok(), head, "a command was sent");
    app.finish().await;
}

/// ORDER-20: the sweeper `serve` spawns runs by itself every `hold_sweep_seconds`.
async fn order_20_the_spawned_sweeper_runs_on_its_own(b: Backend) {
    let config = tessera::config::Config {
        hold_sweep_seconds: 1,
        ..Default::default()
    };
    let app = TestApp::start_with(b, config).await;
    let admin = app.admin().await;
    with_tickets(&app, &admin, CONF, 2027).await;
    let ana = app.user("ana").await;
    let reference = buy(&app, &ana, CONF).await;
    app.clock.advance(PAST_THE_HOLD);

    let sweeper =
        tessera::process::sweeper::spawn(app.app.bus.clone(), app.app.config.hold_sweep_interval());
    let mut status = Value::Null;
    for _ in 0..100 {
        status = get_order(&app, &ana, CONF, &reference).await.body["status"].clone();
        if status == "cancelled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sweeper.abort();
    assert_eq!(status, "cancelled");
    app.settled().await;
    app.finish().await;
}

on_both_backends!(
    order_20_the_sweeper_expires_a_stale_order_without_any_checkout,
    order_20_the_sweeper_covers_every_conference_and_is_free_when_nothing_is_stale,
    order_20_the_spawned_sweeper_runs_on_its_own,
);

//! Crash safety: a crash injected between every two steps of checkout
//! and of refund, followed by a restart, leaves stock, vouchers, orders and money
//! consistent — no hold outlives its expiry, no refund is paid twice (ORDER-3…20,
//! CAT-2, DISC-5, PAY-25…29, AMB-9/10).
//!
//! A crash in checkout is an armed fault point (`App.faults`): checkout stops there
//! with 503 and runs nothing after it, not even a compensation. A restart
//! (`TestApp::restart`) closes the old pool — the old process's requests, runner
//! and process managers are cut off wherever they are — and builds a new App over
//! the same database: new caches, the reactor resumes from its stored checkpoint.
//! A crash of the process managers between a command and their checkpoint is the
//! checkpoint left behind that command: the test puts it back there.
//!
//! A refund to the card crosses to Stripe (a fake that honours idempotency keys):
//! a crash between recording it, the Stripe call, recording the outcome and the
//! credit note is finished after the restart with exactly one Stripe refund.

mod common;
#[path = "common/fake_stripe.rs"]
mod fake_stripe;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use fake_stripe::{FakeStripe, Fault};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tessera::config::{Config, Secret, StripeConfig};
use tessera::process::orders::refund_credit_id;
use tessera::process::{CheckoutStep, RefundStep};
use tessera_aggregates::DomainServices;
use tessera_aggregates::order::{Order, OrderCommand, PaymentMethod, RefundReason, RefundTo};
use tessera_projections::EventMeta;
use tessera_replay::Db;
use uuid::Uuid;

const CONF: &str = "pycon-us-2027";

// ---------------------------------------------------------------- helpers

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| Decimal::from_str(s).ok())
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

fn money(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

fn order_path(reference: &str) -> String {
    format!("/api/v1/conferences/{CONF}/orders/{reference}")
}

async fn checkout(app: &TestApp, user: &User) -> Response {
    app.post(&format!("/api/v1/conferences/{CONF}/checkout"))
        .as_user(user)
        .send()
        .await
}

async fn remaining(app: &TestApp) -> Option<i64> {
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/ticket-types"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"][0]["remaining"].as_i64()
}

/// `(sold, held, remaining)` of the only ticket type.
async fn inventory(app: &TestApp, admin: &User) -> (u64, u64, i64) {
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/inventory"))
        .as_user(admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let p = &r.body["products"][0];
    (
        p["sold"].as_u64().unwrap_or(u64::MAX),
        p["held"].as_u64().unwrap_or(u64::MAX),
        p["remaining"].as_i64().unwrap_or(i64::MAX),
    )
}

/// `(uses, valid)` of the only voucher.
async fn voucher(app: &TestApp, admin: &User) -> (u64, bool) {
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/vouchers"))
        .as_user(admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (
        r.body["items"][0]["voucher"]["uses"]
            .as_u64()
            .unwrap_or(u64::MAX),
        r.body["items"][0]["valid"].as_bool().unwrap_or_default(),
    )
}

/// The orders `user` sees (all of them for staff), read after the log head.
async fn orders(app: &TestApp, user: &User, query: &str) -> Vec<Value> {
    let head = Some(app.settled().await);
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/orders{query}"))
        .as_user(user)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
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

async fn pay_manual(app: &TestApp, staff: &User, reference: &str, amount: &str) {
    let r = app
        .post(&format!("{}/payments", order_path(reference)))
        .as_user(staff)
        .json(json!({ "method": "manual", "amount": amount }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "paid", "{}", r.text);
}

async fn refund(app: &TestApp, staff: &User, reference: &str, amount: &str, key: &str) -> Response {
    app.post(&format!("{}/refunds", order_path(reference)))
        .as_user(staff)
        .header("idempotency-key", key)
        .json(json!({ "amount": amount, "to": "credit" }))
        .send()
        .await
}

/// How many `event_type` facts of `aggregate_type` the log holds.
async fn facts(app: &TestApp, aggregate_type: &str, event_type: &str) -> usize {
    app.count_events(|e| e.aggregate_type == aggregate_type && e.event_type == event_type)
        .await
}

/// Runs one statement against the database of a crashed app (its own pool is
/// closed), as an operator would between the crash and the restart.
/// `sql` takes `text` as `$1` and, if given, `number` as `$2`.
async fn exec(url: &str, sql: &str, text: &str, number: Option<i64>) -> u64 {
    let db = Db::connect(url, 1).await.expect("connect");
    let affected = match &db {
        Db::Postgres(p) => {
            let q = sqlx::query(sql).bind(text);
            let q = match number {
                Some(n) => q.bind(n),
                None => q,
            };
            q.execute(p).await.expect("statement").rows_affected()
        }
        Db::Sqlite(p) => {
            let q = sqlx::query(sql).bind(text);
            let q = match number {
                Some(n) => q.bind(n),
                None => q,
            };
            q.execute(p).await.expect("statement").rows_affected()
        }
    };
    close(db).await;
    affected
}

async fn close(db: Db) {
    match db {
        Db::Postgres(p) => p.close().await,
        Db::Sqlite(p) => p.close().await,
    }
}

/// What a crash of the process managers between a command and their checkpoint
/// leaves behind: the command's effects are in the log, the checkpoint is still
/// before the fact that caused it. Only while no app runs over the database.
async fn rewind_process_managers(url: &str, to: i64) {
    let sql = "UPDATE projection_state SET position = $2 WHERE name = $1 AND status = 'live'";
    let n = exec(url, sql, tessera::reactor::NAME, Some(to)).await;
    assert_eq!(n, 1, "the process managers' checkpoint row");
}

// ---------------------------------------------------------------- checkout

/// A conference selling 2 "individual" tickets at 100.00 and a voucher HALF (50 %,
/// one use); ana has one ticket and HALF in her cart.
async fn shop(b: Backend) -> (TestApp, User, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 2 }),
    )
    .await;
    let v = app
        .post(&format!("/api/v1/conferences/{CONF}/vouchers"))
        .as_user(&admin)
        .json(json!({ "code": "HALF", "kind": "percentage", "value": "50", "max_uses": 1 }))
        .send()
        .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    let ana = app.user("ana").await;
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/cart/items"))
        .as_user(&ana)
        .json(json!({ "ticket_type": "individual", "quantity": 1 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .put(&format!("/api/v1/conferences/{CONF}/cart/voucher"))
        .as_user(&ana)
        .json(json!({ "code": "HALF" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (app, admin, ana)
}

/// A crash at `step` of ana's checkout, a restart, then: the orphan hold (if any)
/// counts until its expiry and not after; its voucher use comes back; ana checks out
/// again; nothing is ever oversold; the projections and process managers agree.
async fn crash_in_checkout(b: Backend, step: CheckoutStep) {
    let (app, admin, ana) = shop(b).await;
    app.app.faults.arm(step);
    let r = checkout(&app, &ana).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.code(), "fault.injected_crash", "{}", r.text);
    let app = app.restart().await;

    let orphan = step != CheckoutStep::AfterExpire;
    let held = u64::from(orphan);
    // Until its expiry the orphan hold counts: stock and the voucher's one use.
    assert_eq!(remaining(&app).await, Some(2 - held as i64), "{step:?}");
    assert_eq!(inventory(&app, &admin).await, (0, held, 2 - held as i64));
    assert_eq!(voucher(&app, &admin).await, (held, !orphan));
    let mine = orders(&app, &ana, "").await;
    if step == CheckoutStep::AfterPlace {
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0]["status"], "pending");
    } else {
        assert!(mine.is_empty(), "{step:?}: {mine:?}");
    }
    if orphan {
        // Ana's retry finds the voucher's only use still held by the orphan.
        let r = checkout(&app, &ana).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(
            r.body["detail"], "Voucher code 'HALF' is no longer valid.",
            "{}",
            r.text
        );
        // ORDER-20: past its expiry the hold no longer counts, before any sweep…
        app.clock.advance(chrono::Duration::minutes(16));
        assert_eq!(remaining(&app).await, Some(2));
        assert_eq!(inventory(&app, &admin).await, (0, 0, 2));
        assert_eq!(voucher(&app, &admin).await, (0, true));
        // …and a checkout expires it for good (ORDER-3), even one that is refused.
        let carl = app.user("carl").await;
        let r = checkout(&app, &carl).await;
        assert_eq!(r.code(), "cart.not_found", "{}", r.text);
        app.settled().await;
        assert_eq!(inventory(&app, &admin).await, (0, 0, 2));
        if step == CheckoutStep::AfterPlace {
            let mine = orders(&app, &ana, "").await;
            assert_eq!(mine[0]["status"], "cancelled", "{mine:?}");
        }
    }

    // Ana checks out again with her voucher; bo buys the last ticket; stock is gone.
    let r = checkout(&app, &ana).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.body["total"], "50.00",
        "the voucher's use came back: {}",
        r.text
    );
    let ana_order = r.body["reference"].as_str().unwrap_or_default().to_string();
    let bo = app.user("bo").await;
    let r = app.buy(&bo, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let bo_order = r.body["reference"].as_str().unwrap_or_default().to_string();
    let dan = app.user("dan").await;
    let r = app.buy(&dan, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    pay_manual(&app, &admin, &ana_order, "50.00").await;
    pay_manual(&app, &admin, &bo_order, "100.00").await;
    app.settled().await;
    assert_eq!(inventory(&app, &admin).await, (2, 0, 0));
    assert_eq!(voucher(&app, &admin).await, (1, false));
    let all = orders(&app, &admin, "").await;
    let paid = all.iter().filter(|o| o["status"] == "paid").count();
    let cancelled = all.iter().filter(|o| o["status"] == "cancelled").count();
    let placed_orphan = usize::from(step == CheckoutStep::AfterPlace);
    assert_eq!(
        (all.len(), paid, cancelled),
        (2 + placed_orphan, 2, placed_orphan)
    );
    app.finish().await;
}

/// ORDER-3: a crash right after stale orders were expired leaves nothing held.
async fn order_3_crash_after_expire_holds_nothing(b: Backend) {
    crash_in_checkout(b, CheckoutStep::AfterExpire).await;
}

/// ORDER-5…10 with ORDER-20: a crash after the hold (no order) leaves a hold that
/// counts until its expiry, then stock and voucher use come back.
async fn order_20_crash_after_hold_expires_the_orphan_hold(b: Backend) {
    crash_in_checkout(b, CheckoutStep::AfterHold).await;
}

/// ORDER-11 with ORDER-20: a crash after the order was placed (cart still open)
/// leaves a pending order that expires like any other.
async fn order_20_crash_after_place_expires_the_pending_order(b: Backend) {
    crash_in_checkout(b, CheckoutStep::AfterPlace).await;
}

/// CAT-2 across a crash: 50 buyers for 10 tickets, the process dies in the middle
/// of the rush and restarts; the rest keep buying. Nothing is oversold at any time,
/// cut checkouts hold stock only until their expiry, and exactly 10 end up sold.
async fn cat_2_a_crash_mid_rush_never_oversells(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "50.00", "total_quantity": 10 }),
    )
    .await;
    let mut buyers = vec![];
    for i in 0..50 {
        buyers.push(app.user(&format!("buyer{i}")).await);
    }
    let late = buyers.split_off(25);

    // First wave on the first process; it dies after a few checkouts completed.
    let app = Arc::new(app);
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![];
    for u in buyers {
        let (app, done) = (app.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let r = app.buy(&u, CONF, "individual", 1).await;
            if r.status == StatusCode::CREATED {
                done.fetch_add(1, Ordering::SeqCst);
            }
            r
        }));
    }
    while done.load(Ordering::SeqCst) < 3 && !tasks.iter().all(|t| t.is_finished()) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    app.crash().await;
    let mut placed = vec![];
    let mut cut = 0;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => {
                placed.push(r.body["reference"].as_str().unwrap_or_default().to_string())
            }
            StatusCode::UNPROCESSABLE_ENTITY => {}
            _ => cut += 1,
        }
    }
    let Ok(app) = Arc::try_unwrap(app) else {
        panic!("app still shared")
    };
    let app = app.restart().await;
    let (sold, held, left) = inventory(&app, &admin).await;
    assert!(placed.len() <= 10 && sold + held <= 10 && left == 10 - held as i64);
    assert!(
        held as usize >= placed.len(),
        "every placed order holds its ticket"
    );

    // Second wave on the restarted process.
    let app = Arc::new(app);
    let mut tasks = vec![];
    for u in late {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let r = app.buy(&u, CONF, "individual", 1).await;
            (u, r)
        }));
    }
    let mut refused = vec![];
    for t in tasks {
        let (u, r) = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => {
                placed.push(r.body["reference"].as_str().unwrap_or_default().to_string())
            }
            StatusCode::UNPROCESSABLE_ENTITY => refused.push(u),
            other => panic!("unexpected {other} after the restart: {}", r.text),
        }
    }
    let Ok(app) = Arc::try_unwrap(app) else {
        panic!("app still shared")
    };
    assert!(placed.len() <= 10, "{} placed", placed.len());
    let (sold, held, left) = inventory(&app, &admin).await;
    assert_eq!(
        (sold, held, left),
        (0, 10, 0),
        "sold out: {} placed, the rest held by checkouts the crash cut ({cut} requests)",
        placed.len()
    );

    // The placed orders are paid; the cut ones expire and their stock goes to the
    // buyers who were refused.
    for reference in &placed {
        pay_manual(&app, &admin, reference, "50.00").await;
    }
    app.settled().await;
    app.clock.advance(chrono::Duration::minutes(16));
    let missing = 10 - placed.len();
    assert_eq!(
        inventory(&app, &admin).await,
        (placed.len() as u64, 0, missing as i64)
    );
    for u in refused.iter().take(missing) {
        let r = buy_again(&app, u).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let reference = r.body["reference"].as_str().unwrap_or_default();
        pay_manual(&app, &admin, reference, "50.00").await;
    }
    if let Some(u) = refused.get(missing) {
        let r = buy_again(&app, u).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    }
    app.settled().await;
    assert_eq!(inventory(&app, &admin).await, (10, 0, 0));
    let paid = orders(&app, &admin, "?status=paid").await;
    assert_eq!(paid.len(), 10);
    app.finish().await;
}

/// A buyer refused earlier tries again: their cart still holds the ticket if the
/// checkout refused it, or is empty if adding it was refused.
async fn buy_again(app: &TestApp, user: &User) -> Response {
    let r = checkout(app, user).await;
    match r.code() {
        "cart.empty" | "cart.not_found" => app.buy(user, CONF, "individual", 1).await,
        _ => r,
    }
}

// ---------------------------------------------------------------- refunds

struct Paid {
    app: TestApp,
    ana: User,
    finance: User,
    reference: String,
}

/// Ana's order of one 100.00 ticket, paid by hand.
async fn paid_order(b: Backend) -> Paid {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let ana = app.user("ana").await;
    let finance = app.user("fin").await;
    app.grant(&admin, CONF, &finance, "finance").await;
    let r = app.buy(&ana, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    pay_manual(&app, &finance, &reference, "100.00").await;
    app.settled().await;
    Paid {
        app,
        ana,
        finance,
        reference,
    }
}

async fn refunded(app: &TestApp, user: &User, reference: &str) -> Decimal {
    let r = app
        .get(&order_path(reference))
        .as_user(user)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    dec(&r.body["refunded"])
}

/// AMB-9/PAY-28: the process dies right after `Order.Refund` to credit, before the
/// process managers issued the credit; after the restart the credit exists once.
/// Then they die again after issuing it but before their checkpoint moved: the
/// redelivery issues nothing more.
async fn pay_28_a_refund_to_credit_survives_crashes(b: Backend) {
    let Paid {
        app,
        ana,
        finance,
        reference,
    } = paid_order(b).await;
    // The crash: the old process records the refund as its last act, with no
    // process manager left to react (a bare bus over its own connection).
    app.crash().await;
    let refund_id = Uuid::new_v4();
    let position = {
        let db = Db::connect(&app.url, 2).await.expect("connect");
        let bus = tessera::bus::CommandBus::new(
            db.clone(),
            DomainServices::new(Arc::new(app.clock.clone())),
            None,
        );
        let meta = EventMeta {
            conference_id: Some(tessera::app::conference_id(CONF)),
            actor: finance.id.clone(),
            ..EventMeta::default()
        };
        let sent = bus
            .send(
                &Order::stream(tessera::app::order_id(&reference)),
                OrderCommand::Refund {
                    refund_id,
                    amount: money("40.00"),
                    to: RefundTo::Credit,
                    reason: RefundReason::default(),
                    by: Uuid::parse_str(&finance.id).ok(),
                },
                &meta,
            )
            .await
            .expect("refund recorded");
        close(db).await;
        sent.position.expect("a new fact")
    };
    let app = app.restart().await;
    let mine = credits(&app, &ana).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        mine[0]["credit_id"],
        refund_credit_id(refund_id).to_string().as_str()
    );
    assert_eq!(dec(&mine[0]["amount"]), money("40.00"));
    assert_eq!(refunded(&app, &ana, &reference).await, money("40.00"));

    // Crash between the credit and the checkpoint: the refund is delivered again.
    app.crash().await;
    rewind_process_managers(&app.url, position - 1).await;
    let app = app.restart().await;
    let mine = credits(&app, &ana).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(facts(&app, "credit", "CreditIssued").await, 1);
    // And a redelivery of the whole log changes nothing either.
    app.crash().await;
    rewind_process_managers(&app.url, 0).await;
    let app = app.restart().await;
    assert_eq!(credits(&app, &ana).await.len(), 1);
    assert_eq!(facts(&app, "credit", "CreditIssued").await, 1);
    assert_eq!(refunded(&app, &ana, &reference).await, money("40.00"));
    app.finish().await;
}

/// PAY-26 across restarts: a refund retried with its Idempotency-Key after a
/// restart is answered, not paid again — whether the first answer was stored or
/// the process died before storing it.
async fn pay_26_a_retried_refund_is_not_paid_twice(b: Backend) {
    let Paid {
        app,
        ana,
        finance,
        reference,
    } = paid_order(b).await;
    let first = refund(&app, &finance, &reference, "40.00", "refund-1").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let app = app.restart().await;
    let again = refund(&app, &finance, &reference, "40.00", "refund-1").await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(again.body["refund_id"], first.body["refund_id"]);
    assert_eq!(refunded(&app, &ana, &reference).await, money("40.00"));
    assert_eq!(credits(&app, &ana).await.len(), 1);

    // The process dies after the refund, before its answer was stored: the key
    // stays claimed. The retry must not refund again.
    let second = refund(&app, &finance, &reference, "30.00", "refund-2").await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    app.crash().await;
    let sql = "UPDATE idempotency_keys SET status = NULL, response = NULL WHERE key = $1";
    assert_eq!(exec(&app.url, sql, "refund-2", None).await, 1);
    let app = app.restart().await;
    let retry = refund(&app, &finance, &reference, "30.00", "refund-2").await;
    let fresh =
        retry.status == StatusCode::CREATED && retry.headers.get("idempotent-replayed").is_none();
    assert!(!fresh, "refunded twice: {}", retry.text);
    assert_eq!(refunded(&app, &ana, &reference).await, money("70.00"));
    assert_eq!(credits(&app, &ana).await.len(), 2);

    // 8 identical requests at once, one key: one refund.
    let app = Arc::new(app);
    let mut tasks = vec![];
    for _ in 0..8 {
        let app = app.clone();
        let (finance, reference) = (finance.clone(), reference.clone());
        tasks.push(tokio::spawn(async move {
            refund(&app, &finance, &reference, "10.00", "refund-3").await
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => {
                ids.insert(r.body["refund_id"].to_string());
            }
            StatusCode::CONFLICT => assert_eq!(r.code(), "idempotency.in_flight", "{}", r.text),
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    let Ok(app) = Arc::try_unwrap(app) else {
        panic!("app still shared")
    };
    assert_eq!(refunded(&app, &ana, &reference).await, money("80.00"));
    assert_eq!(credits(&app, &ana).await.len(), 3);
    app.finish().await;
}

/// AMB-10 across a crash: 8 concurrent identical refund requests of 30.00 (one
/// Idempotency-Key each), the process dies while they run, then every request is
/// retried with its key on the restarted process: never more than was paid, one
/// credit per refund.
async fn amb_10_concurrent_refunds_across_a_crash_never_exceed_what_was_paid(b: Backend) {
    let Paid {
        app,
        ana,
        finance,
        reference,
    } = paid_order(b).await;
    let app = Arc::new(app);
    let granted = Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![];
    for i in 0..8 {
        let (app, granted) = (app.clone(), granted.clone());
        let (finance, reference) = (finance.clone(), reference.clone());
        tasks.push(tokio::spawn(async move {
            let r = refund(&app, &finance, &reference, "30.00", &format!("rush-{i}")).await;
            if r.status == StatusCode::CREATED {
                granted.fetch_add(1, Ordering::SeqCst);
            }
            r
        }));
    }
    while granted.load(Ordering::SeqCst) < 1 && !tasks.iter().all(|t| t.is_finished()) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    app.crash().await;
    for t in tasks {
        let r = t.await.expect("task");
        if r.status.is_client_error() {
            assert_eq!(r.code(), "order.refund_exceeds_balance", "{}", r.text);
        }
    }
    let Ok(app) = Arc::try_unwrap(app) else {
        panic!("app still shared")
    };
    let app = Arc::new(app.restart().await);
    let mut tasks = vec![];
    for i in 0..8 {
        let app = app.clone();
        let (finance, reference) = (finance.clone(), reference.clone());
        tasks.push(tokio::spawn(async move {
            refund(&app, &finance, &reference, "30.00", &format!("rush-{i}")).await
        }));
    }
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => {}
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(r.code(), "order.refund_exceeds_balance", "{}", r.text)
            }
            // A request the crash cut after claiming its key.
            StatusCode::CONFLICT => assert_eq!(r.code(), "idempotency.in_flight", "{}", r.text),
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    let Ok(app) = Arc::try_unwrap(app) else {
        panic!("app still shared")
    };
    let r = app
        .get(&order_path(&reference))
        .as_user(&ana)
        .fresh()
        .await
        .send()
        .await;
    let refunds = r.body["refunds"].as_array().cloned().unwrap_or_default();
    assert!(!refunds.is_empty() && refunds.len() <= 3, "{}", r.text);
    assert_eq!(
        dec(&r.body["refunded"]),
        money("30.00") * Decimal::from(refunds.len())
    );
    let issued = credits(&app, &ana).await;
    assert_eq!(
        issued.len(),
        refunds.len(),
        "one credit per refund: {issued:?}"
    );
    assert!(issued.iter().all(|c| dec(&c["amount"]) == money("30.00")));
    app.finish().await;
}

// ---------------------------------------------------------------- refunds to the card

const POST_REFUNDS: (&str, &str) = ("POST", "/v1/refunds");

struct CardPaid {
    app: TestApp,
    fake: FakeStripe,
    ana: User,
    finance: User,
    reference: String,
}

/// Ana's order of one 100.00 ticket, paid by card: an intent made through /pay and
/// succeeded in the fake Stripe, the payment recorded as the webhook would (PAY-45).
async fn card_paid_order(b: Backend) -> CardPaid {
    let fake = FakeStripe::start().await;
    let config = Config {
        stripe: StripeConfig {
            secret_key: Some(Secret::new(fake.secret_key())),
            api_base: fake.base_url().to_string(),
            ..Default::default()
        },
        ..Default::default()
    };
    let app = TestApp::start_with(b, config).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let ana = app.user("ana").await;
    let finance = app.user("fin").await;
    app.grant(&admin, CONF, &finance, "finance").await;
    let r = app.buy(&ana, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&format!("{}/pay", order_path(&reference)))
        .as_user(&ana)
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
                amount: money("100.00"),
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
    app.settled().await;
    CardPaid {
        app,
        fake,
        ana,
        finance,
        reference,
    }
}

async fn refund_to_card(app: &TestApp, staff: &User, reference: &str, amount: &str) -> Response {
    app.post(&format!("{}/refunds", order_path(reference)))
        .as_user(staff)
        .json(json!({ "amount": amount, "to": "card" }))
        .send()
        .await
}

async fn order_view(app: &TestApp, user: &User, reference: &str) -> Value {
    let head = Some(app.settled().await);
    let r = app
        .get(&order_path(reference))
        .as_user(user)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// What a finished refund of 40.00 to the card leaves: one Stripe refund of 4000
/// under the refund's own key, the refund made (neither pending nor void) and
/// recorded once, one non-spendable credit note of 40.00, the order partially
/// refunded with 60.00 still refundable.
async fn assert_one_card_refund(w: &CardPaid) {
    let app = &w.app;
    let order = order_view(app, &w.finance, &w.reference).await;
    let refunds = order["refunds"].as_array().cloned().unwrap_or_default();
    assert_eq!(refunds.len(), 1, "{order}");
    let refund = &refunds[0];
    assert_eq!(refund["pending"], false, "{order}");
    assert_eq!(refund["failed"], false, "{order}");
    assert_eq!(order["status"], "partially_refunded", "{order}");
    assert_eq!(dec(&order["refunded"]), money("40.00"));
    assert_eq!(dec(&order["refundable"]), money("60.00"));
    let refund_id = refund["refund_id"].as_str().unwrap_or_default().to_string();

    let made = w.fake.refunds();
    assert_eq!(made.len(), 1, "one Stripe refund: {made:?}");
    assert_eq!(made[0]["amount"], 4000, "{made:?}");
    let key = format!("refund-{refund_id}");
    let calls: Vec<_> = w
        .fake
        .requests()
        .into_iter()
        .filter(|q| (q.method.as_str(), q.path.as_str()) == POST_REFUNDS)
        .collect();
    assert!(!calls.is_empty());
    assert!(
        calls
            .iter()
            .all(|q| q.idempotency_key.as_deref() == Some(key.as_str())),
        "every call with the refund's key: {calls:?}"
    );
    assert_eq!(facts(app, "order", "CardRefundSucceeded").await, 1);
    assert_eq!(facts(app, "order", "RefundFailed").await, 0);

    let notes = credits(app, &w.ana).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(dec(&notes[0]["amount"]), money("40.00"));
    assert_eq!(notes[0]["spendable"], false);
    let id = Uuid::parse_str(&refund_id).expect("refund id");
    assert_eq!(
        notes[0]["credit_id"],
        refund_credit_id(id).to_string().as_str()
    );
    assert_eq!(facts(app, "credit", "CreditIssued").await, 1);
}

/// PAY-27/28 with AMB-9: the refund endpoint dies at `step` of a refund to the
/// card (the process is dead from there: its process managers do nothing more);
/// after the restart the process managers finish the refund with exactly one
/// Stripe refund. Then they die again after finishing it, before their checkpoint
/// moved, and once more with the whole log to redeliver: nothing more happens.
async fn crash_in_card_refund(b: Backend, step: RefundStep) {
    let w = card_paid_order(b).await;
    let CardPaid {
        app,
        fake,
        ana,
        finance,
        reference,
    } = w;
    app.app.faults.arm(step);
    let r = refund_to_card(&app, &finance, &reference, "40.00").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.code(), "fault.injected_crash", "{}", r.text);
    let before_stripe = step == RefundStep::AfterRecord;
    assert_eq!(
        fake.refunds().len(),
        usize::from(!before_stripe),
        "Stripe was called {}",
        if before_stripe {
            "after the crash"
        } else {
            "other than once"
        }
    );
    let position = app.app.db.head().await.expect("head");

    let app = app.restart().await;
    let w = CardPaid {
        app,
        fake,
        ana,
        finance,
        reference,
    };
    assert_one_card_refund(&w).await;
    let calls = w.fake.calls(POST_REFUNDS.0, POST_REFUNDS.1);
    // After the Stripe call the process managers asked again: the same key got the
    // stored answer, not a second refund.
    let expected = if step == RefundStep::AfterStripe {
        2
    } else {
        1
    };
    assert_eq!(calls, expected, "{:?}", w.fake.requests());
    let replayed = w.fake.requests().iter().filter(|q| q.replayed).count();
    assert_eq!(replayed, expected - 1);

    // The process managers die after finishing it, before their checkpoint moved.
    let CardPaid {
        app,
        fake,
        ana,
        finance,
        reference,
    } = w;
    app.crash().await;
    rewind_process_managers(&app.url, position.saturating_sub(2)).await;
    let app = app.restart().await;
    let w = CardPaid {
        app,
        fake,
        ana,
        finance,
        reference,
    };
    assert_one_card_refund(&w).await;
    // And the whole log delivered again.
    let CardPaid {
        app,
        fake,
        ana,
        finance,
        reference,
    } = w;
    app.crash().await;
    rewind_process_managers(&app.url, 0).await;
    let app = app.restart().await;
    let w = CardPaid {
        app,
        fake,
        ana,
        finance,
        reference,
    };
    assert_one_card_refund(&w).await;
    assert_eq!(w.fake.calls(POST_REFUNDS.0, POST_REFUNDS.1), expected);
    // The rest can still go back to the card, once.
    let r = refund_to_card(&w.app, &w.finance, &w.reference, "60.00").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "refunded", "{}", r.text);
    assert_eq!(w.fake.refunds().len(), 2);
    let r = refund_to_card(&w.app, &w.finance, &w.reference, "0.01").await;
    assert_eq!(r.code(), "order.not_refundable", "{}", r.text);
    let CardPaid { app, fake, .. } = w;
    app.finish().await;
    drop(fake);
}

/// A crash after the refund was recorded, before Stripe was called.
async fn pay_27_crash_before_the_stripe_call_refunds_once(b: Backend) {
    crash_in_card_refund(b, RefundStep::AfterRecord).await;
}

/// A crash after Stripe made the refund, before its outcome was recorded.
async fn pay_27_crash_after_the_stripe_call_refunds_once(b: Backend) {
    crash_in_card_refund(b, RefundStep::AfterStripe).await;
}

/// AMB-9: a crash after the outcome was recorded, before the credit note.
async fn amb_9_crash_before_the_credit_note_issues_it_once(b: Backend) {
    crash_in_card_refund(b, RefundStep::AfterOutcome).await;
}

/// A Stripe failure never loses a refund nor pays it twice: Stripe makes the
/// refund but every answer to the endpoint is lost (500); the endpoint answers 502
/// and leaves the refund pending, and the process managers ask again with the same
/// key and record the refund Stripe made. A refusal, on the other hand, voids it.
async fn pay_27_a_refund_whose_answer_was_lost_is_finished_once(b: Backend) {
    let w = card_paid_order(b).await;
    for _ in 0..3 {
        w.fake.push_fault(Fault::LoseResponse);
    }
    let r = refund_to_card(&w.app, &w.finance, &w.reference, "40.00").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
    assert_one_card_refund(&w).await;
    assert_eq!(w.fake.calls(POST_REFUNDS.0, POST_REFUNDS.1), 4);

    w.fake.fail_next(402);
    let r = refund_to_card(&w.app, &w.finance, &w.reference, "10.00").await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
    let order = order_view(&w.app, &w.finance, &w.reference).await;
    assert_eq!(dec(&order["refunded"]), money("40.00"), "{order}");
    let refunds = order["refunds"].as_array().cloned().unwrap_or_default();
    assert_eq!(refunds.iter().filter(|r| r["failed"] == true).count(), 1);
    assert!(refunds.iter().all(|r| r["pending"] == false), "{order}");
    assert_eq!(w.fake.refunds().len(), 1);
    let CardPaid { app, fake, .. } = w;
    app.finish().await;
    drop(fake);
}

on_both_backends!(
    order_3_crash_after_expire_holds_nothing,
    order_20_crash_after_hold_expires_the_orphan_hold,
    order_20_crash_after_place_expires_the_pending_order,
    cat_2_a_crash_mid_rush_never_oversells,
    pay_28_a_refund_to_credit_survives_crashes,
    pay_26_a_retried_refund_is_not_paid_twice,
    amb_10_concurrent_refunds_across_a_crash_never_exceed_what_was_paid,
    pay_27_crash_before_the_stripe_call_refunds_once,
    pay_27_crash_after_the_stripe_call_refunds_once,
    amb_9_crash_before_the_credit_note_issues_it_once,
    pay_27_a_refund_whose_answer_was_lost_is_finished_once,
);

//! No stale windows between aggregates: once a payment, a cancel or a refund has
//! answered, the very next request sees its consequences where a rule depends on
//! them (CART-12 per-user limit counts the purchase; stock freed by a cancel or a
//! refund to credit can be bought at once). Nothing here waits for the process
//! managers; each scenario runs many times so that a background step that merely
//! tends to win the race still fails it.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};

const CONF: &str = "stale-2027";
const ROUNDS: usize = 50;

fn order_path(reference: &str) -> String {
    format!("/api/v1/conferences/{CONF}/orders/{reference}")
}

async fn setup(b: Backend) -> (TestApp, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    (app, admin)
}

/// A ticket type of this round: `limit` per user, `stock` in all.
async fn ticket(
    app: &TestApp,
    admin: &User,
    round: usize,
    stock: u32,
    limit: Option<u32>,
) -> String {
    let slug = format!("t{round}");
    let mut body = json!({ "slug": slug, "name": format!("Ticket {round}"), "price": "10.00", "total_quantity": stock });
    if let Some(limit) = limit {
        body["limit_per_user"] = json!(limit);
    }
    app.ticket_type(admin, CONF, body).await;
    slug
}

async fn checkout(app: &TestApp, user: &User, slug: &str) -> String {
    let r = app.buy(user, CONF, slug, 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

async fn pay_manually(app: &TestApp, admin: &User, reference: &str) {
    let r = app
        .post(&format!("{}/payments", order_path(reference)))
        .as_user(admin)
        .json(json!({ "method": "manual", "amount": "10.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "payment: {}", r.text);
    assert_eq!(r.body["status"], "paid");
}

async fn add(app: &TestApp, user: &User, slug: &str) -> common::Response {
    app.post(&format!("/api/v1/conferences/{CONF}/cart/items"))
        .as_user(user)
        .json(json!({ "ticket_type": slug, "quantity": 1 }))
        .send()
        .await
}

/// CART-12: a ticket limited to one per user, paid, then added again at once: the
/// purchase counts.
async fn paid_counts_at_once(b: Backend) {
    let (app, admin) = setup(b).await;
    for round in 0..ROUNDS {
        let user = app.user(&format!("payer{round}")).await;
        let slug = ticket(&app, &admin, round, 100, Some(1)).await;
        let reference = checkout(&app, &user, &slug).await;
        pay_manually(&app, &admin, &reference).await;
        let r = add(&app, &user, &slug).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "round {round}: {}",
            r.text
        );
        assert_eq!(r.code(), "cart.per_user_limit", "round {round}");
    }
    app.finish().await;
}

/// ORDER-18: the last ticket, held by a pending order, cancelled: someone else buys
/// it at once.
async fn cancel_frees_at_once(b: Backend) {
    let (app, admin) = setup(b).await;
    for round in 0..ROUNDS {
        let (ana, bo) = (
            app.user(&format!("ana{round}")).await,
            app.user(&format!("bo{round}")).await,
        );
        let slug = ticket(&app, &admin, round, 1, None).await;
        let reference = checkout(&app, &ana, &slug).await;
        let r = app
            .post(&format!("{}/cancel", order_path(&reference)))
            .as_user(&ana)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "round {round}: {}", r.text);
        let r = app.buy(&bo, CONF, &slug, 1).await;
        assert_eq!(r.status, StatusCode::CREATED, "round {round}: {}", r.text);
    }
    app.finish().await;
}

/// CAT-3: the last ticket, paid, refunded in full to store credit: someone else buys
/// it at once.
async fn refund_to_credit_frees_at_once(b: Backend) {
    let (app, admin) = setup(b).await;
    for round in 0..ROUNDS {
        let (ana, bo) = (
            app.user(&format!("ana{round}")).await,
            app.user(&format!("bo{round}")).await,
        );
        let slug = ticket(&app, &admin, round, 1, None).await;
        let reference = checkout(&app, &ana, &slug).await;
        pay_manually(&app, &admin, &reference).await;
        let r = app
            .post(&format!("{}/refunds", order_path(&reference)))
            .as_user(&admin)
            .json(json!({ "amount": "10.00", "to": "credit" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "round {round}: {}", r.text);
        assert_eq!(r.body["status"], Value::from("refunded"));
        let r = app.buy(&bo, CONF, &slug, 1).await;
        assert_eq!(r.status, StatusCode::CREATED, "round {round}: {}", r.text);
    }
    app.finish().await;
}

on_both_backends!(
    paid_counts_at_once,
    cancel_frees_at_once,
    refund_to_credit_frees_at_once
);

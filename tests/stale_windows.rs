//! No stale windows between aggregates: once a payment, a cancel or a refund has
//! answered, the very next request sees its consequences where a rule depends on
//! them (CART-12 per-user limit counts the purchase; stock freed by a cancel or a
//! refund to credit can be bought at once). Nothing here waits for the process
//! managers; each scenario runs many times so that a background step that merely
//! tends to win the race still fails it.

mod common;
#[path = "common/fake_stripe.rs"]
mod fake_stripe;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Backend, TestApp, User};
use fake_stripe::{FakeStripe, deliver};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tessera::config::{Config, Secret, StripeConfig};
use tower::ServiceExt;

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

/// Once the process managers caught up with the log: how many `event_type` facts
/// the Inventory holds. They repeat the flows' Inventory steps, which must then
/// change nothing: one fact per order, not two.
async fn inventory_facts(app: &TestApp, event_type: &str) -> usize {
    app.settled().await;
    app.count_events(|e| e.aggregate_type == "inventory" && e.event_type == event_type)
        .await
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
    assert_eq!(inventory_facts(&app, "HoldConverted").await, ROUNDS);
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
    assert_eq!(inventory_facts(&app, "HoldReleased").await, ROUNDS);
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
    assert_eq!(inventory_facts(&app, "HoldConverted").await, ROUNDS);
    assert_eq!(inventory_facts(&app, "SaleReturned").await, ROUNDS);
    app.finish().await;
}

const WHSEC: &str = "whsec_test";

/// The service with Stripe pointed at a fake.
async fn setup_with_stripe(b: Backend) -> (TestApp, User, FakeStripe) {
    let fake = FakeStripe::start().await;
    let config = Config {
        stripe: StripeConfig {
            secret_key: Some(Secret::new(fake.secret_key())),
            api_base: fake.base_url().to_string(),
            webhook_secret: Some(Secret::new(WHSEC)),
            ..Default::default()
        },
        ..Default::default()
    };
    let app = TestApp::start_with(b, config).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    (app, admin, fake)
}

/// PAY-45: `user` pays `reference` by card; the webhook reports the money.
async fn pay_by_card(app: &TestApp, fake: &FakeStripe, user: &User, reference: &str) {
    let r = app
        .post(&format!("{}/pay", order_path(reference)))
        .as_user(user)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "pay: {}", r.text);
    let intent = r.body["payment_intent_id"].as_str().unwrap_or_default();
    fake.succeed_intent(intent).expect("intent");
    let event = fake.payment_intent_succeeded_event(intent).expect("event");
    let delivery = deliver(&event, WHSEC, app.app.bus.services().now().timestamp());
    let request = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/conferences/{CONF}/webhooks/stripe"))
        .header("content-type", "application/json")
        .header("stripe-signature", &delivery.signature)
        .body(Body::from(delivery.payload.clone()))
        .expect("request");
    let response = app.router.clone().oneshot(request).await.expect("router");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert_eq!(body["outcome"], "processed", "{body}");
}

/// CART-12: paid by card (the webhook answered), then added again at once: the
/// purchase counts.
async fn card_payment_counts_at_once(b: Backend) {
    let (app, admin, fake) = setup_with_stripe(b).await;
    for round in 0..ROUNDS {
        let user = app.user(&format!("card{round}")).await;
        let slug = ticket(&app, &admin, round, 100, Some(1)).await;
        let reference = checkout(&app, &user, &slug).await;
        pay_by_card(&app, &fake, &user, &reference).await;
        let r = add(&app, &user, &slug).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "round {round}: {}",
            r.text
        );
        assert_eq!(r.code(), "cart.per_user_limit", "round {round}");
    }
    assert_eq!(inventory_facts(&app, "HoldConverted").await, ROUNDS);
    app.finish().await;
}

/// CAT-3 with AMB-9: the last ticket, paid by card, refunded in full to the card:
/// someone else buys it at once.
async fn refund_to_card_frees_at_once(b: Backend) {
    let (app, admin, fake) = setup_with_stripe(b).await;
    for round in 0..ROUNDS {
        let (ana, bo) = (
            app.user(&format!("ana{round}")).await,
            app.user(&format!("bo{round}")).await,
        );
        let slug = ticket(&app, &admin, round, 1, None).await;
        let reference = checkout(&app, &ana, &slug).await;
        pay_by_card(&app, &fake, &ana, &reference).await;
        let r = app
            .post(&format!("{}/refunds", order_path(&reference)))
            .as_user(&admin)
            .json(json!({ "amount": "10.00", "to": "card" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "round {round}: {}", r.text);
        assert_eq!(r.body["status"], Value::from("refunded"));
        let r = app.buy(&bo, CONF, &slug, 1).await;
        assert_eq!(r.status, StatusCode::CREATED, "round {round}: {}", r.text);
    }
    assert_eq!(inventory_facts(&app, "SaleReturned").await, ROUNDS);
    app.finish().await;
}

on_both_backends!(
    paid_counts_at_once,
    cancel_frees_at_once,
    refund_to_credit_frees_at_once,
    card_payment_counts_at_once,
    refund_to_card_frees_at_once
);

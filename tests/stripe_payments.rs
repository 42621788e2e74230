//! Card payments end to end against an in-process fake Stripe (SPEC PAY-4…9,
//! PAY-27, PAY-40…48, PAY-53, AMB-6/9/31): paying an
//! order, the signed webhook that records the money, deduplication and retries of
//! deliveries, and refunds to the card, on SQLite and PostgreSQL.

mod common;
#[path = "common/fake_stripe.rs"]
mod fake_stripe;

use std::str::FromStr;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use fake_stripe::{Delivery, FakeStripe, charge_object, deliver, dispute_object, event};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tessera::config::{Config, Secret, StripeConfig};
use tessera::stripe::{PaymentGateway, RefundReason, RefundRequest};
use tessera_aggregates::order::Order;
use tessera_aggregates::stripe_event::{self, StripeEventRecord, StripeEventStatus};

const CONF: &str = "pycon-us-2027";
const OTHER_CONF: &str = "pycon-us-2028";
/// The webhook signing secret, and the one added by a rotation.
const WHSEC: &str = "whsec_test";
const WHSEC_ROTATED: &str = "whsec_test_rotated";

struct World {
    app: TestApp,
    admin: User,
    fake: FakeStripe,
    ana: User,
    bo: User,
    finance: User,
}

fn config(fake: &FakeStripe) -> Config {
    Config {
        stripe: StripeConfig {
            secret_key: Some(Secret::new(fake.secret_key())),
            api_base: fake.base_url().to_string(),
            webhook_secret: Some(Secret::new(WHSEC)),
            webhook_secrets: vec![Secret::new(WHSEC_ROTATED)],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A conference selling "individual" (100.00), Stripe pointed at a fake, two
/// attendees and a finance officer.
async fn setup(b: Backend) -> World {
    let fake = FakeStripe::start().await;
    let app = TestApp::start_with(b, config(&fake)).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let finance = app.user("fin").await;
    app.grant(&admin, CONF, &finance, "finance").await;
    World {
        ana: app.user("ana").await,
        bo: app.user("bo").await,
        finance,
        admin,
        app,
        fake,
    }
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| Decimal::from_str(s).ok())
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

fn money(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

fn order_path(conf: &str, reference: &str) -> String {
    format!("/api/v1/conferences/{conf}/orders/{reference}")
}

async fn buy(app: &TestApp, user: &User) -> String {
    let r = app.buy(user, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

async fn pay(app: &TestApp, user: &User, reference: &str) -> Response {
    app.post(&format!("{}/pay", order_path(CONF, reference)))
        .as_user(user)
        .send()
        .await
}

/// Pays `reference` as `user`: the intent id.
async fn intent_for(app: &TestApp, user: &User, reference: &str) -> String {
    let r = pay(app, user, reference).await;
    assert_eq!(r.status, StatusCode::OK, "pay: {}", r.text);
    r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn get_order(app: &TestApp, user: &User, reference: &str) -> Response {
    let r = app
        .get(&order_path(CONF, reference))
        .as_user(user)
        .fresh()
        .await
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r
}

/// The service's "now" in Unix seconds (what the webhook checks timestamps with).
fn now(app: &TestApp) -> i64 {
    app.app.bus.services().now().timestamp()
}

/// Signs `event` with `secret` at the service's now.
fn signed(app: &TestApp, event: &Value, secret: &str) -> Delivery {
    deliver(event, secret, now(app))
}

/// Posts a delivery, raw, to conference `conf`'s webhook endpoint.
async fn post_webhook(
    app: &TestApp,
    conf: &str,
    payload: &[u8],
    signature: Option<&str>,
) -> Response {
    let call = app
        .post(&format!("/api/v1/conferences/{conf}/webhooks/stripe"))
        .raw("application/json", payload.to_vec());
    match signature {
        Some(s) => call.header("stripe-signature", s),
        None => call,
    }
    .send()
    .await
}

async fn webhook(app: &TestApp, delivery: &Delivery) -> Response {
    post_webhook(app, CONF, &delivery.payload, Some(&delivery.signature)).await
}

/// Delivers `event` signed with the current secret; expects 200 and `outcome`.
async fn deliver_ok(app: &TestApp, event: &Value, outcome: &str) -> Response {
    let r = webhook(app, &signed(app, event, WHSEC)).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "webhook {}: {}",
        event["type"],
        r.text
    );
    assert_eq!(r.body["outcome"], outcome, "{}", r.text);
    r
}

/// How many `event_type` facts the log holds for aggregate `id` of `kind`.
async fn facts(app: &TestApp, kind: &str, id: &str, event_type: &str) -> usize {
    app.count_events(|e| {
        e.aggregate_type == kind && e.aggregate_id == id && e.event_type == event_type
    })
    .await
}

async fn order_facts(app: &TestApp, reference: &str, event_type: &str) -> usize {
    let id = tessera::app::order_id(reference).to_string();
    facts(app, "order", &id, event_type).await
}

async fn event_status(app: &TestApp, event_id: &str) -> Option<StripeEventStatus> {
    app.app
        .bus
        .inspect(
            &StripeEventRecord::stream(stripe_event::stream_id(event_id)),
            |r| r.status(),
        )
        .await
        .expect("stripe event record")
}

async fn read_order<T>(app: &TestApp, reference: &str, read: impl FnOnce(&Order) -> T) -> T {
    app.app
        .bus
        .inspect(&Order::stream(tessera::app::order_id(reference)), read)
        .await
        .expect("order")
}

async fn credits(app: &TestApp, user: &User) -> Vec<Value> {
    let head = app.settled().await;
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/credits"))
        .as_user(user)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

const POST_INTENTS: (&str, &str) = ("POST", "/v1/payment_intents");

/// Records `customer` as `user`'s Stripe customer in CONF (PAY-5), as an earlier
/// payment would have.
async fn known_customer(app: &TestApp, user: &User, customer: &str) {
    use tessera_aggregates::stripe_customer::{self, StripeCustomer, StripeCustomerCommand};
    let conference_id = tessera::app::conference_id(CONF);
    let user = uuid::Uuid::parse_str(&user.id).expect("user id");
    app.app
        .bus
        .send(
            &StripeCustomer::stream(stripe_customer::stream_id(conference_id, user)),
            StripeCustomerCommand::Record {
                conference_id,
                user,
                stripe_customer_id: customer.to_string(),
            },
            &tessera_projections::EventMeta::default(),
        )
        .await
        .expect("record the customer");
}
const POST_REFUNDS: (&str, &str) = ("POST", "/v1/refunds");

/// PAY-4…7, PAY-41, PAY-45, ATT-1: /pay gives the owner one intent (a retry gets
/// the same client secret; Stripe is called once); the signed succeeded event pays
/// the order exactly once and registers the attendee; a duplicate delivery changes
/// nothing.
async fn pay_45_the_webhook_pays_the_order_once(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;

    // Only the owner pays.
    let r = pay(app, &w.bo, &reference).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = pay(app, &w.finance, &reference).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    let first = pay(app, &w.ana, &reference).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(dec(&first.body["amount"]), money("100.00"));
    let intent = first.body["payment_intent_id"].as_str().unwrap_or_default();
    let secret = first.body["client_secret"].as_str().unwrap_or_default();
    assert!(secret.starts_with(&format!("{intent}_secret_")), "{secret}");
    let again = pay(app, &w.ana, &reference).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["client_secret"], secret);
    assert_eq!(again.body["payment_intent_id"], intent);
    assert_eq!(w.fake.calls(POST_INTENTS.0, POST_INTENTS.1), 1);
    // PAY-5: the customer comes first; then the intent.
    let requests = w.fake.requests();
    assert_eq!(requests[0].path, "/v1/customers");
    let request = requests
        .iter()
        .find(|r| r.path == POST_INTENTS.1)
        .expect("the intent request");
    assert_eq!(request.idempotency_key.as_deref(), Some(reference.as_str()));
    assert_eq!(request.param("amount"), Some("10000"));
    assert_eq!(request.param("currency"), Some("usd"));
    let order_id = tessera::app::order_id(&reference).to_string();
    assert_eq!(request.param("metadata[order_id]"), Some(order_id.as_str()));
    assert_eq!(
        request.param("metadata[reference]"),
        Some(reference.as_str())
    );

    // Not paid until Stripe says so.
    assert_eq!(
        get_order(app, &w.ana, &reference).await.body["status"],
        "pending"
    );

    w.fake.succeed_intent(intent).expect("intent");
    let succeeded = w
        .fake
        .payment_intent_succeeded_event(intent)
        .expect("event");
    let delivery = signed(app, &succeeded, WHSEC);
    let r = webhook(app, &delivery).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["outcome"], "processed");
    assert_eq!(r.body["event_id"], succeeded["id"]);
    let order = get_order(app, &w.ana, &reference).await;
    assert_eq!(order.body["status"], "paid", "{}", order.text);
    assert_eq!(dec(&order.body["paid"]), money("100.00"));
    assert_eq!(order.body["payments"][0]["method"], "stripe");
    assert_eq!(order_facts(app, &reference, "OrderPaid").await, 1);
    let event_id = succeeded["id"].as_str().unwrap_or_default();
    assert_eq!(
        event_status(app, event_id).await,
        Some(StripeEventStatus::Processed)
    );

    // ATT-1: the attendee exists.
    let head = app.settled().await;
    let me = app
        .get(&format!("/api/v1/conferences/{CONF}/attendees/me"))
        .as_user(&w.ana)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);

    // PAY-41: the same delivery again changes nothing.
    let head = app.settled().await;
    let r = webhook(app, &delivery).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["outcome"], "duplicate");
    assert_eq!(app.app.db.head().await.expect("head"), head);
    // Another event reporting the same intent records nothing more.
    let later = w
        .fake
        .payment_intent_succeeded_event(intent)
        .expect("event");
    deliver_ok(app, &later, "processed").await;
    assert_eq!(order_facts(app, &reference, "OrderPaid").await, 1);
    assert_eq!(order_facts(app, &reference, "PaymentRecorded").await, 1);

    // PAY-4: nothing left to pay.
    let r = pay(app, &w.ana, &reference).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "order.payment_not_initiable");
    app_finish(w).await;
}

async fn app_finish(w: World) {
    let World { app, fake, .. } = w;
    app.finish().await;
    drop(fake);
}

/// PAY-6, PAY-38: a lost answer from Stripe is a 502 (never a 500), and the retry
/// asks with the persisted key, so Stripe answers with the intent it made. Without
/// a secret key /pay is 503.
async fn pay_6_a_retried_pay_reuses_the_persisted_key(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;
    // Ana's Stripe customer is known (PAY-5), so /pay only creates the intent.
    known_customer(app, &w.ana, "cus_known").await;

    w.fake.lose_next_response();
    let r = pay(app, &w.ana, &reference).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(r.code(), "pay.stripe_error");
    assert_eq!(
        r.body["detail"],
        "Payment processing error. Please try again."
    );
    w.fake.fail_next(503);
    let r = pay(app, &w.ana, &reference).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);

    let r = pay(app, &w.ana, &reference).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(w.fake.intent_count(), 1, "one intent whatever the retries");
    let keys: Vec<_> = w
        .fake
        .requests()
        .iter()
        .map(|q| q.idempotency_key.clone())
        .collect();
    assert_eq!(keys, vec![Some(reference.clone()); 3]);
    assert!(w.fake.requests()[2].replayed);
    let attempts = read_order(app, &reference, |o| o.attempts.len()).await;
    assert_eq!(attempts, 1);

    // PAY-4: Stripe not configured.
    let plain = TestApp::start(b).await;
    let admin = plain.admin().await;
    plain.conference(&admin, CONF).await;
    plain
        .ticket_type(
            &admin,
            CONF,
            json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
        )
        .await;
    let ana = plain.user("ana").await;
    let reference = buy(&plain, &ana).await;
    let r = pay(&plain, &ana, &reference).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.code(), "pay.stripe_not_configured");
    plain.finish().await;
    app_finish(w).await;
}

/// ORDER-23, PAY-45…47: events only move an order forward, whatever order they
/// arrive in. A failure after the success changes nothing; a refund reported before
/// its payment records the payment first, and the late success is a no-op. PAY-46:
/// a failed attempt lets the next /pay start a new intent with a new key.
async fn order_23_out_of_order_events_only_move_forward(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;

    // Failed after succeeded.
    let a = buy(app, &w.ana).await;
    let intent = intent_for(app, &w.ana, &a).await;
    let paid = w.fake.succeed_intent(&intent).expect("intent");
    let succeeded = w
        .fake
        .payment_intent_succeeded_event(&intent)
        .expect("event");
    deliver_ok(app, &succeeded, "processed").await;
    let mut declined = paid.clone();
    declined["status"] = json!("requires_payment_method");
    declined["last_payment_error"] = json!({ "message": "Your card was declined." });
    let failed = event(
        "evt_late_failure",
        "payment_intent.payment_failed",
        declined,
        now(app),
    );
    deliver_ok(app, &failed, "processed").await;
    let order = get_order(app, &w.ana, &a).await;
    assert_eq!(order.body["status"], "paid", "{}", order.text);
    assert_eq!(order_facts(app, &a, "PaymentAttemptFailed").await, 0);

    // A refund reported before the payment.
    let b_ref = buy(app, &w.bo).await;
    let intent = intent_for(app, &w.bo, &b_ref).await;
    w.fake.succeed_intent(&intent).expect("intent");
    let succeeded = w
        .fake
        .payment_intent_succeeded_event(&intent)
        .expect("event");
    w.fake
        .client()
        .create_refund(&RefundRequest {
            payment_intent: intent.clone(),
            amount: money("100.00"),
            currency: "usd".into(),
            reason: RefundReason::RequestedByCustomer,
            idempotency_key: "dashboard-refund".into(),
        })
        .await
        .expect("refund in the dashboard");
    let refunded = w.fake.charge_refunded_event(&intent).expect("event");
    deliver_ok(app, &refunded, "processed").await;
    let order = get_order(app, &w.bo, &b_ref).await;
    assert_eq!(order.body["status"], "refunded", "{}", order.text);
    assert_eq!(dec(&order.body["paid"]), money("100.00"));
    assert_eq!(dec(&order.body["refunded"]), money("100.00"));
    deliver_ok(app, &succeeded, "processed").await;
    let order = get_order(app, &w.bo, &b_ref).await;
    assert_eq!(order.body["status"], "refunded", "{}", order.text);
    assert_eq!(dec(&order.body["paid"]), money("100.00"));
    assert_eq!(order_facts(app, &b_ref, "OrderPaid").await, 1);
    assert_eq!(order_facts(app, &b_ref, "PaymentRecorded").await, 1);
    assert_eq!(
        order_facts(app, &b_ref, "PaymentReceivedForClosedOrder").await,
        0
    );

    // PAY-46: a declined card; the next /pay is a new attempt with a new key.
    let c = buy(app, &w.ana).await;
    let first = intent_for(app, &w.ana, &c).await;
    w.fake.fail_intent(&first, "Your card was declined.");
    let failed = w.fake.payment_intent_failed_event(&first).expect("event");
    deliver_ok(app, &failed, "processed").await;
    assert_eq!(order_facts(app, &c, "PaymentAttemptFailed").await, 1);
    assert_eq!(get_order(app, &w.ana, &c).await.body["status"], "pending");
    let second = intent_for(app, &w.ana, &c).await;
    assert_ne!(first, second);
    let last = w.fake.requests().last().cloned().expect("request");
    assert_eq!(last.idempotency_key, Some(format!("{c}-2")));
    w.fake.succeed_intent(&second).expect("intent");
    let ok = w
        .fake
        .payment_intent_succeeded_event(&second)
        .expect("event");
    deliver_ok(app, &ok, "processed").await;
    assert_eq!(get_order(app, &w.ana, &c).await.body["status"], "paid");

    // AMB-6: money for a cancelled order is recorded and flagged.
    let d = buy(app, &w.bo).await;
    let intent = intent_for(app, &w.bo, &d).await;
    let r = app
        .post(&format!("{}/cancel", order_path(CONF, &d)))
        .as_user(&w.bo)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    w.fake.succeed_intent(&intent).expect("intent");
    let late = w
        .fake
        .payment_intent_succeeded_event(&intent)
        .expect("event");
    deliver_ok(app, &late, "processed").await;
    let order = get_order(app, &w.bo, &d).await;
    assert_eq!(order.body["status"], "cancelled", "{}", order.text);
    assert_eq!(order.body["flagged_for_refund"], true);
    assert_eq!(order_facts(app, &d, "OrderPaid").await, 0);
    app_finish(w).await;
}

/// PAY-40, CONF-41: forged, tampered, unsigned, stale (either way) and malformed
/// deliveries are 400 and store nothing; a delivery signed with the rotated secret
/// is accepted.
async fn pay_40_only_verified_deliveries_are_stored(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;
    let intent = intent_for(app, &w.ana, &reference).await;
    w.fake.succeed_intent(&intent).expect("intent");
    let succeeded = w
        .fake
        .payment_intent_succeeded_event(&intent)
        .expect("event");
    let event_id = succeeded["id"].as_str().unwrap_or_default().to_string();
    let head = app.settled().await;

    let good = signed(app, &succeeded, WHSEC);
    let forged = signed(app, &succeeded, "whsec_forged");
    let mut tampered = good.clone();
    tampered.payload = String::from_utf8_lossy(&good.payload)
        .replace("10000", "1")
        .into_bytes();
    let stale = deliver(&succeeded, WHSEC, now(app) - 301);
    let early = deliver(&succeeded, WHSEC, now(app) + 301);
    let malformed = Delivery {
        payload: b"{not json".to_vec(),
        signature: tessera::stripe::sign(b"{not json", WHSEC, now(app)),
    };
    let no_id = deliver(
        &json!({ "type": "payment_intent.succeeded" }),
        WHSEC,
        now(app),
    );
    for (what, delivery, code) in [
        ("forged", &forged, "stripe.webhook.signature_mismatch"),
        ("tampered", &tampered, "stripe.webhook.signature_mismatch"),
        ("stale", &stale, "stripe.webhook.timestamp_out_of_tolerance"),
        ("early", &early, "stripe.webhook.timestamp_out_of_tolerance"),
        ("malformed", &malformed, "stripe.webhook.invalid_json"),
        ("no id", &no_id, "stripe.webhook.missing_field"),
    ] {
        let r = webhook(app, delivery).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.text);
        assert_eq!(r.code(), code, "{what}");
    }
    let r = post_webhook(app, CONF, &good.payload, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.code(), "stripe.webhook.missing_signature");
    assert_eq!(
        app.app.db.head().await.expect("head"),
        head,
        "nothing stored"
    );
    assert_eq!(event_status(app, &event_id).await, None);
    assert_eq!(
        get_order(app, &w.ana, &reference).await.body["status"],
        "pending"
    );

    // A verified delivery to a conference that does not exist.
    let r = post_webhook(app, "no-such-conf", &good.payload, Some(&good.signature)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    // Secret rotation: the second configured secret verifies too.
    let rotated = signed(app, &succeeded, WHSEC_ROTATED);
    let r = webhook(app, &rotated).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["outcome"], "processed");
    assert_eq!(
        get_order(app, &w.ana, &reference).await.body["status"],
        "paid"
    );
    // The same event signed with the other secret is the same event.
    let r = webhook(app, &good).await;
    assert_eq!(r.body["outcome"], "duplicate", "{}", r.text);
    app_finish(w).await;
}

/// PAY-44: a delivery whose processing fails is answered 500 and
/// recorded as failed; Stripe's redelivery processes it. Here the order of a
/// dispute is looked up in Stripe, which fails once. PAY-43, AMB-31: other kinds,
/// and charges without intent, are stored and change nothing.
async fn pay_44_a_failed_delivery_is_processed_when_redelivered(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;
    let intent = intent_for(app, &w.ana, &reference).await;
    w.fake.succeed_intent(&intent).expect("intent");
    let succeeded = w
        .fake
        .payment_intent_succeeded_event(&intent)
        .expect("event");
    deliver_ok(app, &succeeded, "processed").await;

    let dispute = event(
        "evt_dispute_1",
        "charge.dispute.created",
        dispute_object("dp_1", "ch_1", Some(&intent), 10000, "usd", "fraudulent"),
        now(app),
    );
    let delivery = signed(app, &dispute, WHSEC);
    w.fake.fail_next(500);
    let r = webhook(app, &delivery).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    assert_eq!(
        event_status(app, "evt_dispute_1").await,
        Some(StripeEventStatus::Failed)
    );
    assert_eq!(read_order(app, &reference, |o| o.disputes.len()).await, 0);

    let r = webhook(app, &delivery).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["outcome"], "processed");
    assert_eq!(
        event_status(app, "evt_dispute_1").await,
        Some(StripeEventStatus::Processed)
    );
    let disputes = read_order(app, &reference, |o| o.disputes.to_vec()).await;
    assert_eq!(disputes.len(), 1);
    assert_eq!(disputes[0].reason, "fraudulent");
    assert_eq!(disputes[0].amount, money("100.00"));
    // PAY-48: the status stays.
    assert_eq!(
        get_order(app, &w.ana, &reference).await.body["status"],
        "paid"
    );
    let r = webhook(app, &delivery).await;
    assert_eq!(r.body["outcome"], "duplicate", "{}", r.text);

    // PAY-43: stored, not processed.
    let other = event(
        "evt_customer_1",
        "customer.created",
        json!({ "id": "cus_1", "object": "customer" }),
        now(app),
    );
    deliver_ok(app, &other, "ignored").await;
    assert_eq!(
        event_status(app, "evt_customer_1").await,
        Some(StripeEventStatus::Processed)
    );
    // AMB-31: a refunded charge without intent matches no payment.
    let order_id = tessera::app::order_id(&reference).to_string();
    let orphan = event(
        "evt_orphan_refund",
        "charge.refunded",
        charge_object(
            "ch_x",
            None,
            10000,
            10000,
            "usd",
            &[("order_id", order_id.as_str())],
        ),
        now(app),
    );
    deliver_ok(app, &orphan, "ignored").await;
    assert_eq!(
        get_order(app, &w.ana, &reference).await.body["status"],
        "paid"
    );
    app_finish(w).await;
}

/// PAY-53: an event naming an order of another conference is refused for that
/// endpoint (200, nothing applied) and still processed by its own conference's.
async fn pay_53_events_of_another_conference_are_refused(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let r = app
        .post("/api/v1/conferences")
        .as_user(&w.admin)
        .json(json!({
            "series": "pycon-us", "slug": OTHER_CONF, "name": "PyCon US 2028",
            "year": 2028, "start_date": "2028-05-12", "end_date": "2028-05-20",
            "timezone": "America/Chicago", "total_capacity": 2500
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = buy(app, &w.ana).await;
    let intent = intent_for(app, &w.ana, &reference).await;
    w.fake.succeed_intent(&intent).expect("intent");
    let succeeded = w
        .fake
        .payment_intent_succeeded_event(&intent)
        .expect("event");
    let delivery = signed(app, &succeeded, WHSEC);
    let event_id = succeeded["id"].as_str().unwrap_or_default().to_string();

    let r = post_webhook(
        app,
        OTHER_CONF,
        &delivery.payload,
        Some(&delivery.signature),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["outcome"], "refused");
    assert_eq!(
        event_status(app, &event_id).await,
        Some(StripeEventStatus::Refused)
    );
    assert_eq!(
        get_order(app, &w.ana, &reference).await.body["status"],
        "pending"
    );
    let r = post_webhook(
        app,
        OTHER_CONF,
        &delivery.payload,
        Some(&delivery.signature),
    )
    .await;
    assert_eq!(r.body["outcome"], "duplicate", "{}", r.text);

    let r = webhook(app, &delivery).await;
    assert_eq!(r.body["outcome"], "processed", "{}", r.text);
    assert_eq!(
        get_order(app, &w.ana, &reference).await.body["status"],
        "paid"
    );
    app_finish(w).await;
}

/// PAY-27, AMB-9, PAY-47: a refund to the card calls Stripe once per refund (an
/// HTTP retry with the same Idempotency-Key and a lost answer retried with the same
/// Stripe key never refund twice), issues a credit note, and a failed Stripe call
/// voids the refund; the rest refunded in Stripe arrives as charge.refunded and
/// completes the refund. The Stripe key is per refund (`refund-<refund id>`,
/// departing from PAY-27's `refund-<intent>-<amount>-<reason>`), so two refunds of
/// the same amount are two Stripe refunds.
async fn pay_27_refunds_to_the_card_go_through_stripe(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;
    let intent = intent_for(app, &w.ana, &reference).await;
    w.fake.succeed_intent(&intent).expect("intent");
    let succeeded = w
        .fake
        .payment_intent_succeeded_event(&intent)
        .expect("event");
    deliver_ok(app, &succeeded, "processed").await;
    let refunds_path = format!("{}/refunds", order_path(CONF, &reference));
    let refund = |amount: &str| {
        app.post(&refunds_path)
            .as_user(&w.finance)
            .json(json!({ "amount": amount, "to": "card" }))
    };

    let r = refund("40.00")
        .header("idempotency-key", "refund-1")
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "partially_refunded");
    let refund_id = r.body["refund_id"].clone();
    let again = refund("40.00")
        .header("idempotency-key", "refund-1")
        .send()
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.body["refund_id"], refund_id);
    assert_eq!(w.fake.calls(POST_REFUNDS.0, POST_REFUNDS.1), 1);
    let call = w
        .fake
        .requests()
        .into_iter()
        .find(|q| q.path == POST_REFUNDS.1)
        .expect("refund call");
    let refund_uuid: uuid::Uuid = refund_id
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("refund id");
    assert_eq!(
        call.idempotency_key.as_deref(),
        Some(format!("refund-{refund_uuid}").as_str())
    );
    assert_eq!(call.param("amount"), Some("4000"));
    assert_eq!(call.param("payment_intent"), Some(intent.as_str()));

    // A lost answer: retried with the same key, refunded once.
    w.fake.lose_next_response();
    let r = refund("10.00").send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(w.fake.refunds().len(), 2);

    // Another refund of the same amount is another Stripe refund (its own key).
    let r = refund("10.00").send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(w.fake.refunds().len(), 3);
    // Stripe refuses: the refund is voided.
    w.fake.fail_next(400);
    let r = refund("5.00").send().await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
    assert_eq!(w.fake.refunds().len(), 3);
    let order = get_order(app, &w.finance, &reference).await;
    assert_eq!(
        dec(&order.body["refunded"]),
        money("60.00"),
        "{}",
        order.text
    );
    assert_eq!(order.body["status"], "partially_refunded");
    let refunds = order.body["refunds"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(refunds.iter().filter(|r| r["failed"] == true).count(), 1);
    assert!(refunds.iter().all(|r| r["pending"] == false), "{refunds:?}");

    // AMB-9: credit notes, not spendable.
    let notes = credits(app, &w.ana).await;
    let mut amounts: Vec<Decimal> = notes.iter().map(|c| dec(&c["amount"])).collect();
    amounts.sort();
    assert_eq!(
        amounts,
        vec![money("10.00"), money("10.00"), money("40.00")]
    );
    assert!(notes.iter().all(|c| c["spendable"] == false), "{notes:?}");

    // The rest refunded in the Stripe dashboard.
    w.fake
        .client()
        .create_refund(&RefundRequest {
            payment_intent: intent.clone(),
            amount: money("40.00"),
            currency: "usd".into(),
            reason: RefundReason::RequestedByCustomer,
            idempotency_key: "dashboard".into(),
        })
        .await
        .expect("dashboard refund");
    let refunded = w.fake.charge_refunded_event(&intent).expect("event");
    let delivery = signed(app, &refunded, WHSEC);
    let r = webhook(app, &delivery).await;
    assert_eq!(r.body["outcome"], "processed", "{}", r.text);
    let order = get_order(app, &w.finance, &reference).await;
    assert_eq!(order.body["status"], "refunded", "{}", order.text);
    assert_eq!(dec(&order.body["refunded"]), money("100.00"));
    assert_eq!(order.body["payments"][0]["status"], "refunded");
    let r = webhook(app, &delivery).await;
    assert_eq!(r.body["outcome"], "duplicate", "{}", r.text);
    let order = get_order(app, &w.finance, &reference).await;
    assert_eq!(dec(&order.body["refunded"]), money("100.00"));
    app_finish(w).await;
}

/// PAY-47: the charge.refunded Stripe sends for a full refund made here (and
/// already recorded with its Stripe refund id) adds nothing: no 0.00 refund.
async fn pay_47_a_refund_made_here_is_not_recorded_again(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;
    let intent = intent_for(app, &w.ana, &reference).await;
    w.fake.succeed_intent(&intent).expect("intent");
    let succeeded = w
        .fake
        .payment_intent_succeeded_event(&intent)
        .expect("event");
    deliver_ok(app, &succeeded, "processed").await;
    let r = app
        .post(&format!("{}/refunds", order_path(CONF, &reference)))
        .as_user(&w.finance)
        .json(json!({ "amount": "100.00", "to": "card" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "refunded", "{}", r.text);

    let refunded = w.fake.charge_refunded_event(&intent).expect("event");
    deliver_ok(app, &refunded, "processed").await;
    assert_eq!(
        order_facts(app, &reference, "StripeRefundRecorded").await,
        0
    );
    let order = get_order(app, &w.finance, &reference).await;
    assert_eq!(order.body["status"], "refunded", "{}", order.text);
    assert_eq!(dec(&order.body["refunded"]), money("100.00"));
    let refunds = order.body["refunds"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(refunds.len(), 1, "{}", order.text);
    assert_eq!(dec(&refunds[0]["amount"]), money("100.00"));
    app_finish(w).await;
}

on_both_backends!(
    pay_45_the_webhook_pays_the_order_once,
    pay_6_a_retried_pay_reuses_the_persisted_key,
    order_23_out_of_order_events_only_move_forward,
    pay_40_only_verified_deliveries_are_stored,
    pay_44_a_failed_delivery_is_processed_when_redelivered,
    pay_53_events_of_another_conference_are_refused,
    pay_27_refunds_to_the_card_go_through_stripe,
    pay_47_a_refund_made_here_is_not_recorded_again,
);

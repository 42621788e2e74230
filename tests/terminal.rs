//! Stripe customers (PAY-5, PAY-11) and Stripe Terminal at the desk (PAY-30…38,
//! PAY-45/46) end to end against the in-process fake Stripe, on SQLite and
//! PostgreSQL.

mod common;
#[path = "common/fake_stripe.rs"]
mod fake_stripe;

use std::str::FromStr;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use fake_stripe::{FakeStripe, deliver};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tessera::config::{Config, Secret, StripeConfig};
use tessera_aggregates::order::{Order, OrderStatus, PaymentMethod, PaymentStatus};

const CONF: &str = "pycon-us-2027";
const WHSEC: &str = "whsec_test";
const PAYMENT_ERROR: &str = "Payment processing error. Please try again.";

struct World {
    app: TestApp,
    fake: FakeStripe,
    admin: User,
    ana: User,
    bo: User,
    desk: User,
}

fn config(fake: &FakeStripe) -> Config {
    Config {
        stripe: StripeConfig {
            secret_key: Some(Secret::new(fake.secret_key())),
            api_base: fake.base_url().to_string(),
            webhook_secret: Some(Secret::new(WHSEC)),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A conference selling "individual" (100.00), Stripe pointed at a fake with two
/// readers, two attendees and a check-in staff member at the desk.
async fn setup(b: Backend) -> World {
    let fake = FakeStripe::start().await;
    fake.add_reader("tmr_desk1", "Desk 1", "tml_hall_a");
    fake.add_reader("tmr_desk2", "Desk 2", "tml_hall_b");
    let app = TestApp::start_with(b, config(&fake)).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let desk = app.user("desk").await;
    app.grant(&admin, CONF, &desk, "checkin").await;
    World {
        admin,
        ana: app.user("ana").await,
        bo: app.user("bo").await,
        desk,
        app,
        fake,
    }
}

fn money(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| Decimal::from_str(s).ok())
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

fn terminal(path: &str) -> String {
    format!("/api/v1/conferences/{CONF}/terminal/{path}")
}

async fn buy(app: &TestApp, user: &User) -> String {
    let r = app.buy(user, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

async fn pay(app: &TestApp, user: &User, reference: &str) -> Response {
    app.post(&format!(
        "/api/v1/conferences/{CONF}/orders/{reference}/pay"
    ))
    .as_user(user)
    .send()
    .await
}

async fn create_intent(app: &TestApp, staff: &User, body: Value) -> Response {
    app.post(&terminal("intents"))
        .as_user(staff)
        .json(body)
        .send()
        .await
}

async fn act(app: &TestApp, staff: &User, intent: &str, action: &str) -> Response {
    app.post(&terminal(&format!("intents/{intent}/{action}")))
        .as_user(staff)
        .send()
        .await
}

async fn read_order<T>(app: &TestApp, reference: &str, read: impl FnOnce(&Order) -> T) -> T {
    app.app
        .bus
        .inspect(&Order::stream(tessera::app::order_id(reference)), read)
        .await
        .expect("order")
}

/// How many `event_type` facts the log holds for the order of `reference`.
async fn order_facts(app: &TestApp, reference: &str, event_type: &str) -> usize {
    let id = tessera::app::order_id(reference).to_string();
    app.count_events(|e| {
        e.aggregate_type == "order" && e.aggregate_id == id && e.event_type == event_type
    })
    .await
}

/// (sold, held) of a product on the conference's sales ledger, as staff see it.
async fn stock(w: &World, slug: &str, after: i64) -> (Option<u64>, Option<u64>) {
    let r = w
        .app
        .get(&format!("/api/v1/conferences/{CONF}/inventory"))
        .as_user(&w.admin)
        .after(Some(after))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let line = r.body["products"]
        .as_array()
        .and_then(|l| l.iter().find(|p| p["slug"] == slug).cloned())
        .unwrap_or_default();
    (line["sold"].as_u64(), line["held"].as_u64())
}

/// The attendees of the conference registered for `user`, as the desk lists them.
async fn attendees_of(w: &World, user: &User, after: i64) -> Vec<Value> {
    let r = w
        .app
        .get(&format!("/api/v1/conferences/{CONF}/attendees"))
        .as_user(&w.desk)
        .after(Some(after))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a["user"] == user.id.as_str())
        .collect()
}

/// The caller's attendee record.
async fn my_attendee(app: &TestApp, user: &User, after: i64) -> Response {
    app.get(&format!("/api/v1/conferences/{CONF}/attendees/me"))
        .as_user(user)
        .after(Some(after))
        .send()
        .await
}

/// Delivers a signed `payment_intent.succeeded` of `intent` to the webhook.
async fn intent_succeeded(w: &World, intent: &str) -> Response {
    let event = w
        .fake
        .payment_intent_succeeded_event(intent)
        .expect("intent of the fake");
    deliver_event(w, &event).await
}

/// Delivers a signed `payment_intent.payment_failed` of `intent` to the webhook.
async fn intent_failed(w: &World, intent: &str) -> (Value, Response) {
    let event = w
        .fake
        .payment_intent_failed_event(intent)
        .expect("intent of the fake");
    let r = deliver_event(w, &event).await;
    (event, r)
}

/// Delivers `event`, signed, to the webhook.
async fn deliver_event(w: &World, event: &Value) -> Response {
    let now = w.app.app.bus.services().now().timestamp();
    let delivery = deliver(event, WHSEC, now);
    w.app
        .post(&format!("/api/v1/conferences/{CONF}/webhooks/stripe"))
        .raw("application/json", delivery.payload)
        .header("stripe-signature", &delivery.signature)
        .send()
        .await
}

// ---------------------------------------------------------------------------
// Stripe customers

/// PAY-5, PAY-11: the intent of /pay carries the user's one Stripe customer of the
/// conference, created once (email, full name, metadata user_id and
/// conference_slug, idempotency key customer-<conference id>-<user id>) even when
/// two payments start at once, and reused afterwards.
async fn pay_5_one_stripe_customer_per_user_and_conference(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let first = buy(app, &w.ana).await;
    let second = buy(app, &w.ana).await;

    let (a, b2) = tokio::join!(pay(app, &w.ana, &first), pay(app, &w.ana, &second));
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(b2.status, StatusCode::OK, "{}", b2.text);
    let customers = w.fake.customers();
    assert_eq!(customers.len(), 1, "one customer: {customers:?}");
    let customer = &customers[0];
    let conference = tessera::app::conference_id(CONF);
    assert_eq!(customer["email"], w.ana.email.as_str());
    assert_eq!(customer["name"], "ana");
    assert_eq!(customer["metadata"]["user_id"], w.ana.id.as_str());
    assert_eq!(customer["metadata"]["conference_slug"], CONF);
    let key = format!("customer-{conference}-{}", w.ana.id);
    assert!(
        w.fake
            .requests()
            .iter()
            .filter(|r| r.path == "/v1/customers")
            .all(|r| r.idempotency_key.as_deref() == Some(key.as_str())),
        "every creation is keyed by {key}"
    );
    let cus = customer["id"].as_str().unwrap_or_default();
    for r in [&a, &b2] {
        let intent = r.body["payment_intent_id"].as_str().unwrap_or_default();
        let shown = w.fake.intent(intent).expect("intent");
        assert_eq!(shown["customer"], cus, "{shown}");
    }

    // Reused: no further creation; bo gets his own.
    let third = buy(app, &w.ana).await;
    let r = pay(app, &w.ana, &third).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let intent = r.body["payment_intent_id"].as_str().unwrap_or_default();
    assert_eq!(w.fake.intent(intent).expect("intent")["customer"], cus);
    let creations = w.fake.calls("POST", "/v1/customers");
    let bo_order = buy(app, &w.bo).await;
    let r = pay(app, &w.bo, &bo_order).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(w.fake.customers().len(), 2);
    assert_eq!(w.fake.calls("POST", "/v1/customers"), creations + 1);

    // PAY-38: a failed customer creation is a 502 and nothing is recorded.
    let carl = app.user("carl").await;
    let carl_order = buy(app, &carl).await;
    w.fake.fail_next(500);
    let r = pay(app, &carl, &carl_order).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
    assert_eq!(r.body["detail"], PAYMENT_ERROR);
    let r = pay(app, &carl, &carl_order).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(w.fake.customers().len(), 3);

    app.settled().await;
    finish(w).await;
}

// ---------------------------------------------------------------------------
// Terminal

/// PAY-32, PAY-33, PAY-35, PAY-36 with AMB-6/7, PAY-45, PAY-30: staff take a
/// card-present payment for a pending order: the intent (manual capture,
/// card_present) charges the balance and carries the order; the capture pays the
/// order with its one OrderPaid (departing from PAY-36, which kept the hold and
/// left the event to the webhook): the attendee is created and the hold becomes a
/// sale; the success webhook then changes nothing; the desk lookup shows the
/// attendee registered.
async fn amb_7_capturing_an_order_payment_pays_it_once(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;

    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": reference }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["capture_status"], "authorized");
    assert_eq!(r.body["payment_status"], "pending");
    assert_eq!(r.body["order_status"], "pending");
    assert_eq!(r.body["order_reference"], reference.as_str());
    assert_eq!(dec(&r.body["amount"]), money("100.00"));
    let intent = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let created = w.fake.intent(&intent).expect("intent");
    assert_eq!(created["capture_method"], "manual");
    assert_eq!(created["payment_method_types"], json!(["card_present"]));
    assert_eq!(created["amount"], 10000);
    let order_id = tessera::app::order_id(&reference).to_string();
    let md = &created["metadata"];
    assert_eq!(md["order_id"], order_id.as_str());
    assert_eq!(md["reference"], reference.as_str());
    assert_eq!(md["terminal"], "true");
    assert_eq!(md["conference_slug"], CONF);
    assert_eq!(
        md["conference_id"],
        tessera::app::conference_id(CONF).to_string().as_str()
    );
    assert_eq!(md["staff_user_id"], w.desk.id.as_str());
    let (method, status) = read_order(app, &reference, |o| {
        o.payments
            .last()
            .map(|p| (p.method, p.status))
            .unwrap_or((PaymentMethod::Manual, PaymentStatus::Failed))
    })
    .await;
    assert_eq!(
        (method, status),
        (PaymentMethod::Terminal, PaymentStatus::Pending)
    );

    // PAY-36 with AMB-6/7: captured; the order is paid in its one transition
    // that emits OrderPaid: the hold is released, the attendee created.
    w.fake.present_card(&intent);
    let r = act(app, &w.desk, &intent, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["capture_status"], "captured");
    assert_eq!(r.body["payment_status"], "succeeded");
    assert_eq!(r.body["order_status"], "paid");
    assert!(r.body["captured_at"].is_string(), "{}", r.text);
    let (status, hold, balance) = read_order(app, &reference, |o| {
        (o.status, o.hold_expires_at, o.balance)
    })
    .await;
    assert_eq!(status, OrderStatus::Paid);
    assert!(hold.is_none(), "AMB-6/7: OrderPaid releases the hold");
    assert_eq!(balance, Decimal::ZERO);
    assert_eq!(order_facts(app, &reference, "OrderPaid").await, 1);
    let head = app.settled().await;
    let me = my_attendee(app, &w.ana, head).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["order_reference"], reference.as_str());
    assert_eq!(attendees_of(&w, &w.ana, head).await.len(), 1);
    assert_eq!(
        stock(&w, "individual", head).await,
        (Some(1), Some(0)),
        "the hold became a sale"
    );
    // Capturing again answers the capture; Stripe is not asked twice.
    let r = act(app, &w.desk, &intent, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["capture_status"], "captured");
    assert_eq!(
        w.fake
            .calls("POST", &format!("/v1/payment_intents/{intent}/capture")),
        1
    );
    // A captured payment cannot be cancelled.
    let r = act(app, &w.desk, &intent, "cancel").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "order.terminal_already_captured");

    // PAY-45: the success webhook (delivered twice) records nothing more and
    // announces nothing again.
    for _ in 0..2 {
        let r = intent_succeeded(&w, &intent).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(order_facts(app, &reference, "OrderPaid").await, 1);
        assert_eq!(order_facts(app, &reference, "PaymentRecorded").await, 0);
        let payments = read_order(app, &reference, |o| o.payments.len()).await;
        assert_eq!(payments, 1);
    }
    let head = app.settled().await;
    assert_eq!(attendees_of(&w, &w.ana, head).await.len(), 1);
    assert_eq!(stock(&w, "individual", head).await, (Some(1), Some(0)));

    // PAY-30: the desk finds the attendee registered, with the order's lines.
    let me = my_attendee(app, &w.ana, head).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let code = me.body["access_code"].as_str().unwrap_or_default();
    let r = app
        .get(&terminal(&format!("attendees/{code}")))
        .as_user(&w.desk)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["registered"], true);
    assert_eq!(r.body["order"]["reference"], reference.as_str());
    assert_eq!(r.body["order"]["lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(dec(&r.body["credits_total"]), Decimal::ZERO);
    assert_eq!(r.body["attendee"]["email"], w.ana.email.as_str());
    let r = app
        .get(&terminal("attendees/NOSUCHCODE"))
        .as_user(&w.desk)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    finish(w).await;
}

/// PAY-45 with AMB-6/7: Stripe captured the intent but the desk has not recorded
/// it yet (its answer was lost): the success webhook pays the order with its one
/// OrderPaid; the desk's capture then changes nothing and does not ask Stripe.
async fn pay_45_a_webhook_before_the_desk_capture_pays_once(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": reference }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let intent = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    w.fake.present_card(&intent);
    w.fake.succeed_intent(&intent);

    let r = intent_succeeded(&w, &intent).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(order_facts(app, &reference, "OrderPaid").await, 1);
    let (status, hold) = read_order(app, &reference, |o| (o.status, o.hold_expires_at)).await;
    assert_eq!(status, OrderStatus::Paid);
    assert!(hold.is_none());

    let r = act(app, &w.desk, &intent, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["capture_status"], "captured");
    assert_eq!(r.body["payment_status"], "succeeded");
    assert_eq!(r.body["order_status"], "paid");
    assert_eq!(
        w.fake
            .calls("POST", &format!("/v1/payment_intents/{intent}/capture")),
        0
    );
    assert_eq!(order_facts(app, &reference, "OrderPaid").await, 1);
    assert_eq!(
        order_facts(app, &reference, "TerminalPaymentCaptured").await,
        1
    );
    assert_eq!(order_facts(app, &reference, "PaymentRecorded").await, 0);
    let payments = read_order(app, &reference, |o| {
        o.payments
            .iter()
            .map(|p| (p.method, p.status))
            .collect::<Vec<_>>()
    })
    .await;
    assert_eq!(
        payments,
        vec![(PaymentMethod::Terminal, PaymentStatus::Succeeded)]
    );
    let head = app.settled().await;
    assert_eq!(attendees_of(&w, &w.ana, head).await.len(), 1);
    assert_eq!(stock(&w, "individual", head).await, (Some(1), Some(0)));
    finish(w).await;
}

/// PAY-38/46: the card is declined at the reader and Stripe reports the intent's
/// payment failed: the terminal record fails (with its failure time) and so does
/// its pending payment; the order stays pending. A duplicate or a later failure
/// report changes nothing; the failed intent can neither be captured nor
/// cancelled in Stripe; the desk tries again with a new intent, captured normally.
async fn pay_46_a_declined_terminal_intent_fails_and_the_desk_tries_again(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": reference }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["capture_status"], "authorized");
    assert!(r.body["failed_at"].is_null(), "{}", r.text);
    let first = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    // Declined at the reader.
    w.fake.present_card(&first);
    w.fake
        .fail_intent(&first, "Your card was declined.")
        .expect("intent of the fake");
    let (event, r) = intent_failed(&w, &first).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["outcome"], "processed", "{}", r.text);
    assert_eq!(
        order_facts(app, &reference, "TerminalPaymentFailed").await,
        1
    );
    let (status, balance, hold, payments) = read_order(app, &reference, |o| {
        (
            o.status,
            o.balance,
            o.hold_expires_at,
            o.payments
                .iter()
                .map(|p| (p.method, p.status))
                .collect::<Vec<_>>(),
        )
    })
    .await;
    assert_eq!(status, OrderStatus::Pending);
    assert_eq!(balance, money("100.00"));
    assert!(hold.is_some(), "the order is unchanged: its hold is kept");
    assert_eq!(
        payments,
        vec![(PaymentMethod::Terminal, PaymentStatus::Failed)]
    );

    // Forward only: the same delivery again, then another failure report of the
    // intent, change nothing.
    let r = deliver_event(&w, &event).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["outcome"], "duplicate", "{}", r.text);
    let (_, r) = intent_failed(&w, &first).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        order_facts(app, &reference, "TerminalPaymentFailed").await,
        1
    );

    // The desk sees the record failed: cancelling it answers the recorded
    // outcome without asking Stripe; it cannot be captured.
    let r = act(app, &w.desk, &first, "cancel").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["capture_status"], "failed");
    assert_eq!(r.body["payment_status"], "failed");
    assert_eq!(r.body["order_status"], "pending");
    assert!(r.body["failed_at"].is_string(), "{}", r.text);
    assert!(r.body["cancelled_at"].is_null(), "{}", r.text);
    assert!(r.body["captured_at"].is_null(), "{}", r.text);
    assert_eq!(
        w.fake
            .calls("POST", &format!("/v1/payment_intents/{first}/cancel")),
        0
    );
    let r = act(app, &w.desk, &first, "capture").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "order.terminal_not_capturable");
    assert_eq!(
        w.fake
            .calls("POST", &format!("/v1/payment_intents/{first}/capture")),
        0
    );

    // The desk tries again with a new intent, captured normally.
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": reference }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["capture_status"], "authorized");
    assert_eq!(dec(&r.body["amount"]), money("100.00"));
    let second = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_ne!(second, first);
    w.fake.present_card(&second);
    let r = act(app, &w.desk, &second, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["capture_status"], "captured");
    assert_eq!(r.body["payment_status"], "succeeded");
    assert_eq!(r.body["order_status"], "paid");
    assert!(r.body["failed_at"].is_null(), "{}", r.text);
    assert_eq!(order_facts(app, &reference, "OrderPaid").await, 1);
    let (status, balance, payments) = read_order(app, &reference, |o| {
        (
            o.status,
            o.balance,
            o.payments
                .iter()
                .map(|p| (p.method, p.status))
                .collect::<Vec<_>>(),
        )
    })
    .await;
    assert_eq!(status, OrderStatus::Paid);
    assert_eq!(balance, Decimal::ZERO);
    assert_eq!(
        payments,
        vec![
            (PaymentMethod::Terminal, PaymentStatus::Failed),
            (PaymentMethod::Terminal, PaymentStatus::Succeeded),
        ]
    );
    let head = app.settled().await;
    assert_eq!(attendees_of(&w, &w.ana, head).await.len(), 1);
    finish(w).await;
}

/// PAY-34, PAY-37, PAY-36, PAY-45: a walk-up amount gets a new pending order (for
/// the staff member; no hold) and an intent without the order; cancelling cancels
/// the reader's action and the intent, the payment fails and the order stays
/// pending; a captured walk-up order is paid with its OrderPaid (AMB-6/7), so its
/// customer becomes an attendee, and its ignored webhook changes nothing.
async fn pay_37_a_walk_up_payment_is_cancelled_or_captured(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;

    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk2", "amount": "25.00" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["order_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let intent = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(reference.starts_with("ORD-"), "{reference}");
    let md = w.fake.intent(&intent).expect("intent")["metadata"].clone();
    assert!(md.get("order_id").is_none(), "PAY-34: {md}");
    assert!(md.get("reference").is_none(), "PAY-34: {md}");
    let (user, total, status, hold) = read_order(app, &reference, |o| {
        (o.user, o.total, o.status, o.hold_expires_at)
    })
    .await;
    assert_eq!(user.to_string(), w.desk.id);
    assert_eq!(total, money("25.00"));
    assert_eq!(status, OrderStatus::Pending);
    assert!(hold.is_none());

    // PAY-37: cancelled.
    let r = act(app, &w.desk, &intent, "cancel").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["capture_status"], "cancelled");
    assert_eq!(r.body["payment_status"], "failed");
    assert_eq!(r.body["order_status"], "pending");
    assert!(r.body["cancelled_at"].is_string(), "{}", r.text);
    assert_eq!(
        w.fake
            .calls("POST", "/v1/terminal/readers/tmr_desk2/cancel_action"),
        1
    );
    assert_eq!(
        w.fake.intent(&intent).expect("intent")["status"],
        "canceled"
    );
    let r = act(app, &w.desk, &intent, "cancel").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        w.fake
            .calls("POST", &format!("/v1/payment_intents/{intent}/cancel")),
        1
    );
    let r = act(app, &w.desk, &intent, "capture").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "order.terminal_not_capturable");

    // AMB-6/7: a captured walk-up order (for the staff member) is paid with its
    // OrderPaid at once: the staff member becomes an attendee.
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk2", "amount": "25.00" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let desk_order = r.body["order_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let desk_intent = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    w.fake.present_card(&desk_intent);
    let r = act(app, &w.desk, &desk_intent, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["order_status"], "paid");
    assert_eq!(order_facts(app, &desk_order, "OrderPaid").await, 1);
    let head = app.settled().await;
    let me = my_attendee(app, &w.desk, head).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["order_reference"], desk_order.as_str());
    assert_eq!(attendees_of(&w, &w.desk, head).await.len(), 1);

    // For an attendee by access code, then captured.
    let paid = buy(app, &w.ana).await;
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": paid }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let first = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    w.fake.present_card(&first);
    let r = act(app, &w.desk, &first, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = intent_succeeded(&w, &first).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let head = app.settled().await;
    let me = my_attendee(app, &w.ana, head).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let code = me.body["access_code"].as_str().unwrap_or_default();
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "amount": 10, "attendee_access_code": code }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let walk_up = r.body["order_reference"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let intent = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        read_order(app, &walk_up, |o| o.user.to_string()).await,
        w.ana.id
    );
    w.fake.present_card(&intent);
    let r = act(app, &w.desk, &intent, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["order_status"], "paid");
    assert_eq!(dec(&r.body["amount"]), money("10.00"));
    // AMB-6/7: the capture emitted the walk-up's OrderPaid; its intent never
    // carried the order, so the webhook is ignored (PAY-45) and changes nothing.
    assert_eq!(order_facts(app, &walk_up, "OrderPaid").await, 1);
    let r = intent_succeeded(&w, &intent).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["outcome"], "ignored", "{}", r.text);
    assert_eq!(order_facts(app, &walk_up, "OrderPaid").await, 1);
    let (status, payments) = read_order(app, &walk_up, |o| (o.status, o.payments.len())).await;
    assert_eq!((status, payments), (OrderStatus::Paid, 1));
    let head = app.settled().await;
    // One attendee, its current order the latest paid one (ATT-3).
    let mine = attendees_of(&w, &w.ana, head).await;
    assert_eq!(mine.len(), 1);
    let me = my_attendee(app, &w.ana, head).await;
    assert_eq!(me.body["order_reference"], walk_up.as_str());

    finish(w).await;
}

async fn put_cart(app: &TestApp, staff: &User, body: Value) -> Response {
    app.put(&terminal("cart"))
        .as_user(staff)
        .json(body)
        .send()
        .await
}

async fn checkout_cart(app: &TestApp, staff: &User, body: Value) -> Response {
    app.post(&terminal("cart/checkout"))
        .as_user(staff)
        .json(body)
        .send()
        .await
}

/// The (slug, quantity) of the cart view's items, in cart order.
fn cart_items(r: &Response) -> Vec<(String, u64)> {
    r.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| {
            (
                i["slug"].as_str().unwrap_or_default().to_string(),
                i["quantity"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

/// PAY-39: the desk replaces every item of a cart, its own or an attendee's (by
/// access code), skipping unknown products and checking no stock, per-user
/// limit, sales window or capacity; the checkout places a pending order with
/// total = subtotal (no discounts, no hold, AMB-3 reference) and checks the cart
/// out; the order is then paid at the desk like any other.
async fn pay_39_the_desk_fills_a_cart_and_checks_it_out(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let products = format!("/api/v1/conferences/{CONF}");
    for (path, body) in [
        (
            "ticket-types",
            json!({ "slug": "vip", "name": "VIP", "price": "300.00", "is_active": false }),
        ),
        (
            "ticket-types",
            json!({ "slug": "student", "name": "Student", "price": "50.00", "limit_per_user": 1 }),
        ),
        (
            "ticket-types",
            json!({ "slug": "speaker", "name": "Speaker", "price": "0.00" }),
        ),
        (
            "addons",
            json!({ "slug": "dinner", "name": "Dinner", "price": "40.00", "total_quantity": 1, "requires": ["individual"] }),
        ),
    ] {
        let r = app
            .post(&format!("{products}/{path}"))
            .as_user(&w.admin)
            .json(body)
            .send()
            .await;
        assert!(r.status.is_success(), "{path}: {}", r.text);
    }

    // The staff member's own cart: unknown products and malformed items are
    // skipped, the rest goes in unchecked.
    let r = put_cart(
        app,
        &w.desk,
        json!({ "items": [
            { "ticket_type": "individual", "quantity": 2 },
            { "addon": "dinner", "quantity": 3 },
            { "ticket_type": "vip" },
            { "ticket_type": "student", "quantity": 2 },
            { "ticket_type": "nosuch", "quantity": 1 },
            { "addon": "nosuch" },
            { "ticket_type": "individual", "addon": "dinner" },
            { "quantity": 4 },
        ] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["user_id"], w.desk.id.as_str());
    assert_eq!(r.body["status"], "open");
    assert_eq!(
        cart_items(&r),
        vec![
            ("individual".to_string(), 2),
            ("dinner".to_string(), 3),
            ("vip".to_string(), 1),
            ("student".to_string(), 2),
        ]
    );
    assert_eq!(dec(&r.body["subtotal"]), money("720.00"));
    let individual_item = r.body["items"][0]["id"].clone();

    // Replaced again: what is not listed leaves the cart; a kept product keeps
    // its item.
    let r = put_cart(
        app,
        &w.desk,
        json!({ "items": [{ "ticket_type": "individual", "quantity": 1 }, { "addon": "dinner" }] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        cart_items(&r),
        vec![("individual".to_string(), 1), ("dinner".to_string(), 1)]
    );
    assert_eq!(r.body["items"][0]["id"], individual_item);
    assert_eq!(dec(&r.body["subtotal"]), money("140.00"));
    let cart_id = r.body["cart_id"].clone();

    // Checkout: a pending order for the staff member, total = subtotal, no hold.
    let r = checkout_cart(app, &w.desk, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let prefix = format!("{}-", Config::default().order_reference_prefix);
    let code = reference.strip_prefix(&prefix).unwrap_or_default();
    assert!(
        code.len() == 8
            && code
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
        "AMB-3: {reference}"
    );
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["cart_id"], cart_id);
    assert_eq!(dec(&r.body["subtotal"]), money("140.00"));
    assert_eq!(dec(&r.body["total"]), money("140.00"));
    assert_eq!(r.body["lines"].as_array().map(Vec::len), Some(2));
    let order = read_order(app, &reference, |o| {
        (
            o.user.to_string(),
            o.status,
            o.total,
            o.hold_expires_at,
            o.cart_id.map(|c| c.to_string()),
        )
    })
    .await;
    assert_eq!(
        order,
        (
            w.desk.id.clone(),
            OrderStatus::Pending,
            money("140.00"),
            None,
            cart_id.as_str().map(str::to_string),
        )
    );
    // The cart is checked out: checking out again is refused; the next update
    // fills a new cart.
    let r = checkout_cart(app, &w.desk, json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "cart.not_open_for_checkout");
    let r = put_cart(app, &w.desk, json!({ "items": [] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_ne!(r.body["cart_id"], cart_id);
    assert_eq!(r.body["status"], "open");
    assert_eq!(cart_items(&r), vec![]);
    let r = checkout_cart(app, &w.desk, json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "cart.empty");

    // An attendee's cart, by access code (ana registered with a comped ticket).
    let free = app.buy(&w.ana, CONF, "speaker", 1).await;
    assert_eq!(free.status, StatusCode::CREATED, "{}", free.text);
    let free = free.body["reference"].as_str().unwrap_or_default();
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/orders/{free}/payments"
        ))
        .as_user(&w.ana)
        .json(json!({ "method": "comp" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let head = app.settled().await;
    let me = my_attendee(app, &w.ana, head).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let code = me.body["access_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = put_cart(
        app,
        &w.desk,
        json!({ "attendee_access_code": code, "items": [{ "ticket_type": "student", "quantity": 1 }] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["user_id"], w.ana.id.as_str());
    let r = checkout_cart(app, &w.desk, json!({ "attendee_access_code": code })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["user_id"], w.ana.id.as_str());
    assert_eq!(dec(&r.body["total"]), money("50.00"));
    let ana_order = r.body["reference"].as_str().unwrap_or_default().to_string();
    // The billing e-mail is sealed under the buyer's key: open it as the API does.
    let (plain, sealed) = read_order(app, &ana_order, |o| {
        (o.billing_email.to_string(), o.sealed_billing.clone())
    })
    .await;
    let user = w.ana.id.parse().unwrap_or_default();
    let billed = app
        .app
        .personal
        .open_billing(user, ("", &plain, ""), sealed.as_ref())
        .await
        .map(|(_, email, _)| email)
        .unwrap_or_default();
    assert!(plain.is_empty() && sealed.is_some(), "stored sealed only");
    assert_eq!(billed, w.ana.email);

    // Paid at the desk like any pending order (AMB-6/7: one OrderPaid).
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": ana_order }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(dec(&r.body["amount"]), money("50.00"));
    let intent = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    w.fake.present_card(&intent);
    let r = act(app, &w.desk, &intent, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["order_status"], "paid");
    assert_eq!(order_facts(app, &ana_order, "OrderPaid").await, 1);

    // Refusals: an unknown access code; attendees are not staff.
    let r = put_cart(
        app,
        &w.desk,
        json!({ "attendee_access_code": "NOSUCH", "items": [] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = checkout_cart(app, &w.desk, json!({ "attendee_access_code": "NOSUCH" })).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = put_cart(app, &w.ana, json!({ "items": [] })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = checkout_cart(app, &w.ana, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    app.settled().await;
    finish(w).await;
}

/// PAY-32, PAY-34, PAY-36, PAY-38 and access: what the desk is refused.
async fn pay_32_terminal_refusals(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let reference = buy(app, &w.ana).await;

    let bad = |r: &Response, status: StatusCode, detail: &str| {
        assert_eq!(r.status, status, "{}", r.text);
        assert_eq!(
            r.headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        assert_eq!(r.body["detail"], detail, "{}", r.text);
    };
    let r = create_intent(app, &w.desk, json!({ "order_id": reference })).await;
    bad(&r, StatusCode::BAD_REQUEST, "reader_id is required");
    let r = create_intent(app, &w.desk, json!({ "reader_id": "tmr_desk1" })).await;
    bad(
        &r,
        StatusCode::BAD_REQUEST,
        "Either order_id or amount is required",
    );
    for amount in [json!("abc"), json!("0"), json!("-5"), json!("1.234")] {
        let r = create_intent(
            app,
            &w.desk,
            json!({ "reader_id": "tmr_desk1", "amount": amount }),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{amount}: {}", r.text);
    }
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": "ORD-NOSUCH00" }),
    )
    .await;
    bad(&r, StatusCode::NOT_FOUND, "Order not found");
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "amount": "5.00", "attendee_access_code": "NOSUCH" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    // Attendees are not staff.
    let r = create_intent(
        app,
        &w.ana,
        json!({ "reader_id": "tmr_desk1", "order_id": reference }),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // PAY-38: Stripe failing is a 502 with the public text; nothing is recorded.
    w.fake.fail_next(500);
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": reference }),
    )
    .await;
    bad(&r, StatusCode::BAD_GATEWAY, PAYMENT_ERROR);
    assert!(read_order(app, &reference, |o| o.terminal_payments.is_empty()).await);

    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": reference }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let intent = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Not presented on the reader yet: Stripe refuses the capture (502), nothing
    // changes.
    let r = act(app, &w.desk, &intent, "capture").await;
    bad(&r, StatusCode::BAD_GATEWAY, PAYMENT_ERROR);
    assert_eq!(
        read_order(app, &reference, |o| o.status).await,
        OrderStatus::Pending
    );
    w.fake.present_card(&intent);
    let r = act(app, &w.desk, &intent, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // PAY-32: a paid order is not pending.
    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": reference }),
    )
    .await;
    bad(&r, StatusCode::CONFLICT, "Order is Paid, not pending");

    // PAY-36: an intent that is not a terminal intent of this conference.
    let online = buy(app, &w.bo).await;
    let r = pay(app, &w.bo, &online).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let pi = r.body["payment_intent_id"].as_str().unwrap_or_default();
    for id in [pi, "pi_unknown", "pi_bad!id"] {
        let r = act(app, &w.desk, id, "capture").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {}", r.text);
        let r = act(app, &w.desk, id, "cancel").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {}", r.text);
    }

    app.settled().await;
    finish(w).await;
}

/// PAY-31: at most 100 readers, optionally of one location; a connection token
/// for the reader SDK; Stripe failing is a 502.
async fn pay_31_readers_and_connection_tokens(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let r = app.get(&terminal("readers")).as_user(&w.desk).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(2));
    let listed = w.fake.requests();
    let last = listed.last().expect("request");
    assert_eq!(last.param("limit"), Some("100"));
    let r = app
        .get(&terminal("readers?location=tml_hall_b"))
        .as_user(&w.desk)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["items"][0]["id"], "tmr_desk2");
    assert_eq!(r.body["items"][0]["location"], "tml_hall_b");
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1));

    let r = app
        .post(&terminal("connection-token"))
        .as_user(&w.desk)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.body["secret"]
            .as_str()
            .is_some_and(|s| s.starts_with("pst_")),
        "{}",
        r.text
    );
    let r = app
        .post(&terminal("connection-token"))
        .as_user(&w.desk)
        .header("idempotency-key", "token-1")
        .json(json!({ "location": "tml_hall_a" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A secret is never kept for Idempotency-Key replay.
    let kept: Vec<(String,)> = match &app.app.db {
        tessera_replay::Db::Postgres(p) => {
            sqlx::query_as("SELECT key FROM idempotency_keys")
                .fetch_all(p)
                .await
        }
        tessera_replay::Db::Sqlite(p) => {
            sqlx::query_as("SELECT key FROM idempotency_keys")
                .fetch_all(p)
                .await
        }
    }
    .expect("idempotency records");
    assert!(kept.is_empty(), "{kept:?}");

    w.fake.fail_next(503);
    let r = app.get(&terminal("readers")).as_user(&w.desk).send().await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text);
    assert_eq!(r.body["detail"], PAYMENT_ERROR);
    let r = app.get(&terminal("readers")).as_user(&w.ana).send().await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // Without a Stripe secret key the desk is told so (503).
    let plain = TestApp::start(b).await;
    let admin = plain.admin().await;
    plain.conference(&admin, CONF).await;
    let r = plain.get(&terminal("readers")).as_user(&admin).send().await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    plain.finish().await;
    finish(w).await;
}

async fn finish(w: World) {
    let World { app, fake, .. } = w;
    app.finish().await;
    drop(fake);
}

/// CAT-2/3, CAT-10, PAY-39: a desk order holds no stock, but once paid it is in
/// the paid set: the ledger counts it sold (staff inventory, public availability,
/// global sold); a full refund gives the stock back.
async fn cat_2_a_paid_desk_order_counts_as_sold(b: Backend) {
    let w = setup(b).await;
    let app = &w.app;
    let r = put_cart(
        app,
        &w.desk,
        json!({ "items": [{ "ticket_type": "individual", "quantity": 3 }] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = checkout_cart(app, &w.desk, json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();

    // Pending without a hold: nothing consumed (ORDER-21).
    let head = app.settled().await;
    assert_eq!(stock(&w, "individual", head).await, (Some(0), Some(0)));
    assert_eq!(public_remaining(app, "individual").await, Some(10));

    let r = create_intent(
        app,
        &w.desk,
        json!({ "reader_id": "tmr_desk1", "order_id": reference }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let intent = r.body["payment_intent_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    w.fake.present_card(&intent);
    let r = act(app, &w.desk, &intent, "capture").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["order_status"], "paid");

    let head = app.settled().await;
    assert_eq!(stock(&w, "individual", head).await, (Some(3), Some(0)));
    let inv = inventory(&w, head).await;
    let line = product_line(&inv, "individual");
    assert_eq!(line["remaining"].as_i64(), Some(7), "{inv}");
    assert_eq!(inv["global_sold"].as_u64(), Some(3), "{inv}");
    assert_eq!(public_remaining(app, "individual").await, Some(7));

    // CAT-3: refunded in full, the stock comes back.
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/orders/{reference}/refunds"
        ))
        .as_user(&w.admin)
        .json(json!({ "amount": "300.00", "to": "credit" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "refunded", "{}", r.text);
    let head = app.settled().await;
    assert_eq!(stock(&w, "individual", head).await, (Some(0), Some(0)));
    assert_eq!(public_remaining(app, "individual").await, Some(10));
    w.app.finish().await;
}

/// The organizer's view of the sales ledger.
async fn inventory(w: &World, after: i64) -> Value {
    let r = w
        .app
        .get(&format!("/api/v1/conferences/{CONF}/inventory"))
        .as_user(&w.admin)
        .after(Some(after))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

fn product_line(inventory: &Value, slug: &str) -> Value {
    inventory["products"]
        .as_array()
        .and_then(|l| l.iter().find(|p| p["slug"] == slug).cloned())
        .unwrap_or_default()
}

/// PAY-31: the readers page by id like every list; readers registered between
/// pages are seen once when they sort after the cursor, never before it, and
/// none is skipped or repeated.
async fn pay_31_readers_walk(b: Backend) {
    let w = setup(b).await;
    for i in 0..3 {
        w.fake
            .add_reader(&format!("tmr_m{i}"), &format!("M{i}"), "tml_hall_a");
    }
    let mut seen: Vec<String> = vec![];
    let mut cursor: Option<String> = None;
    for n in 0.. {
        let mut path = terminal("readers?limit=2");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let r = w.app.get(&path).as_user(&w.desk).send().await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["total"].is_i64(), n == 0, "{}", r.text);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 2, "{}", r.text);
        seen.extend(
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string)),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        // One before every cursor, one after it.
        w.fake
            .add_reader(&format!("tmr_a{n}"), "Early", "tml_hall_a");
        w.fake
            .add_reader(&format!("tmr_z{n}"), "Late", "tml_hall_a");
    }
    let ids = ["tmr_desk1", "tmr_desk2", "tmr_m0", "tmr_m1", "tmr_m2"];
    assert_eq!(seen[..5], ids, "by id");
    assert!(seen.contains(&"tmr_z0".to_string()), "{seen:?}");
    assert!(!seen.iter().any(|s| s.starts_with("tmr_a")), "{seen:?}");
    let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "{seen:?}");
    let r = w
        .app
        .get(&terminal("readers?cursor=bm9wZQ"))
        .as_user(&w.desk)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.code(), "list.invalid_paging");
    finish(w).await;
}

/// CAT-2 as the public ticket listing shows it.
async fn public_remaining(app: &TestApp, slug: &str) -> Option<i64> {
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/ticket-types"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .and_then(|l| l.iter().find(|t| t["slug"] == slug))
        .and_then(|t| t["remaining"].as_i64())
}

on_both_backends!(
    pay_5_one_stripe_customer_per_user_and_conference,
    amb_7_capturing_an_order_payment_pays_it_once,
    pay_45_a_webhook_before_the_desk_capture_pays_once,
    pay_46_a_declined_terminal_intent_fails_and_the_desk_tries_again,
    pay_37_a_walk_up_payment_is_cancelled_or_captured,
    pay_39_the_desk_fills_a_cart_and_checks_it_out,
    cat_2_a_paid_desk_order_counts_as_sold,
    pay_32_terminal_refusals,
    pay_31_readers_and_connection_tokens,
    pay_31_readers_walk,
);

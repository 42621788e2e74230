//! Bulk voucher purchases end to end (SPEC SPONSOR-19…29, SPONSOR-34, PAY-47/49/50,
//! AMB-23) against an in-process fake Stripe, on SQLite and PostgreSQL.

mod common;
#[path = "common/fake_stripe.rs"]
mod fake_stripe;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use fake_stripe::{Delivery, FakeStripe, deliver};
use serde_json::{Value, json};
use tessera::config::{Config, Secret, SiteConfig, StripeConfig};

const CONF: &str = "pycon-us-2027";
const WHSEC: &str = "whsec_test";

fn url(tail: &str) -> String {
    format!("/api/v1/conferences/{CONF}{tail}")
}

struct World {
    app: TestApp,
    admin: User,
    fake: FakeStripe,
}

fn config(fake: &FakeStripe, site: Option<&str>) -> Config {
    Config {
        site: SiteConfig {
            public_url: site.map(str::to_string),
        },
        stripe: StripeConfig {
            secret_key: Some(Secret::new(fake.secret_key())),
            api_base: fake.base_url().to_string(),
            webhook_secret: Some(Secret::new(WHSEC)),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A conference with a bulk-enabled "individual" ticket, a "student" ticket
/// without bulk purchasing, and the sponsor "acme" (contact jo@acme.test).
async fn setup(b: Backend) -> World {
    setup_with(b, None).await
}

async fn setup_with(b: Backend, site: Option<&str>) -> World {
    let fake = FakeStripe::start().await;
    let app = TestApp::start_with(b, config(&fake, site)).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let r = app
        .ticket_type(
            &admin,
            CONF,
            json!({ "slug": "individual", "name": "Individual", "price": "100.00",
                "total_quantity": 100, "bulk_enabled": true }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "student", "name": "Student", "price": "20.00", "total_quantity": 100 }),
    )
    .await;
    let r = app
        .post(&url("/sponsor-levels"))
        .as_user(&admin)
        .json(json!({ "slug": "gold", "name": "Gold", "order": 1, "cost": "1000.00" }))
        .send()
        .await;
    assert!(r.status.is_success(), "level: {}", r.text);
    let r = app
        .post(&url("/sponsors"))
        .as_user(&admin)
        .json(json!({ "name": "Acme", "level": "gold", "contact_email": "Jo@Acme.test" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    World { app, admin, fake }
}

async fn create(w: &World, body: Value) -> Response {
    w.app
        .post(&url("/bulk-purchases"))
        .as_user(&w.admin)
        .json(body)
        .send()
        .await
}

/// A purchase of `quantity` individual vouchers at `unit_price` for acme: its id.
async fn purchase(w: &World, quantity: u32, unit_price: &str) -> String {
    let r = create(
        w,
        json!({ "sponsor": "acme", "quantity": quantity, "ticket_type": "individual",
            "unit_price": unit_price, "voucher_config": { "voucher_type": "comp" } }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap_or_default().to_string()
}

async fn detail(w: &World, id: &str) -> Value {
    let head = w.app.settled().await;
    let r = w
        .app
        .get(&url(&format!("/bulk-purchases/{id}")))
        .as_user(&w.admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

async fn action(w: &World, id: &str, what: &str, body: Option<Value>) -> Response {
    let call = w
        .app
        .post(&url(&format!("/bulk-purchases/{id}/{what}")))
        .as_user(&w.admin);
    match body {
        Some(b) => call.json(b).send().await,
        None => call.send().await,
    }
}

fn urls() -> Value {
    json!({ "success_url": "https://pycon.test/paid", "cancel_url": "https://pycon.test/cancel" })
}

async fn post_webhook(app: &TestApp, d: &Delivery) -> Response {
    app.post(&url("/webhooks/stripe"))
        .raw("application/json", d.payload.clone())
        .header("stripe-signature", &d.signature)
        .send()
        .await
}

async fn deliver_ok(app: &TestApp, event: &Value, outcome: &str) {
    let d = deliver(event, WHSEC, app.app.bus.services().now().timestamp());
    let r = post_webhook(app, &d).await;
    assert_eq!(r.status, StatusCode::OK, "{}: {}", event["type"], r.text);
    assert_eq!(r.body["outcome"], outcome, "{}", r.text);
}

async fn bulk_vouchers_issued(app: &TestApp) -> usize {
    app.count_events(|e| e.event_type == "BulkVouchersIssued")
        .await
}

/// SPONSOR-24/26/27, PAY-47/49: a paid purchase goes through one Checkout Session
/// (keyed per purchase, metadata naming it), is fulfilled once when the session
/// completes (a duplicate delivery and a second event change nothing), and a
/// refund deactivates its vouchers.
async fn sponsor_24_checkout_pays_and_fulfils_once(b: Backend) {
    let w = setup(b).await;
    let id = purchase(&w, 3, "50.00").await;
    let d = detail(&w, &id).await;
    assert_eq!(d["purchase"]["status"], "pending");
    assert_eq!(d["purchase"]["total_amount"], "150.00");
    assert_eq!(
        d["purchase"]["product_description"],
        "3x Individual voucher codes"
    );

    let r = action(&w, &id, "checkout", Some(urls())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let session = r.body["session_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(r.body["url"].as_str().is_some_and(|u| u.contains(&session)));
    // Asking again answers the same session: Stripe replays the keyed request.
    let again = action(&w, &id, "checkout", Some(urls())).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["session_id"], session.as_str());
    assert_eq!(w.fake.sessions().len(), 1);
    let sent = w
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .expect("a checkout request");
    assert_eq!(
        sent.idempotency_key.as_deref(),
        Some(format!("bulk-purchase-{id}").as_str())
    );
    assert_eq!(sent.param("metadata[bulk_purchase_id]"), Some(id.as_str()));
    assert_eq!(sent.param("line_items[0][quantity]"), Some("3"));
    assert_eq!(
        sent.param("line_items[0][price_data][unit_amount]"),
        Some("5000")
    );
    assert_eq!(detail(&w, &id).await["purchase"]["status"], "processing");

    let completed = w.fake.complete_session(&session).expect("session");
    deliver_ok(&w.app, &completed, "processed").await;
    // The same delivery again: a duplicate.
    deliver_ok(&w.app, &completed, "duplicate").await;
    // Another event about the same paid session: nothing missing, nothing new.
    let second = w.fake.complete_session(&session).expect("session");
    deliver_ok(&w.app, &second, "processed").await;
    let d = detail(&w, &id).await;
    assert_eq!(d["purchase"]["status"], "paid", "{d}");
    assert_eq!(d["purchase"]["vouchers_generated"], 3);
    assert_eq!(d["purchase"]["is_fulfilled"], true);
    assert!(d["purchase"]["payment_intent_id"].as_str().is_some());
    let vouchers = d["vouchers"].as_array().cloned().unwrap_or_default();
    assert_eq!(vouchers.len(), 3);
    for v in &vouchers {
        let code = v["code"].as_str().unwrap_or_default();
        // SPONSOR-26: BULK-<SPONSOR SLUG>- and 8 characters.
        assert!(code.starts_with("BULK-ACME-") && code.len() == 18, "{code}");
        assert_eq!(
            (v["max_uses"].clone(), v["is_active"].clone()),
            (json!(1), json!(true))
        );
    }
    assert_eq!(bulk_vouchers_issued(&w.app).await, 1);

    // SPONSOR-27: a full refund through Stripe deactivates every voucher.
    let r = action(&w, &id, "refund", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(w.fake.refunds().len(), 1);
    let d = detail(&w, &id).await;
    assert_eq!(d["purchase"]["status"], "refunded");
    assert!(
        d["vouchers"]
            .as_array()
            .is_some_and(|vs| vs.iter().all(|v| v["is_active"] == false)),
        "{d}"
    );
    // Stripe's charge.refunded for it afterwards changes nothing more.
    let intent = d["purchase"]["payment_intent_id"]
        .as_str()
        .unwrap_or_default();
    let refunded = w.fake.charge_refunded_event(intent).expect("charge");
    deliver_ok(&w.app, &refunded, "processed").await;
    assert_eq!(
        w.app
            .count_events(|e| e.event_type == "BulkPurchaseRefunded")
            .await,
        1
    );
    assert_eq!(w.fake.refunds().len(), 1);
    w.app.finish().await;
}

/// PAY-47, SPONSOR-27: a full refund made at Stripe (its charge.refunded) refunds
/// the purchase holding the intent and deactivates its vouchers.
async fn pay_47_a_stripe_refund_refunds_the_purchase(b: Backend) {
    let w = setup(b).await;
    let id = purchase(&w, 2, "10.00").await;
    let r = action(&w, &id, "checkout", Some(urls())).await;
    let session = r.body["session_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let completed = w.fake.complete_session(&session).expect("session");
    deliver_ok(&w.app, &completed, "processed").await;
    let intent = completed["data"]["object"]["payment_intent"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    use tessera::stripe::{PaymentGateway, RefundReason, RefundRequest};
    w.fake
        .client()
        .create_refund(&RefundRequest {
            payment_intent: intent.clone(),
            amount: "20.00".parse().unwrap_or_default(),
            currency: "usd".into(),
            reason: RefundReason::RequestedByCustomer,
            idempotency_key: "dashboard-refund".into(),
        })
        .await
        .expect("refund at Stripe");
    let refunded = w.fake.charge_refunded_event(&intent).expect("charge");
    deliver_ok(&w.app, &refunded, "processed").await;
    let d = detail(&w, &id).await;
    assert_eq!(d["purchase"]["status"], "refunded", "{d}");
    assert!(
        d["vouchers"]
            .as_array()
            .is_some_and(|vs| vs.len() == 2 && vs.iter().all(|v| v["is_active"] == false)),
        "{d}"
    );
    w.app.finish().await;
}

/// PAY-50, SPONSOR-28/29: an expired session fails a processing purchase; a
/// failed purchase is not fulfilled, and marking it failed again changes nothing.
async fn pay_50_an_expired_session_fails_the_purchase(b: Backend) {
    let w = setup(b).await;
    let id = purchase(&w, 2, "10.00").await;
    let r = action(&w, &id, "checkout", Some(urls())).await;
    let session = r.body["session_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // SPONSOR-29: processing is not for the organizer to fulfil.
    let r = action(&w, &id, "fulfil", None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let expired = w.fake.expire_session(&session).expect("session");
    deliver_ok(&w.app, &expired, "processed").await;
    assert_eq!(detail(&w, &id).await["purchase"]["status"], "failed");
    let r = action(&w, &id, "fulfil", None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = action(&w, &id, "fail", Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["position"], Value::Null, "a no-op: {}", r.text);
    // An event naming a session the purchase does not hold is ignored.
    let id2 = purchase(&w, 1, "10.00").await;
    let mut stray = w.fake.expire_session(&session).expect("session");
    stray["data"]["object"]["metadata"]["bulk_purchase_id"] = json!(id2);
    deliver_ok(&w.app, &stray, "ignored").await;
    assert_eq!(detail(&w, &id2).await["purchase"]["status"], "pending");
    w.app.finish().await;
}

/// AMB-23, SPONSOR-25/26: 20 concurrent fulfilments of an approved comp purchase
/// generate each voucher once (one batch of exactly `quantity`); the list
/// filters by status (SPONSOR-34).
async fn amb_23_concurrent_fulfilments_generate_each_voucher_once(b: Backend) {
    let w = setup(b).await;
    let id = purchase(&w, 5, "0").await;
    // SPONSOR-24: a comp deal has no checkout.
    let r = action(&w, &id, "checkout", Some(urls())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "bulk_purchase.zero_amount");
    assert_eq!(
        r.body["detail"],
        "Cannot create a checkout session for a zero-amount purchase."
    );
    // SPONSOR-29: pending is not fulfilled.
    let r = action(&w, &id, "fulfil", None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = action(&w, &id, "approve", Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // SPONSOR-23: only pending purchases are approved.
    let r = action(&w, &id, "approve", Some(json!({}))).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the same approval again: {}",
        r.text
    );

    let calls = (0..20).map(|_| action(&w, &id, "fulfil", None));
    let answers = futures::future::join_all(calls).await;
    for r in &answers {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            r.body["codes"].as_array().map(Vec::len),
            Some(5),
            "{}",
            r.text
        );
    }
    assert_eq!(bulk_vouchers_issued(&w.app).await, 1);
    let d = detail(&w, &id).await;
    assert_eq!(d["purchase"]["status"], "paid");
    assert_eq!(d["vouchers"].as_array().map(Vec::len), Some(5));
    let head = w.app.settled().await;
    let r = w
        .app
        .get(&url("/vouchers?code_prefix=BULK-&limit=500"))
        .as_user(&w.admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(5),
        "{}",
        r.text
    );

    let _pending = purchase(&w, 1, "10.00").await;
    let head = w.app.settled().await;
    let r = w
        .app
        .get(&url("/bulk-purchases?status=paid"))
        .as_user(&w.admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text
    );
    assert_eq!(r.body["items"][0]["id"], id.as_str());
    assert_eq!(r.body["total"], 1);
    w.app.finish().await;
}

/// SPONSOR-21/22: bad requests are refused and change nothing.
async fn sponsor_22_bad_requests_are_refused(b: Backend) {
    let w = setup(b).await;
    let before = w
        .app
        .count_events(|e| e.aggregate_type == "bulk_purchase")
        .await;
    let cases = [
        (
            json!({ "quantity": 0, "unit_price": "1.00" }),
            "bulk_purchase.quantity_too_small",
        ),
        (
            json!({ "quantity": 501, "unit_price": "1.00" }),
            "bulk_purchase.quantity_too_large",
        ),
        (
            json!({ "quantity": 1, "unit_price": "-1.00" }),
            "bulk_purchase.negative_unit_price",
        ),
        (
            json!({ "quantity": 1, "unit_price": "1.00", "ticket_type": "student" }),
            "bulk_purchase.ticket_type_not_bulk",
        ),
        (
            json!({ "quantity": 1, "unit_price": "1.00", "ticket_type": "nope" }),
            "bulk_purchase.unknown_ticket_type",
        ),
        (
            json!({ "quantity": 1, "unit_price": "1.00", "sponsor": "initech" }),
            "bulk_purchase.unknown_sponsor",
        ),
    ];
    for (body, code) in cases {
        let r = create(&w, body.clone()).await;
        assert!(r.status.is_client_error(), "{body}: {}", r.text);
        assert_eq!(r.code(), code, "{body}: {}", r.text);
    }
    let r = create(
        &w,
        json!({ "quantity": 1, "unit_price": "1.00", "colour": "red" }),
    )
    .await;
    assert!(r.status.is_client_error(), "unknown field: {}", r.text);
    let r = create(
        &w,
        json!({ "quantity": 1, "unit_price": "1.00", "ticket_type": "student" }),
    )
    .await;
    assert_eq!(
        r.body["detail"],
        "This ticket type does not have bulk purchasing enabled."
    );
    let after = w
        .app
        .count_events(|e| e.aggregate_type == "bulk_purchase")
        .await;
    assert_eq!(before, after);
    w.app.finish().await;
}

/// `[site] public_url`: without return URLs the session returns to the
/// purchase's page on the public site; URLs elsewhere are refused (422) and
/// nothing is sent to Stripe.
async fn sponsor_24_return_urls_default_to_the_public_site(b: Backend) {
    let w = setup_with(b, Some("https://tickets.pycon.test")).await;
    let id = purchase(&w, 1, "10.00").await;
    let r = action(&w, &id, "checkout", Some(urls())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "checkout.invalid_url");
    assert!(w.fake.sessions().is_empty());
    let r = action(&w, &id, "checkout", Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let session = r.body["session_id"].as_str().unwrap_or_default();
    let s = w.fake.session(session).expect("session");
    assert_eq!(
        s["success_url"],
        format!(
            "https://tickets.pycon.test/conferences/{CONF}/bulk-purchases/{id}?checkout=success"
        )
    );
    assert_eq!(
        s["cancel_url"],
        format!(
            "https://tickets.pycon.test/conferences/{CONF}/bulk-purchases/{id}?checkout=cancel"
        )
    );
    w.app.finish().await;
}

on_both_backends!(
    sponsor_24_return_urls_default_to_the_public_site,
    sponsor_24_checkout_pays_and_fulfils_once,
    pay_47_a_stripe_refund_refunds_the_purchase,
    pay_50_an_expired_session_fails_the_purchase,
    amb_23_concurrent_fulfilments_generate_each_voucher_once,
    sponsor_22_bad_requests_are_refused,
);

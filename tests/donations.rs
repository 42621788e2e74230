//! Donations paid through Stripe Checkout (SPEC MY-29) end to end against an
//! in-process fake Stripe, on SQLite and PostgreSQL: only while the conference
//! accepts donations, pending until the session is paid, counted once however
//! often Stripe delivers, failed when the session expires, refunded by a full
//! refund at Stripe; donor and deal contacts enter the log only sealed.

mod common;
#[path = "common/fake_stripe.rs"]
mod fake_stripe;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use fake_stripe::{Delivery, FakeStripe, deliver};
use serde_json::{Value, json};
use tessera::config::{Config, Secret, SiteConfig, StripeConfig};
use tessera_replay::admin;

const CONF: &str = "pycon-us-2027";
const WHSEC: &str = "whsec_test";
const SITE: &str = "https://donate.pycon.test";
const DONOR: &str = "Grace Hopper-Mathews";
const DONOR_EMAIL: &str = "grace.hopper@example.org";
const MESSAGE: &str = "For the travel grants of next year";
const CONTACT: &str = "sponsor.contact@globex.example";

fn url(tail: &str) -> String {
    format!("/api/v1/conferences/{CONF}{tail}")
}

struct World {
    app: TestApp,
    admin: User,
    fake: FakeStripe,
}

fn config(fake: &FakeStripe) -> Config {
    Config {
        stripe: StripeConfig {
            secret_key: Some(Secret::new(fake.secret_key())),
            api_base: fake.base_url().to_string(),
            webhook_secret: Some(Secret::new(WHSEC)),
            ..Default::default()
        },
        site: SiteConfig {
            public_url: Some(SITE.into()),
        },
        ..Default::default()
    }
}

/// A conference with a donation goal of 1000.00, accepting donations when
/// `accepting`.
async fn setup(b: Backend, accepting: bool) -> World {
    let fake = FakeStripe::start().await;
    let app = TestApp::start_with(b, config(&fake)).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let r = app
        .patch(&url(""))
        .as_user(&admin)
        .json(json!({ "accepting_donations": accepting, "donation_goal": "1000.00" }))
        .send()
        .await;
    assert!(r.status.is_success(), "conference: {}", r.text);
    World { app, admin, fake }
}

fn donation(amount: &str) -> Value {
    json!({ "amount": amount, "donor_name": DONOR, "donor_email": DONOR_EMAIL,
        "message": MESSAGE })
}

async fn start(w: &World, body: Value) -> Response {
    w.app
        .post(&url("/donations/checkout"))
        .json(body)
        .send()
        .await
}

/// A started donation: (its id, its session id).
async fn started(w: &World, amount: &str) -> (String, String) {
    let r = start(w, donation(amount)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap_or_default().to_string();
    let session = r.body["session_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (id, session)
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

async fn figures(w: &World) -> Value {
    let head = w.app.settled().await;
    let r = w
        .app
        .get(&url("/sponsorships/summary"))
        .as_user(&w.admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["donations"].clone()
}

async fn donations(w: &World) -> Vec<Value> {
    let head = w.app.settled().await;
    let r = w
        .app
        .get(&url("/donations"))
        .as_user(&w.admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn fundraising_events(e: &tessera_replay::RawEvent) -> bool {
    e.aggregate_type == "fundraising"
}

/// MY-29: an anonymous donor pays through one Checkout Session (keyed per
/// donation, metadata naming it, return URLs on the public site); the donation
/// is pending (not counted) until the session is paid, then counts once; a full
/// refund at Stripe refunds it.
async fn my_29_a_checkout_donation_counts_once_paid(b: Backend) {
    let w = setup(b, true).await;
    let r = start(&w, donation("25.50")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap_or_default().to_string();
    let session = r.body["session_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(r.body["url"].as_str().is_some_and(|u| u.contains(&session)));
    let sent = w
        .fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .expect("a checkout request");
    assert_eq!(
        sent.idempotency_key.as_deref(),
        Some(format!("donation-{id}").as_str())
    );
    assert_eq!(sent.param("metadata[donation_id]"), Some(id.as_str()));
    assert_eq!(sent.param("metadata[kind]"), Some("donation"));
    assert_eq!(
        sent.param("line_items[0][price_data][unit_amount]"),
        Some("2550")
    );
    let s = w.fake.session(&session).expect("session");
    for u in ["success_url", "cancel_url"] {
        assert!(
            s[u].as_str()
                .is_some_and(|u| u.starts_with(&format!("{SITE}/conferences/{CONF}/donate"))),
            "{u}: {s}"
        );
    }

    // Pending: not counted, not refundable by finance.
    let f = figures(&w).await;
    assert_eq!(f["donations"], 0, "{f}");
    let list = donations(&w).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "pending");
    assert_eq!(list[0]["donor_name"], DONOR);
    assert_eq!(list[0]["donor_email"], DONOR_EMAIL);
    assert_eq!(list[0]["message"], MESSAGE);
    let r = w
        .app
        .post(&url(&format!("/donations/{id}/refund")))
        .as_user(&w.admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "fundraising.donation_not_paid");

    let completed = w.fake.complete_session(&session).expect("session");
    deliver_ok(&w.app, &completed, "processed").await;
    deliver_ok(&w.app, &completed, "duplicate").await;
    // Another event about the same paid session adds nothing.
    let second = w.fake.complete_session(&session).expect("session");
    deliver_ok(&w.app, &second, "processed").await;
    let f = figures(&w).await;
    assert_eq!(
        (f["donations"].clone(), f["donors"].clone()),
        (json!(1), json!(1)),
        "{f}"
    );
    assert_eq!(f["total"], "25.50");
    assert_eq!(f["progress"], "2.55");
    assert_eq!(
        w.app
            .count_events(|e| e.event_type == "DonationCheckoutCompleted")
            .await,
        1
    );
    assert_eq!(donations(&w).await[0]["status"], "paid");

    // PAY-47: a full refund at Stripe refunds it.
    let intent = completed["data"]["object"]["payment_intent"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    use tessera::stripe::{PaymentGateway, RefundReason, RefundRequest};
    w.fake
        .client()
        .create_refund(&RefundRequest {
            payment_intent: intent.clone(),
            amount: "25.50".parse().unwrap_or_default(),
            currency: "usd".into(),
            reason: RefundReason::RequestedByCustomer,
            idempotency_key: "dashboard-refund".into(),
        })
        .await
        .expect("refund at Stripe");
    let refunded = w.fake.charge_refunded_event(&intent).expect("charge");
    deliver_ok(&w.app, &refunded, "processed").await;
    let f = figures(&w).await;
    assert_eq!(
        (f["donations"].clone(), f["refunded_count"].clone()),
        (json!(0), json!(1)),
        "{f}"
    );
    assert_eq!(donations(&w).await[0]["status"], "refunded");
    w.app.finish().await;
}

/// MY-29: while the conference does not accept donations the checkout is
/// refused (409) and nothing is recorded or sent to Stripe; bad input is a 4xx
/// that changes nothing either.
async fn my_29_no_checkout_unless_accepting_donations(b: Backend) {
    let w = setup(b, false).await;
    let r = start(&w, donation("10.00")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "fundraising.not_accepting_donations");
    assert_eq!(w.app.count_events(fundraising_events).await, 0);
    assert!(w.fake.sessions().is_empty());

    let r = w
        .app
        .patch(&url(""))
        .as_user(&w.admin)
        .json(json!({ "accepting_donations": true }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    for (body, what) in [
        (donation("0.00"), "zero"),
        (donation("-5.00"), "negative"),
        (donation("100000.01"), "too large"),
        (donation("1.005"), "three decimals"),
        (
            json!({ "amount": "5.00", "donor_name": " ", "donor_email": DONOR_EMAIL }),
            "blank name",
        ),
        (
            json!({ "amount": "5.00", "donor_name": DONOR, "donor_email": "nope" }),
            "bad e-mail",
        ),
        (
            json!({ "amount": "5.00", "donor_name": DONOR, "donor_email": DONOR_EMAIL,
                "colour": "red" }),
            "unknown field",
        ),
    ] {
        let r = start(&w, body).await;
        assert!(r.status.is_client_error(), "{what}: {}", r.text);
    }
    assert_eq!(w.app.count_events(fundraising_events).await, 0);
    assert!(w.fake.sessions().is_empty());
    let r = w
        .app
        .post("/api/v1/conferences/nowhere-2027/donations/checkout")
        .json(donation("5.00"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    w.app.finish().await;
}

/// MY-29: 20 concurrent deliveries of one `checkout.session.completed` count
/// the donation once; an expired session fails its donation for good.
async fn my_29_concurrent_duplicate_webhooks_count_once(b: Backend) {
    let w = setup(b, true).await;
    let (_, session) = started(&w, "40.00").await;
    let completed = w.fake.complete_session(&session).expect("session");
    let d = deliver(
        &completed,
        WHSEC,
        w.app.app.bus.services().now().timestamp(),
    );
    let calls = (0..20).map(|_| post_webhook(&w.app, &d));
    let answers = futures::future::join_all(calls).await;
    for r in &answers {
        assert!(
            r.status == StatusCode::OK || r.status.is_server_error(),
            "{}",
            r.text
        );
    }
    assert!(
        answers
            .iter()
            .any(|r| r.status == StatusCode::OK && r.body["outcome"] == "processed"),
        "one delivery processes it"
    );
    let f = figures(&w).await;
    assert_eq!(
        (f["donations"].clone(), f["total"].clone()),
        (json!(1), json!("40.00")),
        "{f}"
    );
    assert_eq!(
        w.app
            .count_events(|e| e.event_type == "DonationCheckoutCompleted")
            .await,
        1
    );

    // PAY-50: an expired session fails its donation; it never counts, and a
    // later completion of it changes nothing.
    let (id2, session2) = started(&w, "15.00").await;
    let expired = w.fake.expire_session(&session2).expect("session");
    deliver_ok(&w.app, &expired, "processed").await;
    deliver_ok(&w.app, &expired, "duplicate").await;
    let list = donations(&w).await;
    let failed = list
        .iter()
        .find(|d| d["id"] == id2.as_str())
        .expect("listed");
    assert_eq!(failed["status"], "failed");
    let f = figures(&w).await;
    assert_eq!(
        (f["donations"].clone(), f["total"].clone()),
        (json!(1), json!("40.00")),
        "{f}"
    );
    // A session event naming a donation of another conference is refused.
    let mut stray = w.fake.expire_session(&session2).expect("session");
    stray["data"]["object"]["metadata"]["conference_id"] = json!(uuid::Uuid::new_v4());
    deliver_ok(&w.app, &stray, "refused").await;
    w.app.finish().await;
}

/// Personal data: donor names, e-mails and messages, and deal contacts, enter
/// the log only sealed; the reads show them; once the donor is erased they read
/// "erased" while the figures stand, and every projection rebuilds and verifies.
async fn donor_and_contact_values_enter_the_log_only_sealed(b: Backend) {
    let w = setup(b, true).await;
    let (_, session) = started(&w, "30.00").await;
    let completed = w.fake.complete_session(&session).expect("session");
    deliver_ok(&w.app, &completed, "processed").await;
    // Finance records one by hand for the same donor (counted as one donor).
    let r = w
        .app
        .post(&url("/donations"))
        .as_user(&w.admin)
        .json(
            json!({ "donor_name": DONOR, "donor_email": DONOR_EMAIL.to_uppercase(),
            "amount": "20.00", "transaction_date": "2027-01-10" }),
        )
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // A deal with a contact, moved (its status mail is queued for the contact).
    let r = w
        .app
        .post(&url("/sponsorships/deals"))
        .as_user(&w.admin)
        .json(json!({ "organisation": "Globex", "contact_email": CONTACT }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let deal = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = w
        .app
        .post(&url(&format!("/sponsorships/deals/{deal}/status")))
        .as_user(&w.admin)
        .json(json!({ "status": "awaiting_response" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The same contact again is no change.
    let r = w
        .app
        .patch(&url(&format!("/sponsorships/deals/{deal}")))
        .as_user(&w.admin)
        .json(json!({ "contact_email": CONTACT }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["position"], Value::Null, "{}", r.text);
    w.app.settled().await;

    for value in [
        DONOR,
        "Hopper",
        DONOR_EMAIL,
        "grace.hopper",
        MESSAGE,
        CONTACT,
        "sponsor.contact",
    ] {
        let leaks = w
            .app
            .count_events(|e| {
                e.payload.to_lowercase().contains(&value.to_lowercase())
                    || e.metadata.contains(value)
            })
            .await;
        assert_eq!(leaks, 0, "'{value}' is in {leaks} stored event(s)");
    }
    let list = donations(&w).await;
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|d| d["donor_name"] == DONOR), "{list:?}");
    let head = w.app.settled().await;
    let r = w
        .app
        .get(&url("/sponsorships/deals"))
        .as_user(&w.admin)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(r.body["items"][0]["contact_email"], CONTACT, "{}", r.text);
    let before = figures(&w).await;
    assert_eq!(
        (before["donations"].clone(), before["donors"].clone()),
        (json!(2), json!(1)),
        "{before}"
    );
    assert_eq!(before["total"], "50.00");

    // The donor has no account: their key is the e-mail's person.
    let donor = tessera_aggregates::natural_id("user", DONOR_EMAIL);
    w.app.app.personal.erase(donor).await.expect("erase");
    admin::rebuild(&w.app.app.db, None).await.expect("rebuild");
    let diffs = admin::verify(&w.app.app.db).await.expect("verify");
    assert!(diffs.is_empty(), "verify after erasure: {diffs:?}");
    let list = donations(&w).await;
    for d in &list {
        for field in ["donor_name", "donor_email"] {
            assert_eq!(d[field], "erased", "{field}: {d}");
        }
    }
    let after = figures(&w).await;
    assert_eq!(before, after, "the figures stand");
    // A new donation of the erased donor cannot be sealed: refused, nothing
    // recorded in plain.
    let r = start(&w, donation("5.00")).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "fundraising.donor_erased");
    w.app.finish().await;
}

on_both_backends!(
    my_29_a_checkout_donation_counts_once_paid,
    my_29_no_checkout_unless_accepting_donations,
    my_29_concurrent_duplicate_webhooks_count_once,
    donor_and_contact_values_enter_the_log_only_sealed,
);

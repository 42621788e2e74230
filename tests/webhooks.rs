//! Outgoing webhooks end to end (docs/webhooks.md, WH-*), on SQLite and
//! PostgreSQL, against in-process receivers.

mod common;
mod webhooks_support;

use std::collections::HashSet;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};
use tessera::config::{Config, WebhooksConfig};
use webhooks_support::Receiver;

const CONF: &str = "pycon-us-2027";
const KINDS: [&str; 3] = ["order.placed", "order.paid", "attendee.registered"];

fn path(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}/webhooks{rest}")
}

fn config() -> Config {
    Config {
        webhooks: WebhooksConfig {
            allow_insecure_localhost: true,
            retry_base_ms: 0,
            retry_max_ms: 0,
            poll_ms: 20,
            ..WebhooksConfig::default()
        },
        ..Config::default()
    }
}

async fn setup(b: Backend, config: Config) -> (TestApp, User) {
    let app = TestApp::start_with(b, config).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "free", "name": "Community", "price": "0", "total_quantity": 50 }),
    )
    .await;
    (app, admin)
}

/// Registers `url` for KINDS; (id, secret, position).
async fn register(app: &TestApp, who: &User, url: &str) -> (String, String, i64) {
    let r = app
        .post(&path(""))
        .as_user(who)
        .json(json!({ "url": url, "kinds": KINDS, "description": "CRM" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap_or_default().to_string();
    let secret = r.body["secret"].as_str().unwrap_or_default().to_string();
    assert!(secret.starts_with("whsec_"), "{}", r.text);
    (id, secret, r.position().unwrap_or_default())
}

/// A purchase of the free ticket by a new user.
async fn purchase(app: &TestApp, name: &str) {
    let user = app.user(name).await;
    let r = app.buy(&user, CONF, "free", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.settled().await;
}

/// How many log events become webhooks of KINDS.
async fn published(app: &TestApp) -> usize {
    app.count_events(|e| {
        matches!(
            e.event_type.as_str(),
            "OrderPlaced" | "OrderPaid" | "AttendeeRegistered"
        )
    })
    .await
}

fn ids(received: &[webhooks_support::Received]) -> Vec<String> {
    received.iter().map(|r| r.id.clone()).collect()
}

/// WH-8..11: every event is delivered once, signed, after two failed attempts;
/// each attempt is logged; an endpoint that always fails holds up no other; a
/// restart delivers nothing twice.
async fn wh_10_delivers_every_event_once_despite_failures_and_restarts(b: Backend) {
    let (app, admin) = setup(b, config()).await;
    let (receiver, url) = Receiver::start(2).await;
    let (broken, broken_url) = Receiver::start(usize::MAX).await;
    let (id, secret, _) = register(&app, &admin, &url).await;
    receiver.trust(&secret);
    let (_, broken_secret, _) = register(&app, &admin, &broken_url).await;
    broken.trust(&broken_secret);

    for name in ["ana", "bo", "cy"] {
        purchase(&app, name).await;
    }
    let expected = published(&app).await;
    assert!(expected >= 3, "one event per purchase at least: {expected}");
    let got = receiver.wait_for(expected).await;
    assert_eq!(got.len(), expected, "{got:#?}");
    let unique: HashSet<String> = ids(&got).into_iter().collect();
    assert_eq!(unique.len(), expected, "each event once");
    assert_eq!(receiver.lock().bad_signatures, 0);
    for r in &got {
        assert!(KINDS.contains(&r.kind.as_str()), "{r:?}");
        assert_eq!(r.body["kind"], r.kind.as_str());
        assert_eq!(r.body["id"], r.id.as_str());
        assert!(r.body["position"].as_i64().is_some() && r.body["data"].is_object());
        assert!(r.body["occurred_at"].is_string() && r.body["conference_id"].is_string());
    }
    assert!(broken.accepted().is_empty());
    assert!(broken.lock().attempts.values().all(|n| *n >= 1));

    // The delivery log: two 500s, then a 200, each with its response time. The
    // receiver answers before the sender logs the answer: wait for the log.
    let mut deliveries = vec![];
    for _ in 0..200 {
        let r = app
            .get(&path(&format!("/{id}/deliveries")))
            .as_user(&admin)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        deliveries = r.body["items"].as_array().cloned().unwrap_or_default();
        if deliveries.iter().all(|d| d["status"] == "delivered") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(deliveries.len(), expected);
    for d in &deliveries {
        assert_eq!(d["status"], "delivered", "{d}");
        let codes: Vec<Value> = d["attempts"]
            .as_array()
            .map(|a| a.iter().map(|x| x["status_code"].clone()).collect())
            .unwrap_or_default();
        assert_eq!(codes, vec![json!(500), json!(500), json!(200)], "{d}");
    }

    // A restart resumes from the checkpoint: only the new events arrive.
    let app = app.restart().await;
    purchase(&app, "dee").await;
    let total = published(&app).await;
    let got = receiver.wait_for(total).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let got_after = receiver.accepted();
    assert_eq!(got.len(), total);
    assert_eq!(got_after.len(), total, "nothing delivered twice");
    let unique: HashSet<String> = ids(&got_after).into_iter().collect();
    assert_eq!(unique.len(), total);
    app.finish().await;
}

/// WH-5: after a rotation both secrets sign until the grace period ends, then
/// only the new one.
async fn wh_5_both_secrets_sign_during_the_grace_period(b: Backend) {
    let (app, admin) = setup(b, config()).await;
    let (receiver, url) = Receiver::start(0).await;
    let (id, old, position) = register(&app, &admin, &url).await;
    receiver.trust(&old);
    purchase(&app, "ana").await;
    let n = published(&app).await;
    let got = receiver.wait_for(n).await;
    assert!(got.iter().all(|r| r.signed_by == vec![0]));

    let r = app
        .post(&path(&format!("/{id}/rotate-secret")))
        .as_user(&admin)
        .after(Some(position))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let new = r.body["secret"].as_str().unwrap_or_default().to_string();
    assert!(new.starts_with("whsec_") && new != old);
    receiver.trust(&new);
    let listed = app
        .get(&path(""))
        .as_user(&admin)
        .after(r.position())
        .send()
        .await;
    assert!(
        !listed.text.contains(&new) && !listed.text.contains(&old),
        "no secret is listed"
    );
    assert!(
        listed.body["items"][0]["previous_secret_valid_until"].is_string(),
        "{}",
        listed.text
    );

    purchase(&app, "bo").await;
    let m = published(&app).await;
    let got = receiver.wait_for(m).await;
    assert_eq!(got.len(), m);
    for r in &got[n..] {
        assert_eq!(
            r.signed_by,
            vec![0, 1],
            "both signatures during the grace period"
        );
    }

    app.clock.advance(chrono::Duration::hours(25));
    purchase(&app, "cy").await;
    let k = published(&app).await;
    let got = receiver.wait_for(k).await;
    assert_eq!(got.len(), k);
    for r in &got[m..] {
        assert_eq!(
            r.signed_by,
            vec![1],
            "only the new secret after the grace period"
        );
    }
    app.finish().await;
}

/// WH-12: a replay redelivers the endpoint's events from a past position, once.
async fn wh_12_replay_redelivers_from_a_position(b: Backend) {
    let (app, admin) = setup(b, config()).await;
    let (receiver, url) = Receiver::start(0).await;
    let (id, secret, registered) = register(&app, &admin, &url).await;
    receiver.trust(&secret);
    purchase(&app, "ana").await;
    let first = published(&app).await;
    purchase(&app, "bo").await;
    let n = published(&app).await;
    let got = receiver.wait_for(n).await;
    assert_eq!(got.len(), n);
    // From the first event of bo's purchase on.
    let from = got[first].body["position"].as_i64().unwrap_or_default();
    assert!(from > registered);

    let r = app
        .post(&path(&format!("/{id}/replay")))
        .as_user(&admin)
        .json(json!({ "from_position": from }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let again = n - first;
    let got = receiver.wait_for(n + again).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.accepted().len(), n + again, "replayed once");
    assert_eq!(
        ids(&got[n..]),
        ids(&got[first..n]),
        "the same events, same ids, in order"
    );

    let r = app
        .post(&path(&format!("/{id}/replay")))
        .as_user(&admin)
        .json(json!({ "from_position": -1 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "webhook.invalid_position");
    app.finish().await;
}

/// WH-1, WH-2, WH-6, WH-7: URL and kinds are checked; a disabled endpoint gets
/// nothing until enabled; a deleted one is gone.
async fn wh_1_registration_rules_and_lifecycle(b: Backend) {
    let (app, admin) = setup(b, Config::default()).await;
    let r = app
        .post(&path(""))
        .as_user(&admin)
        .json(json!({ "url": "http://127.0.0.1:9/hook", "kinds": ["order.paid"] }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "webhook.invalid_url");
    let r = app
        .post(&path(""))
        .as_user(&admin)
        .json(json!({ "url": "https://crm.example.org/hook", "kinds": ["order.exploded"] }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "webhook.unknown_kind");
    let kinds = app.get(&path("/kinds")).as_user(&admin).send().await;
    assert!(
        kinds.body["kinds"]
            .as_array()
            .is_some_and(|k| k.len() >= 10),
        "{}",
        kinds.text
    );

    let (id, secret, position) = register(&app, &admin, "https://crm.example.org/hook").await;
    let one = app
        .get(&path(&format!("/{id}")))
        .as_user(&admin)
        .after(Some(position))
        .send()
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(one.body["enabled"], true);
    assert!(!one.text.contains(&secret));

    let r = app
        .post(&path(&format!("/{id}/disable")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let one = app
        .get(&path(&format!("/{id}")))
        .as_user(&admin)
        .after(r.position())
        .send()
        .await;
    assert_eq!(one.body["enabled"], false);
    let r = app
        .post(&path(&format!("/{id}/replay")))
        .as_user(&admin)
        .json(json!({ "from_position": 0 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    let r = app
        .delete(&path(&format!("/{id}")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let gone = app
        .get(&path(&format!("/{id}")))
        .as_user(&admin)
        .after(r.position())
        .send()
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let list = app.get(&path("")).as_user(&admin).send().await;
    assert_eq!(list.body["items"], json!([]));
    app.finish().await;
}

/// WH-6: deliveries owed to a disabled endpoint wait and arrive once enabled.
async fn wh_6_a_disabled_endpoint_receives_after_enabling(b: Backend) {
    let (app, admin) = setup(b, config()).await;
    let (receiver, url) = Receiver::start(0).await;
    let (id, secret, position) = register(&app, &admin, &url).await;
    receiver.trust(&secret);
    let r = app
        .post(&path(&format!("/{id}/disable")))
        .as_user(&admin)
        .after(Some(position))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    purchase(&app, "ana").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(receiver.accepted().is_empty(), "nothing while disabled");
    let r = app
        .post(&path(&format!("/{id}/enable")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Owed deliveries of a disabled endpoint are looked at again a second later:
    // time passes (the sender may have looked once more before it saw the enable).
    app.settled().await;
    let n = published(&app).await;
    for _ in 0..100 {
        app.clock.advance(chrono::Duration::seconds(2));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if receiver.accepted().len() >= n {
            break;
        }
    }
    let got = receiver.wait_for(n).await;
    assert_eq!(got.len(), n, "what was owed arrives once enabled");
    app.finish().await;
}

/// WH-10: two instances on one database (each with its consumer and sender)
/// still deliver every event exactly once, through failures and retries.
async fn wh_10_two_instances_deliver_each_event_once(b: Backend) {
    let (app, admin) = setup(b, config()).await;
    let second = tessera::webhooks::Worker::load(
        app.app.db.clone(),
        std::sync::Arc::new(app.clock.clone()),
        app.app.personal.clone(),
        app.app.config.webhooks.clone(),
    )
    .await
    .expect("a second worker");
    second.spawn();
    let (receiver, url) = Receiver::start(1).await;
    let (_, secret, _) = register(&app, &admin, &url).await;
    receiver.trust(&secret);
    let buyers: Vec<String> = (0..8).map(|i| format!("buyer{i}")).collect();
    let purchases = buyers.iter().map(|name| purchase(&app, name));
    futures::future::join_all(purchases).await;
    let expected = published(&app).await;
    let got = receiver.wait_for(expected).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let got_after = receiver.accepted();
    assert_eq!(got.len(), expected);
    assert_eq!(got_after.len(), expected, "nothing delivered twice");
    let unique: HashSet<String> = ids(&got_after).into_iter().collect();
    assert_eq!(unique.len(), expected);
    assert!(
        receiver.lock().attempts.values().all(|n| *n == 2),
        "one failure, one success each"
    );
    app.finish().await;
}

/// WH-11: an endpoint that keeps failing is retried until the window ends, then
/// its delivery is failed and attempts stop.
async fn wh_11_retries_end_in_failed_after_the_window(b: Backend) {
    let (app, admin) = setup(b, config()).await;
    let (receiver, url) = Receiver::start(usize::MAX).await;
    let (id, secret, _) = register(&app, &admin, &url).await;
    receiver.trust(&secret);
    purchase(&app, "ana").await;
    let deliveries = path(&format!("/{id}/deliveries"));
    let status_of =
        |r: &common::Response| r.body["items"][0]["status"].as_str().map(str::to_string);
    let mut r = app.get(&deliveries).as_user(&admin).send().await;
    for _ in 0..200 {
        if r.body["items"][0]["attempts"]
            .as_array()
            .is_some_and(|a| a.len() >= 3)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        r = app.get(&deliveries).as_user(&admin).send().await;
    }
    assert_eq!(status_of(&r).as_deref(), Some("pending"), "{}", r.text);
    app.clock.advance(chrono::Duration::hours(25));
    for _ in 0..200 {
        if status_of(&r).as_deref() == Some("failed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        r = app.get(&deliveries).as_user(&admin).send().await;
    }
    assert_eq!(status_of(&r).as_deref(), Some("failed"), "{}", r.text);
    let attempts = r.body["items"][0]["attempts"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(r.body["items"][0]["attempts"][0]["status_code"] == 500);
    assert!(r.body["items"][0]["attempts"][0]["duration_ms"].is_i64());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r = app.get(&deliveries).as_user(&admin).send().await;
    assert_eq!(
        r.body["items"][0]["attempts"]
            .as_array()
            .map_or(0, Vec::len),
        attempts,
        "no attempt after failed"
    );
    assert!(receiver.accepted().is_empty());
    app.finish().await;
}

/// WH-2/WH-8: the grant, visa letter and fundraising kinds are delivered with ids
/// and amounts only: no applicant's text, passport data or donor's name or e-mail.
async fn wh_8_grant_letter_and_fundraising_kinds_carry_no_personal_data(b: Backend) {
    let (app, admin) = setup(b, config()).await;
    let (receiver, url) = Receiver::start(0).await;
    let kinds = [
        "grant.applied",
        "grant.reviewed",
        "visa_letter.requested",
        "visa_letter.approved",
        "sponsorship_deal.opened",
        "sponsorship_deal.moved",
        "donation.recorded",
        "donation.refunded",
    ];
    let r = app
        .post(&path(""))
        .as_user(&admin)
        .json(json!({ "url": url, "kinds": kinds }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    receiver.trust(r.body["secret"].as_str().unwrap_or_default());
    let conf = |rest: &str| format!("/api/v1/conferences/{CONF}{rest}");
    let ana = app.user("ana").await;
    let posted = |path: String, who: &User, body: Value| {
        let call = app.post(&path).as_user(who).json(body);
        async move { call.send().await }
    };
    let r = posted(
        conf("/grants"),
        &ana,
        json!({
            "experience_level": "intermediate", "travel_from": "Lagos, Nigeria",
            "airfare_description": "Return flight", "airfare_amount": "900.00",
            "lodging_description": "Five nights", "lodging_amount": "400.00",
            "requested_amount": "1300.00", "occupation": "Developer",
            "involvement": "PyLadies Lagos", "reason": "First PyCon US",
            "days_attending": ["2027-05-14"]
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let grant = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = posted(
        conf(&format!("/grants/{grant}/review")),
        &admin,
        json!({ "status": "offered", "approved_amount": "1000.00" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = posted(
        conf("/visa-letters"),
        &ana,
        json!({
            "passport_name": "Ana Plainpassport", "passport_number": "A99887766",
            "nationality": "Nigerian", "date_of_birth": "1990-04-01",
            "travel_from": "2027-05-12", "travel_until": "2027-05-20",
            "destination_address": "1000 Fort Duquesne Blvd"
        }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let letter = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = posted(
        conf(&format!("/visa-letters/{letter}/review")),
        &admin,
        json!({ "action": "approve" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = posted(
        conf("/sponsorships/deals"),
        &admin,
        json!({ "organisation": "Globex", "contact_email": "olga@globex.example", "amount": "5000.00" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let deal = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = posted(
        conf(&format!("/sponsorships/deals/{deal}/status")),
        &admin,
        json!({ "status": "awaiting_response" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = posted(
        conf("/donations"),
        &admin,
        json!({ "donor_name": "Dora Donor", "donor_email": "dora@example.org",
                "amount": "75.00", "transaction_date": "2027-01-10" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let donation = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = posted(
        conf(&format!("/donations/{donation}/refund")),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.settled().await;

    let got = receiver.wait_for(kinds.len()).await;
    let mut seen: Vec<&str> = got.iter().map(|r| r.kind.as_str()).collect();
    seen.sort_unstable();
    let mut want = kinds.to_vec();
    want.sort_unstable();
    assert_eq!(seen, want, "{got:#?}");
    let of = |kind: &str| {
        got.iter()
            .find(|r| r.kind == kind)
            .map(|r| r.body["data"].clone())
            .unwrap_or_default()
    };
    assert_eq!(of("grant.applied")["grant_id"], grant.as_str());
    assert_eq!(of("grant.reviewed")["status"], "offered");
    assert_eq!(of("grant.reviewed")["approved_amount"], "1000.00");
    assert_eq!(of("visa_letter.approved")["letter_id"], letter.as_str());
    assert_eq!(of("sponsorship_deal.opened")["organisation"], "Globex");
    assert_eq!(of("sponsorship_deal.moved")["to"], "awaiting_response");
    assert_eq!(of("donation.recorded")["amount"], "75.00");
    assert_eq!(of("donation.refunded")["donation_id"], donation.as_str());
    let bodies =
        serde_json::to_string(&got.iter().map(|r| &r.body).collect::<Vec<_>>()).unwrap_or_default();
    for secret in [
        "Lagos",
        "PyLadies Lagos",
        "Plainpassport",
        "A99887766",
        "olga@globex",
        "Dora",
        "dora@example.org",
    ] {
        assert!(!bodies.contains(secret), "{secret} was sent: {bodies}");
    }
    app.finish().await;
}

/// WH-2/WH-8: a comp bulk purchase's request, approval and fulfilment are
/// delivered with the count of vouchers, never their codes (SPONSOR-18…26).
async fn wh_8_bulk_purchase_kinds_carry_no_voucher_codes(b: Backend) {
    let (app, admin) = setup(b, config()).await;
    let (receiver, url) = Receiver::start(0).await;
    let kinds = [
        "bulk_purchase.requested",
        "bulk_purchase.approved",
        "bulk_purchase.fulfilled",
    ];
    let r = app
        .post(&path(""))
        .as_user(&admin)
        .json(json!({ "url": url, "kinds": kinds }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    receiver.trust(r.body["secret"].as_str().unwrap_or_default());
    let conf = |rest: &str| format!("/api/v1/conferences/{CONF}{rest}");
    let r = app
        .ticket_type(
            &admin,
            CONF,
            json!({ "slug": "individual", "name": "Individual", "price": "100.00",
                    "total_quantity": 100, "bulk_enabled": true }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(&conf("/bulk-purchases"))
        .as_user(&admin)
        .json(
            json!({ "quantity": 3, "ticket_type": "individual", "unit_price": "0",
                      "voucher_config": { "voucher_type": "comp" } }),
        )
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&conf(&format!("/bulk-purchases/{id}/approve")))
        .as_user(&admin)
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&conf(&format!("/bulk-purchases/{id}/fulfil")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let codes: Vec<String> = r.body["codes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(codes.len(), 3, "{}", r.text);
    app.settled().await;
    let got = receiver.wait_for(kinds.len()).await;
    let mut seen: Vec<&str> = got.iter().map(|r| r.kind.as_str()).collect();
    seen.sort_unstable();
    let mut want = kinds.to_vec();
    want.sort_unstable();
    assert_eq!(seen, want, "{got:#?}");
    let of = |kind: &str| {
        got.iter()
            .find(|r| r.kind == kind)
            .map(|r| r.body["data"].clone())
            .unwrap_or_default()
    };
    assert_eq!(of("bulk_purchase.requested")["purchase_id"], id.as_str());
    assert_eq!(of("bulk_purchase.requested")["quantity"], 3);
    assert_eq!(of("bulk_purchase.fulfilled")["vouchers_added"], 3);
    let bodies =
        serde_json::to_string(&got.iter().map(|r| &r.body).collect::<Vec<_>>()).unwrap_or_default();
    for code in &codes {
        assert!(!bodies.contains(code.as_str()), "{code} was sent: {bodies}");
    }
    app.finish().await;
}

/// The deliveries, `limit` at a time, with `between` after each page (the first
/// page counts them all): the event ids in the order seen.
async fn walk_deliveries<F, Fut>(
    app: &TestApp,
    admin: &User,
    id: &str,
    mut between: F,
) -> Vec<String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    for n in 0.. {
        let mut url = path(&format!("/{id}/deliveries?limit=2"));
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let r = app.get(&url).as_user(admin).send().await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["total"].is_i64(), n == 0, "{}", r.text);
        let items = r.body["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 2, "{}", r.text);
        seen.extend(
            items
                .iter()
                .filter_map(|d| d["event_id"].as_str().map(str::to_string)),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        between(n).await;
    }
    seen
}

/// WH-10: the delivery log pages newest first (by round, then log position);
/// events delivered while a client pages sort before its cursor, so the walk
/// sees every delivery that was there once, in order, and nothing twice.
async fn wh_10_the_delivery_log_walks_page_by_page(b: Backend) {
    let (app, admin) = setup(b, config()).await;
    let (receiver, url) = Receiver::start(0).await;
    let (id, secret, _) = register(&app, &admin, &url).await;
    receiver.trust(&secret);
    for name in ["ana", "bo", "cy"] {
        purchase(&app, name).await;
    }
    let expected = published(&app).await;
    receiver.wait_for(expected).await;
    let mut truth = vec![];
    for _ in 0..200 {
        let r = app
            .get(&path(&format!("/{id}/deliveries?limit=500")))
            .as_user(&admin)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        truth = r.body["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|d| d["event_id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if truth.len() == expected {
            assert_eq!(r.body["total"], expected, "{}", r.text);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(truth.len(), expected);
    let a = &app;
    let seen = walk_deliveries(&app, &admin, &id, |n| async move {
        purchase(a, &format!("late{n}")).await;
    })
    .await;
    assert_eq!(seen, truth, "the new deliveries sort before the cursor");
    let now = published(&app).await;
    assert!(now > expected, "events were delivered between the pages");
    app.finish().await;
}

on_both_backends!(
    wh_11_retries_end_in_failed_after_the_window,
    wh_10_two_instances_deliver_each_event_once,
    wh_10_delivers_every_event_once_despite_failures_and_restarts,
    wh_5_both_secrets_sign_during_the_grace_period,
    wh_12_replay_redelivers_from_a_position,
    wh_1_registration_rules_and_lifecycle,
    wh_6_a_disabled_endpoint_receives_after_enabling,
    wh_8_grant_letter_and_fundraising_kinds_carry_no_personal_data,
    wh_8_bulk_purchase_kinds_carry_no_voucher_codes,
    wh_10_the_delivery_log_walks_page_by_page,
);

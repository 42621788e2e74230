//! Notifications through the real router and database, against an in-process
//! SMTP sink: the outbox records each message once from the log (MSG-1/2), the
//! sender sends it once (MSG-3), retries with backoff and dead-letters (MSG-4),
//! admins list and retry (MSG-5); password reset (RESET-1…6).

mod common;
#[path = "notifications/sink.rs"]
mod sink;

use axum::http::StatusCode;
use chrono::Duration;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};
use sink::{Received, Sink};
use tessera::config::{Config, MailConfig, MailTls};

const CONF: &str = "pycon-us-2027";

fn mail_config(sink: &Sink, max_attempts: u32) -> Config {
    Config {
        mail: MailConfig {
            host: Some("127.0.0.1".into()),
            port: sink.port,
            tls: MailTls::None,
            from: "PyCon US <tickets@pycon.example>".into(),
            max_attempts,
            retry_base_seconds: 30,
            ..MailConfig::default()
        },
        ..Config::default()
    }
}

/// The admin's view of the outbox, after the log's head is listed.
async fn outbox(app: &TestApp, admin: &User, status: Option<&str>) -> Value {
    let head = app.settled().await;
    let path = match status {
        Some(s) => format!("/api/v1/messages?status={s}"),
        None => "/api/v1/messages".to_string(),
    };
    let r = app.get(&path).as_user(admin).after(Some(head)).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// Polls the outbox until `done` holds (15 s at most).
async fn outbox_until(app: &TestApp, admin: &User, done: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..75 {
        last = outbox(app, admin, None).await;
        if done(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    last
}

fn count(list: &Value, status: &str) -> u64 {
    list["counts"][status].as_u64().unwrap_or(0)
}

/// An admin, the conference with a free ticket, and a buyer.
async fn setup(app: &TestApp) -> (User, User) {
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "free", "name": "Free", "price": "0.00", "total_quantity": 10 }),
    )
    .await;
    let ana = app.user("ana").await;
    (admin, ana)
}

async fn buy_free_ticket(app: &TestApp, ana: &User) -> String {
    let r = app.buy(ana, CONF, "free", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    // A zero total is paid with a comp payment.
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/orders/{reference}/payments"
        ))
        .as_user(ana)
        .json(json!({ "method": "comp" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "comp: {}", r.text);
    reference
}

fn by_subject<'a>(mails: &'a [Received], part: &str) -> Vec<&'a Received> {
    mails
        .iter()
        .filter(|m| m.subject().contains(part))
        .collect()
}

async fn order_and_access_code_mails_reach_the_buyer_once(b: Backend) {
    let sink = Sink::start().await;
    let app = TestApp::start_with(b, mail_config(&sink, 5)).await;
    let (admin, ana) = setup(&app).await;
    let reference = buy_free_ticket(&app, &ana).await;
    let mails = sink.wait_for(2).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(mails.iter().all(|m| m.to == vec![ana.email.clone()]));
    let confirmation = by_subject(&mails, &format!("order {reference} confirmed"));
    assert_eq!(confirmation.len(), 1, "{mails:?}");
    let confirmation = confirmation[0];
    assert_eq!(
        confirmation.subject(),
        format!("PyCon US {CONF}: order {reference} confirmed")
    );
    assert!(
        confirmation.data.contains("Hello ana,"),
        "{}",
        confirmation.data
    );
    assert!(confirmation.data.contains("2027-05-14 to 2027-05-22"));
    assert!(confirmation.data.contains("$0.00"));
    let code = by_subject(&mails, "your access code");
    assert_eq!(code.len(), 1, "{mails:?}");
    let access_code = code[0]
        .subject()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(access_code.len(), 8, "{}", code[0].subject());
    assert!(
        code[0]
            .data
            .contains(&format!("Your access code is {access_code}"))
    );
    // The QR code travels as an inline SVG the HTML part shows.
    assert!(code[0].data.contains("image/svg+xml"), "{}", code[0].data);
    assert!(code[0].data.contains("cid:access-code"));

    // MSG-3: the SMTP Message-ID is the message's id.
    let list = outbox_until(&app, &admin, |l| count(l, "sent") == 2).await;
    assert_eq!(list["sending"], true);
    assert_eq!(count(&list, "sent"), 2, "{list}");
    let ids: Vec<String> = list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    for mail in &mails {
        let message_id = mail.header("Message-ID").unwrap_or_default();
        assert!(
            ids.iter()
                .any(|id| message_id == format!("<{id}@pycon.example>")),
            "{message_id} in {ids:?}"
        );
    }

    // MSG-1: a restart reads the log again and records nothing twice.
    let app = app.restart().await;
    app.settled().await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let queued = app.count_events(|e| e.event_type == "MessageQueued").await;
    assert_eq!(queued, 2);
    assert_eq!(sink.received().len(), 2);
    app.finish().await;
}

async fn without_smtp_messages_are_recorded_and_listed_for_admins(b: Backend) {
    let app = TestApp::start(b).await;
    let (admin, ana) = setup(&app).await;
    buy_free_ticket(&app, &ana).await;
    let list = outbox_until(&app, &admin, |l| count(l, "recorded") == 2).await;
    assert_eq!(list["sending"], false);
    assert_eq!(count(&list, "recorded"), 2, "{list}");
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(kinds.contains(&"order_confirmation") && kinds.contains(&"access_code"));
    assert!(list["items"][0]["recipient"] == json!(ana.id));
    // Only admins see the outbox.
    let r = app.get("/api/v1/messages").as_user(&ana).send().await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

/// The token in a password reset mail.
fn token_in(mail: &Received) -> String {
    mail.data
        .split_whitespace()
        .find(|w| w.len() > 40 && w.split_once('.').is_some_and(|(u, _)| u.len() == 32))
        .unwrap_or_default()
        .to_string()
}

async fn request_reset(app: &TestApp, email: &str) -> common::Response {
    app.post("/api/v1/auth/password-reset")
        .json(json!({ "email": email }))
        .send()
        .await
}

async fn failures_retry_with_backoff_then_dead_letter_and_an_admin_retries(b: Backend) {
    let sink = Sink::start().await;
    let app = TestApp::start_with(b, mail_config(&sink, 2)).await;
    let admin = app.admin().await;
    let ana = app.user("ana").await;
    sink.refuse_next(2, "451 4.3.0 try again later");
    assert_eq!(
        request_reset(&app, &ana.email).await.status,
        StatusCode::ACCEPTED
    );
    // MSG-4: the first failure waits for its retry.
    let list = outbox_until(&app, &admin, |l| count(l, "failed") == 1).await;
    assert_eq!(count(&list, "failed"), 1, "{list}");
    let failed = &list["items"][0];
    assert_eq!(failed["attempts"], 1);
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("try again later")
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        count(&outbox(&app, &admin, None).await, "failed"),
        1,
        "not before its time"
    );
    // 30 s later (the backoff's base) the second and last attempt fails too.
    app.clock.advance(Duration::seconds(31));
    let list = outbox_until(&app, &admin, |l| count(l, "dead_lettered") == 1).await;
    assert_eq!(count(&list, "dead_lettered"), 1, "{list}");
    let dead = outbox(&app, &admin, Some("dead_lettered")).await;
    assert_eq!(dead["total"], 1);
    let id = dead["items"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(dead["items"][0]["attempts"], 2);
    assert!(sink.received().is_empty());
    // MSG-5: an admin's retry sends it.
    let r = app
        .post(&format!("/api/v1/messages/{id}/retry"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mails = sink.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject(), "Reset your Tessera password");
    let list = outbox_until(&app, &admin, |l| count(l, "sent") == 1).await;
    assert_eq!(count(&list, "sent"), 1, "{list}");
    // Only a dead-lettered message is retried.
    let r = app
        .post(&format!("/api/v1/messages/{id}/retry"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "message.not_dead_lettered")
    );
    app.finish().await;
}

async fn a_crash_mid_send_sends_once_after_restart(b: Backend) {
    let sink = Sink::start().await;
    let app = TestApp::start_with(b, mail_config(&sink, 5)).await;
    let admin = app.admin().await;
    let ana = app.user("ana").await;
    // The mail server hangs: the sender has claimed the message and waits.
    sink.pause();
    assert_eq!(
        request_reset(&app, &ana.email).await.status,
        StatusCode::ACCEPTED
    );
    for _ in 0..100 {
        if sink.held() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(sink.held(), 1, "the sender is mid-send");
    let app = app.restart().await;
    sink.resume();
    // The dead sender's claim holds until its lease ends; then the new one sends.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(sink.received().is_empty());
    app.clock.advance(Duration::seconds(121));
    let mails = sink.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    let list = outbox_until(&app, &admin, |l| count(l, "sent") == 1).await;
    assert_eq!(count(&list, "sent"), 1, "{list}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(sink.received().len(), 1, "sent once");
    app.finish().await;
}

async fn a_reset_mail_sets_a_new_password_once_and_ends_every_session(b: Backend) {
    let sink = Sink::start().await;
    let app = TestApp::start_with(b, mail_config(&sink, 5)).await;
    let ana = app.user("ana").await;
    // RESET-1/6: the same answer for an account and for no account.
    let known = request_reset(&app, &ana.email).await;
    let unknown = request_reset(&app, "nobody@example.org").await;
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert_eq!((unknown.status, &unknown.body), (known.status, &known.body));
    let mails = sink.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        sink.received().len(),
        1,
        "nothing sent for an unknown address"
    );
    assert_eq!(mails[0].to, vec![ana.email.clone()]);
    let token = token_in(&mails[0]);
    assert!(!token.is_empty(), "{}", mails[0].data);
    // RESET-1: the log holds the token's hash, never the token.
    let leaked = app.count_events(|e| e.payload.contains(&token)).await;
    assert_eq!(leaked, 0);

    let confirm = |token: String, password: &'static str| {
        app.post("/api/v1/auth/password-reset/confirm")
            .json(json!({ "token": token, "password": password }))
            .send()
    };
    let r = confirm(token.clone(), "short").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "auth.weak_password")
    );
    let r = confirm(token.clone(), "a brand new password").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // RESET-5: every session ended.
    let r = app.get("/api/v1/auth/me").as_user(&ana).send().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let login = |password: &'static str| {
        app.post("/api/v1/auth/login")
            .json(json!({ "email": ana.email, "password": password }))
            .send()
    };
    assert_eq!(
        login("correct horse battery").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login("a brand new password").await.status, StatusCode::OK);
    // RESET-4: once only.
    let r = confirm(token, "yet another password").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "auth.reset_token_used")
    );
    // RESET-2: a made-up token.
    let fake = format!("{}.bm90IGEgdG9rZW4", ana.id.replace('-', ""));
    let r = confirm(fake, "yet another password").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "auth.reset_token_invalid")
    );
    let r = confirm("garbage".into(), "yet another password").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "auth.reset_token_invalid")
    );
    app.finish().await;
}

async fn a_reset_token_expires_after_an_hour(b: Backend) {
    let sink = Sink::start().await;
    let app = TestApp::start_with(b, mail_config(&sink, 5)).await;
    let ana = app.user("ana").await;
    assert_eq!(
        request_reset(&app, &ana.email).await.status,
        StatusCode::ACCEPTED
    );
    let mails = sink.wait_for(1).await;
    let token = token_in(&mails[0]);
    app.clock.advance(Duration::minutes(61));
    let r = app
        .post("/api/v1/auth/password-reset/confirm")
        .json(json!({ "token": token, "password": "a brand new password" }))
        .send()
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "auth.reset_token_expired")
    );
    app.finish().await;
}

async fn reset_requests_are_rate_limited_alike_for_every_address(b: Backend) {
    let app = TestApp::start(b).await;
    let ana = app.user("ana").await;
    for email in [ana.email.as_str(), "nobody@example.org"] {
        for _ in 0..3 {
            assert_eq!(
                request_reset(&app, email).await.status,
                StatusCode::ACCEPTED
            );
        }
        let r = request_reset(&app, email).await;
        assert_eq!(
            (r.status, r.code()),
            (
                StatusCode::TOO_MANY_REQUESTS,
                "auth.too_many_reset_requests"
            )
        );
        assert!(r.headers.contains_key("retry-after"));
    }
    // Three requests, three reset facts for the account.
    app.settled().await;
    let requested = app
        .count_events(|e| e.event_type == "PasswordResetRequested")
        .await;
    assert_eq!(requested, 3);
    app.finish().await;
}

async fn visa_letter_decisions_reach_the_applicant(b: Backend) {
    let sink = Sink::start().await;
    let app = TestApp::start_with(b, mail_config(&sink, 5)).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let letters = format!("/api/v1/conferences/{CONF}/visa-letters");
    let mut ids = vec![];
    for u in [&ana, &bo] {
        let r = app
            .post(&letters)
            .as_user(u)
            .json(json!({
                "passport_name": "Ana Plainpassport", "passport_number": "A99887766",
                "nationality": "Nigerian", "date_of_birth": "1990-04-01",
                "travel_from": "2027-05-12", "travel_until": "2027-05-20",
                "destination_address": "1000 Fort Duquesne Blvd"
            }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap_or_default().to_string());
    }
    for (id, body) in [
        (&ids[0], json!({ "action": "approve" })),
        (
            &ids[1],
            json!({ "action": "reject", "reason": "Travel dates outside the conference." }),
        ),
    ] {
        let r = app
            .post(&format!("{letters}/{id}/review"))
            .as_user(&admin)
            .json(body)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let mails = sink.wait_for(2).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let approved = by_subject(&mails, "your visa letter request is approved");
    assert_eq!(approved.len(), 1, "{mails:?}");
    assert_eq!(approved[0].to, vec![ana.email.clone()]);
    let rejected = by_subject(&mails, "your visa letter request is rejected");
    assert_eq!(rejected.len(), 1, "{mails:?}");
    assert_eq!(rejected[0].to, vec![bo.email.clone()]);
    assert!(
        rejected[0]
            .data
            .contains("Travel dates outside the conference.")
    );
    app.finish().await;
}

/// The other message kinds: a cancelled order, a refund, a grant's new status, a
/// volunteer's decision, a sponsorship deal's move and a bulk purchase's status
/// each mail the right person once, with the conference's name in the subject.
async fn cancellation_refund_grant_volunteer_and_sponsorship_mails(b: Backend) {
    let sink = Sink::start().await;
    let app = TestApp::start_with(b, mail_config(&sink, 5)).await;
    let (admin, ana) = setup(&app).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "std", "name": "Standard", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    let conf = |rest: &str| format!("/api/v1/conferences/{CONF}{rest}");
    let r = app
        .patch(&conf(""))
        .as_user(&admin)
        .json(json!({ "volunteer_application_open": true }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);

    // An order cancelled; another paid, then partly refunded.
    let r = app.buy(&ana, CONF, "std", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cancelled = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&conf(&format!("/orders/{cancelled}/cancel")))
        .as_user(&ana)
        .send()
        .await;
    assert!(r.status.is_success(), "cancel: {}", r.text);
    let r = app.buy(&ana, CONF, "std", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let paid = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&conf(&format!("/orders/{paid}/payments")))
        .as_user(&admin)
        .json(json!({ "method": "manual", "amount": "100.00", "reference": "WIRE-1", "note": "" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(&conf(&format!("/orders/{paid}/refunds")))
        .as_user(&admin)
        .json(json!({ "amount": "40.00", "to": "credit" }))
        .send()
        .await;
    assert!(r.status.is_success(), "refund: {}", r.text);

    // A grant offered.
    let r = app
        .post(&conf("/grants"))
        .as_user(&ana)
        .json(json!({
            "experience_level": "intermediate", "travel_from": "Lagos, Nigeria",
            "airfare_description": "Return flight", "airfare_amount": "900.00",
            "lodging_description": "Five nights", "lodging_amount": "400.00",
            "requested_amount": "1300.00", "occupation": "Developer",
            "involvement": "PyLadies Lagos", "reason": "First PyCon US",
            "days_attending": ["2027-05-14"]
        }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let grant = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&conf(&format!("/grants/{grant}/review")))
        .as_user(&admin)
        .json(json!({ "status": "offered", "approved_amount": "1000.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // A volunteer approved.
    let r = app
        .post(&conf("/teams"))
        .as_user(&admin)
        .json(json!({ "name": "Registration", "description": "The desk", "leads": [] }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let bo = app.user("bo").await;
    let r = app
        .post(&conf("/volunteers"))
        .as_user(&bo)
        .json(
            json!({ "social": {}, "languages": ["en"], "region": "Europe",
                      "chapter": "", "availability": "mornings", "previous_events": [] }),
        )
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(&conf(&format!("/volunteers/{}/review", bo.id)))
        .as_user(&admin)
        .json(json!({ "decision": "approve", "teams": ["registration"], "roles": ["member"] }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // A sponsorship deal moved: its contact hears of it.
    let r = app
        .post(&conf("/sponsorships/deals"))
        .as_user(&admin)
        .json(json!({ "organisation": "Globex", "contact_email": "olga@globex.example" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let deal = r.body["id"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&conf(&format!("/sponsorships/deals/{deal}/status")))
        .as_user(&admin)
        .json(json!({ "status": "awaiting_response" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A comp bulk purchase approved and fulfilled: its requester hears of both.
    let r = app
        .ticket_type(
            &admin,
            CONF,
            json!({ "slug": "group", "name": "Group", "price": "100.00",
                    "total_quantity": 100, "bulk_enabled": true }),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(&conf("/bulk-purchases"))
        .as_user(&admin)
        .json(
            json!({ "quantity": 4, "ticket_type": "group", "unit_price": "0",
                      "voucher_config": { "voucher_type": "comp" } }),
        )
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let purchase = r.body["id"].as_str().unwrap_or_default().to_string();
    for (step, body) in [("approve", Some(json!({}))), ("fulfil", None)] {
        let call = app
            .post(&conf(&format!("/bulk-purchases/{purchase}/{step}")))
            .as_user(&admin);
        let r = match body {
            Some(b) => call.json(b).send().await,
            None => call.send().await,
        };
        assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.text);
    }
    app.settled().await;

    // Order confirmation and access code of the paid order, and one mail each here.
    let mails = sink.wait_for(9).await;
    let one = |part: &str| {
        let found = by_subject(&mails, part);
        assert_eq!(found.len(), 1, "{part}: {mails:#?}");
        found[0].clone()
    };
    let m = one(&format!("order {cancelled} cancelled"));
    assert_eq!(m.to, vec![ana.email.clone()]);
    assert!(
        m.subject().starts_with(&format!("PyCon US {CONF}:")),
        "{}",
        m.subject()
    );
    let m = one(&format!("refund for order {paid}"));
    assert_eq!(m.to, vec![ana.email.clone()]);
    assert!(m.data.contains("40.00"), "{}", m.data);
    let m = one("your travel grant application is offered");
    assert_eq!(m.to, vec![ana.email.clone()]);
    let m = one("your volunteer application is approved");
    assert_eq!(m.to, vec![bo.email.clone()]);
    let m = one("sponsorship of Globex is awaiting_response");
    assert_eq!(m.to, vec!["olga@globex.example".to_string()]);
    one(&format!("order {paid} confirmed"));
    for status in ["approved", "fulfilled"] {
        let m = one(&format!("your purchase of 4 vouchers is {status}"));
        assert_eq!(m.to, vec![admin.email.clone()]);
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        sink.received().len(),
        9,
        "nothing twice: {:#?}",
        sink.received()
    );
    app.finish().await;
}

/// The outbox passes over cart and stock events without decoding them (most of a
/// ticket rush): that holds only while none of them calls for a message. Every
/// event type has a stored example (tests/fixtures/events), so each is tried.
#[tokio::test]
async fn no_cart_or_stock_event_calls_for_a_message() {
    let app = TestApp::start(Backend::Sqlite).await;
    let mut tried = 0;
    for aggregate in ["cart", "inventory"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events")
            .join(aggregate);
        for file in std::fs::read_dir(&dir).expect("the event corpus") {
            let path = file.expect("a fixture").path();
            let fixture: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
                    .expect("a fixture is JSON");
            let raw = tessera_replay::log::RawEvent {
                position: 1,
                aggregate_type: aggregate.to_string(),
                aggregate_id: fixture["aggregate_id"].as_str().unwrap_or_default().into(),
                sequence: 1,
                event_type: fixture["event_type"].as_str().unwrap_or_default().into(),
                payload: fixture["payload"].to_string(),
                metadata: fixture["metadata"].to_string(),
                recorded_at: chrono::Utc::now(),
            };
            let env = raw.into_envelope().expect("the fixture decodes");
            let drafts = tessera::notifications::outbox::drafts(&app.app.bus, &app.app.db, &env)
                .await
                .expect("drafts");
            assert!(drafts.is_empty(), "{}: {drafts:?}", path.display());
            tried += 1;
        }
    }
    assert!(tried >= 10, "only {tried} fixtures tried");
    app.finish().await;
}

on_both_backends!(
    order_and_access_code_mails_reach_the_buyer_once,
    without_smtp_messages_are_recorded_and_listed_for_admins,
    failures_retry_with_backoff_then_dead_letter_and_an_admin_retries,
    a_crash_mid_send_sends_once_after_restart,
    a_reset_mail_sets_a_new_password_once_and_ends_every_session,
    a_reset_token_expires_after_an_hour,
    reset_requests_are_rate_limited_alike_for_every_address,
    visa_letter_decisions_reach_the_applicant,
    cancellation_refund_grant_volunteer_and_sponsorship_mails,
);

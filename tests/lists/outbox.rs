//! The outbox and the visa letter requests walked page by page with writes
//! between the pages, compared with the unpaged truth; the counts beside the
//! items count every message (request), on every page.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::walk::*;
use crate::common::{Backend, TestApp, User};
use crate::on_both_backends;

const OUTBOX: &str = "/api/v1/messages";

/// `who` asks for a password reset: one message.
async fn reset(app: &TestApp, who: &User) {
    let r = app
        .post("/api/v1/auth/password-reset")
        .json(json!({ "email": who.email }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
}

/// The outbox once it holds at least `n` messages (10 s at most).
async fn outbox_with(app: &TestApp, admin: &User, n: i64) -> Value {
    let mut last = Value::Null;
    for _ in 0..50 {
        last = page(app, admin, OUTBOX, 500, None).await;
        if last["total"].as_i64().unwrap_or(0) >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    last
}

/// The outbox, newest first, with its counts per status on every page;
/// messages queued between pages are seen once or not at all.
async fn messages_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    for i in 0..5 {
        let u = app.user(&format!("reader{i}")).await;
        reset(&app, &u).await;
    }
    let all = outbox_with(&app, &admin, 5).await;
    let before = ids(&all, "id");
    assert!(before.len() >= 5, "{all}");
    assert_eq!(all["total"], json!(before.len()));
    let a = &app;
    let seen = walk(&app, &admin, OUTBOX, "id", 2, |n| async move {
        reset(a, &a.user(&format!("late{n}")).await).await;
    })
    .await;
    assert_complete(&seen, &before);
    // The counts count every message, on the next pages too.
    let first = page(&app, &admin, OUTBOX, 2, None).await;
    let next = page(&app, &admin, OUTBOX, 2, first["next_cursor"].as_str()).await;
    let counted: u64 = next["counts"]
        .as_object()
        .map(|c| c.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    assert_eq!(Some(counted as i64), first["total"].as_i64(), "{next}");
    assert_eq!(next["sending"], false);
    // A status filter pages too.
    let recorded = truth(&app, &admin, &format!("{OUTBOX}?status=recorded"), "id").await;
    assert_eq!(
        recorded.len() as u64,
        counted,
        "without SMTP every message waits"
    );
    app.finish().await;
}

fn letter() -> Value {
    json!({
        "passport_name": "Ana Plainpassport",
        "passport_number": "A99887766",
        "nationality": "Nigerian",
        "date_of_birth": "1990-04-01",
        "travel_from": "2027-05-12",
        "travel_until": "2027-05-20",
        "destination_address": "1000 Fort Duquesne Blvd"
    })
}

async fn request(app: &TestApp, name: &str) {
    let who = app.user(name).await;
    let r = app
        .post(&url("visa-letters"))
        .as_user(&who)
        .json(letter())
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

/// Visa letter requests, oldest first, requested while a client pages; the
/// counts per status (LETTER-12) beside every page count every request.
async fn visa_letters_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    for i in 0..5 {
        request(&app, &format!("traveller{i}")).await;
    }
    let path = url("visa-letters");
    let before = truth(&app, &admin, &path, "id").await;
    assert_eq!(before.len(), 5);
    let a = &app;
    let seen = walk(&app, &admin, &path, "id", 2, |n| async move {
        request(a, &format!("late{n}")).await;
    })
    .await;
    assert_complete(&seen, &before);
    let first = page(&app, &admin, &path, 2, None).await;
    let next = page(&app, &admin, &path, 2, first["next_cursor"].as_str()).await;
    assert_eq!(next["counts"]["submitted"], first["total"], "{next}");
    app.finish().await;
}

on_both_backends!(messages_walk, visa_letters_walk);

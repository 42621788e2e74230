//! Visa letter requests end to end (SPEC LETTER-*), on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

fn path(rest: &str) -> String {
    format!("/api/v1/conferences/{CONF}/visa-letters{rest}")
}

fn form() -> Value {
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

/// LETTER-1 under concurrency, LETTER-2/3, and passport data sealed in the log.
async fn letter_1_one_request_per_user_and_sealed_passport(b: Backend) {
    let app = std::sync::Arc::new(TestApp::start(b).await);
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let ana = app.user("ana").await;
    let mut bad = form();
    bad["travel_until"] = json!("2027-05-12");
    let r = app.post(&path("")).as_user(&ana).json(bad).send().await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        r.body["detail"],
        "Travel start date must be before the end date."
    );
    let mut tasks = vec![];
    for _ in 0..20 {
        let (app, ana) = (app.clone(), ana.clone());
        tasks.push(tokio::spawn(async move {
            app.post(&path("")).as_user(&ana).json(form()).send().await
        }));
    }
    let (mut created, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(r.code(), "letter.already_requested");
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!((created, refused), (1, 19));
    let head = app.settled().await;
    let mine = app
        .get(&path("/mine"))
        .as_user(&ana)
        .after(Some(head))
        .send()
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(mine.body["status"], "submitted");
    let plain = ["Plainpassport", "A99887766", "Fort Duquesne", "1990-04-01"];
    let leaks = app
        .count_events(|e| plain.iter().any(|p| e.payload.contains(p)))
        .await;
    assert_eq!(leaks, 0, "passport data in plain text in the log");
    match std::sync::Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("tasks still hold the app"),
    }
}

/// LETTER-6/7/12: organizers move requests through the table; reject needs a
/// reason; a disallowed transition is refused; the list counts per status.
async fn letter_7_review_actions_follow_the_table(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let olga = app.user("olga").await;
    app.grant(&admin, CONF, &olga, "organizer").await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let mut ids = vec![];
    for u in [&ana, &bo] {
        let r = app.post(&path("")).as_user(u).json(form()).send().await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap_or_default().to_string());
    }
    let review = |id: &str, body: Value| {
        app.post(&path(&format!("/{id}/review")))
            .as_user(&olga)
            .json(body)
    };
    let r = app
        .post(&path(&format!("/{}/review", ids[0])))
        .as_user(&ana)
        .json(json!({ "action": "approve" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = review(&ids[0], json!({ "action": "under_review" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = review(&ids[0], json!({ "action": "approve" })).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = review(&ids[1], json!({ "action": "reject" })).send().await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "letter.reason_required");
    let r = review(
        &ids[1],
        json!({ "action": "reject", "reason": "Dates outside the conference" }),
    )
    .send()
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = review(&ids[1], json!({ "action": "approve" })).send().await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.body["detail"], "Invalid action or status transition.");
    let list = app
        .get(&path("?status=rejected"))
        .as_user(&olga)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["total"], 2);
    assert_eq!(list.body["counts"], json!({ "approved": 1, "rejected": 1 }));
    let letters = list.body["letters"].as_array().cloned().unwrap_or_default();
    assert_eq!(letters.len(), 1);
    assert_eq!(
        letters[0]["rejection_reason"],
        "Dates outside the conference"
    );
    assert_eq!(letters[0]["reviewed_by"], olga.id.as_str());
    app.finish().await;
}

on_both_backends!(
    letter_1_one_request_per_user_and_sealed_passport,
    letter_7_review_actions_follow_the_table,
);

//! Activities and signups end to end (SPEC ACT-*), on SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::json;

const CONF: &str = "pycon-us-2027";

async fn setup(b: Backend, places: Option<u32>) -> (TestApp, User, i64) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let mut body =
        json!({ "slug": "django-sprint", "name": "Django Sprint", "activity_type": "sprint" });
    if let Some(p) = places {
        body["max_participants"] = json!(p);
    }
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/activities"))
        .as_user(&admin)
        .json(body)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let position = r.position().unwrap_or_default();
    (app, admin, position)
}

fn signups() -> String {
    format!("/api/v1/conferences/{CONF}/activities/django-sprint/signups")
}

/// ACT-6/9 under concurrency: 50 concurrent signups for 10 places give
/// exactly 10 confirmed and 40 waitlisted; cancellations promote first-in-first-out.
async fn act_6_fifty_concurrent_signups_for_ten_places(b: Backend) {
    let (app, admin, _) = setup(b, Some(10)).await;
    let mut users = vec![];
    for i in 0..50 {
        users.push(app.user(&format!("attendee{i}")).await);
    }
    let app = std::sync::Arc::new(app);
    let mut tasks = vec![];
    for u in users.clone() {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.post(&signups()).as_user(&u).send().await
        }));
    }
    let mut confirmed = 0;
    let mut waitlisted = 0;
    let mut last = 0;
    for t in tasks {
        let r = t.await.expect("task");
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        last = last.max(r.position().unwrap_or_default());
        match r.body["status"].as_str() {
            Some("confirmed") => confirmed += 1,
            Some("waitlisted") => waitlisted += 1,
            other => panic!("unexpected status {other:?}"),
        }
    }
    assert_eq!((confirmed, waitlisted), (10, 40));

    // The organizer's roster agrees, oldest first.
    let roster = app
        .get(&signups())
        .as_user(&admin)
        .after(Some(last))
        .send()
        .await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.text);
    let rows = roster.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 50);
    let status_of = |s: &str| rows.iter().filter(|r| r["status"] == s).count();
    assert_eq!((status_of("confirmed"), status_of("waitlisted")), (10, 40));
    let waitlist: Vec<String> = rows
        .iter()
        .filter(|r| r["status"] == "waitlisted")
        .map(|r| r["user_id"].as_str().unwrap_or_default().to_string())
        .collect();
    let confirmed_users: Vec<&User> = users
        .iter()
        .filter(|u| {
            rows.iter()
                .any(|r| r["user_id"] == u.id.as_str() && r["status"] == "confirmed")
        })
        .collect();

    // ACT-9: three confirmed attendees cancel; the three oldest waitlisted move up, in order.
    let mut position = None;
    for u in confirmed_users.iter().take(3) {
        let r = app
            .delete(&format!("{}/mine", signups()))
            .as_user(u)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        position = r.position();
    }
    let roster = app
        .get(&signups())
        .as_user(&admin)
        .after(position)
        .send()
        .await;
    let rows = roster.body["items"].as_array().cloned().unwrap_or_default();
    for promoted in &waitlist[..3] {
        let row = rows.iter().find(|r| r["user_id"] == promoted.as_str());
        assert_eq!(
            row.map(|r| r["status"].clone()),
            Some(json!("confirmed")),
            "{promoted} promoted"
        );
    }
    assert_eq!(
        rows.iter().filter(|r| r["status"] == "confirmed").count(),
        10
    );
    assert_eq!(
        rows.iter().filter(|r| r["status"] == "waitlisted").count(),
        37
    );
    // The fourth-oldest is still waiting.
    let fourth = rows.iter().find(|r| r["user_id"] == waitlist[3].as_str());
    assert_eq!(
        fourth.map(|r| r["status"].clone()),
        Some(json!("waitlisted"))
    );

    // Public counts (ACT-12/14).
    let detail = app
        .get(&format!(
            "/api/v1/conferences/{CONF}/activities/django-sprint"
        ))
        .after(position)
        .send()
        .await;
    assert_eq!(detail.body["confirmed"], 10);
    assert_eq!(detail.body["waitlisted"], 37);
    assert_eq!(detail.body["spots_remaining"], 0);
    match std::sync::Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("app still shared"),
    }
}

/// ACT-6: a second signup is a no-op with the SPEC message; ACT-8: cancelling
/// without a signup is refused with problem+json; ACT-5: re-signup after cancel.
async fn act_6_8_signup_rules(b: Backend) {
    let (app, _admin, _) = setup(b, Some(1)).await;
    let ana = app.user("ana").await;
    let r = app
        .post(&signups())
        .as_user(&ana)
        .json(json!({"note": "bringing a laptop"}))
        .send()
        .await;
    assert_eq!(
        (r.status, r.body["status"].clone()),
        (StatusCode::CREATED, json!("confirmed"))
    );
    let again = app.post(&signups()).as_user(&ana).send().await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        again.body["message"],
        "You are already signed up for this activity."
    );
    assert_eq!(again.body["status"], "confirmed");

    let bo = app.user("bo").await;
    let r = app
        .delete(&format!("{}/mine", signups()))
        .as_user(&bo)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "act.no_active_signup");
    assert_eq!(
        r.body["detail"],
        "You do not have an active signup for this activity."
    );
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );

    let r = app
        .delete(&format!("{}/mine", signups()))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.post(&signups()).as_user(&ana).send().await;
    assert_eq!(
        (r.status, r.body["status"].clone()),
        (StatusCode::CREATED, json!("confirmed"))
    );

    // Anonymous callers are refused; an unknown activity is 404.
    let r = app.post(&signups()).send().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .post(&format!(
            "/api/v1/conferences/{CONF}/activities/nope/signups"
        ))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

/// ACT-10: a listed organizer or a conference organizer promotes a waitlisted
/// signup even when full; an attendee may not.
async fn act_10_manual_promotion(b: Backend) {
    let (app, admin, _) = setup(b, Some(1)).await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let olga = app.user("olga").await;
    app.grant(&admin, CONF, &olga, "organizer").await;
    app.post(&signups()).as_user(&ana).send().await;
    let r = app.post(&signups()).as_user(&bo).send().await;
    assert_eq!(r.body["status"], "waitlisted");
    let promote = format!("{}/{}/promote", signups(), bo.id);
    let r = app.post(&promote).as_user(&ana).send().await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app.post(&promote).as_user(&olga).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let detail = app
        .get(&format!(
            "/api/v1/conferences/{CONF}/activities/django-sprint"
        ))
        .after(r.position())
        .send()
        .await;
    assert_eq!(
        detail.body["confirmed"], 2,
        "overbooked on purpose (ACT-10)"
    );
    // Promoting someone who is not waitlisted is refused.
    let r = app.post(&promote).as_user(&olga).send().await;
    assert_eq!(r.code(), "act.not_waitlisted");
    app.finish().await;
}

/// CONF-29: activities need programs + public_ui; a disabled feature answers 404.
async fn conf_29_disabled_programs_hide_activities(b: Backend) {
    let (app, admin, _) = setup(b, None).await;
    let list = format!("/api/v1/conferences/{CONF}/activities");
    let r = app.get(&list).send().await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .put(&format!("/api/v1/conferences/{CONF}/features"))
        .as_user(&admin)
        .json(json!({ "programs": false }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app.get(&list).send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let ana = app.user("ana").await;
    let r = app.post(&signups()).as_user(&ana).send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

on_both_backends!(
    act_6_fifty_concurrent_signups_for_ten_places,
    act_6_8_signup_rules,
    act_10_manual_promotion,
    conf_29_disabled_programs_hide_activities,
);

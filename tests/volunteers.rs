//! Volunteering per year end to end (MY-6, MY-9…13, review, bring forward), on
//! SQLite and PostgreSQL.

mod common;
#[path = "volunteering/mod.rs"]
mod vol;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Backend, TestApp};
use serde_json::json;
use vol::{apply, approved, form, read, review, slug, team, two_years};

/// MY-6 under concurrency: 50 concurrent applications of one user for one year
/// make exactly one application.
async fn my_6_fifty_concurrent_applications_make_one(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    two_years(&app, &admin).await;
    let ana = app.user("ana").await;
    let app = Arc::new(app);
    let mut tasks = vec![];
    for _ in 0..50 {
        let (app, ana) = (app.clone(), ana.clone());
        tasks.push(tokio::spawn(async move {
            apply(&app, &ana, 2026, form("Americas", &[])).await
        }));
    }
    let (mut created, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert!(
                    ["vol.already_applied", "concurrency.conflict"].contains(&r.code()),
                    "{}",
                    r.text
                );
                refused += 1
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!((created, refused), (1, 49));
    let list = read(
        &app,
        &admin,
        &format!("/api/v1/conferences/{}/volunteers", slug(2026)),
    )
    .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let rows = list.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "pending");
    assert_eq!(rows[0]["user_id"], ana.id.as_str());
    let app = Arc::into_inner(app).expect("no other owner");
    app.finish().await;
}

/// Applications open only while the year's `volunteer_application_open` is on.
async fn applications_open_only_while_the_year_says_so(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    vol::year(&app, &admin, 2026, "2026-12-05", "2026-12-07", false).await;
    let ana = app.user("ana").await;
    let r = apply(&app, &ana, 2026, form("Americas", &[])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "vol.applications_closed");
    let r = app
        .patch(&format!("/api/v1/conferences/{}", slug(2026)))
        .as_user(&admin)
        .json(json!({ "volunteer_application_open": true }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = apply(&app, &ana, 2026, form("Americas", &["first_time"])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "pending");
    app.finish().await;
}

/// MY-12/13: a returning volunteer's form comes pre-filled from the latest
/// earlier application, still to be submitted; the previous-event choices are
/// the earlier years plus "first_time"; the new application starts pending.
async fn my_12_a_returning_volunteers_form_is_prefilled(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    two_years(&app, &admin).await;
    let ana = app.user("ana").await;
    let r = apply(&app, &ana, 2025, form("Latin America", &["first_time"])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let path = format!("/api/v1/conferences/{}/volunteers/form", slug(2026));
    let f = read(&app, &ana, &path).await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.text);
    assert_eq!(
        f.body["previous_event_choices"],
        json!(["2025", "first_time"])
    );
    assert_eq!(f.body["prefilled_from"], 2025);
    assert_eq!(f.body["form"]["region"], "Latin America");
    assert_eq!(f.body["form"]["chapter"], "PyLadies Lima");
    assert_eq!(f.body["form"]["availability"], "weekends");
    assert_eq!(f.body["form"]["languages"], json!(["en", "es"]));
    assert_eq!(f.body["form"]["social"]["github"], "ana-gh");
    assert!(f.body["application"].is_null(), "not submitted yet");
    // The 2025 form lists no earlier year.
    let first = read(
        &app,
        &ana,
        &format!("/api/v1/conferences/{}/volunteers/form", slug(2025)),
    )
    .await;
    assert_eq!(first.body["previous_event_choices"], json!(["first_time"]));
    // A year that is not earlier is refused as a previous event.
    let r = apply(&app, &ana, 2026, form("x", &["2026"])).await;
    assert_eq!(r.code(), "vol.invalid_previous_event", "{}", r.text);
    let mut submitted = f.body["form"].clone();
    submitted["previous_events"] = json!(["2025"]);
    let r = apply(&app, &ana, 2026, submitted).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mine = read(
        &app,
        &ana,
        &format!("/api/v1/conferences/{}/volunteers/mine", slug(2026)),
    )
    .await;
    assert_eq!(mine.body["status"], "pending");
    assert_eq!(mine.body["year"], 2026);
    assert_eq!(mine.body["form"]["previous_events"], json!(["2025"]));
    // A first-timer's form is empty.
    let bo = app.user("bo").await;
    let f = read(&app, &bo, &path).await;
    assert!(f.body["prefilled_from"].is_null());
    assert_eq!(f.body["form"]["region"], "");
    app.finish().await;
}

/// Review follows the transition table: approving needs a team (of this year) and
/// a role; a waitlisted volunteer can be approved; a volunteer can cancel; final
/// statuses refuse.
async fn review_follows_the_transition_table(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    two_years(&app, &admin).await;
    let ana = app.user("ana").await;
    let r = apply(&app, &ana, 2026, form("Americas", &[])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = review(&app, &admin, 2026, &ana, "approve", &[]).await;
    assert_eq!(r.code(), "vol.no_team", "{}", r.text);
    let r = review(&app, &admin, 2026, &ana, "approve", &["design"]).await;
    assert_eq!(r.code(), "vol.unknown_team", "{}", r.text);
    team(&app, &admin, 2026, "Design", &[]).await;
    let r = app
        .post(&format!(
            "/api/v1/conferences/{}/volunteers/{}/review",
            slug(2026),
            ana.id
        ))
        .as_user(&admin)
        .json(json!({ "decision": "approve", "teams": ["design"], "roles": [] }))
        .send()
        .await;
    assert_eq!(r.code(), "vol.no_role", "{}", r.text);
    let r = review(&app, &admin, 2026, &ana, "waitlist", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = review(&app, &admin, 2026, &ana, "approve", &["design"]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = review(&app, &admin, 2026, &ana, "reject", &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.code(), "vol.invalid_transition");
    let r = app
        .delete(&format!(
            "/api/v1/conferences/{}/volunteers/mine",
            slug(2026)
        ))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = review(&app, &admin, 2026, &ana, "approve", &["design"]).await;
    assert_eq!(r.code(), "vol.invalid_transition", "{}", r.text);
    let list = read(
        &app,
        &admin,
        &format!(
            "/api/v1/conferences/{}/volunteers?status=cancelled",
            slug(2026)
        ),
    )
    .await;
    assert_eq!(
        list.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        list.text
    );
    // Reviewing someone who never applied: not found.
    let bo = app.user("bo").await;
    let r = review(&app, &admin, 2026, &bo, "reject", &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    app.finish().await;
}

/// Bring forward copies last year's approved volunteers as pending applications,
/// skipping pending and rejected ones and users already applying; the summary
/// counts the year by status and team, with the returning share.
async fn bring_forward_copies_only_last_years_approved(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    two_years(&app, &admin).await;
    team(&app, &admin, 2025, "Design", &[]).await;
    team(&app, &admin, 2026, "Design", &[]).await;
    let (ana, bo, cy, dee) = (
        app.user("ana").await,
        app.user("bo").await,
        app.user("cy").await,
        app.user("dee").await,
    );
    approved(&app, &admin, 2025, &ana, &["design"]).await;
    approved(&app, &admin, 2025, &dee, &["design"]).await;
    assert_eq!(
        apply(&app, &bo, 2025, form("x", &[])).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        apply(&app, &cy, 2025, form("x", &[])).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        review(&app, &admin, 2025, &cy, "reject", &[]).await.status,
        StatusCode::OK
    );
    approved(&app, &admin, 2026, &dee, &["design"]).await;
    let head = app.settled().await;
    let path = format!(
        "/api/v1/conferences/{}/volunteers/bring-forward",
        slug(2026)
    );
    let r = app
        .post(&path)
        .as_user(&admin)
        .after(Some(head))
        .json(json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.body["created"].as_u64(), r.body["skipped"].as_u64()),
        (Some(1), Some(1))
    );
    let again = app.post(&path).as_user(&admin).json(json!({})).send().await;
    assert_eq!(again.body["created"], 0, "{}", again.text);
    let list = read(
        &app,
        &admin,
        &format!("/api/v1/conferences/{}/volunteers", slug(2026)),
    )
    .await;
    let rows = list.body["items"].as_array().cloned().unwrap_or_default();
    let status_of = |u: &str| {
        rows.iter()
            .find(|r| r["user_id"] == u)
            .map(|r| r["status"].clone())
    };
    assert_eq!(status_of(&ana.id), Some(json!("pending")));
    assert_eq!(
        status_of(&dee.id),
        Some(json!("approved")),
        "already applying: kept"
    );
    assert_eq!(status_of(&bo.id), None);
    assert_eq!(status_of(&cy.id), None);
    let s = read(
        &app,
        &admin,
        &format!("/api/v1/conferences/{}/volunteers/summary", slug(2026)),
    )
    .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_eq!(s.body["applications"], 2);
    assert_eq!(s.body["by_status"]["pending"], 1);
    assert_eq!(s.body["by_status"]["approved"], 1);
    assert_eq!(s.body["by_team"]["design"], 1);
    assert_eq!(s.body["returning"], 2);
    assert_eq!(s.body["returning_share"], "1.00");
    app.finish().await;
}

/// MY-9/10: the profile is global; the terms are accepted once.
async fn my_9_the_profile_is_global_and_terms_are_accepted_once(b: Backend) {
    let app = TestApp::start(b).await;
    let ana = app.user("ana").await;
    let r = app
        .put("/api/v1/me/profile")
        .as_user(&ana)
        .json(json!({ "pronouns": "she/her", "languages": ["en"], "social": { "github": "ana" } }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.post("/api/v1/me/terms").as_user(&ana).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["position"].is_number());
    let again = app.post("/api/v1/me/terms").as_user(&ana).send().await;
    assert!(again.body["position"].is_null(), "{}", again.text);
    let p = read(&app, &ana, "/api/v1/me/profile").await;
    assert_eq!(p.body["pronouns"], "she/her");
    assert_eq!(p.body["social"]["github"], "ana");
    assert!(p.body["terms_accepted_at"].is_string());
    let r = app
        .put("/api/v1/me/profile")
        .as_user(&ana)
        .json(json!({ "pronouns": "x".repeat(101) }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    app.finish().await;
}

/// Profiles and social handles enter the log only sealed under the person's key;
/// erasing the person empties them everywhere, the application itself stays.
async fn personal_fields_are_sealed_and_erased_with_the_person(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    two_years(&app, &admin).await;
    let ana = app.user("ana").await;
    let r = app
        .put("/api/v1/me/profile")
        .as_user(&ana)
        .json(json!({ "pronouns": "she/her", "social": { "github": "ana-gh" } }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = apply(&app, &ana, 2026, form("Americas", &[])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app.settled().await;
    let plain = app
        .count_events(|e| e.payload.contains("ana-gh") || e.payload.contains("she/her"))
        .await;
    assert_eq!(plain, 0, "personal fields in plain in the log");
    let path = format!("/api/v1/conferences/{}/volunteers", slug(2026));
    let list = read(&app, &admin, &path).await;
    assert_eq!(
        list.body["items"][0]["form"]["social"]["github"], "ana-gh",
        "{}",
        list.text
    );
    let r = app
        .post(&format!("/api/v1/users/{}/erase", ana.id))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = read(&app, &admin, &path).await;
    assert_eq!(
        list.body["items"][0]["form"]["social"]["github"], "",
        "{}",
        list.text
    );
    assert_eq!(list.body["items"][0]["form"]["region"], "Americas");
    app.finish().await;
}

on_both_backends!(
    personal_fields_are_sealed_and_erased_with_the_person,
    my_6_fifty_concurrent_applications_make_one,
    applications_open_only_while_the_year_says_so,
    my_12_a_returning_volunteers_form_is_prefilled,
    review_follows_the_transition_table,
    bring_forward_copies_only_last_years_approved,
    my_9_the_profile_is_global_and_terms_are_accepted_once,
);

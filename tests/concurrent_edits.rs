//! Concurrent edits of different fields of one thing all survive: a partial
//! update is a command the aggregate merges under its concurrency check, never a
//! read-merge-send in the handler (ARCHITECTURE §4). On SQLite and PostgreSQL.

mod common;

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use common::{Backend, Response, TestApp};
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

/// Sends every `(method, path, body)` at once, as `token`; every answer must be a
/// success. Returns the highest position answered (to read back after).
async fn all_at_once(app: &Arc<TestApp>, token: &str, calls: Vec<(Method, String, Value)>) -> i64 {
    let tasks: Vec<_> = calls
        .into_iter()
        .map(|(method, path, body)| {
            let app = app.clone();
            let token = token.to_string();
            tokio::spawn(async move {
                let r: Response = app
                    .call(method, &path)
                    .token(&token)
                    .json(body.clone())
                    .send()
                    .await;
                (body, r)
            })
        })
        .collect();
    let mut last = 0;
    for t in tasks {
        let (body, r) = t.await.expect("task");
        assert!(r.status.is_success(), "{body}: {} {}", r.status, r.text);
        last = last.max(r.position().unwrap_or_default());
    }
    last
}

/// Each field of `edits` is, in `seen`, the value its edit set.
fn assert_all_kept(seen: &Value, edits: &[Value], what: &str) {
    for edit in edits {
        for (field, value) in edit.as_object().into_iter().flatten() {
            if field == "slug" || field == "unlimited" {
                continue;
            }
            assert_eq!(
                &seen[field], value,
                "{what}: the edit {edit} was lost; read back: {seen:#}"
            );
        }
    }
}

async fn finish(app: Arc<TestApp>) {
    match Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("app still shared"),
    }
}

/// CAT-1: rounds of concurrent upserts of one ticket type, each changing a
/// different optional field (name and price, required by the body, unchanged).
async fn cat_1_concurrent_ticket_type_edits_all_survive(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let base = json!({ "slug": "individual", "name": "Individual", "price": "100.00" });
    app.ticket_type(&admin, CONF, base.clone()).await;
    let app = Arc::new(app);
    let path = format!("/api/v1/conferences/{CONF}/ticket-types");
    for round in 1..=3 {
        let odd = round % 2 == 1;
        let changes = [
            json!({ "description": format!("Round {round}") }),
            json!({ "total_quantity": 100 + round }),
            json!({ "limit_per_user": 2 + round }),
            json!({ "requires_voucher": odd }),
            json!({ "is_active": !odd }),
            json!({ "bulk_enabled": odd }),
            json!({ "available_from": format!("2027-0{round}-01T00:00:00Z") }),
            json!({ "available_until": format!("2027-0{round}-28T00:00:00Z") }),
            json!({ "order": 10 * round }),
        ];
        let calls = changes
            .iter()
            .map(|change| {
                let mut body = base.clone();
                for (k, v) in change.as_object().into_iter().flatten() {
                    body[k] = v.clone();
                }
                (Method::POST, path.clone(), body)
            })
            .collect();
        let last = all_at_once(&app, &admin.token, calls).await;
        let settings = app
            .get(&format!("/api/v1/conferences/{CONF}/settings"))
            .as_user(&admin)
            .after(Some(last))
            .send()
            .await;
        assert_eq!(settings.status, StatusCode::OK, "{}", settings.text);
        let tickets = settings.body["ticket_types"].as_array().cloned();
        let ticket = tickets
            .into_iter()
            .flatten()
            .find(|t| t["slug"] == "individual")
            .unwrap_or(Value::Null);
        assert_all_kept(&ticket, &changes, &format!("ticket type, round {round}"));
        assert_eq!(ticket["name"], "Individual");
    }
    finish(app).await;
}

/// CONF-1/4/5, MY-3: two rounds of concurrent PATCHes of one conference, each
/// changing a different field (the second round clears the nullable ones).
async fn conf_1_concurrent_conference_edits_all_survive(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let app = Arc::new(app);
    let path = format!("/api/v1/conferences/{CONF}");
    let rounds = [
        vec![
            json!({ "name": "PyCon US 2027 (renamed)" }),
            json!({ "start_date": "2027-05-13" }),
            json!({ "end_date": "2027-05-23" }),
            json!({ "timezone": "America/Detroit" }),
            json!({ "venue": "Huntington Place" }),
            json!({ "address": "1 Washington Blvd" }),
            json!({ "website_url": "https://us.pycon.org/2027/" }),
            json!({ "pretalx_event_slug": "pyconus2027" }),
            json!({ "total_capacity": 3000 }),
            json!({ "revenue_budget": "150000.00" }),
            json!({ "target_attendance": 2800 }),
            json!({ "grant_budget": "20000.00" }),
            json!({ "sponsorship_goal": "50000.00" }),
            json!({ "donation_goal": "10000.00" }),
            json!({ "proposals_count": 321 }),
            json!({ "banner_text": "CFP open" }),
            json!({ "volunteer_application_open": true }),
            json!({ "sponsorship_open": true }),
            json!({ "accepting_donations": false }),
        ],
        vec![
            json!({ "name": "PyCon US 2027" }),
            json!({ "start_date": "2027-05-14" }),
            json!({ "end_date": "2027-05-22" }),
            json!({ "timezone": "America/Chicago" }),
            json!({ "venue": "" }),
            json!({ "address": "" }),
            json!({ "website_url": "https://us.pycon.org/" }),
            json!({ "pretalx_event_slug": "" }),
            json!({ "total_capacity": 2000 }),
            json!({ "revenue_budget": null }),
            json!({ "target_attendance": null }),
            json!({ "grant_budget": null }),
            json!({ "sponsorship_goal": "60000.00" }),
            json!({ "donation_goal": "12000.00" }),
            json!({ "proposals_count": 400 }),
            json!({ "banner_text": "See you there" }),
            json!({ "volunteer_application_open": false }),
            json!({ "sponsorship_open": false }),
            json!({ "accepting_donations": true }),
        ],
    ];
    for (round, changes) in rounds.iter().enumerate() {
        let calls = changes
            .iter()
            .map(|c| (Method::PATCH, path.clone(), c.clone()))
            .collect();
        let last = all_at_once(&app, &admin.token, calls).await;
        let settings = app
            .get(&format!("{path}/settings"))
            .as_user(&admin)
            .after(Some(last))
            .send()
            .await;
        assert_eq!(settings.status, StatusCode::OK, "{}", settings.text);
        assert_all_kept(
            &settings.body["details"],
            changes,
            &format!("conference, round {}", round + 1),
        );
    }
    finish(app).await;
}

/// ACT-2/3: two rounds of concurrent PATCHes of one activity, each changing a
/// different field (the second round makes it unlimited again).
async fn act_2_concurrent_activity_edits_all_survive(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/activities"))
        .as_user(&admin)
        .json(
            json!({ "slug": "django-sprint", "name": "Django Sprint", "activity_type": "sprint" }),
        )
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let app = Arc::new(app);
    let path = format!("/api/v1/conferences/{CONF}/activities/django-sprint");
    let rounds = [
        vec![
            json!({ "name": "Django Sprint (day 1)" }),
            json!({ "activity_type": "workshop" }),
            json!({ "description": "Bring a laptop" }),
            json!({ "location": "Hall C" }),
            json!({ "room": "C1" }),
            json!({ "start_time": "2027-05-20T09:00:00Z" }),
            json!({ "end_time": "2027-05-20T17:00:00Z" }),
            json!({ "max_participants": 25 }),
            json!({ "requires_ticket": true }),
            json!({ "external_url": "https://djangoproject.com" }),
            json!({ "organizers": [admin.id] }),
        ],
        vec![
            json!({ "name": "Django Sprint" }),
            json!({ "activity_type": "sprint" }),
            json!({ "description": "" }),
            json!({ "location": "Hall D" }),
            json!({ "room": "D2" }),
            json!({ "start_time": "2027-05-21T09:00:00Z" }),
            json!({ "end_time": "2027-05-21T17:00:00Z" }),
            json!({ "unlimited": true, "max_participants": null }),
            json!({ "requires_ticket": false }),
            json!({ "external_url": "" }),
            json!({ "organizers": [] }),
        ],
    ];
    for (round, changes) in rounds.iter().enumerate() {
        let calls = changes
            .iter()
            .map(|c| (Method::PATCH, path.clone(), c.clone()))
            .collect();
        let last = all_at_once(&app, &admin.token, calls).await;
        let activity = app.get(&path).after(Some(last)).send().await;
        assert_eq!(activity.status, StatusCode::OK, "{}", activity.text);
        assert_all_kept(
            &activity.body["details"],
            changes,
            &format!("activity, round {}", round + 1),
        );
    }
    finish(app).await;
}

on_both_backends!(
    cat_1_concurrent_ticket_type_edits_all_survive,
    conf_1_concurrent_conference_edits_all_survive,
    act_2_concurrent_activity_edits_all_survive,
);

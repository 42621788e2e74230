//! Concurrent edits of different fields of one thing all survive: a partial
//! update is a command the aggregate merges under its concurrency check, never a
//! read-merge-send in the handler. On SQLite and PostgreSQL.

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

/// CAT-1: rounds of 20 concurrent upserts on one conference's Inventory, each
/// changing a different field: every optional field of two ticket types and
/// two of a third (name and price, required by the body, unchanged).
async fn cat_1_concurrent_ticket_type_edits_all_survive(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let individual = json!({ "slug": "individual", "name": "Individual", "price": "100.00" });
    let student = json!({ "slug": "student", "name": "Student", "price": "50.00" });
    let speaker = json!({ "slug": "speaker", "name": "Speaker", "price": "0.00" });
    for base in [&individual, &student, &speaker] {
        app.ticket_type(&admin, CONF, base.clone()).await;
    }
    let app = Arc::new(app);
    let path = format!("/api/v1/conferences/{CONF}/ticket-types");
    for round in 1..=3 {
        let odd = round % 2 == 1;
        let optional = |quantity: i32| {
            vec![
                json!({ "description": format!("Round {round}") }),
                json!({ "total_quantity": quantity + round }),
                json!({ "limit_per_user": 2 + round }),
                json!({ "requires_voucher": odd }),
                json!({ "is_active": !odd }),
                json!({ "bulk_enabled": odd }),
                json!({ "available_from": format!("2027-0{round}-01T00:00:00Z") }),
                json!({ "available_until": format!("2027-0{round}-28T00:00:00Z") }),
                json!({ "order": 10 * round }),
            ]
        };
        let individual_changes = optional(100);
        let student_changes = optional(200);
        let speaker_changes = optional(300)[..2].to_vec();
        let body = |base: &Value, change: &Value| {
            let mut body = base.clone();
            for (k, v) in change.as_object().into_iter().flatten() {
                body[k] = v.clone();
            }
            (Method::POST, path.clone(), body)
        };
        let calls: Vec<_> = individual_changes
            .iter()
            .map(|c| body(&individual, c))
            .chain(student_changes.iter().map(|c| body(&student, c)))
            .chain(speaker_changes.iter().map(|c| body(&speaker, c)))
            .collect();
        assert_eq!(calls.len(), 20);
        let last = all_at_once(&app, &admin.token, calls).await;
        let settings = app
            .get(&format!("/api/v1/conferences/{CONF}/settings"))
            .as_user(&admin)
            .after(Some(last))
            .send()
            .await;
        assert_eq!(settings.status, StatusCode::OK, "{}", settings.text);
        let tickets = settings.body["ticket_types"].as_array().cloned();
        let ticket = |slug: &str| {
            tickets
                .iter()
                .flatten()
                .find(|t| t["slug"] == slug)
                .cloned()
                .unwrap_or(Value::Null)
        };
        let seen = ticket("individual");
        assert_all_kept(
            &seen,
            &individual_changes,
            &format!("individual, round {round}"),
        );
        assert_eq!(seen["name"], "Individual");
        assert_all_kept(
            &ticket("student"),
            &student_changes,
            &format!("student, round {round}"),
        );
        assert_all_kept(
            &ticket("speaker"),
            &speaker_changes,
            &format!("speaker, round {round}"),
        );
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

/// AMB-5: concurrent upserts of one sponsor level, each changing a different
/// optional field (the name, required by the body, unchanged); null clears the cost.
async fn amb_5_concurrent_sponsor_level_edits_all_survive(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let app = Arc::new(app);
    let path = format!("/api/v1/conferences/{CONF}/sponsor-levels");
    let base = json!({ "slug": "gold", "name": "Gold" });
    let rounds = [
        vec![
            json!({ "cost": "10000.00" }),
            json!({ "comp_ticket_count": 4 }),
            json!({ "order": 1 }),
        ],
        vec![
            json!({ "cost": null }),
            json!({ "comp_ticket_count": 6 }),
            json!({ "order": 2 }),
        ],
        vec![
            json!({ "cost": "12000.00" }),
            json!({ "comp_ticket_count": 8 }),
            json!({ "order": 3 }),
        ],
    ];
    let first = app
        .post(&path)
        .as_user(&admin)
        .json(base.clone())
        .send()
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    for (round, changes) in rounds.iter().enumerate() {
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
        let level = settings.body["sponsor_levels"][0].clone();
        assert_eq!(level["slug"], "gold", "{}", settings.text);
        assert_all_kept(
            &level,
            changes,
            &format!("sponsor level, round {}", round + 1),
        );
    }
    finish(app).await;
}

/// CONF-13: concurrent PUTs of the KPI targets, each setting a different one, all
/// survive; null clears one and keeps the others; an unchanged record answers in
/// full without a position; a negative target is refused and changes nothing.
async fn conf_13_concurrent_kpi_target_edits_all_survive(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let app = Arc::new(app);
    let path = format!("/api/v1/conferences/{CONF}/kpi-targets");
    let changes = vec![
        json!({ "target_conversion_rate": "75.00" }),
        json!({ "target_refund_rate": "5.00" }),
        json!({ "target_checkin_rate": "90.00" }),
        json!({ "target_fulfillment_rate": "95.00" }),
        json!({ "target_revenue_per_attendee": "450.00" }),
        json!({ "target_room_utilization": "80.00" }),
    ];
    let calls = changes
        .iter()
        .map(|c| (Method::PUT, path.clone(), c.clone()))
        .collect();
    let last = all_at_once(&app, &admin.token, calls).await;
    let settings = app
        .get(&format!("/api/v1/conferences/{CONF}/settings"))
        .as_user(&admin)
        .after(Some(last))
        .send()
        .await;
    assert_all_kept(&settings.body["kpi_targets"], &changes, "KPI targets");

    let r = app
        .put(&path)
        .as_user(&admin)
        .json(json!({ "target_refund_rate": null }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["targets"]["target_refund_rate"], Value::Null);
    assert_eq!(r.body["targets"]["target_conversion_rate"], "75.00");
    let r = app
        .put(&path)
        .as_user(&admin)
        .json(json!({ "target_checkin_rate": "90.00" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.position(), None, "nothing changed: {}", r.text);
    assert_eq!(r.body["targets"]["target_room_utilization"], "80.00");
    assert_eq!(r.body["targets"]["target_refund_rate"], Value::Null);

    let head = app.app.db.head().await.unwrap_or_default();
    let r = app
        .put(&path)
        .as_user(&admin)
        .json(json!({ "target_checkin_rate": "-1" }))
        .send()
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "conf.negative_amount"),
        "{}",
        r.text
    );
    assert_eq!(app.app.db.head().await.unwrap_or_default(), head);
    finish(app).await;
}

/// CONF-10: concurrent creations without a slug each get their own slug
/// ("-2", "-3", …), none overwrites another.
async fn conf_10_concurrent_creations_without_a_slug_all_survive(b: Backend) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    let app = Arc::new(app);
    let base = format!("/api/v1/conferences/{CONF}");
    let mut calls = vec![];
    for i in 0..5 {
        calls.push((
            Method::POST,
            format!("{base}/ticket-types"),
            json!({ "name": "VIP", "price": format!("50{i}.00") }),
        ));
        calls.push((
            Method::POST,
            format!("{base}/sections"),
            json!({ "name": "Talks", "start_date": "2027-05-16", "end_date": "2027-05-18", "order": i }),
        ));
    }
    let last = all_at_once(&app, &admin.token, calls).await;
    let settings = app
        .get(&format!("{base}/settings"))
        .as_user(&admin)
        .after(Some(last))
        .send()
        .await;
    let slugs = |list: &str| {
        let mut slugs: Vec<String> = settings.body[list]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["slug"].as_str().map(str::to_string))
            .collect();
        slugs.sort();
        slugs
    };
    assert_eq!(
        slugs("ticket_types"),
        vec!["vip", "vip-2", "vip-3", "vip-4", "vip-5"],
        "{}",
        settings.text
    );
    assert_eq!(
        slugs("sections"),
        vec!["talks", "talks-2", "talks-3", "talks-4", "talks-5"],
        "{}",
        settings.text
    );
    let mut prices: Vec<String> = settings.body["ticket_types"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["price"].as_str().map(str::to_string))
        .collect();
    prices.sort();
    assert_eq!(
        prices,
        vec!["500.00", "501.00", "502.00", "503.00", "504.00"],
        "every creation kept its own price"
    );
    finish(app).await;
}

on_both_backends!(
    cat_1_concurrent_ticket_type_edits_all_survive,
    conf_1_concurrent_conference_edits_all_survive,
    act_2_concurrent_activity_edits_all_survive,
    amb_5_concurrent_sponsor_level_edits_all_survive,
    conf_13_concurrent_kpi_target_edits_all_survive,
    conf_10_concurrent_creations_without_a_slug_all_survive,
);

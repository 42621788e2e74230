//! Helpers of the volunteer and new-year tests (not a test target of its own):
//! a series "pyladiescon" with one conference per year, slug "plc-{year}".
#![allow(dead_code)]

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{Response, TestApp, User};

pub fn slug(year: i32) -> String {
    format!("plc-{year}")
}

/// Creates the series (once) and the conference of `year`, from `start` to `end`,
/// with volunteer applications `open` or not.
pub async fn year(app: &TestApp, admin: &User, year: i32, start: &str, end: &str, open: bool) {
    let r = app
        .post("/api/v1/series")
        .as_user(admin)
        .json(json!({ "slug": "pyladiescon", "name": "PyLadiesCon" }))
        .send()
        .await;
    assert!(r.status.is_success(), "series: {}", r.text);
    let r = app
        .post("/api/v1/conferences")
        .as_user(admin)
        .json(json!({
            "series": "pyladiescon", "slug": slug(year), "name": format!("PyLadiesCon {year}"),
            "year": year, "start_date": start, "end_date": end,
            "volunteer_application_open": open, "sponsorship_open": true,
            "sponsorship_goal": "15000.00", "proposals_count": 194
        }))
        .send()
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "conference {year}: {}",
        r.text
    );
}

/// Years 2025 and 2026, both open for volunteers.
pub async fn two_years(app: &TestApp, admin: &User) {
    year(app, admin, 2025, "2025-12-05", "2025-12-07", true).await;
    year(app, admin, 2026, "2026-12-05", "2026-12-07", true).await;
}

pub fn form(region: &str, previous: &[&str]) -> Value {
    json!({
        "social": { "github": "ana-gh", "mastodon": "@ana@social" },
        "languages": ["en", "es"],
        "region": region,
        "chapter": "PyLadies Lima",
        "availability": "weekends",
        "previous_events": previous,
    })
}

pub async fn apply(app: &TestApp, user: &User, year: i32, form: Value) -> Response {
    app.post(&format!("/api/v1/conferences/{}/volunteers", slug(year)))
        .as_user(user)
        .json(form)
        .send()
        .await
}

pub async fn team(app: &TestApp, admin: &User, year: i32, name: &str, leads: &[&User]) {
    let leads: Vec<&str> = leads.iter().map(|u| u.id.as_str()).collect();
    let r = app
        .post(&format!("/api/v1/conferences/{}/teams", slug(year)))
        .as_user(admin)
        .json(json!({ "name": name, "description": format!("{name} team"), "leads": leads }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "team {name}: {}", r.text);
}

pub async fn review(
    app: &TestApp,
    by: &User,
    year: i32,
    user: &User,
    decision: &str,
    teams: &[&str],
) -> Response {
    app.post(&format!(
        "/api/v1/conferences/{}/volunteers/{}/review",
        slug(year),
        user.id
    ))
    .as_user(by)
    .json(json!({ "decision": decision, "teams": teams, "roles": ["member"] }))
    .send()
    .await
}

/// An applicant of `year`, approved into `teams`.
pub async fn approved(app: &TestApp, admin: &User, year: i32, user: &User, teams: &[&str]) {
    let r = apply(app, user, year, form("Americas", &[])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = review(app, admin, year, user, "approve", teams).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// `GET` as `user` after everything written so far.
pub async fn read(app: &TestApp, user: &User, path: &str) -> Response {
    let head = app.settled().await;
    app.get(path).as_user(user).after(Some(head)).send().await
}

//! The small lists (catalog, conferences, activities, rosters, credits) take the
//! same paging: walked with inserts between pages, compared with the truth.

use axum::http::StatusCode;
use serde_json::json;

use super::walk::*;
use crate::common::{Backend, TestApp, User};
use crate::on_both_backends;

async fn post(app: &TestApp, admin: &User, path: &str, body: serde_json::Value) {
    let r = app.post(path).as_user(admin).json(body).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
}

/// Ticket types and add-ons in display order, two at a time, while more are
/// added between pages (some sort before the cursor, some after).
async fn catalog_walks(b: Backend) {
    let (app, admin) = setup(b).await;
    for (i, order) in [(0, 5), (1, 1), (2, 5), (3, 3)] {
        let body = json!({ "slug": format!("t{i}"), "name": format!("T{i}"), "price": "10.00", "order": order });
        post(&app, &admin, &url("ticket-types"), body).await;
        let body = json!({ "slug": format!("a{i}"), "name": format!("A{i}"), "price": "1.00", "order": order });
        post(&app, &admin, &url("addons"), body).await;
    }
    for (list, id) in [("ticket-types", "slug"), ("addons", "slug")] {
        let before = truth(&app, &admin, &url(list), id).await;
        let mut k = 0;
        let (a, ad) = (&app, &admin);
        let seen = walk(&app, &admin, &url(list), id, 2, |_| {
            k += 1;
            let body = json!({ "slug": format!("n{k}"), "name": format!("N{k}"), "price": "2.00", "order": if k % 2 == 0 { 0 } else { 9 } });
            async move { post(a, ad, &url(list), body).await }
        })
        .await;
        assert_complete(&seen, &before);
    }
    let tickets = truth(&app, &admin, &url("ticket-types"), "slug").await;
    assert_eq!(
        tickets,
        [
            "individual",
            "n2",
            "n4",
            "speaker",
            "volunteer",
            "t1",
            "t3",
            "t0",
            "t2",
            "n1",
            "n3"
        ],
        "by (order, name)"
    );
    app.finish().await;
}

/// Conferences newest start date first and activities by start time, walked with
/// inserts between pages.
async fn conferences_and_activities_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    let conference = |slug: String, year: i32| {
        json!({
            "series": "pycon-us", "slug": slug, "name": "PyCon", "year": year,
            "start_date": format!("{year}-05-14"), "end_date": format!("{year}-05-22"),
            "timezone": "America/Chicago", "total_capacity": 10
        })
    };
    for year in [2020, 2024, 2022] {
        post(
            &app,
            &admin,
            "/api/v1/conferences",
            conference(format!("py{year}"), year),
        )
        .await;
    }
    let before = truth(&app, &admin, "/api/v1/conferences", "slug").await;
    assert_eq!(before, ["pycon-us-2027", "py2024", "py2022", "py2020"]);
    let mut y = 2010;
    let (a, ad) = (&app, &admin);
    let seen = walk(&app, &admin, "/api/v1/conferences", "slug", 1, |_| {
        y += 1;
        let body = conference(format!("old{y}"), y);
        async move { post(a, ad, "/api/v1/conferences", body).await }
    })
    .await;
    assert_complete(&seen, &before);

    for (i, hour) in [(0, 12), (1, 9), (2, 15), (3, 9)] {
        let body = json!({
            "slug": format!("act{i}"), "name": format!("Act {i}"), "activity_type": "sprint",
            "start_time": format!("2027-05-20T{hour:02}:00:00Z")
        });
        post(&app, &admin, &url("activities"), body).await;
    }
    let before = truth(&app, &admin, &url("activities"), "slug").await;
    assert_eq!(before, ["act1", "act3", "act0", "act2"]);
    let mut k = 0;
    let seen = walk(&app, &admin, &url("activities"), "slug", 2, |_| {
        k += 1;
        let body = json!({
            "slug": format!("late{k}"), "name": "Late", "activity_type": "sprint",
            "start_time": "2027-05-21T09:00:00Z"
        });
        async move { post(a, ad, &url("activities"), body).await }
    })
    .await;
    assert_complete(&seen, &before);
    app.finish().await;
}

/// A roster, oldest signup first, walked while more sign up; credits page too.
async fn roster_and_credits_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    let body = json!({ "slug": "sprint", "name": "Sprint", "activity_type": "sprint" });
    post(&app, &admin, &url("activities"), body).await;
    let roster = url("activities/sprint/signups");
    let mut users = vec![];
    for i in 0..9 {
        users.push(app.user(&format!("s{i}")).await);
    }
    for u in &users[..5] {
        let r = app.post(&roster).as_user(u).send().await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let before = truth(&app, &admin, &roster, "user_id").await;
    let want: Vec<String> = users[..5].iter().map(|u| u.id.clone()).collect();
    assert_eq!(before, want, "oldest signup first");
    let mut k = 4;
    let (a, us, r) = (&app, &users, &roster);
    let seen = walk(&app, &admin, &roster, "user_id", 2, |_| {
        k += 1;
        let u = us.get(k);
        async move {
            if let Some(u) = u {
                let s = a.post(r).as_user(u).send().await;
                assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
            }
        }
    })
    .await;
    assert_complete(&seen, &before);
    assert_eq!(seen[..5], want[..], "the late signups come after");
    let credits = page(&app, &admin, &url("credits"), 10, None).await;
    assert_eq!(
        credits,
        json!({ "items": [], "next_cursor": null, "total": 0 })
    );
    app.finish().await;
}

on_both_backends!(
    catalog_walks,
    conferences_and_activities_walk,
    roster_and_credits_walk,
);

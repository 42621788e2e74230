//! The lists added with the later domains (surveys, badge templates, webhook
//! endpoints) take the same paging: walked with inserts between pages,
//! compared with the truth.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::walk::*;
use crate::common::{Backend, TestApp, User};
use crate::on_both_backends;

async fn post(app: &TestApp, who: &User, path: &str, body: Value) {
    let r = app.post(path).as_user(who).json(body).send().await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
}

fn survey(i: usize) -> Value {
    json!({ "slug": format!("s{i}"), "title": format!("Survey {i}"), "kind": "nps" })
}

fn template(name: &str) -> Value {
    json!({ "name": name })
}

fn endpoint(i: usize) -> Value {
    json!({ "url": format!("https://crm{i}.example.org/hook"), "kinds": ["order.paid"] })
}

/// Surveys in creation order (organizers' list and the active ones): the ones
/// created while a client pages come after the cursor, seen once.
async fn surveys_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    for i in 0..5 {
        post(&app, &admin, &url("surveys"), survey(i)).await;
    }
    for list in ["surveys", "surveys/active"] {
        let before = truth(&app, &admin, &url(list), "slug").await;
        assert_eq!(before.len(), 5 + app_extra(list));
        let mut k = if list == "surveys" { 10 } else { 20 };
        let (a, ad) = (&app, &admin);
        let seen = walk(&app, &admin, &url(list), "slug", 2, |_| {
            k += 1;
            let body = survey(k);
            async move { post(a, ad, &url("surveys"), body).await }
        })
        .await;
        assert_complete(&seen, &before);
        assert_eq!(seen[..before.len()], before[..], "the new ones come last");
    }
    app.finish().await;
}

/// The surveys walk of the active list starts after the organizers' walk added
/// its surveys.
fn app_extra(list: &str) -> usize {
    if list == "surveys/active" { 3 } else { 0 }
}

/// Badge templates by slug, with templates sorting before and after the cursor
/// added between pages.
async fn badge_templates_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    for name in ["Delta", "Alpha", "Hotel", "Echo", "Bravo"] {
        post(&app, &admin, &url("badge-templates"), template(name)).await;
    }
    let path = url("badge-templates");
    let before = truth(&app, &admin, &path, "slug").await;
    assert_eq!(before, ["alpha", "bravo", "delta", "echo", "hotel"]);
    let names = ["Aaa", "Zulu", "Charlie", "Yankee"];
    let (a, ad) = (&app, &admin);
    let seen = walk(&app, &admin, &path, "slug", 2, |n| {
        let body = template(names.get(n).copied().unwrap_or("Zz"));
        async move { post(a, ad, &url("badge-templates"), body).await }
    })
    .await;
    assert_complete(&seen, &before);
    app.finish().await;
}

/// Webhook endpoints, oldest first, registered while a client pages.
async fn webhook_endpoints_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    for i in 0..5 {
        post(&app, &admin, &url("webhooks"), endpoint(i)).await;
    }
    let path = url("webhooks");
    let before = truth(&app, &admin, &path, "id").await;
    assert_eq!(before.len(), 5);
    let mut k = 10;
    let (a, ad) = (&app, &admin);
    let seen = walk(&app, &admin, &path, "id", 2, |_| {
        k += 1;
        let body = endpoint(k);
        async move { post(a, ad, &url("webhooks"), body).await }
    })
    .await;
    assert_complete(&seen, &before);
    assert_eq!(seen[..5], before[..], "the new ones come last");
    assert!(seen.len() > 5, "the ones registered meanwhile are seen too");
    app.finish().await;
}

/// The later lists refuse bad paging like every list.
async fn later_lists_refuse_bad_paging(b: Backend) {
    let (app, admin) = setup(b).await;
    for list in [
        "surveys",
        "surveys/active",
        "badge-templates",
        "webhooks",
        "bulk-purchases",
        "visa-letters",
    ] {
        for query in ["limit=0", "limit=501", "cursor=bm9wZQ"] {
            let r = app
                .get(&format!("{}?{query}", url(list)))
                .as_user(&admin)
                .send()
                .await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{list}?{query}: {}",
                r.text
            );
            assert_eq!(r.code(), "list.invalid_paging", "{}", r.text);
        }
        let p = page(&app, &admin, &url(list), 500, None).await;
        assert!(p["total"].is_i64(), "{list}: {p}");
    }
    app.finish().await;
}

on_both_backends!(
    surveys_walk,
    badge_templates_walk,
    webhook_endpoints_walk,
    later_lists_refuse_bad_paging,
);

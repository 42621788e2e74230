//! What every list test uses: a conference, orders, and the page walker.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::common::{Backend, TestApp, User};

pub const CONF: &str = "pycon-us-2027";

pub fn url(path: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{path}")
}

/// An admin and a conference selling "individual" and free "speaker" and
/// "volunteer" tickets.
pub async fn setup(b: Backend) -> (TestApp, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    for body in [
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 100 }),
        json!({ "slug": "speaker", "name": "Speaker", "price": "0.00", "total_quantity": 100 }),
        json!({ "slug": "volunteer", "name": "Volunteer", "price": "0.00", "total_quantity": 100 }),
    ] {
        app.ticket_type(&admin, CONF, body).await;
    }
    (app, admin)
}

/// `user` buys one `ticket`; answers the reference.
pub async fn order(app: &TestApp, user: &User, ticket: &str) -> String {
    let r = app.buy(user, CONF, ticket, 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

/// `user` pays their free order `reference` with comp (they become an attendee).
pub async fn comp(app: &TestApp, user: &User, reference: &str) {
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(user)
        .json(json!({ "method": "comp" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "comp: {}", r.text);
}

/// One page of `path` (which may carry a query already).
pub async fn page(
    app: &TestApp,
    user: &User,
    path: &str,
    limit: u32,
    cursor: Option<&str>,
) -> Value {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut full = format!("{path}{sep}limit={limit}");
    if let Some(c) = cursor {
        full.push_str(&format!("&cursor={c}"));
    }
    let r = app
        .get(&full)
        .as_user(user)
        .after(Some(app.settled().await))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{full}: {}", r.text);
    assert!(
        r.body["items"]
            .as_array()
            .is_some_and(|i| i.len() <= limit as usize),
        "{}",
        r.text
    );
    r.body
}

/// The whole list in one page: the unpaged truth.
pub async fn truth(app: &TestApp, user: &User, path: &str, id: &str) -> Vec<String> {
    let p = page(app, user, path, 500, None).await;
    assert_eq!(p["next_cursor"], Value::Null);
    let ids = ids(&p, id);
    assert_eq!(
        p["total"],
        json!(ids.len()),
        "the first page counts every match"
    );
    ids
}

pub fn ids(page: &Value, id: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| match id.split_once('.') {
            Some((a, b)) => i[a][b].as_str().unwrap_or_default().to_string(),
            None => i[id].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}

/// Walks `path` `limit` items at a time, calling `between` after each page;
/// answers the ids in the order seen.
pub async fn walk<F, Fut>(
    app: &TestApp,
    user: &User,
    path: &str,
    id: &str,
    limit: u32,
    mut between: F,
) -> Vec<String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    for n in 0.. {
        let p = page(app, user, path, limit, cursor.as_deref()).await;
        if n == 0 {
            assert!(p["total"].is_i64(), "the first page has the total: {p}");
        } else {
            assert_eq!(p["total"], Value::Null, "only the first page counts");
        }
        seen.extend(ids(&p, id));
        match p["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        between(n).await;
    }
    seen
}

/// Every item seen once, and every item of the truth before the walk seen.
pub fn assert_complete(seen: &[String], before: &[String]) {
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an item was repeated: {seen:?}");
    for id in before {
        assert!(unique.contains(id), "{id} was skipped: {seen:?}");
    }
}

//! Lists at real sizes: every list endpoint walked page by page (`limit`,
//! `cursor`, `next_cursor`, `total`), with writes between the pages, compared with
//! the unpaged truth; the filters compared with the truth filtered here; bad
//! paging parameters refused with problem+json. On SQLite and PostgreSQL.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::{Value, json};
use tessera_aggregates::Clock;

const CONF: &str = "pycon-us-2027";

fn url(path: &str) -> String {
    format!("/api/v1/conferences/{CONF}/{path}")
}

/// An admin and a conference selling "individual" and free "speaker" and
/// "volunteer" tickets.
async fn setup(b: Backend) -> (TestApp, User) {
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
async fn order(app: &TestApp, user: &User, ticket: &str) -> String {
    let r = app.buy(user, CONF, ticket, 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

/// `user` pays their free order `reference` with comp (they become an attendee).
async fn comp(app: &TestApp, user: &User, reference: &str) {
    let r = app
        .post(&url(&format!("orders/{reference}/payments")))
        .as_user(user)
        .json(json!({ "method": "comp" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "comp: {}", r.text);
}

/// One page of `path` (which may carry a query already).
async fn page(app: &TestApp, user: &User, path: &str, limit: u32, cursor: Option<&str>) -> Value {
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
async fn truth(app: &TestApp, user: &User, path: &str, id: &str) -> Vec<String> {
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

fn ids(page: &Value, id: &str) -> Vec<String> {
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
async fn walk<F, Fut>(
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
fn assert_complete(seen: &[String], before: &[String]) {
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an item was repeated: {seen:?}");
    for id in before {
        assert!(unique.contains(id), "{id} was skipped: {seen:?}");
    }
}

/// Orders newest first, walked 3 at a time while new orders are placed between
/// pages: nothing skipped, nothing repeated; oldest first, the new orders come at
/// the end. Placing times tie on purpose (the clock only moves now and then).
async fn orders_walk_with_inserts_between_pages(b: Backend) {
    let (app, admin) = setup(b).await;
    let mut buyers = vec![];
    for i in 0..10 {
        let u = app.user(&format!("buyer{i}")).await;
        order(&app, &u, "individual").await;
        if i % 3 == 0 {
            app.clock.advance(chrono::Duration::seconds(1));
        }
        buyers.push(u);
    }
    let path = url("orders");
    let before = truth(&app, &admin, &path, "reference").await;
    assert_eq!(before.len(), 10);
    let late = app.user("late").await;
    let (a, l) = (&app, &late);
    let seen = walk(&app, &admin, &path, "reference", 3, |_| async move {
        a.clock.advance(chrono::Duration::seconds(1));
        order(a, l, "individual").await;
    })
    .await;
    assert_complete(&seen, &before);
    // Newest first: the new orders are newer than any cursor, so none is seen.
    assert_eq!(seen, before);

    let before = truth(&app, &admin, &format!("{path}?sort=oldest"), "reference").await;
    let reversed: Vec<String> = truth(&app, &admin, &path, "reference")
        .await
        .into_iter()
        .rev()
        .collect();
    assert_eq!(before, reversed, "oldest first is newest first reversed");
    let mut placed = 0;
    let seen = walk(
        &app,
        &admin,
        &format!("{path}?sort=oldest"),
        "reference",
        4,
        |_| {
            placed += 1;
            async move {
                a.clock.advance(chrono::Duration::seconds(1));
                order(a, l, "individual").await;
            }
        },
    )
    .await;
    assert_complete(&seen, &before);
    assert_eq!(
        seen.len(),
        before.len() + placed,
        "oldest first reaches the new orders"
    );
    // A buyer pages their own orders only.
    let mine = walk(&app, &buyers[0], &path, "reference", 1, |_| async {}).await;
    assert_eq!(mine.len(), 1);
    app.finish().await;
}

/// Order filters: status, reference, buyer e-mail, placing dates, ticket type and
/// voucher code, each equal to the truth filtered here, with the total.
async fn orders_filters_match_the_truth(b: Backend) {
    let (app, admin) = setup(b).await;
    let r = app
        .post(&url("vouchers"))
        .as_user(&admin)
        .json(json!({ "code": "HALF", "kind": "percentage", "value": "50", "max_uses": 10 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let start = app.clock.now();
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let mut made = vec![];
    for (i, (u, t)) in [
        (&ana, "individual"),
        (&bo, "speaker"),
        (&ana, "speaker"),
        (&bo, "individual"),
    ]
    .into_iter()
    .enumerate()
    {
        if i == 3 {
            let r = app
                .post(&url("cart/items"))
                .as_user(u)
                .json(json!({ "ticket_type": t, "quantity": 1 }))
                .send()
                .await;
            assert!(r.status.is_success(), "{}", r.text);
            let r = app
                .put(&url("cart/voucher"))
                .as_user(u)
                .json(json!({ "code": "HALF" }))
                .send()
                .await;
            assert!(r.status.is_success(), "{}", r.text);
            let r = app
                .post(&url("checkout"))
                .as_user(u)
                .json(json!({ "billing_name": "Bo", "billing_email": u.email }))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            made.push(r.body["reference"].as_str().unwrap_or_default().to_string());
        } else {
            made.push(order(&app, u, t).await);
        }
        app.clock.advance(chrono::Duration::minutes(10));
    }
    let stamp = |minutes: i64| {
        (start + chrono::Duration::minutes(minutes))
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
    };
    let all_path = url("orders");
    let all = page(&app, &admin, &all_path, 500, None).await;
    let items = all["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 4);
    let expect = |f: &dyn Fn(&Value) -> bool| -> Vec<String> {
        items
            .iter()
            .filter(|o| f(o))
            .map(|o| o["reference"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let cases: Vec<(String, Vec<String>)> = vec![
        ("status=paid".into(), expect(&|o| o["status"] == "paid")),
        (
            "status=pending".into(),
            expect(&|o| o["status"] == "pending"),
        ),
        (format!("reference={}", made[2]), vec![made[2].clone()]),
        (
            "email=ANA%40example.org".into(),
            expect(&|o| o["user_id"] == ana.id.as_str()),
        ),
        ("email=nobody%40example.org".into(), vec![]),
        (
            "ticket_type=speaker".into(),
            vec![made[2].clone(), made[1].clone()],
        ),
        ("voucher_code=HALF".into(), vec![made[3].clone()]),
        (format!("placed_from={}", stamp(0)), expect(&|_| true)),
        (format!("placed_to={}", stamp(0)), vec![]),
        (format!("placed_from={}", stamp(40)), vec![]),
        (
            format!("placed_from={}&placed_to={}", stamp(15), stamp(25)),
            vec![made[2].clone()],
        ),
        (
            format!("placed_from={}", stamp(15)),
            vec![made[3].clone(), made[2].clone()],
        ),
        (
            "status=pending&ticket_type=individual".into(),
            expect(&|o| {
                o["status"] == "pending"
                    && (o["reference"] == made[0].as_str() || o["reference"] == made[3].as_str())
            }),
        ),
    ];
    for (query, want) in cases {
        let path = format!("{all_path}?{}", query.replace('+', "%2B"));
        let got = walk(&app, &admin, &path, "reference", 1, |_| async {}).await;
        assert_eq!(got, want, "{query}");
        let first = page(&app, &admin, &path, 500, None).await;
        assert_eq!(first["total"], json!(want.len()), "{query}");
    }
    app.finish().await;
}

/// Attendees in registration order, walked 2 at a time while more register; the
/// check-in and ticket-type filters against the truth.
async fn attendees_walk_and_filters(b: Backend) {
    let (app, admin) = setup(b).await;
    for i in 0..7 {
        let u = app.user(&format!("att{i}")).await;
        let ticket = if i % 2 == 0 { "speaker" } else { "volunteer" };
        let reference = order(&app, &u, ticket).await;
        comp(&app, &u, &reference).await;
        if i % 2 == 0 {
            app.clock.advance(chrono::Duration::seconds(1));
        }
    }
    let path = url("attendees");
    app.settled().await;
    let before = truth(&app, &admin, &path, "user").await;
    assert_eq!(before.len(), 7);
    let mut n = 0;
    let mut newcomers = vec![];
    for i in 0..4 {
        newcomers.push(app.user(&format!("new{i}")).await);
    }
    let (a, newcomers) = (&app, &newcomers);
    let seen = walk(&app, &admin, &path, "user", 2, |_| {
        n += 1;
        let u = newcomers.get(n - 1);
        async move {
            if let Some(u) = u {
                a.clock.advance(chrono::Duration::seconds(1));
                let reference = order(a, u, "speaker").await;
                comp(a, u, &reference).await;
            }
        }
    })
    .await;
    assert_complete(&seen, &before);
    let first = page(&app, &admin, &path, 500, None).await;
    let items = first["items"].as_array().cloned().unwrap_or_default();
    // Check one in.
    let code = items[0]["access_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = app
        .post(&url("checkins"))
        .as_user(&admin)
        .json(json!({ "access_code": code, "station": "" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let in_ = walk(
        &app,
        &admin,
        &format!("{path}?checked_in=true"),
        "user",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(
        in_,
        vec![items[0]["user"].as_str().unwrap_or_default().to_string()]
    );
    let out = walk(
        &app,
        &admin,
        &format!("{path}?checked_in=false"),
        "user",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(out.len(), items.len() - 1);
    let speakers = walk(
        &app,
        &admin,
        &format!("{path}?ticket_type=speaker"),
        "user",
        2,
        |_| async {},
    )
    .await;
    let want: Vec<String> = items
        .iter()
        .filter(|a| a["ticket_type"] == "Speaker")
        .map(|a| a["user"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(speakers, want);
    let newest = walk(
        &app,
        &admin,
        &format!("{path}?sort=newest"),
        "user",
        3,
        |_| async {},
    )
    .await;
    let mut oldest = walk(&app, &admin, &path, "user", 3, |_| async {}).await;
    oldest.reverse();
    assert_eq!(newest, oldest);
    let ana = walk(
        &app,
        &admin,
        &format!("{path}?email=ATT3%40example.org"),
        "email",
        5,
        |_| async {},
    )
    .await;
    assert_eq!(ana, vec!["att3@example.org".to_string()]);
    app.finish().await;
}

/// Vouchers by code, walked 3 at a time while more are created; code prefix, kind
/// and use filters.
async fn vouchers_walk_and_filters(b: Backend) {
    let (app, admin) = setup(b).await;
    let create = |code: String, kind: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            let body = match kind {
                "comp" => json!({ "code": code, "kind": "comp", "max_uses": 5 }),
                _ => json!({ "code": code, "kind": kind, "value": "10", "max_uses": 5 }),
            };
            let r = app
                .post(&url("vouchers"))
                .as_user(admin)
                .json(body)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
    };
    for i in 0..8 {
        let kind = if i % 2 == 0 { "comp" } else { "percentage" };
        create(format!("{}{i}", if i < 5 { "SPK" } else { "STU" }), kind).await;
    }
    let path = url("vouchers");
    let before = truth(&app, &admin, &path, "voucher.code").await;
    let mut sorted = before.clone();
    sorted.sort();
    assert_eq!(before, sorted, "by code");
    let mut k = 0;
    let seen = walk(&app, &admin, &path, "voucher.code", 3, |_| {
        k += 1;
        create(format!("A{k}"), "comp")
    })
    .await;
    assert_complete(&seen, &before);
    let spk = walk(
        &app,
        &admin,
        &format!("{path}?code_prefix=SPK"),
        "voucher.code",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(spk, vec!["SPK0", "SPK1", "SPK2", "SPK3", "SPK4"]);
    let pct = walk(
        &app,
        &admin,
        &format!("{path}?kind=percentage"),
        "voucher.code",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(pct, vec!["SPK1", "SPK3", "STU5", "STU7"]);
    let ana = app.user("ana").await;
    let r = app
        .post(&url("cart/items"))
        .as_user(&ana)
        .json(json!({ "ticket_type": "individual", "quantity": 1 }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .put(&url("cart/voucher"))
        .as_user(&ana)
        .json(json!({ "code": "STU5" }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = app
        .post(&url("checkout"))
        .as_user(&ana)
        .json(json!({ "billing_name": "Ana", "billing_email": ana.email }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let used = walk(
        &app,
        &admin,
        &format!("{path}?used=true"),
        "voucher.code",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(used, vec!["STU5"]);
    let unused = walk(
        &app,
        &admin,
        &format!("{path}?used=false&code_prefix=STU"),
        "voucher.code",
        2,
        |_| async {},
    )
    .await;
    assert_eq!(unused, vec!["STU6", "STU7"]);
    app.finish().await;
}

/// Purchase orders (newest first) and credits walked with writes between pages.
async fn purchase_orders_walk(b: Backend) {
    let (app, admin) = setup(b).await;
    let (a, ad) = (&app, &admin);
    let create = move || async move {
        let r = a
            .post(&url("purchase-orders"))
            .as_user(ad)
            .json(json!({
                "organization_name": "ACME Corp", "contact_email": "billing@acme.example",
                "contact_name": "Wile E.", "billing_address": "1 Desert Road",
                "lines": [{ "description": "Corporate tickets", "unit_price": "10.00" }],
            }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    };
    for i in 0..7 {
        create().await;
        if i % 2 == 0 {
            app.clock.advance(chrono::Duration::seconds(1));
        }
    }
    let path = url("purchase-orders");
    let before = truth(&app, &admin, &path, "reference").await;
    assert_eq!(before.len(), 7);
    let seen = walk(&app, &admin, &path, "reference", 2, |_| async move {
        a.clock.advance(chrono::Duration::seconds(1));
        create().await;
    })
    .await;
    assert_eq!(
        seen, before,
        "newest first: the new ones are before every cursor"
    );
    let drafts = walk(
        &app,
        &admin,
        &format!("{path}?status=draft"),
        "reference",
        3,
        |_| async {},
    )
    .await;
    assert_eq!(drafts, truth(&app, &admin, &path, "reference").await);
    app.finish().await;
}

/// Bad paging parameters are 400 problem+json that name the parameter; a cursor
/// of one sort order is refused by another.
async fn bad_paging_is_refused(b: Backend) {
    let (app, admin) = setup(b).await;
    let ana = app.user("ana").await;
    order(&app, &ana, "individual").await;
    app.clock.advance(chrono::Duration::seconds(1));
    order(&app, &ana, "speaker").await;
    for list in [
        "orders",
        "attendees",
        "vouchers",
        "purchase-orders",
        "credits",
    ] {
        for query in [
            "limit=0",
            "limit=501",
            "limit=ten",
            "cursor=bm9wZQ",
            "cursor=%25%25",
        ] {
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
            assert_eq!(
                r.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/problem+json")
            );
        }
        let r = app
            .get(&format!("{}?limit=500", url(list)))
            .as_user(&admin)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{list}: {}", r.text);
    }
    let first = page(&app, &admin, &url("orders"), 1, None).await;
    let cursor = first["next_cursor"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!cursor.is_empty());
    let r = app
        .get(&format!("{}?sort=oldest&cursor={cursor}", url("orders")))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    app.finish().await;
}

on_both_backends!(
    orders_walk_with_inserts_between_pages,
    orders_filters_match_the_truth,
    attendees_walk_and_filters,
    vouchers_walk_and_filters,
    purchase_orders_walk,
    bad_paging_is_refused,
);

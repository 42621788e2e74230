//! The orders list: paged with inserts between pages, and every filter.

use axum::http::StatusCode;
use serde_json::{Value, json};
use tessera_aggregates::Clock;

use super::walk::*;
use crate::common::Backend;
use crate::on_both_backends;

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

on_both_backends!(
    orders_walk_with_inserts_between_pages,
    orders_filters_match_the_truth,
);

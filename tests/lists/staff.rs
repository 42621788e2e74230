//! Purchase orders paged with inserts between pages; bad paging refused.

use axum::http::StatusCode;
use serde_json::json;

use super::walk::*;
use crate::common::Backend;
use crate::on_both_backends;

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

on_both_backends!(purchase_orders_walk, bad_paging_is_refused,);

//! Carts and checkout end to end (SPEC CART-*, ORDER-*, CAT-*), with the
//! concurrency rules: no oversell, no voucher used past max_uses, capacity held.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::{Backend, TestApp, User};
use serde_json::json;

const CONF: &str = "pycon-us-2027";

async fn setup(b: Backend) -> (TestApp, User) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    (app, admin)
}

async fn users(app: &TestApp, prefix: &str, n: usize) -> Vec<User> {
    let mut out = vec![];
    for i in 0..n {
        out.push(app.user(&format!("{prefix}{i}")).await);
    }
    out
}

async fn inventory(app: &TestApp, admin: &User) -> serde_json::Value {
    let head = app.app.db.head().await.ok();
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/inventory"))
        .as_user(admin)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// The happy path: cart, pricing summary, checkout → pending order with a hold,
/// reference `<prefix>-XXXXXXXX` (AMB-3), cart closed (ORDER-11…15).
async fn order_11_checkout_places_a_pending_order_with_a_hold(b: Backend) {
    let (app, admin) = setup(b).await;
    app.ticket_type(&admin, CONF, json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 })).await;
    let ana = app.user("ana").await;
    let add = app
        .post(&format!("/api/v1/conferences/{CONF}/cart/items"))
        .as_user(&ana)
        .json(json!({ "ticket_type": "individual", "quantity": 2 }))
        .send()
        .await;
    assert_eq!(add.status, StatusCode::CREATED, "{}", add.text);
    assert_eq!(add.body["items"][0]["quantity"], 2);
    assert_eq!(add.body["summary"]["total"], "200.00");
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/checkout"))
        .as_user(&ana)
        .json(json!({ "billing_name": "Ana", "billing_email": "ana@example.org" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    assert!(
        reference.starts_with("ORD-") && reference.len() == 12,
        "{reference}"
    );
    assert!(
        reference[4..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert_eq!(
        (r.body["status"].as_str(), r.body["total"].as_str()),
        (Some("pending"), Some("200.00"))
    );
    assert!(r.body["hold_expires_at"].is_string());
    // The hold counts against stock at once (CAT-2).
    let tickets = app
        .get(&format!("/api/v1/conferences/{CONF}/ticket-types"))
        .send()
        .await;
    assert_eq!(tickets.body["items"][0]["remaining"], 8, "{}", tickets.text);
    let inv = inventory(&app, &admin).await;
    assert_eq!(
        (
            inv["products"][0]["held"].as_u64(),
            inv["products"][0]["sold"].as_u64()
        ),
        (Some(2), Some(0))
    );
    // ORDER-4: the cart was checked out; a new checkout has nothing to buy.
    let again = app
        .post(&format!("/api/v1/conferences/{CONF}/checkout"))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text
    );
    app.finish().await;
}

/// CART-11/12, CAT-5/AMB-24: stock and per-user limits in the cart; hidden tickets
/// need a voucher that unlocks them.
async fn cart_11_stock_limits_and_hidden_tickets(b: Backend) {
    let (app, admin) = setup(b).await;
    app.ticket_type(&admin, CONF, json!({ "slug": "individual", "name": "Individual", "price": "100", "total_quantity": 3, "limit_per_user": 2 })).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "speaker", "name": "Speaker", "price": "0", "requires_voucher": true }),
    )
    .await;
    let ana = app.user("ana").await;
    let items = format!("/api/v1/conferences/{CONF}/cart/items");
    let r = app
        .post(&items)
        .as_user(&ana)
        .json(json!({ "ticket_type": "individual", "quantity": 4 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.body["detail"], "Only 3 tickets of type 'Individual' remaining.",
        "{}",
        r.text
    );
    let r = app
        .post(&items)
        .as_user(&ana)
        .json(json!({ "ticket_type": "individual", "quantity": 3 }))
        .send()
        .await;
    assert_eq!(
        r.body["detail"], "Adding 3 would exceed the per-user limit of 2 for 'Individual'.",
        "{}",
        r.text
    );
    let r = app
        .post(&items)
        .as_user(&ana)
        .json(json!({ "ticket_type": "speaker", "quantity": 1 }))
        .send()
        .await;
    assert_eq!(
        r.body["detail"], "Ticket type 'Speaker' requires a voucher that unlocks hidden tickets.",
        "{}",
        r.text
    );
    let v = app
        .post(&format!("/api/v1/conferences/{CONF}/vouchers"))
        .as_user(&admin)
        .json(json!({ "code": "SPKR-1", "kind": "comp", "max_uses": 10, "unlocks_hidden": true, "scope": { "tickets": { "listed": ["speaker"] }, "addons": "none" } }))
        .send()
        .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    let r = app
        .put(&format!("/api/v1/conferences/{CONF}/cart/voucher"))
        .as_user(&ana)
        .json(json!({ "code": "nope" }))
        .send()
        .await;
    assert_eq!(
        r.body["detail"], "Voucher code 'nope' not found.",
        "{}",
        r.text
    );
    let r = app
        .put(&format!("/api/v1/conferences/{CONF}/cart/voucher"))
        .as_user(&ana)
        .json(json!({ "code": "SPKR-1" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&items)
        .as_user(&ana)
        .json(json!({ "ticket_type": "speaker", "quantity": 1 }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["summary"]["total"], "0.00");
    // AMB-24: removing the voucher afterwards does not let the hidden ticket through checkout.
    app.delete(&format!("/api/v1/conferences/{CONF}/cart/voucher"))
        .as_user(&ana)
        .send()
        .await;
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/checkout"))
        .as_user(&ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    app.finish().await;
}

/// ORDER-20/CAT-2: a hold stops counting the moment it expires, and the next
/// checkout expires the stale order (stock and voucher use come back).
async fn order_20_expired_holds_release_stock(b: Backend) {
    let (app, admin) = setup(b).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100", "total_quantity": 1 }),
    )
    .await;
    let ana = app.user("ana").await;
    let bo = app.user("bo").await;
    let r = app.buy(&ana, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app.buy(&bo, CONF, "individual", 1).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "sold out while held: {}",
        r.text
    );
    app.clock.advance(chrono::Duration::minutes(16));
    // Expired before any sweeper ran: availability already counts it as free.
    let tickets = app
        .get(&format!("/api/v1/conferences/{CONF}/ticket-types"))
        .send()
        .await;
    assert_eq!(tickets.body["items"][0]["remaining"], 1, "{}", tickets.text);
    let r = app.buy(&bo, CONF, "individual", 1).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let order = app
        .get(&format!("/api/v1/conferences/{CONF}/orders/{reference}"))
        .as_user(&ana)
        .after(r.position())
        .send()
        .await;
    assert_eq!(order.status, StatusCode::OK, "{}", order.text);
    assert_eq!(order.body["status"], "cancelled", "{}", order.text);
    app.finish().await;
}

/// CAT-2 under a rush: 500 concurrent buyers for 100 tickets sell exactly 100.
async fn cat_2_five_hundred_buyers_for_one_hundred_tickets(b: Backend) {
    let (app, admin) = setup(b).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "50", "total_quantity": 100 }),
    )
    .await;
    let buyers = users(&app, "buyer", 500).await;
    let app = Arc::new(app);
    let mut tasks = vec![];
    for u in buyers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.buy(&u, CONF, "individual", 1).await
        }));
    }
    let mut sold = 0;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => sold += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(sold, 100, "exactly the stock, never more");
    let inv = inventory(&app, &admin).await;
    assert_eq!(inv["products"][0]["held"], 100);
    assert_eq!(inv["products"][0]["remaining"], 0);
    match Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("app still shared"),
    }
}

/// DISC-5: a voucher with max_uses 5 under 50 concurrent checkouts is used 5 times.
async fn disc_5_a_voucher_is_never_used_past_max_uses(b: Backend) {
    let (app, admin) = setup(b).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100", "total_quantity": 0 }),
    )
    .await;
    let v = app
        .post(&format!("/api/v1/conferences/{CONF}/vouchers"))
        .as_user(&admin)
        .json(json!({ "code": "EARLY", "kind": "percentage", "value": "20", "max_uses": 5 }))
        .send()
        .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    let buyers = users(&app, "early", 50).await;
    for u in &buyers {
        let r = app
            .post(&format!("/api/v1/conferences/{CONF}/cart/items"))
            .as_user(u)
            .json(json!({ "ticket_type": "individual", "quantity": 1 }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = app
            .put(&format!("/api/v1/conferences/{CONF}/cart/voucher"))
            .as_user(u)
            .json(json!({ "code": "EARLY" }))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let app = Arc::new(app);
    let mut tasks = vec![];
    for u in buyers {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            app.post(&format!("/api/v1/conferences/{CONF}/checkout"))
                .as_user(&u)
                .send()
                .await
        }));
    }
    let (mut discounted, mut refused) = (0, 0);
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => {
                assert_eq!(r.body["total"], "80.00", "{}", r.text);
                discounted += 1;
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(
                    r.body["detail"], "Voucher code 'EARLY' is no longer valid.",
                    "{}",
                    r.text
                );
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!((discounted, refused), (5, 45));
    let vouchers = app
        .get(&format!("/api/v1/conferences/{CONF}/vouchers"))
        .as_user(&admin)
        .send()
        .await;
    assert_eq!(
        vouchers.body["items"][0]["voucher"]["uses"], 5,
        "{}",
        vouchers.text
    );
    assert_eq!(vouchers.body["items"][0]["valid"], false);
    match Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("app still shared"),
    }
}

/// CAT-10…14: the venue capacity holds across ticket types under concurrency.
async fn cat_12_capacity_holds_across_ticket_types(b: Backend) {
    let (app, admin) = setup(b).await;
    let r = app
        .patch(&format!("/api/v1/conferences/{CONF}"))
        .as_user(&admin)
        .json(json!({ "total_capacity": 10 }))
        .send()
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100", "total_quantity": 10 }),
    )
    .await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "student", "name": "Student", "price": "25", "total_quantity": 10 }),
    )
    .await;
    let buyers = users(&app, "cap", 30).await;
    let app = Arc::new(app);
    let mut tasks = vec![];
    for (i, u) in buyers.into_iter().enumerate() {
        let app = app.clone();
        let ticket = if i % 2 == 0 { "individual" } else { "student" };
        tasks.push(tokio::spawn(
            async move { app.buy(&u, CONF, ticket, 1).await },
        ));
    }
    let mut sold = 0;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => sold += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {}
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(sold, 10, "the venue holds 10");
    let inv = inventory(&app, &admin).await;
    assert_eq!(
        (
            inv["global_sold"].as_u64(),
            inv["global_remaining"].as_i64()
        ),
        (Some(10), Some(0))
    );
    match Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("app still shared"),
    }
}

/// CART-3/39: the cart page opens the buyer's cart when there is none and answers
/// from the carts read model: after a change, with `X-Tessera-After`, it shows the
/// change; a checkout ends the generation and the next page opens a new one.
async fn cart_3_the_cart_page_reads_the_carts_read_model(b: Backend) {
    let (app, admin) = setup(b).await;
    app.ticket_type(&admin, CONF, json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 })).await;
    let ana = app.user("ana").await;
    let cart = format!("/api/v1/conferences/{CONF}/cart");
    let first = app.get(&cart).as_user(&ana).send().await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["status"], "open", "{}", first.text);
    let cart_id = first.body["cart_id"].clone();
    assert!(cart_id.is_string(), "{}", first.text);
    assert_eq!(first.body["items"], json!([]));
    assert!(first.body["position"].is_i64(), "the page opened the cart");

    let add = app
        .post(&format!("{cart}/items"))
        .as_user(&ana)
        .json(json!({ "ticket_type": "individual", "quantity": 3 }))
        .send()
        .await;
    assert_eq!(add.status, StatusCode::CREATED, "{}", add.text);
    let page = app
        .get(&cart)
        .as_user(&ana)
        .after(add.position())
        .send()
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_eq!(page.body["cart_id"], cart_id, "the same generation");
    assert_eq!(page.body["position"], json!(null), "nothing was written");
    assert_eq!(page.body["items"], add.body["items"], "{}", page.text);
    assert_eq!(page.body["summary"], add.body["summary"]);
    assert_eq!(page.body["summary"]["total"], "300.00");
    assert_eq!(page.body["expires_at"], add.body["expires_at"]);

    // Another buyer's page is their own cart.
    let bo = app.user("bo").await;
    let theirs = app.get(&cart).as_user(&bo).send().await;
    assert_ne!(theirs.body["cart_id"], cart_id);
    assert_eq!(theirs.body["items"], json!([]));

    let out = app
        .post(&format!("/api/v1/conferences/{CONF}/checkout"))
        .as_user(&ana)
        .json(json!({ "billing_name": "Ana", "billing_email": "ana@example.org" }))
        .send()
        .await;
    assert_eq!(out.status, StatusCode::CREATED, "{}", out.text);
    let next = app
        .get(&cart)
        .as_user(&ana)
        .after(out.position())
        .send()
        .await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.text);
    assert_eq!(next.body["status"], "open");
    assert_ne!(next.body["cart_id"], cart_id, "ORDER-4: a new generation");
    assert_eq!(next.body["items"], json!([]));
    app.finish().await;
}

on_both_backends!(
    cart_3_the_cart_page_reads_the_carts_read_model,
    order_11_checkout_places_a_pending_order_with_a_hold,
    cart_11_stock_limits_and_hidden_tickets,
    order_20_expired_holds_release_stock,
    cat_2_five_hundred_buyers_for_one_hundred_tickets,
    disc_5_a_voucher_is_never_used_past_max_uses,
    cat_12_capacity_holds_across_ticket_types,
);

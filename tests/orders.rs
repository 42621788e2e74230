//! Orders, payments, refunds and credits end to end (SPEC ORDER-17…29, PAY-12…29,
//! AMB-6/7/9/10/22), with the process managers that follow them (hold released or
//! sold, credits restored or issued, stock returned), on SQLite and PostgreSQL.

mod common;

use std::str::FromStr;
use std::sync::Arc;

use axum::http::StatusCode;
use common::{Backend, Response, TestApp, User};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const CONF: &str = "pycon-us-2027";

struct Cast {
    admin: User,
    ana: User,
    bo: User,
    organizer: User,
    finance: User,
    checkin: User,
}

/// A conference selling "individual" (100.00, 10 of them) and "speaker" (free), an
/// attendee pair and the staff.
async fn setup(b: Backend) -> (TestApp, Cast) {
    let app = TestApp::start(b).await;
    let admin = app.admin().await;
    app.conference(&admin, CONF).await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "individual", "name": "Individual", "price": "100.00", "total_quantity": 10 }),
    )
    .await;
    app.ticket_type(
        &admin,
        CONF,
        json!({ "slug": "speaker", "name": "Speaker", "price": "0.00", "total_quantity": 5 }),
    )
    .await;
    let cast = Cast {
        ana: app.user("ana").await,
        bo: app.user("bo").await,
        organizer: app.user("olga").await,
        finance: app.user("fin").await,
        checkin: app.user("chuck").await,
        admin,
    };
    app.grant(&cast.admin, CONF, &cast.organizer, "organizer")
        .await;
    app.grant(&cast.admin, CONF, &cast.finance, "finance").await;
    app.grant(&cast.admin, CONF, &cast.checkin, "checkin").await;
    (app, cast)
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .and_then(|s| Decimal::from_str(s).ok())
        .unwrap_or_else(|| panic!("not a decimal string: {v}"))
}

fn money(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

fn order_path(reference: &str) -> String {
    format!("/api/v1/conferences/{CONF}/orders/{reference}")
}

/// Buys `quantity` of `ticket` as `user`; the new order's reference.
async fn buy(app: &TestApp, user: &User, ticket: &str, quantity: u32) -> String {
    let r = app.buy(user, CONF, ticket, quantity).await;
    assert_eq!(r.status, StatusCode::CREATED, "checkout: {}", r.text);
    r.body["reference"].as_str().unwrap_or_default().to_string()
}

async fn get_order(app: &TestApp, user: &User, reference: &str) -> Response {
    app.get(&order_path(reference))
        .as_user(user)
        .fresh()
        .await
        .send()
        .await
}

async fn pay(app: &TestApp, user: &User, reference: &str, body: Value) -> Response {
    app.post(&format!("{}/payments", order_path(reference)))
        .as_user(user)
        .json(body)
        .send()
        .await
}

async fn refund(app: &TestApp, user: &User, reference: &str, body: Value) -> Response {
    app.post(&format!("{}/refunds", order_path(reference)))
        .as_user(user)
        .json(body)
        .send()
        .await
}

async fn remaining(app: &TestApp, ticket: &str) -> Option<i64> {
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/ticket-types"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"]
        .as_array()
        .and_then(|l| l.iter().find(|t| t["slug"] == ticket))
        .and_then(|t| t["remaining"].as_i64())
}

async fn credits(app: &TestApp, user: &User) -> Vec<Value> {
    let head = Some(app.settled().await);
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/credits"))
        .as_user(user)
        .after(head)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

/// How many `event_type` facts the log holds for order `order_id`.
async fn facts(app: &TestApp, order_id: &str, event_type: &str) -> usize {
    app.count_events(|e| {
        e.aggregate_type == "order" && e.aggregate_id == order_id && e.event_type == event_type
    })
    .await
}

/// ORDER-24/29: the owner sees the order with its lines, totals and hold; the
/// conference's organizers and finance staff see it too; anyone else gets 404.
async fn order_24_only_the_owner_and_staff_see_an_order(b: Backend) {
    let (app, cast) = setup(b).await;
    let reference = buy(&app, &cast.ana, "individual", 2).await;

    let r = get_order(&app, &cast.ana, &reference).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["reference"], reference.as_str());
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["user_id"], cast.ana.id.as_str());
    assert_eq!(dec(&r.body["total"]), money("200.00"));
    assert_eq!(dec(&r.body["balance"]), money("200.00"));
    assert!(r.body["hold_expires_at"].is_string(), "{}", r.text);
    let lines = r.body["lines"].as_array().cloned().unwrap_or_default();
    assert_eq!(lines.len(), 1);
    assert_eq!(
        (
            &lines[0]["slug"],
            &lines[0]["description"],
            &lines[0]["quantity"]
        ),
        (&json!("individual"), &json!("Individual"), &json!(2))
    );
    assert_eq!(r.body["payments"], json!([]));
    assert_eq!(r.body["refunds"], json!([]));

    for staff in [&cast.organizer, &cast.finance, &cast.admin] {
        let r = get_order(&app, staff, &reference).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{} sees it: {}",
            staff.email,
            r.text
        );
    }
    for other in [&cast.bo, &cast.checkin] {
        let r = get_order(&app, other, &reference).await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "{}: {}",
            other.email,
            r.text
        );
        assert_eq!(r.code(), "not_found");
    }
    let r = app.get(&order_path(&reference)).fresh().await.send().await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = get_order(&app, &cast.ana, "ORD-ZZZZZZZZ").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get_order(&app, &cast.ana, "not-a-reference").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

/// ORDER-27: an attendee lists their own orders, newest first; organizers and
/// finance staff list every order of the conference, optionally by status.
async fn order_27_lists_mine_newest_first_staff_see_all(b: Backend) {
    let (app, cast) = setup(b).await;
    let first = buy(&app, &cast.ana, "individual", 1).await;
    app.clock.advance(chrono::Duration::minutes(1));
    let second = buy(&app, &cast.ana, "speaker", 1).await;
    app.clock.advance(chrono::Duration::minutes(1));
    let bos = buy(&app, &cast.bo, "individual", 1).await;
    let r = pay(&app, &cast.ana, &second, json!({ "method": "comp" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let head = Some(app.settled().await);

    let list = |user: &User, query: &str| {
        let path = format!("/api/v1/conferences/{CONF}/orders{query}");
        let call = app.get(&path).as_user(user).after(head);
        async move {
            let r = call.send().await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.body["items"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .map(|o| o["reference"].as_str().unwrap_or_default().to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    assert_eq!(
        list(&cast.ana, "").await,
        vec![second.clone(), first.clone()]
    );
    assert_eq!(list(&cast.bo, "").await, vec![bos.clone()]);
    assert_eq!(list(&cast.checkin, "").await, Vec::<String>::new());
    assert_eq!(
        list(&cast.organizer, "").await,
        vec![bos.clone(), second.clone(), first.clone()]
    );
    assert_eq!(
        list(&cast.finance, "?status=pending").await,
        vec![bos.clone(), first.clone()]
    );
    assert_eq!(
        list(&cast.admin, "?status=paid").await,
        vec![second.clone()]
    );
    assert_eq!(list(&cast.ana, "?status=paid").await, vec![second.clone()]);
    // The attendee-facing status of the comped order.
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/orders"))
        .as_user(&cast.ana)
        .after(head)
        .send()
        .await;
    assert_eq!(r.body["items"][0]["status"], "paid", "{}", r.text);
    let r = app
        .get(&format!("/api/v1/conferences/{CONF}/orders"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    app.finish().await;
}

/// ORDER-17/18, DISC-6, CAT-3: cancelling a pending order gives its stock and its
/// voucher use back; only pending orders can be cancelled; others get 404.
async fn order_18_cancel_restores_stock_and_voucher_use(b: Backend) {
    let (app, cast) = setup(b).await;
    let v = app
        .post(&format!("/api/v1/conferences/{CONF}/vouchers"))
        .as_user(&cast.admin)
        .json(json!({ "code": "ONCE", "kind": "percentage", "value": "10", "max_uses": 1 }))
        .send()
        .await;
    assert_eq!(v.status, StatusCode::CREATED, "{}", v.text);
    let voucher = |user: &User| {
        app.put(&format!("/api/v1/conferences/{CONF}/cart/voucher"))
            .as_user(user)
            .json(json!({ "code": "ONCE" }))
            .send()
    };
    let add = app
        .post(&format!("/api/v1/conferences/{CONF}/cart/items"))
        .as_user(&cast.ana)
        .json(json!({ "ticket_type": "individual", "quantity": 2 }))
        .send()
        .await;
    assert_eq!(add.status, StatusCode::CREATED, "{}", add.text);
    assert_eq!(voucher(&cast.ana).await.status, StatusCode::OK);
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/checkout"))
        .as_user(&cast.ana)
        .json(json!({ "billing_name": "Ana" }))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(dec(&r.body["total"]), money("180.00"));
    let reference = r.body["reference"].as_str().unwrap_or_default().to_string();
    assert_eq!(remaining(&app, "individual").await, Some(8));
    // The voucher's only use is held: bo cannot use it now.
    let add = app
        .post(&format!("/api/v1/conferences/{CONF}/cart/items"))
        .as_user(&cast.bo)
        .json(json!({ "ticket_type": "individual", "quantity": 1 }))
        .send()
        .await;
    assert_eq!(add.status, StatusCode::CREATED, "{}", add.text);
    let r = voucher(&cast.bo).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // Someone else cannot cancel it, nor learn that it exists.
    let cancel = format!("{}/cancel", order_path(&reference));
    let r = app.post(&cancel).as_user(&cast.bo).send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app.post(&cancel).as_user(&cast.ana).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "cancelled");
    assert!(r.position().is_some());
    app.settled().await;

    assert_eq!(remaining(&app, "individual").await, Some(10));
    let r = get_order(&app, &cast.ana, &reference).await;
    assert_eq!(r.body["status"], "cancelled");
    assert_eq!(r.body["cancel_reason"], "cancelled");
    assert!(r.body["hold_expires_at"].is_null(), "ORDER-22: {}", r.text);
    // Cancelling again changes nothing.
    let r = app.post(&cancel).as_user(&cast.ana).send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.position().is_none());
    // DISC-6: the use came back; bo can now use the voucher.
    let r = voucher(&cast.bo).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&format!("/api/v1/conferences/{CONF}/checkout"))
        .as_user(&cast.bo)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(dec(&r.body["total"]), money("90.00"));

    // Staff may cancel an attendee's pending order; a paid one cannot be cancelled.
    let bos = r.body["reference"].as_str().unwrap_or_default().to_string();
    let r = app
        .post(&format!("{}/cancel", order_path(&bos)))
        .as_user(&cast.organizer)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let free = buy(&app, &cast.ana, "speaker", 1).await;
    let r = pay(&app, &cast.ana, &free, json!({ "method": "comp" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .post(&format!("{}/cancel", order_path(&free)))
        .as_user(&cast.ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "order.not_pending");
    assert_eq!(
        r.body["detail"],
        "Only pending orders can be cancelled. This order is 'Paid'."
    );
    app.finish().await;
}

/// PAY-12, ORDER-16: a zero-total order stays pending until the comp payment, which
/// pays it once (the sale is confirmed); comp is refused for anything else.
async fn pay_12_comp_pays_a_zero_total_order(b: Backend) {
    let (app, cast) = setup(b).await;
    let free = buy(&app, &cast.ana, "speaker", 1).await;
    let r = get_order(&app, &cast.ana, &free).await;
    assert_eq!(
        (r.body["status"].as_str(), dec(&r.body["total"])),
        (Some("pending"), Decimal::ZERO)
    );

    let r = pay(&app, &cast.bo, &free, json!({ "method": "comp" })).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = pay(&app, &cast.ana, &free, json!({ "method": "comp" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "paid");
    assert_eq!(dec(&r.body["amount"]), Decimal::ZERO);
    assert!(r.position().is_some());
    let r = pay(&app, &cast.ana, &free, json!({ "method": "comp" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "order.comp_not_pending");

    let r = get_order(&app, &cast.ana, &free).await;
    assert_eq!(r.body["status"], "paid");
    assert!(r.body["hold_expires_at"].is_null(), "ORDER-22: {}", r.text);
    assert_eq!(r.body["payments"].as_array().map(Vec::len), Some(1));
    assert_eq!(r.body["payments"][0]["method"], "comp");
    assert_eq!(r.body["payments"][0]["status"], "succeeded");

    let paid = buy(&app, &cast.ana, "individual", 1).await;
    let r = pay(&app, &cast.organizer, &paid, json!({ "method": "comp" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.code(), "order.comp_nonzero_total");
    assert_eq!(
        r.body["detail"],
        "Comp payments are only valid for orders with a zero total."
    );

    // AMB-6/7: one OrderPaid; the sale is confirmed on the ledger.
    app.settled().await;
    let order_id = tessera::app::order_id(&free).to_string();
    assert_eq!(facts(&app, &order_id, "OrderPaid").await, 1);
    let inv = app
        .get(&format!("/api/v1/conferences/{CONF}/inventory"))
        .as_user(&cast.finance)
        .send()
        .await;
    let speaker = inv.body["products"]
        .as_array()
        .and_then(|l| l.iter().find(|p| p["slug"] == "speaker").cloned())
        .unwrap_or_default();
    assert_eq!(
        (speaker["sold"].as_u64(), speaker["held"].as_u64()),
        (Some(1), Some(0)),
        "{}",
        inv.text
    );
    app.finish().await;
}

/// PAY-13, AMB-6/7: finance records manual payments; the order is paid exactly once,
/// when they cover the total; the attendee sees it paid. Attendees and other roles
/// cannot record manual payments.
async fn pay_13_manual_payments_pay_once(b: Backend) {
    let (app, cast) = setup(b).await;
    let reference = buy(&app, &cast.ana, "individual", 2).await;
    let manual = |amount: &str| json!({ "method": "manual", "amount": amount, "reference": "WIRE-1", "note": "bank transfer" });

    let r = pay(&app, &cast.ana, &reference, manual("200.00")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    for other in [&cast.bo, &cast.checkin] {
        let r = pay(&app, other, &reference, manual("200.00")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    }
    let r = pay(&app, &cast.finance, &reference, manual("0")).await;
    assert_eq!(r.code(), "order.amount_not_positive", "{}", r.text);
    assert_eq!(
        r.body["detail"],
        "Payment amount must be greater than zero."
    );
    // Refused at the edge: money has at most two places.
    let r = pay(&app, &cast.finance, &reference, manual("1.234")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.body["errors"][0]["field"], "amount", "{}", r.text);
    let r = pay(
        &app,
        &cast.finance,
        &reference,
        json!({ "method": "stripe", "amount": "1" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    let r = pay(&app, &cast.finance, &reference, manual("150.00")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (r.body["status"].as_str(), dec(&r.body["balance"])),
        (Some("pending"), money("50.00"))
    );
    let r = pay(&app, &cast.organizer, &reference, manual("50.00")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (r.body["status"].as_str(), dec(&r.body["balance"])),
        (Some("paid"), Decimal::ZERO)
    );
    let r = pay(&app, &cast.finance, &reference, manual("10.00")).await;
    assert_eq!(r.code(), "order.manual_not_pending", "{}", r.text);

    let r = get_order(&app, &cast.ana, &reference).await;
    assert_eq!(r.body["status"], "paid");
    assert_eq!(dec(&r.body["paid"]), money("200.00"));
    let payments = r.body["payments"].as_array().cloned().unwrap_or_default();
    assert_eq!(payments.len(), 2);
    assert!(
        payments
            .iter()
            .all(|p| p["method"] == "manual" && p["status"] == "succeeded")
    );
    assert!(
        payments[0]["note"].is_null(),
        "staff notes stay with staff: {}",
        r.text
    );
    let r = get_order(&app, &cast.finance, &reference).await;
    assert_eq!(r.body["payments"][0]["note"], "bank transfer");
    assert_eq!(
        r.body["payments"][0]["recorded_by"],
        cast.finance.id.as_str()
    );

    app.settled().await;
    let order_id = tessera::app::order_id(&reference).to_string();
    assert_eq!(facts(&app, &order_id, "OrderPaid").await, 1);
    // The sale stands after the hold's time is up.
    app.clock.advance(chrono::Duration::minutes(30));
    assert_eq!(remaining(&app, "individual").await, Some(8));
    app.finish().await;
}

/// PAY-28/29 with AMB-9/10, PAY-19/20, ORDER-18, CAT-3: a refund to store credit
/// issues a spendable credit (and never more than was paid); the credit pays a
/// later order, comes back when that order is cancelled, and a full refund returns
/// the stock.
async fn pay_28_refund_to_credit_then_spend_it(b: Backend) {
    let (app, cast) = setup(b).await;
    let first = buy(&app, &cast.ana, "individual", 1).await;
    let r = pay(
        &app,
        &cast.finance,
        &first,
        json!({ "method": "manual", "amount": "100.00" }),
    )
    .await;
    assert_eq!(r.body["status"], "paid", "{}", r.text);

    // Who may refund, and how much.
    let r = refund(
        &app,
        &cast.ana,
        &first,
        json!({ "amount": "40.00", "to": "credit" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = refund(
        &app,
        &cast.checkin,
        &first,
        json!({ "amount": "40.00", "to": "credit" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = refund(
        &app,
        &cast.finance,
        &first,
        json!({ "amount": "0", "to": "credit" }),
    )
    .await;
    assert_eq!(r.code(), "order.refund_amount_not_positive", "{}", r.text);
    let r = refund(
        &app,
        &cast.finance,
        &first,
        json!({ "amount": "100.01", "to": "credit" }),
    )
    .await;
    assert_eq!(r.code(), "order.refund_exceeds_balance", "{}", r.text);
    // PAY-25: the card path needs a Stripe payment.
    let r = refund(
        &app,
        &cast.finance,
        &first,
        json!({ "amount": "10.00", "to": "card" }),
    )
    .await;
    assert_eq!(r.code(), "order.no_stripe_payment", "{}", r.text);

    let r = refund(
        &app,
        &cast.finance,
        &first,
        json!({ "amount": "40.00", "to": "credit" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "partially_refunded");
    let credit_id = r.body["credit_id"].as_str().unwrap_or_default().to_string();
    let r = refund(
        &app,
        &cast.finance,
        &first,
        json!({ "amount": "60.01", "to": "credit" }),
    )
    .await;
    assert_eq!(r.code(), "order.refund_exceeds_balance", "{}", r.text);
    assert_eq!(
        r.body["detail"],
        "Refund amount 60.01 exceeds the refundable balance of 60.00."
    );

    let mine = credits(&app, &cast.ana).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["credit_id"], credit_id.as_str());
    assert_eq!(
        (dec(&mine[0]["amount"]), dec(&mine[0]["remaining"])),
        (money("40.00"), money("40.00"))
    );
    assert_eq!(
        (&mine[0]["status"], &mine[0]["spendable"]),
        (&json!("available"), &json!(true))
    );
    assert_eq!(
        mine[0]["source_order"],
        tessera::app::order_id(&first).to_string().as_str()
    );
    assert_eq!(credits(&app, &cast.bo).await.len(), 0);
    assert_eq!(credits(&app, &cast.finance).await.len(), 1);
    let r = get_order(&app, &cast.ana, &first).await;
    assert_eq!(r.body["refunds"][0]["credit_id"], credit_id.as_str());
    assert_eq!(dec(&r.body["refundable"]), money("60.00"));

    // PAY-16/19: only its owner's orders can spend it.
    let bos = buy(&app, &cast.bo, "individual", 1).await;
    let r = pay(
        &app,
        &cast.bo,
        &bos,
        json!({ "method": "credit", "credit_id": credit_id }),
    )
    .await;
    assert_eq!(r.code(), "credit.wrong_user", "{}", r.text);

    // PAY-20: it pays part of a later order.
    let second = buy(&app, &cast.ana, "individual", 1).await;
    let r = pay(&app, &cast.ana, &second, json!({ "method": "credit" })).await;
    assert_eq!(r.code(), "payments.credit_required", "{}", r.text);
    let r = pay(
        &app,
        &cast.ana,
        &second,
        json!({ "method": "credit", "credit_id": credit_id }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(dec(&r.body["amount"]), money("40.00"));
    assert_eq!(
        (r.body["status"].as_str(), dec(&r.body["balance"])),
        (Some("pending"), money("60.00"))
    );
    let spent = credits(&app, &cast.ana).await;
    assert_eq!(
        (dec(&spent[0]["remaining"]), &spent[0]["status"]),
        (Decimal::ZERO, &json!("applied"))
    );
    assert_eq!(
        spent[0]["applied_to_order"],
        tessera::app::order_id(&second).to_string().as_str()
    );
    let r = pay(
        &app,
        &cast.ana,
        &second,
        json!({ "method": "credit", "credit_id": credit_id }),
    )
    .await;
    assert_eq!(r.code(), "credit.not_available", "{}", r.text);

    // ORDER-18: cancelling that order gives the credit back.
    let r = app
        .post(&format!("{}/cancel", order_path(&second)))
        .as_user(&cast.ana)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let back = credits(&app, &cast.ana).await;
    assert_eq!(
        (dec(&back[0]["remaining"]), &back[0]["status"]),
        (money("40.00"), &json!("available"))
    );
    assert!(back[0]["applied_to_order"].is_null());
    let r = get_order(&app, &cast.ana, &second).await;
    assert_eq!(r.body["payments"][0]["status"], "refunded", "{}", r.text);

    // Spent again, it pays a whole order (a 40.00 one is not sold; pay the rest
    // by hand) — the order is paid once.
    let third = buy(&app, &cast.ana, "individual", 1).await;
    let r = pay(
        &app,
        &cast.ana,
        &third,
        json!({ "method": "credit", "credit_id": credit_id }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = pay(
        &app,
        &cast.finance,
        &third,
        json!({ "method": "manual", "amount": "60.00" }),
    )
    .await;
    assert_eq!(r.body["status"], "paid", "{}", r.text);

    // CAT-3: a full refund of the first order returns its ticket.
    app.settled().await;
    app.clock.advance(chrono::Duration::minutes(1));
    assert_eq!(remaining(&app, "individual").await, Some(7));
    let r = refund(
        &app,
        &cast.organizer,
        &first,
        json!({ "amount": "60.00", "to": "credit", "reason": "duplicate" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["status"], "refunded");
    let r = refund(
        &app,
        &cast.finance,
        &first,
        json!({ "amount": "1.00", "to": "credit" }),
    )
    .await;
    assert_eq!(r.code(), "order.not_refundable", "{}", r.text);
    app.settled().await;
    assert_eq!(remaining(&app, "individual").await, Some(8));
    let all = credits(&app, &cast.ana).await;
    assert_eq!(all.len(), 2);
    assert_eq!(
        dec(&all[0]["amount"]),
        money("60.00"),
        "newest first: {all:?}"
    );
    let order_id = tessera::app::order_id(&third).to_string();
    assert_eq!(facts(&app, &order_id, "OrderPaid").await, 1);
    app.finish().await;
}

/// AMB-9/10: concurrent refunds of one order never add up to more than was paid.
async fn pay_26_concurrent_refunds_never_exceed_what_was_paid(b: Backend) {
    let (app, cast) = setup(b).await;
    let reference = buy(&app, &cast.ana, "individual", 1).await;
    let r = pay(
        &app,
        &cast.finance,
        &reference,
        json!({ "method": "manual", "amount": "100.00" }),
    )
    .await;
    assert_eq!(r.body["status"], "paid", "{}", r.text);
    let app = Arc::new(app);
    let mut tasks = vec![];
    for _ in 0..8 {
        let app = app.clone();
        let finance = cast.finance.clone();
        let reference = reference.clone();
        tasks.push(tokio::spawn(async move {
            refund(
                &app,
                &finance,
                &reference,
                json!({ "amount": "30.00", "to": "credit" }),
            )
            .await
        }));
    }
    let mut granted = 0;
    for t in tasks {
        let r = t.await.expect("task");
        match r.status {
            StatusCode::CREATED => granted += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(r.code(), "order.refund_exceeds_balance", "{}", r.text)
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(granted, 3);
    let r = get_order(&app, &cast.ana, &reference).await;
    assert_eq!(dec(&r.body["refunded"]), money("90.00"));
    assert_eq!(r.body["status"], "partially_refunded");
    let issued = credits(&app, &cast.ana).await;
    assert_eq!(issued.len(), 3);
    match Arc::try_unwrap(app) {
        Ok(app) => app.finish().await,
        Err(_) => panic!("app still shared"),
    }
}

/// AMB-22 with ORDER-20: a pending order that expires gives its applied credit back,
/// like a cancellation.
async fn amb_22_stale_expiry_restores_applied_credits(b: Backend) {
    let (app, cast) = setup(b).await;
    let first = buy(&app, &cast.ana, "individual", 1).await;
    pay(
        &app,
        &cast.finance,
        &first,
        json!({ "method": "manual", "amount": "100.00" }),
    )
    .await;
    let r = refund(
        &app,
        &cast.finance,
        &first,
        json!({ "amount": "30.00", "to": "credit" }),
    )
    .await;
    let credit_id = r.body["credit_id"].as_str().unwrap_or_default().to_string();
    assert_eq!(credits(&app, &cast.ana).await.len(), 1);
    let second = buy(&app, &cast.ana, "individual", 1).await;
    let r = pay(
        &app,
        &cast.ana,
        &second,
        json!({ "method": "credit", "credit_id": credit_id }),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        dec(&credits(&app, &cast.ana).await[0]["remaining"]),
        Decimal::ZERO
    );

    // The hold runs out; the next checkout in the conference expires the order.
    app.clock.advance(chrono::Duration::minutes(16));
    buy(&app, &cast.bo, "individual", 1).await;
    app.settled().await;
    let r = get_order(&app, &cast.ana, &second).await;
    assert_eq!(
        (&r.body["status"], &r.body["cancel_reason"]),
        (&json!("cancelled"), &json!("expired")),
        "{}",
        r.text
    );
    let back = credits(&app, &cast.ana).await;
    assert_eq!(
        (dec(&back[0]["remaining"]), &back[0]["status"]),
        (money("30.00"), &json!("available"))
    );
    app.finish().await;
}

/// AMB-9, PAY-25…27: a refund to the card needs a Stripe payment and the Stripe
/// gateway; until the gateway is wired it answers 503 and the refund is voided
/// (nothing refunded, no credit note, the full amount still refundable).
async fn pay_27_card_refunds_are_voided_while_stripe_is_unavailable(b: Backend) {
    let (app, cast) = setup(b).await;
    let reference = buy(&app, &cast.ana, "individual", 1).await;
    // A card payment as the Stripe webhook records it (PAY-45).
    let order_id = tessera::app::order_id(&reference);
    let meta = tessera_projections::EventMeta {
        conference_id: Some(tessera::app::conference_id(CONF)),
        actor: "system".to_string(),
        ..Default::default()
    };
    app.app
        .bus
        .send(
            &tessera_aggregates::order::Order::stream(order_id),
            tessera_aggregates::order::OrderCommand::RecordPayment {
                payment_id: uuid::Uuid::new_v4(),
                method: tessera_aggregates::order::PaymentMethod::Stripe,
                amount: money("100.00"),
                stripe_payment_intent: Some("pi_test_1".to_string()),
                credit_id: None,
                reference: String::new(),
                note: String::new(),
                by: None,
            },
            &meta,
        )
        .await
        .expect("stripe payment recorded");
    let r = refund(
        &app,
        &cast.finance,
        &reference,
        json!({ "amount": "30.00", "to": "card" }),
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.code(), "payments.stripe_unavailable");
    let r = get_order(&app, &cast.finance, &reference).await;
    assert_eq!(r.body["status"], "paid", "{}", r.text);
    assert_eq!(r.body["refunds"][0]["failed"], true);
    assert!(r.body["refunds"][0]["credit_id"].is_null());
    assert_eq!(dec(&r.body["refundable"]), money("100.00"));
    assert_eq!(credits(&app, &cast.finance).await.len(), 0);
    // To store credit it works, up to what was paid.
    let r = refund(
        &app,
        &cast.finance,
        &reference,
        json!({ "amount": "100.00", "to": "credit" }),
    )
    .await;
    assert_eq!(r.body["status"], "refunded", "{}", r.text);
    assert_eq!(credits(&app, &cast.ana).await.len(), 1);
    app.finish().await;
}

on_both_backends!(
    order_24_only_the_owner_and_staff_see_an_order,
    order_27_lists_mine_newest_first_staff_see_all,
    order_18_cancel_restores_stock_and_voucher_use,
    pay_12_comp_pays_a_zero_total_order,
    pay_13_manual_payments_pay_once,
    pay_28_refund_to_credit_then_spend_it,
    pay_26_concurrent_refunds_never_exceed_what_was_paid,
    amb_22_stale_expiry_restores_applied_credits,
    pay_27_card_refunds_are_voided_while_stripe_is_unavailable,
);
